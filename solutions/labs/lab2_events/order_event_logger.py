"""Amazon-style order processing, part 2: log each OrderPlaced event from the queue, exactly once.

Reference solution for Lab 2. The numbered comments match the README's steps.
SQS event -> one JSON log line per order; {"batchItemFailures": [...]} names the records that are
not valid events, so that only those are retried (and, after 3 receives, sent to the DLQ).
"""

import json
import logging
import os
from datetime import datetime, timezone

import boto3
from botocore.exceptions import ClientError

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# Step 7: configuration and the table, once per cold start.
PROCESSED_EVENTS_TABLE = os.environ["PROCESSED_EVENTS_TABLE"]
processed_events = boto3.resource("dynamodb").Table(PROCESSED_EVENTS_TABLE)


class InvalidEvent(ValueError):
    """The record's body is not an OrderPlaced event."""


def parse_event(body):
    """Step 7: the OrderPlaced event in a record's body, or InvalidEvent saying what is wrong."""
    try:
        event = json.loads(body)
    except ValueError:
        raise InvalidEvent("the body is not JSON") from None
    if not isinstance(event, dict):
        raise InvalidEvent("the body is not a JSON object")
    for field in ("order_id", "customer_id", "placed_at"):
        if not isinstance(event.get(field), str) or not event[field]:
            raise InvalidEvent(f"{field} is missing or not a string")
    total = event.get("total")
    if not isinstance(total, (int, float)) or isinstance(total, bool):
        raise InvalidEvent("total is missing or not a number")
    return event


def record_once(message_id, order_id):
    """Step 8: True the first time this message id is recorded, False for a redelivery."""
    try:
        processed_events.put_item(
            Item={
                "message_id": message_id,
                "order_id": order_id,
                "processed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            },
            # One request that writes only if no item has this key: two deliveries of the same
            # message, even at the same moment, cannot both succeed.
            ConditionExpression="attribute_not_exists(message_id)",
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def log_json(level, **fields):
    """One log line that is a JSON object: CloudWatch Logs Insights can query its fields."""
    logger.log(level, json.dumps(fields))


def lambda_handler(event, context):
    """Step 9: handle every record on its own; report only the failed ones."""
    failures = []
    for record in event.get("Records", []):
        message_id = record["messageId"]
        try:
            order_event = parse_event(record["body"])
            first_time = record_once(message_id, order_event["order_id"])
        except InvalidEvent as error:
            log_json(logging.ERROR, status="invalid", message_id=message_id, error=str(error))
            failures.append({"itemIdentifier": message_id})
            continue
        except ClientError:
            logger.exception("could not record message %s", message_id)
            failures.append({"itemIdentifier": message_id})
            continue
        if first_time:
            log_json(
                logging.INFO,
                status="processed",
                message_id=message_id,
                order_id=order_event["order_id"],
                customer_id=order_event["customer_id"],
                total=order_event["total"],
                placed_at=order_event["placed_at"],
            )
        else:
            log_json(logging.INFO, status="duplicate", message_id=message_id, order_id=order_event["order_id"])
    return {"batchItemFailures": failures}
