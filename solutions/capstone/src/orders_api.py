"""The orders API: one handler for every route of the README's HTTP contract (API Gateway proxy events)."""

import base64
import binascii
import hashlib
import json
import os
import re
import uuid
from datetime import datetime, timezone
from decimal import Decimal

import boto3
from botocore.exceptions import ClientError
from structured_log import log

TABLE = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])
INDEX = "customer_id-index"

# Step 1 of the README: where each status may go next. Cancelling a cancelled order changes nothing.
TRANSITIONS = {
    "PLACED": {"PAID", "CANCELLED"},
    "PAID": {"SHIPPED", "CANCELLED"},
    "SHIPPED": {"DELIVERED"},
    "DELIVERED": set(),
    "CANCELLED": set(),
}
CUSTOMER_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
MAX_ITEMS, MAX_QUANTITY = 50, 1000
DEFAULT_LIMIT, MAX_LIMIT = 20, 100


class BadRequest(Exception):
    pass


def answer(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def error(status, message):
    return answer(status, {"error": message})


def plain(item):
    """A DynamoDB item as JSON-ready data: Decimal quantities back to int."""
    if isinstance(item, list):
        return [plain(value) for value in item]
    if isinstance(item, dict):
        return {key: plain(value) for key, value in item.items()}
    if isinstance(item, Decimal):
        return int(item) if item == int(item) else float(item)
    return item


def now():
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def json_body(event):
    try:
        body = json.loads(event.get("body") or "")
    except ValueError:
        raise BadRequest("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def valid_items(items):
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        raise BadRequest(f"items must be a list of 1 to {MAX_ITEMS} items")
    checked = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("sku"), str) or not item["sku"].strip():
            raise BadRequest("each item needs a sku, a non-empty string")
        quantity = item.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
            raise BadRequest(f"each item's quantity must be a whole number from 1 to {MAX_QUANTITY}")
        checked.append({"sku": item["sku"], "quantity": quantity})
    return checked


def header(event, name):
    headers = event.get("headers") or {}
    return next((value for key, value in headers.items() if key.lower() == name.lower()), None)


def create_order(event):
    body = json_body(event)
    customer_id = body.get("customer_id")
    if not isinstance(customer_id, str) or not CUSTOMER_ID.fullmatch(customer_id):
        raise BadRequest("customer_id must be 1 to 64 letters, digits or hyphens")
    items = valid_items(body.get("items"))
    key = header(event, "Idempotency-Key")
    if key:  # the same key from the same customer names the same order
        order_id = "ORD-" + hashlib.sha256(f"{customer_id}\n{key}".encode()).hexdigest()[:24]
    else:
        order_id = "ORD-" + uuid.uuid4().hex
    created = now()
    order = {"order_id": order_id, "customer_id": customer_id, "items": items, "status": "PLACED",
             "created_at": created, "updated_at": created}
    try:
        TABLE.put_item(Item=order, ConditionExpression="attribute_not_exists(order_id)")
    except ClientError as failure:
        if failure.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        log("INFO", "order already created for this idempotency key", order_id=order_id)
        return answer(200, plain(TABLE.get_item(Key={"order_id": order_id}, ConsistentRead=True)["Item"]))
    log("INFO", "order created", order_id=order_id, customer_id=customer_id, items=len(items))
    return answer(201, order)


def find(order_id):
    return TABLE.get_item(Key={"order_id": order_id}, ConsistentRead=True).get("Item")


def get_order(order_id):
    order = find(order_id)
    if order is None:
        return error(404, f"order {order_id} not found")
    return answer(200, plain(order))


def change_status(order_id, wanted):
    order = find(order_id)
    if order is None:
        return error(404, f"order {order_id} not found")
    current = order["status"]
    if wanted == "CANCELLED" and current == "CANCELLED":
        return answer(200, plain(order))
    if wanted not in TRANSITIONS[current]:
        return error(409, f"order {order_id} is {current}: it cannot become {wanted}")
    try:
        updated = TABLE.update_item(
            Key={"order_id": order_id},
            UpdateExpression="SET #status = :wanted, updated_at = :now",
            ConditionExpression="#status = :current",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":wanted": wanted, ":current": current, ":now": now()},
            ReturnValues="ALL_NEW",
        )["Attributes"]
    except ClientError as failure:
        if failure.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        return error(409, f"order {order_id} changed meanwhile; read it and try again")
    log("INFO", "status changed", order_id=order_id, previous_status=current, status=wanted)
    return answer(200, plain(updated))


def update_status(event, order_id):
    wanted = json_body(event).get("status")
    if wanted not in TRANSITIONS:
        raise BadRequest(f"status must be one of {', '.join(TRANSITIONS)}")
    return change_status(order_id, wanted)


def page_limit(query):
    text = query.get("limit")
    if text is None:
        return DEFAULT_LIMIT
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(text)


def start_key(token, customer_id):
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, binascii.Error, UnicodeError):
        raise BadRequest("next_token is not a token this API gave") from None
    if not isinstance(key, dict) or key.get("customer_id") != customer_id:
        raise BadRequest("next_token is not a token this API gave for this customer")
    return key


def list_orders(event, customer_id):
    query = event.get("queryStringParameters") or {}
    arguments = {"IndexName": INDEX, "KeyConditionExpression": "customer_id = :c",
                 "ExpressionAttributeValues": {":c": customer_id}, "Limit": page_limit(query)}
    if query.get("next_token"):
        arguments["ExclusiveStartKey"] = start_key(query["next_token"], customer_id)
    page = TABLE.query(**arguments)
    last = page.get("LastEvaluatedKey")
    token = base64.urlsafe_b64encode(json.dumps(plain(last)).encode()).decode() if last else None
    log("INFO", "orders listed", customer_id=customer_id, count=len(page["Items"]))
    return answer(200, {"orders": plain(page["Items"]), "next_token": token})


def lambda_handler(event, context):
    route = (event.get("httpMethod"), event.get("resource"))
    parameters = event.get("pathParameters") or {}
    log("INFO", "request", method=route[0], resource=route[1], request_id=getattr(context, "aws_request_id", None))
    try:
        if route == ("POST", "/orders"):
            return create_order(event)
        if route == ("GET", "/orders/{order_id}"):
            return get_order(parameters["order_id"])
        if route == ("PATCH", "/orders/{order_id}"):
            return update_status(event, parameters["order_id"])
        if route == ("DELETE", "/orders/{order_id}"):
            return change_status(parameters["order_id"], "CANCELLED")
        if route == ("GET", "/customers/{customer_id}/orders"):
            return list_orders(event, parameters["customer_id"])
        return error(404, "no such route")
    except BadRequest as problem:
        log("WARNING", "bad request", reason=str(problem))
        return error(400, str(problem))
