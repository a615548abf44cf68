"""order-processor: stores each order and counts it with an Embedded Metric Format log line."""

import json
import os
import time
from decimal import Decimal

import boto3
from aws_xray_sdk.core import xray_recorder

table = boto3.resource("dynamodb").Table(os.environ.get("ORDERS_TABLE", "Orders"))


class InvalidOrderError(Exception):
    pass


@xray_recorder.capture("store_order")
def store_order(order):
    missing = [field for field in ("order_id", "customer_id", "total") if field not in order]
    if missing:
        raise InvalidOrderError(f"order {order.get('order_id', '?')} lacks {', '.join(missing)}")
    xray_recorder.current_subsegment().put_annotation("order_id", order["order_id"])
    table.put_item(Item={"order_id": order["order_id"], "customer_id": order["customer_id"], "total": Decimal(str(order["total"]))})


def emit_order_processed():
    # CloudWatch Logs turns this line into one OrdersProcessed datapoint: no API call.
    print(json.dumps({
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [{
                "Namespace": "PartsUnlimited/Orders",
                "Dimensions": [["Service"]],
                "Metrics": [{"Name": "OrdersProcessed", "Unit": "Count"}],
            }],
        },
        "Service": "order-processor",
        "OrdersProcessed": 1,
    }))


def lambda_handler(event, context):
    for order in event.get("orders", []):
        store_order(order)
        emit_order_processed()
    return {"processed": len(event.get("orders", []))}
