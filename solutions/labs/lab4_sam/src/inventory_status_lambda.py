"""Parts Unlimited stock check on AWS Lambda: GET /inventory/{sku} -> the item and its stock status.

Reference solution for Lab 1. The numbered comments match the README's steps.
"""

import json
import logging
import os
import re

import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)

SKU_PATTERN = re.compile(r"[A-Z0-9-]{3,32}")

# Step 1: read the configuration and create the AWS resources once, when Lambda loads the module.
# Every warm invocation of this execution environment then reuses the same HTTP connections.
TABLE_NAME = os.environ["INVENTORY_TABLE"]
dynamodb = boto3.resource("dynamodb")
table = dynamodb.Table(TABLE_NAME)


def read_sku(event):
    """Step 2: the SKU from an API Gateway proxy event or a direct {"sku": ...} call; None if absent or invalid."""
    if not isinstance(event, dict):
        return None
    path_parameters = event.get("pathParameters") or {}
    sku = path_parameters.get("sku", event.get("sku"))
    if isinstance(sku, str) and SKU_PATTERN.fullmatch(sku):
        return sku
    return None


def find_item(sku):
    """Step 3: the item stored under this SKU, or None when there is none."""
    answer = table.get_item(Key={"sku": sku})
    return answer.get("Item")


def stock_status(quantity, reorder_level):
    """Step 4: OUT_OF_STOCK, LOW_STOCK or IN_STOCK."""
    if quantity <= 0:
        return "OUT_OF_STOCK"
    if quantity <= reorder_level:
        return "LOW_STOCK"
    return "IN_STOCK"


def json_response(status_code, body):
    """Step 5: an API Gateway proxy response whose body is JSON."""
    return {
        "statusCode": status_code,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }


def lambda_handler(event, context):
    """Step 6: validate, look up, answer; anything unexpected becomes a logged 500."""
    try:
        sku = read_sku(event)
        if sku is None:
            return json_response(400, {"error": "sku must be 3 to 32 characters: A-Z, 0-9 or '-'"})
        item = find_item(sku)
        if item is None:
            return json_response(404, {"error": f"no item with sku {sku}"})
        # DynamoDB numbers arrive as decimal.Decimal, which json.dumps refuses: convert them.
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
    except Exception:
        # The details go to the log (CloudWatch Logs on AWS), never to the caller.
        logger.exception("inventory status lookup failed")
        return json_response(500, {"error": "internal error"})
