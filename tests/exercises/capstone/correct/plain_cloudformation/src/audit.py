"""The Orders stream's consumer: one audit record per status an order reaches, written idempotently.

The audit table's key is (order_id, status) and the state machine never returns to a status, so a
record delivered twice writes the same item again: nothing is duplicated."""

import os

import boto3
from structured_log import log

AUDIT = boto3.resource("dynamodb").Table(os.environ["AUDIT_TABLE"])


def status_of(image):
    return (image or {}).get("status", {}).get("S")


def lambda_handler(event, context):
    written = 0
    for record in event["Records"]:
        change = record["dynamodb"]
        new, old = status_of(change.get("NewImage")), status_of(change.get("OldImage"))
        if record["eventName"] == "REMOVE" or new is None or new == old:
            continue
        order_id = change["Keys"]["order_id"]["S"]
        item = {"order_id": order_id, "status": new, "changed_at": change["NewImage"].get("updated_at", {}).get("S", "")}
        if old:
            item["previous_status"] = old
        AUDIT.put_item(Item=item)
        written += 1
    log("INFO", "audit records written", records=len(event["Records"]), written=written)
    return {"written": written}
