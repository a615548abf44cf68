"""Amazon-style order processing, part 1: store an order, then announce it with an OrderPlaced event.

Reference solution for Lab 2. The numbered comments match the README's steps.
Direct invocation with an order: {"order_id", "customer_id", "items": [{"sku", "quantity",
"unit_price"}], "total", "status"} -> {"order_id", "message_id"}, or {"error": "..."}.
"""

import json
import logging
import os
from datetime import datetime, timezone
from decimal import Decimal

import boto3
from botocore.exceptions import ClientError

logger = logging.getLogger()
logger.setLevel(logging.INFO)

EVENT_TYPE = "OrderPlaced"

# Step 2: configuration and clients, once per cold start.
ORDERS_TABLE = os.environ["ORDERS_TABLE"]
TOPIC_ARN = os.environ["ORDER_EVENTS_TOPIC_ARN"]
orders = boto3.resource("dynamodb").Table(ORDERS_TABLE)
sns = boto3.client("sns")


def _is_text(value):
    return isinstance(value, str) and value.strip() != ""


def _is_number(value):
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def validation_error(order):
    """Step 3: None when the order is valid, else a sentence saying what is wrong with it."""
    if not isinstance(order, dict):
        return "the order must be a JSON object"
    for field in ("order_id", "customer_id", "status"):
        if not _is_text(order.get(field)):
            return f"{field} must be a non-empty string"
    items = order.get("items")
    if not isinstance(items, list) or not items:
        return "items must be a non-empty list"
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not _is_text(item.get("sku")):
            return f"items[{index}].sku must be a non-empty string"
        quantity = item.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            return f"items[{index}].quantity must be a whole number of at least 1"
        if not _is_number(item.get("unit_price")) or item["unit_price"] < 0:
            return f"items[{index}].unit_price must be a number of at least 0"
    if not _is_number(order.get("total")) or order["total"] < 0:
        return "total must be a number of at least 0"
    return None


def store_order(order, placed_at):
    """Step 4: put the order in the Orders table; numbers become Decimal, built from their text."""
    # json.loads(..., parse_float=Decimal) turns 19.99 into Decimal("19.99"), not into the binary
    # float's 19.989999999999998436805981327779591083526611328125.
    item = json.loads(json.dumps(order), parse_float=Decimal)
    item["placed_at"] = placed_at
    orders.put_item(Item=item)


def publish_order_placed(order, placed_at):
    """Step 5: publish the OrderPlaced event with its event_type attribute; return SNS's MessageId."""
    event = {
        "order_id": order["order_id"],
        "customer_id": order["customer_id"],
        "total": order["total"],
        "placed_at": placed_at,
    }
    answer = sns.publish(
        TopicArn=TOPIC_ARN,
        Message=json.dumps(event),
        MessageAttributes={"event_type": {"DataType": "String", "StringValue": EVENT_TYPE}},
    )
    return answer["MessageId"]


def lambda_handler(event, context):
    """Step 6: validate, store, then publish; an error response for bad input or a failed store."""
    problem = validation_error(event)
    if problem:
        logger.warning("rejected an order: %s", problem)
        return {"error": problem}
    placed_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    try:
        store_order(event, placed_at)
    except ClientError:
        # Nothing was stored, so nothing may be announced: no event for an order that does not exist.
        logger.exception("could not store order %s", event["order_id"])
        return {"error": "the order could not be stored"}
    message_id = publish_order_placed(event, placed_at)
    logger.info("order %s stored and announced (message %s)", event["order_id"], message_id)
    return {"order_id": event["order_id"], "message_id": message_id}
