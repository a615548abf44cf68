"""A correct Lab 1 handler in another style: low-level client, TypeDeserializer, logger.error."""

from __future__ import annotations

import json
import logging
import os
import re

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

log = logging.getLogger(__name__)

TABLE = os.environ.get("INVENTORY_TABLE", "")
CLIENT = boto3.client("dynamodb")
_deserialize = TypeDeserializer().deserialize


class BadRequest(ValueError):
    pass


def sku_from(event: dict) -> str:
    candidates = [(event.get("pathParameters") or {}).get("sku"), event.get("sku")]
    sku = next((c for c in candidates if c is not None), None)
    if not isinstance(sku, str) or re.fullmatch(r"[A-Z0-9\-]{3,32}", sku) is None:
        raise BadRequest(f"bad sku {sku!r}")
    return sku


def status(quantity: int, reorder_level: int) -> str:
    if quantity > reorder_level and quantity > 0:
        return "IN_STOCK"
    return "OUT_OF_STOCK" if quantity <= 0 else "LOW_STOCK"


def respond(code: int, body: dict) -> dict:
    return {"statusCode": code, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def lambda_handler(event, context):
    try:
        sku = sku_from(event if isinstance(event, dict) else {})
    except BadRequest as problem:
        return respond(400, {"error": str(problem)})
    try:
        raw = CLIENT.get_item(TableName=TABLE, Key={"sku": {"S": sku}}).get("Item")
        if raw is None:
            return respond(404, {"error": f"{sku} not found"})
        item = {name: _deserialize(value) for name, value in raw.items()}
        quantity, reorder_level = int(item["quantity"]), int(item["reorder_level"])
        return respond(200, {"sku": sku, "name": str(item["name"]), "quantity": quantity,
                             "reorder_level": reorder_level, "status": status(quantity, reorder_level)})
    except ClientError as error:
        log.error("DynamoDB refused the lookup of %s: %s", sku, error.response["Error"]["Code"], exc_info=True)
    except Exception:  # noqa: BLE001
        log.error("lookup of %s failed", sku, exc_info=True)
    return respond(500, {"error": "internal error"})
