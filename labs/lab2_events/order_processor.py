"""Amazon-style order processing, part 1: store an order, then announce it with an OrderPlaced event.

Lab 2 starter. Work through the numbered TODOs; each matches a step of README.md.
Grade your work with `course grade lab2` (or `pytest labs/lab2_events`).

Direct invocation with an order (the shape of Kata 2):
    {"order_id": "ORD-1001", "customer_id": "CUST-42", "status": "PLACED", "total": 60.07,
     "items": [{"sku": "PU-1001", "quantity": 3, "unit_price": 19.99}, ...]}
Answer: {"order_id": ..., "message_id": <SNS MessageId>}, or {"error": "..."} when the order is
invalid or could not be stored (and then nothing is published).
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

# TODO 2 (README step 2): read the table name (ORDERS_TABLE) and the topic ARN
# (ORDER_EVENTS_TOPIC_ARN) from the environment, and create the DynamoDB and SNS clients here,
# at module level, once per cold start. Replace the None values.
ORDERS_TABLE = None
TOPIC_ARN = None
orders = None
sns = None


def validation_error(order):
    """Return None when the order is valid, else a sentence saying what is wrong with it.

    Valid: a dict; order_id, customer_id and status non-empty strings; items a non-empty list of
    dicts, each with a non-empty string sku, a whole-number quantity of at least 1 and a number
    unit_price of at least 0; total a number of at least 0. True and False are not numbers here.
    """
    # TODO 3 (README step 3)
    raise NotImplementedError("TODO 3: validate the order (README step 3)")


def store_order(order, placed_at):
    """Put the order (plus placed_at) in the orders table, money as Decimal; raise if that fails."""
    # TODO 4 (README step 4): DynamoDB takes no float: build each Decimal from the number's text.
    raise NotImplementedError("TODO 4: store the order (README step 4)")


def publish_order_placed(order, placed_at):
    """Publish {"order_id", "customer_id", "total", "placed_at"} with event_type=OrderPlaced; return the MessageId."""
    # TODO 5 (README step 5)
    raise NotImplementedError("TODO 5: publish the OrderPlaced event (README step 5)")


def lambda_handler(event, context):
    """Validate, store, then publish: {"order_id", "message_id"}, or {"error": "..."}.

    Invalid input gets {"error": ...} (never an exception); when the store fails, nothing is published.
    """
    # TODO 6 (README step 6): put the steps together; placed_at is the current UTC time in ISO 8601.
    raise NotImplementedError("TODO 6: write lambda_handler (README step 6)")
