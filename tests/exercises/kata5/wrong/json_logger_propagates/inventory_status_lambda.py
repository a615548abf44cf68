"""Inventory status with python-json-logger: a StreamHandler of its own, fields added by a filter, and the
exception under exc_info (python-json-logger's own key)."""

import json
import os
import re

import boto3

from json_logging import FIELDS, configure

logger = configure("inventory")
IS_COLD = [True]
SKU_RE = re.compile(r"^[A-Z0-9-]{3,32}$")
table = boto3.resource("dynamodb").Table(os.environ["INVENTORY_TABLE"])


def read_sku(event):
    if not isinstance(event, dict):
        return None
    sku = (event.get("pathParameters") or {}).get("sku") or event.get("sku")
    return sku if isinstance(sku, str) and SKU_RE.match(sku) else None


def respond(code, body):
    if code < 500:
        logger.info("inventory status answered", extra={"status_code": code})
    return {"statusCode": code, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def status_of(quantity, reorder_level):
    return "OUT_OF_STOCK" if quantity <= 0 else "LOW_STOCK" if quantity <= reorder_level else "IN_STOCK"


def lambda_handler(event, context):
    sku = read_sku(event)
    FIELDS.fields = {
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "cold_start": IS_COLD[0],
        "sku": sku,
    }
    IS_COLD[0] = False
    try:
        if not sku:
            logger.warning("invalid sku")
            return respond(400, {"error": "invalid sku"})
        logger.debug("looking up item")
        item = table.get_item(Key={"sku": sku}).get("Item")
        if not item:
            return respond(404, {"error": "not found"})
        quantity, level = int(item["quantity"]), int(item["reorder_level"])
        return respond(200, {"sku": sku, "name": item["name"], "quantity": quantity, "reorder_level": level,
                             "status": status_of(quantity, level)})
    except Exception as error:
        logger.error("inventory status lookup failed", exc_info=True, extra={"error_type": type(error).__name__})
        return respond(500, {"error": "internal error"})
