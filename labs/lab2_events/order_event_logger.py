"""Amazon-style order processing, part 2: log each OrderPlaced event from the queue, exactly once.

Lab 2 starter. Work through the numbered TODOs; each matches a step of README.md.
Grade your work with `course grade lab2` (or `pytest labs/lab2_events`).

Lambda calls lambda_handler with an SQS event: {"Records": [{"messageId", "body", ...}, ...]}, where
each body is an OrderPlaced event {"order_id", "customer_id", "total", "placed_at"} (raw delivery).
Answer: {"batchItemFailures": [{"itemIdentifier": <messageId>}, ...]} naming only the records that
are not valid events.
"""

import json
import logging
import os
from datetime import datetime, timezone

import boto3
from botocore.exceptions import ClientError

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# TODO 7a (README step 7): read the table name (PROCESSED_EVENTS_TABLE) from the environment and
# create the DynamoDB client or resource here, once per cold start. Replace the None values.
PROCESSED_EVENTS_TABLE = None
processed_events = None


class InvalidEvent(ValueError):
    """The record's body is not an OrderPlaced event."""


def parse_event(body):
    """Return the OrderPlaced event in a record's body as a dict; raise InvalidEvent if it is not one.

    Valid: a JSON object with order_id, customer_id and placed_at as non-empty strings and total a number.
    """
    # TODO 7b (README step 7)
    raise NotImplementedError("TODO 7: parse the event (README step 7)")


def record_once(message_id, order_id):
    """Record the message id in the processed-events table: True the first time, False for a redelivery.

    One conditional put (attribute_not_exists), not a read followed by a write.
    """
    # TODO 8 (README step 8)
    raise NotImplementedError("TODO 8: record the message id once (README step 8)")


def lambda_handler(event, context):
    """Log one JSON line per new order, mark redeliveries as duplicates, report invalid records only."""
    # TODO 9 (README step 9): every record on its own; collect the failed messageIds.
    raise NotImplementedError("TODO 9: write lambda_handler (README step 9)")
