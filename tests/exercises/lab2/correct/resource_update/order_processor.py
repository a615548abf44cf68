"""A correct Lab 2 processor in another style: a Session's resources, the SNS resource API created
on first use, validation by exceptions, and Decimals made by walking the order."""

import json
import logging
import os
from datetime import datetime, timezone
from decimal import Decimal

import boto3

log = logging.getLogger(__name__)
session = boto3.session.Session()
orders_table = session.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])
_topic = None


def topic():
    global _topic
    if _topic is None:  # created on the first order, then reused
        _topic = session.resource("sns").Topic(os.environ["ORDER_EVENTS_TOPIC_ARN"])
    return _topic


class BadOrder(ValueError):
    pass


def need(condition, message):
    if not condition:
        raise BadOrder(message)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check(order):
    need(isinstance(order, dict), "order must be an object")
    for name in ("order_id", "customer_id", "status"):
        need(isinstance(order.get(name), str) and order[name].strip(), f"{name} is required")
    items = order.get("items")
    need(isinstance(items, list) and items, "at least one item is required")
    for item in items:
        need(isinstance(item, dict), "an item must be an object")
        need(isinstance(item.get("sku"), str) and item["sku"], "sku is required")
        quantity = item.get("quantity")
        need(isinstance(quantity, int) and not isinstance(quantity, bool) and quantity >= 1, "quantity must be >= 1")
        need(is_number(item.get("unit_price")) and item["unit_price"] >= 0, "unit_price must be >= 0")
    need(is_number(order.get("total")) and order["total"] >= 0, "total must be >= 0")


def decimals(value):
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, list):
        return [decimals(v) for v in value]
    if isinstance(value, dict):
        return {k: decimals(v) for k, v in value.items()}
    return value


def lambda_handler(event, context):
    try:
        check(event)
    except BadOrder as problem:
        return {"error": str(problem), "statusCode": 400}
    now = datetime.now(timezone.utc).isoformat()
    try:
        orders_table.put_item(Item=decimals({**event, "placed_at": now}))
    except Exception:
        log.exception("store failed")
        return {"error": "order not stored", "statusCode": 500}
    sent = topic().publish(
        Message=json.dumps({"order_id": event["order_id"], "customer_id": event["customer_id"],
                            "total": event["total"], "placed_at": now}),
        MessageAttributes={"event_type": {"DataType": "String", "StringValue": "OrderPlaced"}},
    )
    return {"order_id": event["order_id"], "message_id": sent["MessageId"]}
