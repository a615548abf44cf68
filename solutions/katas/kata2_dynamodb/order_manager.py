"""Parts Unlimited orders in DynamoDB: store an order, read it back, move it along, list a customer's.

Reference solution for Kata 2, optional extensions included. The numbered comments match the
README's steps.
"""

import os
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

CUSTOMER_INDEX = "customer_id-index"

# Which status may follow which (README step 6). DELIVERED and CANCELLED are final.
ALLOWED_TRANSITIONS = {
    "PLACED": ("PAID", "CANCELLED"),
    "PAID": ("SHIPPED", "CANCELLED"),
    "SHIPPED": ("DELIVERED",),
    "DELIVERED": (),
    "CANCELLED": (),
}


class OrderError(Exception):
    """Base class of the errors this module raises on purpose."""


class OrderAlreadyExistsError(OrderError):
    """put_order was given an order_id that is already stored."""


class OrderNotFoundError(OrderError):
    """update_order_status was given an order_id that is not stored."""


class InvalidStatusTransitionError(OrderError, ValueError):
    """The order's current status does not allow the status asked for."""


def validate_order(order):
    """Step 2: refuse an order without order_id, customer_id or items, before any AWS call."""
    if not isinstance(order, dict):
        raise TypeError(f"an order is a dict, got {type(order).__name__}")
    for field in ("order_id", "customer_id"):
        value = order.get(field)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"an order needs a non-empty {field}, got {value!r}")
    items = order.get("items")
    if not isinstance(items, list) or not items:
        raise ValueError(f"an order needs at least one item, got {items!r}")


def to_dynamodb(value):
    """Step 3: the value with every float replaced by the Decimal that reads the same.

    Decimal(str(19.99)) is Decimal('19.99'); Decimal(19.99) would keep the float's binary error
    (19.989999999999998436...), and boto3 refuses floats altogether.
    """
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {key: to_dynamodb(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [to_dynamodb(inner) for inner in value]
    return value


class OrderManager:
    """The Orders table (partition key order_id, a string), one order per item."""

    def __init__(self, table_name=None):
        # Step 1: an explicit table name wins over the ORDERS_TABLE environment variable.
        self.table_name = table_name or os.environ["ORDERS_TABLE"]
        self.table = boto3.resource("dynamodb").Table(self.table_name)

    def put_order(self, order):
        """Step 4: store a new order; OrderAlreadyExistsError if its order_id is taken."""
        validate_order(order)
        try:
            # The condition is checked by DynamoDB in the same step as the write: no other writer
            # can slip in between, as one could between a get_item and a put_item.
            self.table.put_item(Item=to_dynamodb(order), ConditionExpression=Attr("order_id").not_exists())
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise OrderAlreadyExistsError(f"order {order['order_id']} already exists") from error
            raise  # anything else (a missing table, throttling, no permission) is the caller's to see

    def get_order(self, order_id):
        """Step 5: the order, read strongly consistent, or None; its numbers are Decimal."""
        answer = self.table.get_item(Key={"order_id": order_id}, ConsistentRead=True)
        return answer.get("Item")

    def update_order_status(self, order_id, new_status):
        """Step 6 (extension): move the order to new_status if its current status allows it."""
        allowed_from = [status for status, following in ALLOWED_TRANSITIONS.items() if new_status in following]
        if not allowed_from:
            raise InvalidStatusTransitionError(f"no order may move to {new_status!r}")
        try:
            answer = self.table.update_item(
                Key={"order_id": order_id},
                UpdateExpression="SET #status = :new_status",
                # Judged by DynamoDB against the status stored at the moment of the write.
                ConditionExpression=Attr("order_id").exists() & Attr("status").is_in(allowed_from),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":new_status": new_status},
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            current = error.response.get("Item")  # the item as it was, in DynamoDB's JSON
            if current is None:
                raise OrderNotFoundError(f"order {order_id} does not exist") from error
            status = current.get("status", {}).get("S")
            raise InvalidStatusTransitionError(f"order {order_id} cannot move from {status} to {new_status}") from error
        return answer["Attributes"]

    def list_orders_for_customer(self, customer_id):
        """Step 7 (extension): every order of the customer, through the GSI, page after page."""
        request = {"IndexName": CUSTOMER_INDEX, "KeyConditionExpression": Key("customer_id").eq(customer_id)}
        orders = []
        while True:
            page = self.table.query(**request)
            orders.extend(page["Items"])
            if "LastEvaluatedKey" not in page:  # a page holds at most 1 MB: more may follow
                return orders
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
