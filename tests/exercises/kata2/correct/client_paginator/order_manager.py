"""Kata 2, written differently: the low-level client, TypeSerializer/TypeDeserializer, the query paginator."""

import functools
import os
from decimal import Decimal

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

CUSTOMER_INDEX = "customer_id-index"
ALLOWED_TRANSITIONS = {
    "PLACED": ("PAID", "CANCELLED"),
    "PAID": ("SHIPPED", "CANCELLED"),
    "SHIPPED": ("DELIVERED",),
    "DELIVERED": (),
    "CANCELLED": (),
}

_client = boto3.client("dynamodb")
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class OrderError(Exception):
    pass


class OrderAlreadyExistsError(OrderError):
    pass


class OrderNotFoundError(OrderError):
    pass


class InvalidStatusTransitionError(OrderError, ValueError):
    pass


@functools.singledispatch
def _exact(value):
    return value


@_exact.register
def _(value: float):
    return Decimal(repr(value))


@_exact.register
def _(value: dict):
    return {key: _exact(inner) for key, inner in value.items()}


@_exact.register
def _(value: list):
    return [_exact(inner) for inner in value]


def _to_item(order):
    return {key: _serializer.serialize(value) for key, value in _exact(order).items()}


def _from_item(item):
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


def _code(error):
    return error.response.get("Error", {}).get("Code")


class OrderManager:
    def __init__(self, table_name=None):
        if table_name is None:
            table_name = os.environ["ORDERS_TABLE"]
        _client.describe_table(TableName=table_name)  # fail fast: a missing table raises here
        self._table = table_name

    def put_order(self, order):
        if not order.get("order_id") or not order.get("customer_id"):
            raise ValueError("order_id and customer_id are required")
        if not order.get("items"):
            raise ValueError("an order needs items")
        try:
            _client.put_item(
                TableName=self._table, Item=_to_item(order), ConditionExpression="attribute_not_exists(order_id)"
            )
        except ClientError as error:
            if _code(error) == "ConditionalCheckFailedException":
                raise OrderAlreadyExistsError(order["order_id"]) from error
            raise

    def _read(self, order_id):
        answer = _client.get_item(TableName=self._table, Key={"order_id": {"S": order_id}}, ConsistentRead=True)
        return _from_item(answer["Item"]) if "Item" in answer else None

    def get_order(self, order_id):
        return self._read(order_id)

    def update_order_status(self, order_id, new_status):
        sources = sorted(s for s, nexts in ALLOWED_TRANSITIONS.items() if new_status in nexts)
        if not sources:
            raise InvalidStatusTransitionError(f"nothing moves to {new_status}")
        names = ", ".join(f":from{i}" for i in range(len(sources)))
        values = {f":from{i}": {"S": s} for i, s in enumerate(sources)}
        try:
            answer = _client.update_item(
                TableName=self._table,
                Key={"order_id": {"S": order_id}},
                UpdateExpression="SET #st = :new",
                ConditionExpression=f"attribute_exists(order_id) AND #st IN ({names})",
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues={":new": {"S": new_status}, **values},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if _code(error) != "ConditionalCheckFailedException":
                raise
            # The write was refused atomically; a read now only tells which refusal it was.
            if self._read(order_id) is None:
                raise OrderNotFoundError(order_id) from error
            raise InvalidStatusTransitionError(f"{order_id} cannot move to {new_status}") from error
        return _from_item(answer["Attributes"])

    def list_orders_for_customer(self, customer_id):
        pages = _client.get_paginator("query").paginate(
            TableName=self._table,
            IndexName=CUSTOMER_INDEX,
            KeyConditionExpression="customer_id = :c",
            ExpressionAttributeValues={":c": {"S": customer_id}},
        )
        return [_from_item(item) for page in pages for item in page["Items"]]
