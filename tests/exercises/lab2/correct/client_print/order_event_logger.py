"""A correct Lab 2 logger in another style: the low-level client, print() for the log lines, and a
None answer when no record failed."""

import json
import os

import boto3

DDB = boto3.client("dynamodb")
TABLE = os.environ["PROCESSED_EVENTS_TABLE"]
FIELDS = {"order_id": str, "customer_id": str, "placed_at": str}


def valid(event):
    return (
        isinstance(event, dict)
        and all(isinstance(event.get(k), t) and event[k] for k, t in FIELDS.items())
        and type(event.get("total")) in (int, float)
    )


def handle(record):
    """'processed', 'duplicate' or 'invalid'."""
    try:
        event = json.loads(record["body"])
    except json.JSONDecodeError:
        return "invalid"
    if not valid(event):
        return "invalid"
    try:
        DDB.put_item(
            TableName=TABLE,
            Item={"message_id": {"S": record["messageId"]}, "order_id": {"S": event["order_id"]}},
            ConditionExpression="attribute_not_exists(#id)",
            ExpressionAttributeNames={"#id": "message_id"},
        )
    except DDB.exceptions.ConditionalCheckFailedException:
        print(json.dumps({"status": "duplicate", "message_id": record["messageId"]}))
        return "duplicate"
    print(json.dumps({"status": "processed", "message_id": record["messageId"], **event}))
    return "processed"


def lambda_handler(event, context):
    failed = [r["messageId"] for r in event["Records"] if handle(r) == "invalid"]
    if not failed:
        return None
    print(json.dumps({"status": "invalid", "message_ids": failed}))
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
