"""Parts Unlimited stock check on AWS Lambda, with structured JSON logs.

Reference solution for Kata 5: Lab 1's handler, logging one JSON object per line with the standard
library only. The numbered comments match the README's steps.
"""

import json
import logging
import os
import re
import traceback
from datetime import datetime, timezone

import boto3

SKU_PATTERN = re.compile(r"[A-Z0-9-]{3,32}")

# Step 3: the fields of the invocation being handled; the formatter copies them onto every line.
invocation = {}


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: level, message, UTC time, the invocation's fields, and
    for an exception its type and stack in the same object."""

    def format(self, record):
        line = {
            "level": record.levelname,
            "message": record.getMessage(),
            "timestamp": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
            **invocation,
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            error_type, error, stack = record.exc_info
            line["error_type"] = error_type.__name__
            line["stack"] = "".join(traceback.format_exception(error_type, error, stack))
        return json.dumps(line, default=str)  # no indent: one line, one CloudWatch event


# Step 1: the runtime's own handler on the root logger writes our JSON. The level from LOG_LEVEL is our
# logger's (its records reach the root's handler), so DEBUG does not turn on botocore's debug output too.
for runtime_handler in logging.getLogger().handlers:
    runtime_handler.setFormatter(JsonFormatter())
logger = logging.getLogger("inventory_status")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

# Step 2: module-level code runs once per execution environment: its first invocation is the cold one.
cold_start = True

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
    logger.debug("looking up item")  # Step 4
    answer = table.get_item(Key={"sku": sku})
    return answer.get("Item")


def stock_status(quantity, reorder_level):
    if quantity <= 0:
        return "OUT_OF_STOCK"
    if quantity <= reorder_level:
        return "LOW_STOCK"
    return "IN_STOCK"


def json_response(status_code, body):
    return {
        "statusCode": status_code,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }


def answered(status_code, body):
    """Step 4: every 200, 400 and 404 is logged at INFO with its status code."""
    logger.info("inventory status answered", extra={"fields": {"status_code": status_code}})
    return json_response(status_code, body)


def start_invocation(event, context):
    """Step 3: this invocation's fields, replacing the previous (warm) invocation's."""
    global cold_start
    sku = read_sku(event)
    invocation.clear()
    invocation.update(
        request_id=context.aws_request_id,
        function_name=context.function_name,
        cold_start=cold_start,
        sku=sku,
    )
    cold_start = False
    return sku


def lambda_handler(event, context):
    """Validate, look up, answer; anything unexpected becomes a 500, logged once with its stack."""
    sku = start_invocation(event, context)  # Step 6: the event itself is never logged
    try:
        if sku is None:
            logger.warning("invalid sku")
            return answered(400, {"error": "sku must be 3 to 32 characters: A-Z, 0-9 or '-'"})
        item = find_item(sku)
        if item is None:
            return answered(404, {"error": f"no item with sku {sku}"})
        quantity = int(item["quantity"])
        reorder_level = int(item["reorder_level"])
        return answered(
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
        # Step 5: one line at ERROR with the type and the stack; the caller learns nothing of it.
        logger.exception("inventory status lookup failed")
        return json_response(500, {"error": "internal error"})
