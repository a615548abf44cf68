"""The orders API: one handler for every route of the README's HTTP contract (API Gateway proxy events)."""

import json
import os

import boto3
from structured_log import log

TABLE = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])
INDEX = "customer_id-index"

# TODO 1a (README step 1): the allowed transitions, in one place.
TRANSITIONS = {}


class BadRequest(Exception):
    """Raise it with a sentence saying what is wrong: the handler answers 400 with it."""


def answer(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def error(status, message):
    return answer(status, {"error": message})


def create_order(event):
    # TODO 1b: validate the body, then put the order (201); with an Idempotency-Key, answer 200 with the
    #          order that key already made.
    raise NotImplementedError("POST /orders")


def get_order(order_id):
    # TODO 1c: 200 with the order, 404 when there is none (DynamoDB's Decimal numbers are not JSON: convert them).
    raise NotImplementedError("GET /orders/{order_id}")


def change_status(order_id, wanted):
    # TODO 1d: 404, 409 for a transition TRANSITIONS does not allow, else a conditional UpdateItem and 200.
    raise NotImplementedError("status change")


def update_status(event, order_id):
    # TODO 1e: read {"status": ...} from the body (400 when it is not one of the five), then change_status.
    raise NotImplementedError("PATCH /orders/{order_id}")


def list_orders(event, customer_id):
    # TODO 1f: Query the index with limit and next_token; answer {"orders": [...], "next_token": ... or None}.
    raise NotImplementedError("GET /customers/{customer_id}/orders")


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
