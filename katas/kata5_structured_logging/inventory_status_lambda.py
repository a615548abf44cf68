"""Parts Unlimited stock check on AWS Lambda: GET /inventory/{sku} -> the item and its stock status.

Kata 5 starter: Lab 1's handler, working, logging plain text. Work through the numbered TODOs; each
matches a step of README.md. Grade your work with `course grade kata5`.
"""

import json
import logging
import os
import re

import boto3

# TODO 1 (README step 1): make every line JSON (a Formatter of your own on the runtime's handler,
# python-json-logger, or Powertools' Logger) and take the level from LOG_LEVEL (INFO when unset).
logger = logging.getLogger()
logger.setLevel(logging.INFO)

# TODO 2 (README step 2): a cold-start flag, True in the first invocation of this environment only.

SKU_PATTERN = re.compile(r"[A-Z0-9-]{3,32}")

TABLE_NAME = os.environ["INVENTORY_TABLE"]
dynamodb = boto3.resource("dynamodb")
table = dynamodb.Table(TABLE_NAME)


def read_sku(event):
    """The SKU from an API Gateway proxy event or a direct {"sku": ...} call; None if absent or invalid."""
    if not isinstance(event, dict):
        return None
    path_parameters = event.get("pathParameters") or {}
    sku = path_parameters.get("sku", event.get("sku"))
    if isinstance(sku, str) and SKU_PATTERN.fullmatch(sku):
        return sku
    return None


def find_item(sku):
    """The item stored under this SKU, or None when there is none."""
    # TODO 4 (README step 4): a DEBUG line before the GetItem call.
    answer = table.get_item(Key={"sku": sku})
    return answer.get("Item")


def stock_status(quantity, reorder_level):
    """OUT_OF_STOCK, LOW_STOCK or IN_STOCK."""
    if quantity <= 0:
        return "OUT_OF_STOCK"
    if quantity <= reorder_level:
        return "LOW_STOCK"
    return "IN_STOCK"


def json_response(status_code, body):
    """An API Gateway proxy response whose body is JSON."""
    # TODO 4 (README step 4): an INFO line with the status_code for every 200, 400 and 404.
    logger.info("inventory status answered: %s", status_code)
    return {
        "statusCode": status_code,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }


def lambda_handler(event, context):
    """Validate, look up, answer; anything unexpected becomes a logged 500."""
    # TODO 6 (README step 6): never log the event: it carries the caller's headers (Authorization, x-api-key).
    logger.info("event: %s", event)
    # TODO 3 (README step 3): request_id, function_name, cold_start and sku on every line of this invocation.
    try:
        sku = read_sku(event)
        if sku is None:
            # TODO 4 (README step 4): a WARNING line for an invalid SKU.
            return json_response(400, {"error": "sku must be 3 to 32 characters: A-Z, 0-9 or '-'"})
        item = find_item(sku)
        if item is None:
            return json_response(404, {"error": f"no item with sku {sku}"})
        quantity = int(item["quantity"])
        reorder_level = int(item["reorder_level"])
        return json_response(
            200,
            {
                "sku": sku,
                "name": item["name"],
                "quantity": quantity,
                "reorder_level": reorder_level,
                "status": stock_status(quantity, reorder_level),
            },
        )
    except Exception as error:
        # TODO 5 (README step 5): one line at ERROR with the exception's type and stack in the same object.
        logger.error("inventory status lookup failed: %s", error)
        return json_response(500, {"error": "internal error"})
