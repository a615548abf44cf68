"""A correct Lab 2 processor in another style: the low-level clients, a rule table for validation,
numbers serialized by hand, a placed_at ending in Z, and a 500 with its error when the store fails."""

import json
import os
import sys
from datetime import datetime, timezone

import boto3

DDB = boto3.client("dynamodb")
SNS = boto3.client("sns")


def _number(value):
    return type(value) in (int, float)


RULES = [
    (lambda o: type(o) is dict, "an order is a JSON object"),
    (lambda o: all(type(o.get(k)) is str and o[k] for k in ("order_id", "customer_id", "status")),
     "order_id, customer_id and status are required strings"),
    (lambda o: type(o.get("items")) is list and len(o["items"]) > 0, "items must list at least one item"),
    (lambda o: all(type(i) is dict and type(i.get("sku")) is str and i["sku"]
                   and type(i.get("quantity")) is int and i["quantity"] > 0
                   and _number(i.get("unit_price")) and i["unit_price"] >= 0 for i in o["items"]),
     "every item needs a sku, a quantity of 1 or more and a unit_price of 0 or more"),
    (lambda o: _number(o.get("total")) and o["total"] >= 0, "total must be a number of 0 or more"),
]


def to_attribute(value):
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (int, float)):
        return {"N": repr(value)}  # repr(19.99) == '19.99': the shortest text that round-trips
    if isinstance(value, list):
        return {"L": [to_attribute(v) for v in value]}
    return {"M": {k: to_attribute(v) for k, v in value.items()}}


def lambda_handler(event, context):
    for rule, message in RULES:
        if not rule(event):
            return {"statusCode": 400, "error": message}
    placed_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    item = {key: to_attribute(value) for key, value in event.items()}
    try:
        DDB.put_item(TableName=os.environ["ORDERS_TABLE"], Item=item)
    except Exception as error:  # nothing stored: say so, publish nothing
        print(f"order {event['order_id']} was not stored: {error!r}", file=sys.stderr)
        return {"statusCode": 500, "error": f"order {event['order_id']} was not stored"}
    body = {"order_id": event["order_id"], "customer_id": event["customer_id"], "total": event["total"],
            "placed_at": placed_at}
    published = SNS.publish(
        TopicArn=os.environ["ORDER_EVENTS_TOPIC_ARN"],
        Message=json.dumps(body),
        MessageAttributes={"event_type": {"DataType": "String", "StringValue": "OrderPlaced"}},
    )
    return {"order_id": event["order_id"], "message_id": published["MessageId"], "statusCode": 201}
