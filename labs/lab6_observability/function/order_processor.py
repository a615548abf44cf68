"""order-processor: stores each order of a batch in the Orders table (and, after TODO 1, counts it in CloudWatch).

Event: {"orders": [{"order_id": "o-1", "customer_id": "c-1", "total": "19.90"}, ...]}. An order without
one of those fields stops the invocation with InvalidOrderError: Lambda reports it as an error (the
standard `Errors` metric), and the orders before it stay stored and counted.
"""

import os
from decimal import Decimal

import boto3

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
    # Optional TODO 10: wrap the DynamoDB call in an annotated X-Ray subsegment (README, "Optional: X-Ray").
    table.put_item(
        Item={"order_id": order["order_id"], "customer_id": order["customer_id"], "total": Decimal(str(order["total"]))}
    )


def lambda_handler(event, context):
    orders = event.get("orders", [])
    for order in orders:
        store_order(order)
        # TODO 1: count this stored order in CloudWatch: OrdersProcessed, README step 1.
    return {"processed": len(orders)}
