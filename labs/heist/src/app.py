"""StreamItems API: create, list and read saved stream items. Deliberately vulnerable (the Serverless Heist)."""

import json
import os
import traceback
import uuid
from datetime import datetime, timezone

import boto3

dynamodb = boto3.resource("dynamodb")
sns = boto3.client("sns")
ITEMS_TABLE = os.environ["ITEMS_TABLE"]
TOPIC_ARN = os.environ["TOPIC_ARN"]


def handler(event, context):
    try:
        method = event["httpMethod"]
        if method == "POST":
            return create_item(event)
        if event.get("pathParameters"):
            return read_item(event["pathParameters"]["id"])
        return list_items(event)
    except Exception as error:
        return answer(500, {"error": repr(error), "trace": traceback.format_exc(), "debug": debug_context()})


def caller(event):
    return event["requestContext"]["identity"].get("userArn") or "anonymous"


def create_item(event):
    body = json.loads(event["body"])
    item = {"id": str(uuid.uuid4()), "created": datetime.now(timezone.utc).isoformat(), **body,
            "owner": body.get("owner", caller(event))}
    table = dynamodb.Table(ITEMS_TABLE)
    previous = table.put_item(Item=item, ReturnValues="ALL_OLD").get("Attributes")
    sns.publish(TopicArn=TOPIC_ARN, Subject="item saved", Message=json.dumps(item, default=str))
    return answer(201, {"item": item, "replaced": previous})


def list_items(event):
    catalog = (event.get("queryStringParameters") or {}).get("catalog", ITEMS_TABLE)
    items = dynamodb.Table(catalog).scan()["Items"]
    return answer(200, {"items": items})


def read_item(item_id):
    item = dynamodb.Table(ITEMS_TABLE).get_item(Key={"id": item_id}).get("Item")
    if item is None:
        return answer(404, {"error": f"no item {item_id}"})
    return answer(200, item)


def debug_context():
    if os.environ.get("DEBUG") != "true":
        return None
    return {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "_"))}


def answer(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body, default=str)}
