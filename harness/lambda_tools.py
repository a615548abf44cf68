"""Lambda helpers shared by every grader: a context, event builders, and invoking a deployed function."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
from botocore.config import Config

from .runtime import active_backend
from .settings import REGION

RUNNER_GRACE_SECONDS = 15.0  # an environment's start-up on top of the function's own timeout
MAX_FUNCTION_SECONDS = 900  # Lambda's longest timeout
PLATFORM_LINE_PREFIXES = ("INIT_START ", "INIT_REPORT ", "START RequestId: ", "END RequestId: ", "REPORT RequestId: ")


@dataclass
class FakeContext:
    """The attributes and method of the context object the Lambda Python runtime passes a handler."""

    function_name: str = "grader-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    timeout_seconds: float = 10.0
    aws_request_id: str = ""
    account_id: str = "123456789012"

    def __post_init__(self) -> None:
        self.aws_request_id = self.aws_request_id or str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{self.account_id}:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"{datetime.now():%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self._deadline_ms = self.timeout_seconds * 1000

    def get_remaining_time_in_millis(self) -> int:
        return int(self._deadline_ms)

    def __student_wire__(self) -> dict[str, Any]:
        """How the context travels to a student process, which builds an equal one there."""
        fields = {key: value for key, value in vars(self).items() if not key.startswith("_")}
        return {"$context": {**fields, "remaining_ms": self._deadline_ms}}


def api_gateway_event(
    method: str = "GET",
    resource: str = "/",
    path_parameters: dict[str, str] | None = None,
    *,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    body: str | dict | None = None,
    stage: str = "dev",
) -> dict[str, Any]:
    """A REST API (v1) Lambda proxy event, as API Gateway sends it for ``method resource``."""
    path = resource
    for name, value in (path_parameters or {}).items():
        path = path.replace("{" + name + "}", value)
    if isinstance(body, dict):
        body = json.dumps(body)
    headers = {"Accept": "application/json", **(headers or {})}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {key: [value] for key, value in headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {key: [value] for key, value in query.items()} if query else None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/{stage}{path}",
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "course-grader"},
        },
        "body": body,
        "isBase64Encoded": False,
    }


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """An SQS event from messages that ``receive_message`` really returned (ask for All attributes)."""
    records = []
    for message in messages:
        attributes = {
            name: {"stringValue": value.get("StringValue"), "binaryValue": value.get("BinaryValue"),
                   "stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
            for name, value in message.get("MessageAttributes", {}).items()
        }
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": attributes,
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
        )
    return {"Records": records}


def dynamodb_stream_event(records: list[dict[str, Any]], stream_arn: str) -> dict[str, Any]:
    """A DynamoDB Streams event from records that ``dynamodbstreams.get_records`` really returned."""
    converted = []
    for record in records:
        stream = dict(record["dynamodb"])
        created = stream.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            stream["ApproximateCreationDateTime"] = int(created.timestamp())
        converted.append(
            {
                "eventID": record["eventID"],
                "eventName": record["eventName"],
                "eventVersion": record.get("eventVersion", "1.1"),
                "eventSource": "aws:dynamodb",
                "awsRegion": record.get("awsRegion", REGION),
                "dynamodb": stream,
                "eventSourceARN": stream_arn,
            }
        )
    return {"Records": converted}


@dataclass
class InvokeResult:
    """What ``lambda.invoke`` tells a caller: status, FunctionError, the payload and the log tail."""

    status_code: int
    payload: Any
    function_error: str | None
    log_tail: str
    executed_version: str

    @property
    def ok(self) -> bool:
        return self.function_error is None


def invoke_deployed(function_name_or_arn: str, payload: Any, qualifier: str | None = None) -> InvokeResult:
    """Invoke the function as deployed on the backend (its stored package, handler, environment and
    timeout): a real ``lambda.invoke``, on the embedded backend too, where harness/emulator runs the code."""
    from .backends import LAMBDA_SERVICE_RUNS_CODE, EmbeddedMoto  # here: helpers import this module light
    from .checks import not_graded

    backend = active_backend()
    if not isinstance(backend, EmbeddedMoto) and LAMBDA_SERVICE_RUNS_CODE not in backend.capabilities:
        # a LocalStack without Docker: nothing can run the package
        not_graded(getattr(backend, "unavailable", {}).get("lambda") or f"{backend.name} cannot run Lambda code")
    config = Config(read_timeout=MAX_FUNCTION_SECONDS + RUNNER_GRACE_SECONDS, retries={"max_attempts": 1})
    client = boto3.client("lambda", endpoint_url=backend.endpoint, region_name=REGION, config=config)
    extra = {"Qualifier": qualifier} if qualifier else {}
    answer = client.invoke(FunctionName=function_name_or_arn, Payload=json.dumps(payload).encode(), LogType="Tail", **extra)
    raw = answer["Payload"].read()
    log = base64.b64decode(answer.get("LogResult", "")).decode("utf-8", "replace")
    return InvokeResult(
        status_code=answer["StatusCode"],
        payload=json.loads(raw) if raw else None,
        function_error=answer.get("FunctionError"),
        log_tail=function_output(log),
        executed_version=answer.get("ExecutedVersion", "$LATEST"),
    )


def function_output(log: str) -> str:
    """A Lambda log without the lines Lambda itself writes (INIT_START, START, END, REPORT ...)."""
    return "".join(line for line in log.splitlines(keepends=True) if not line.startswith(PLATFORM_LINE_PREFIXES))
