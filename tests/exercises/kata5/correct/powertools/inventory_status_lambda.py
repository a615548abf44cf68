"""Inventory status with Powertools for AWS Lambda's Logger: JSON, LOG_LEVEL, request id, function name
and cold start come with the library; use_rfc3339 makes the timestamp ISO 8601."""

import json
import os
import re

import boto3
from aws_lambda_powertools import Logger

logger = Logger(service="inventory-status", use_rfc3339=True)

SKU_PATTERN = re.compile(r"[A-Z0-9-]{3,32}")
TABLE = boto3.resource("dynamodb").Table(os.environ["INVENTORY_TABLE"])


def read_sku(event):
    if not isinstance(event, dict):
        return None
    params = event.get("pathParameters") or {}
    sku = params.get("sku", event.get("sku"))
    return sku if isinstance(sku, str) and SKU_PATTERN.fullmatch(sku) else None


def response(status_code, body):
    return {"statusCode": status_code, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def answer(status_code, body):
    logger.info("inventory status answered", status_code=status_code)
    return response(status_code, body)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    sku = read_sku(event)
    logger.append_keys(sku=sku)
    try:
        if sku is None:
            logger.warning("invalid sku")
            return answer(400, {"error": "sku must be 3 to 32 characters of A-Z, 0-9 or -"})
        logger.debug("looking up item")
        item = TABLE.get_item(Key={"sku": sku}).get("Item")
        if item is None:
            return answer(404, {"error": f"unknown sku {sku}"})
        quantity, reorder_level = int(item["quantity"]), int(item["reorder_level"])
        if quantity <= 0:
            status = "OUT_OF_STOCK"
        elif quantity <= reorder_level:
            status = "LOW_STOCK"
        else:
            status = "IN_STOCK"
        return answer(200, {"sku": sku, "name": item["name"], "quantity": quantity,
                            "reorder_level": reorder_level, "status": status})
    except Exception:
        logger.exception("inventory status lookup failed")
        return response(500, {"error": "internal error"})
