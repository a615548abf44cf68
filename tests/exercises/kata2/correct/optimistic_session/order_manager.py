"""Kata 2, written differently: a Session's resource, a transactional put, optimistic status updates
(read, judge in Python, write on condition that the status is still the one read, retry), a manual
pagination loop."""

import os
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

CUSTOMER_INDEX = "customer_id-index"
ALLOWED_TRANSITIONS = {
    "PLACED": ("PAID", "CANCELLED"),
    "PAID": ("SHIPPED", "CANCELLED"),
    "SHIPPED": ("DELIVERED",),
    "DELIVERED": (),
    "CANCELLED": (),
}


class OrderError(Exception):
    pass


class OrderAlreadyExistsError(OrderError):
    pass


class OrderNotFoundError(OrderError):
    pass


class InvalidStatusTransitionError(OrderError, ValueError):
    pass


def _decimals(value):
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    return value


class OrderManager:
    def __init__(self, table_name=None):
        self.name = table_name if table_name else os.environ["ORDERS_TABLE"]
        session = boto3.session.Session()
        self.table = session.resource("dynamodb").Table(self.name)
        self.client = self.table.meta.client

    def put_order(self, order):
        for field in ("order_id", "customer_id"):
            if not order.get(field):
                raise ValueError(f"missing {field}")
        if not order.get("items"):
            raise ValueError("no items")
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.name,
                            "Item": _decimals(order),
                            "ConditionExpression": "attribute_not_exists(#id)",
                            "ExpressionAttributeNames": {"#id": "order_id"},
                        }
                    }
                ]
            )
        except self.client.exceptions.TransactionCanceledException as error:
            reasons = [reason.get("Code") for reason in error.response.get("CancellationReasons", [])]
            if "ConditionalCheckFailed" in reasons:
                raise OrderAlreadyExistsError(order["order_id"]) from error
            raise

    def get_order(self, order_id):
        return self.table.get_item(Key={"order_id": order_id}, ConsistentRead=True).get("Item")

    def update_order_status(self, order_id, new_status):
        for _ in range(5):
            current = self.get_order(order_id)
            if current is None:
                raise OrderNotFoundError(order_id)
            if new_status not in ALLOWED_TRANSITIONS.get(current.get("status"), ()):
                raise InvalidStatusTransitionError(f"{current.get('status')} -> {new_status}")
            try:
                return self.table.update_item(
                    Key={"order_id": order_id},
                    UpdateExpression="SET #s = :new",
                    ConditionExpression="#s = :seen",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":new": new_status, ":seen": current["status"]},
                    ReturnValues="ALL_NEW",
                )["Attributes"]
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                # Someone changed it since we read it: read again and judge again.
        raise OrderError(f"{order_id} keeps changing; try again later")

    def list_orders_for_customer(self, customer_id):
        found = []
        start = None
        while True:
            kwargs = {"IndexName": CUSTOMER_INDEX, "KeyConditionExpression": Key("customer_id").eq(customer_id)}
            if start:
                kwargs["ExclusiveStartKey"] = start
            answer = self.table.query(**kwargs)
            found += answer.get("Items", [])
            start = answer.get("LastEvaluatedKey")
            if not start:
                break
        return found
