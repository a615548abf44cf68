"""A correct Lab 2 logger in another style: update_item with a condition on the resource, a text
prefix before the JSON of each log line, plain-text duplicates, and the failures as a set."""

import json
import logging
import os

import boto3
from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

log = logging.getLogger("order_event_logger")
log.setLevel(logging.INFO)
table = boto3.resource("dynamodb").Table(os.environ["PROCESSED_EVENTS_TABLE"])


def first_delivery(message_id):
    try:
        table.update_item(
            Key={"message_id": message_id},
            UpdateExpression="SET seen = :yes",
            ConditionExpression=Attr("message_id").not_exists(),
            ExpressionAttributeValues={":yes": True},
        )
        return True
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        return False


def event_of(body):
    event = json.loads(body)
    if not isinstance(event, dict):
        raise ValueError("not an object")
    for name in ("order_id", "customer_id", "placed_at"):
        if not isinstance(event.get(name), str) or not event[name]:
            raise ValueError(f"{name} missing")
    if isinstance(event.get("total"), bool) or not isinstance(event.get("total"), (int, float)):
        raise ValueError("total missing")
    return event


def lambda_handler(event, context):
    failed = set()
    for record in event.get("Records", []):
        try:
            order = event_of(record["body"])
        except ValueError as error:  # json.JSONDecodeError is a ValueError too
            log.error("rejecting %s: %s", record["messageId"], error)
            failed.add(record["messageId"])
            continue
        if first_delivery(record["messageId"]):
            log.info("order event %s", json.dumps({**order, "status": "processed", "message_id": record["messageId"]}))
        else:
            log.info("Duplicate delivery of message %s skipped", record["messageId"])
    return {"batchItemFailures": [{"itemIdentifier": i} for i in sorted(failed)]}
