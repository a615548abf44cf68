"""A correct Lab 1 handler in another style: Session resource, rule table, errors printed to stderr."""

import json
import os
import re
import sys
import traceback

import boto3

_session = boto3.session.Session()
_dynamodb = _session.resource("dynamodb")

_VALID = re.compile(r"^[A-Z0-9-]{3,32}\Z")

# First rule that matches wins.
_RULES = (
    ("OUT_OF_STOCK", lambda qty, level: qty <= 0),
    ("LOW_STOCK", lambda qty, level: qty <= level),
    ("IN_STOCK", lambda qty, level: True),
)


def classify(qty, level):
    return next(name for name, applies in _RULES if applies(qty, level))


def _reply(code, payload):
    return {"statusCode": code, "headers": {"content-type": "application/json; charset=utf-8"}, "body": json.dumps(payload)}


def lambda_handler(event, context):
    try:
        params = (event or {}).get("pathParameters") or event or {}
        sku = params.get("sku")
        if not (isinstance(sku, str) and _VALID.match(sku)):
            return _reply(400, {"error": "invalid or missing sku"})
        table = _dynamodb.Table(os.environ["INVENTORY_TABLE"])
        found = table.get_item(Key={"sku": sku}, ConsistentRead=True).get("Item")
        if not found:
            return _reply(404, {"error": "not found"})
        qty, level = int(found["quantity"]), int(found["reorder_level"])
        return _reply(200, {"sku": found["sku"], "name": found["name"], "quantity": qty,
                            "reorder_level": level, "status": classify(qty, level)})
    except Exception:
        print("ERROR handling request:\n" + traceback.format_exc(), file=sys.stderr)
        return _reply(500, {"error": "internal error"})
