"""order-processor: stores each order of a batch in the Orders table and counts it in CloudWatch.

Event: {"orders": [{"order_id": "o-1", "customer_id": "c-1", "total": "19.90"}, ...]}. An order without
one of those fields stops the invocation with InvalidOrderError: Lambda reports it as an error (the
standard `Errors` metric), and the orders before it stay stored and counted.
"""

import os
from decimal import Decimal

import boto3
from aws_xray_sdk.core import xray_recorder

NAMESPACE = "PartsUnlimited/Orders"
METRIC_NAME = "OrdersProcessed"
DIMENSIONS = [{"Name": "Service", "Value": "order-processor"}]
REQUIRED_FIELDS = ("order_id", "customer_id", "total")

# Created once per execution environment, reused by every warm invocation.
table = boto3.resource("dynamodb").Table(os.environ.get("ORDERS_TABLE", "Orders"))
cloudwatch = boto3.client("cloudwatch")


class InvalidOrderError(Exception):
    """An order the function cannot store."""


def store_order(order: dict) -> None:
    missing = [field for field in REQUIRED_FIELDS if field not in order]
    if missing:
        raise InvalidOrderError(f"order {order.get('order_id', '?')} lacks {', '.join(missing)}")
    # Optional part: the DynamoDB call in a subsegment of its own, searchable by the order's id.
    with xray_recorder.in_subsegment("store_order") as subsegment:
        subsegment.put_annotation("order_id", order["order_id"])
        table.put_item(
            Item={"order_id": order["order_id"], "customer_id": order["customer_id"], "total": Decimal(str(order["total"]))}
        )


def record_order_processed() -> None:
    """One datapoint of OrdersProcessed (value 1, a Count) for one stored order."""
    cloudwatch.put_metric_data(
        Namespace=NAMESPACE,
        MetricData=[{"MetricName": METRIC_NAME, "Dimensions": DIMENSIONS, "Value": 1, "Unit": "Count"}],
    )


def lambda_handler(event, context):
    orders = event.get("orders", [])
    for order in orders:
        store_order(order)
        record_order_processed()
    return {"processed": len(orders)}
