"""The Orders stream's consumer: one audit record per status an order reaches, written idempotently."""

import os

import boto3
from structured_log import log

AUDIT = boto3.resource("dynamodb").Table(os.environ["AUDIT_TABLE"])


def lambda_handler(event, context):
    # TODO 5 (README step 5): for each record whose status changed (INSERT included), put the audit item
    #        {order_id, status, previous_status}; a record delivered twice must write nothing new.
    log("INFO", "stream batch", records=len(event["Records"]))
    raise NotImplementedError("the audit consumer")
