import json
import os
import uuid
from datetime import datetime, timezone

import boto3
from boto3.dynamodb.conditions import Key

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
SNS = boto3.client("sns")


def respond(code, payload):
    return {"statusCode": code, "headers": {"Content-Type": "application/json"}, "body": json.dumps(payload, default=str)}


def validate(raw):
    try:
        body = json.loads(raw) if raw else None
    except json.JSONDecodeError:
        return None, "body is not valid JSON"
    if not isinstance(body, dict):
        return None, "body must be an object"
    if set(body) - {"title", "notes"}:
        return None, "only title and notes may be set"
    title, notes = body.get("title"), body.get("notes", "")
    if not isinstance(title, str) or not 1 <= len(title) <= 200:
        return None, "title: 1 to 200 characters"
    if not isinstance(notes, str) or len(notes) > 2000:
        return None, "notes: at most 2000 characters"
    return {"title": title, "notes": notes}, None


def main(event, context):
    who = (event.get("requestContext") or {}).get("identity", {}).get("userArn")
    if not who:
        return respond(401, {"error": "unauthenticated"})
    try:
        if event["httpMethod"] == "POST":
            fields, problem = validate(event.get("body"))
            if problem:
                return respond(400, {"error": problem})
            item = {"owner": who, "id": uuid.uuid4().hex, "created": datetime.now(timezone.utc).isoformat(), **fields}
            TABLE.put_item(Item=item)
            SNS.publish(TopicArn=os.environ["TOPIC_ARN"], Message=json.dumps({"saved": item["id"]}))
            return respond(201, {"item": item})
        wanted = (event.get("pathParameters") or {}).get("id")
        if wanted:
            found = TABLE.get_item(Key={"owner": who, "id": wanted[:64]}).get("Item")
            return respond(200, found) if found else respond(404, {"error": "not found"})
        return respond(200, {"items": TABLE.query(KeyConditionExpression=Key("owner").eq(who))["Items"]})
    except Exception:
        return respond(500, {"error": "something went wrong"})
