"""order-processor: one OrdersProcessed datapoint per invocation, worth the number of orders stored."""

import os
from decimal import Decimal

import boto3
from aws_xray_sdk.core import xray_recorder

NAMESPACE = "PartsUnlimited/Orders"
METRIC_NAME = "OrdersProcessed"
DIMENSIONS = [{"Name": "Service", "Value": "order-processor"}]
REQUIRED_FIELDS = ("order_id", "customer_id", "total")

table = boto3.resource("dynamodb").Table(os.environ.get("ORDERS_TABLE", "Orders"))
cloudwatch = boto3.client("cloudwatch")


class InvalidOrderError(Exception):
    """An order the function cannot store."""


def store_order(order: dict) -> None:
    missing = [field for field in REQUIRED_FIELDS if field not in order]
    if missing:
        raise InvalidOrderError(f"order {order.get('order_id', '?')} lacks {', '.join(missing)}")
    subsegment = xray_recorder.begin_subsegment("store_order")
    try:
        subsegment.put_annotation("order_id", order["order_id"])
        table.put_item(
            Item={"order_id": order["order_id"], "customer_id": order["customer_id"], "total": Decimal(str(order["total"]))}
        )
    finally:
        xray_recorder.end_subsegment()


def record_orders_processed(count: int) -> None:
    if count:
        cloudwatch.put_metric_data(
            Namespace=NAMESPACE,
            MetricData=[{"MetricName": METRIC_NAME, "Dimensions": DIMENSIONS, "Value": count, "Unit": "Count"}],
        )


def lambda_handler(event, context):
    stored = 0
    try:
        for order in event.get("orders", []):
            store_order(order)
            stored += 1
    finally:  # the orders stored before a failure count too
        record_orders_processed(stored)
    return {"processed": stored}
