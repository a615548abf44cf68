"""Parts Unlimited stock check on AWS Lambda: GET /inventory/{sku} -> the item and its stock status.

Lab 1 starter. Work through the numbered TODOs; each matches a step of README.md.
Grade your work with `course grade lab1` (or `pytest labs/lab1_inventory_status`).

The table (name in the INVENTORY_TABLE environment variable) has the partition key `sku` (string);
each item carries `name` (string), `quantity` (number) and `reorder_level` (number).
"""

import json
import logging
import os
import re

import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)

SKU_PATTERN = re.compile(r"[A-Z0-9-]{3,32}")

# TODO 1 (README step 1): read the table name from the INVENTORY_TABLE environment variable and
# create the DynamoDB client or resource here, at module level, once per cold start.
# Every warm invocation then reuses it. Replace the two None values.
TABLE_NAME = None
dynamodb = None


def read_sku(event):
    """Return the SKU asked for, or None when it is missing or invalid.

    API Gateway (REST proxy) puts it in event["pathParameters"]["sku"]; a direct invocation sends
    {"sku": "..."}. pathParameters may be absent or None. A valid SKU is a string that fully matches
    SKU_PATTERN (3 to 32 characters: A-Z, 0-9 and '-').
    """
    # TODO 2 (README step 2): find the SKU in either kind of event and validate it.
    raise NotImplementedError("TODO 2: read and validate the SKU (README step 2)")


def find_item(sku):
    """Return the item stored under this SKU as a dict, or None when there is none."""
    # TODO 3 (README step 3): one GetItem call by key; no Scan, no Query.
    raise NotImplementedError("TODO 3: look the item up with get_item (README step 3)")


def stock_status(quantity, reorder_level):
    """Return "OUT_OF_STOCK" (quantity <= 0), "LOW_STOCK" (quantity <= reorder_level) or "IN_STOCK"."""
    # TODO 4 (README step 4): mind the order of the tests and the equal cases.
    raise NotImplementedError("TODO 4: compute the stock status (README step 4)")


def json_response(status_code, body):
    """Return an API Gateway proxy response: statusCode, a Content-Type header and a JSON string body."""
    # TODO 5 (README step 5)
    raise NotImplementedError("TODO 5: build the API Gateway response (README step 5)")


def lambda_handler(event, context):
    """Answer GET /inventory/{sku}: 200 with the item and its status, 400, 404 or 500.

    200 body: {"sku", "name", "quantity", "reorder_level", "status"}, numbers as integers.
    400 {"error": ...} for a missing or invalid SKU, 404 {"error": ...} when no item matches,
    500 {"error": "internal error"} on anything unexpected, with the error logged.
    """
    # TODO 6 (README step 6): put the steps together, convert DynamoDB's Decimal numbers to int,
    # and turn any unexpected exception into a logged 500.
    raise NotImplementedError("TODO 6: write lambda_handler (README step 6)")
