"""StreamItems API: create, list and read saved stream items, each caller seeing only her own."""

import json
import os
import uuid
from datetime import datetime, timezone

import boto3
from boto3.dynamodb.conditions import Key

dynamodb = boto3.resource("dynamodb")
sns = boto3.client("sns")
table = dynamodb.Table(os.environ["ITEMS_TABLE"])
TOPIC_ARN = os.environ["TOPIC_ARN"]
FIELDS = {"title": 200, "notes": 2000}  # the only fields a caller sets, with their longest length


class BadRequest(Exception):
    """The caller's input is wrong: the message says how, and nothing about the app."""


def handler(event, context):
    try:
        owner = event["requestContext"]["identity"].get("userArn")
        if not owner:  # AWS_IAM puts the caller here; without it nobody is asking
            return answer(403, {"error": "signed requests only"})
        if event["httpMethod"] == "POST":
            return create_item(owner, event.get("body"))
        item_id = (event.get("pathParameters") or {}).get("id")
        return read_item(owner, item_id) if item_id else list_items(owner)
    except BadRequest as error:
        return answer(400, {"error": str(error)})
    except Exception:  # noqa: BLE001 - logged for us, never shown to the caller
        print(json.dumps({"level": "ERROR", "message": "unhandled error", "request": context.aws_request_id}))
        return answer(500, {"error": "internal error"})


def parsed(body):
    try:
        data = json.loads(body or "")
    except ValueError:
        raise BadRequest("the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise BadRequest(f"unknown fields: {', '.join(unknown)[:100]}")
    for name, longest in FIELDS.items():
        value = data.get(name, "" if name == "notes" else None)
        if not isinstance(value, str) or len(value) > longest or (name == "title" and not value.strip()):
            raise BadRequest(f"{name} must be text of 1-{longest} characters" if name == "title" else f"{name} must be text of at most {longest} characters")
    return data


def create_item(owner, body):
    data = parsed(body)
    item = {"id": str(uuid.uuid4()), "owner": owner, "title": data["title"], "notes": data.get("notes", ""),
            "created": datetime.now(timezone.utc).isoformat()}
    table.put_item(Item=item)
    sns.publish(TopicArn=TOPIC_ARN, Subject="item saved", Message=json.dumps({"id": item["id"], "event": "saved"}))
    return answer(201, {"item": item})


def list_items(owner):
    found = table.query(IndexName="owner-index", KeyConditionExpression=Key("owner").eq(owner))["Items"]
    return answer(200, {"items": found})


def read_item(owner, item_id):
    item = table.get_item(Key={"id": item_id[:100]}).get("Item")
    if item is None or item.get("owner") != owner:  # someone else's item is as absent as a missing one
        return answer(404, {"error": "no such item"})
    return answer(200, item)


def answer(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body, default=str)}
