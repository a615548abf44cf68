"""Lambda helpers shared by every grader: a context, event builders, and invoking a deployed function."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import boto3

from .limits import clip
from .runtime import active_backend
from .settings import REGION

SITECUSTOM_DIR = Path(__file__).resolve().parent / "sitecustom"
RUNNER_GRACE_SECONDS = 15.0  # interpreter start-up on top of the function's own timeout
LOG_TAIL_BYTES = 4096  # what Lambda's LogType=Tail returns


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
    """Invoke the function as deployed on the backend: its stored package, handler, env and timeout."""
    from .backends import LAMBDA_SERVICE_RUNS_CODE, EmbeddedMoto  # here: helpers import this module light
    from .checks import not_graded

    backend = active_backend()
    client = boto3.client("lambda", endpoint_url=backend.endpoint, region_name=REGION)
    if LAMBDA_SERVICE_RUNS_CODE in backend.capabilities:  # LocalStack, MiniStack: Lambda runs it
        return _invoke_for_real(client, function_name_or_arn, payload, qualifier)
    if not isinstance(backend, EmbeddedMoto):  # a LocalStack without Docker: nothing can run the package
        not_graded(getattr(backend, "unavailable", {}).get("lambda") or f"{backend.name} cannot run Lambda code")
    return _run_stored_package(client, backend.account_id, function_name_or_arn, payload, qualifier)


def _invoke_for_real(client: Any, name: str, payload: Any, qualifier: str | None) -> InvokeResult:
    extra = {"Qualifier": qualifier} if qualifier else {}
    answer = client.invoke(FunctionName=name, Payload=json.dumps(payload).encode(), LogType="Tail", **extra)
    raw = answer["Payload"].read()
    return InvokeResult(
        status_code=answer["StatusCode"],
        payload=json.loads(raw) if raw else None,
        function_error=answer.get("FunctionError"),
        log_tail=base64.b64decode(answer.get("LogResult", "")).decode("utf-8", "replace"),
        executed_version=answer.get("ExecutedVersion", "$LATEST"),
    )


def _run_stored_package(client: Any, account_id: str, name: str, payload: Any, qualifier: str | None) -> InvokeResult:
    from moto.awslambda_simple.models import lambda_simple_backends

    extra = {"Qualifier": qualifier} if qualifier else {}
    config = client.get_function_configuration(FunctionName=name, **extra)  # AWS's own errors if absent
    stored = lambda_simple_backends[account_id][REGION].get_function(name, qualifier)
    with tempfile.TemporaryDirectory(prefix="lambda-task-") as task_dir:
        try:
            zipfile.ZipFile(BytesIO(stored.code_bytes)).extractall(task_dir)
        except zipfile.BadZipFile:
            return _error_result("The stored code package is not a valid zip file.", "Runtime.InvalidZip", config)
        result = _run_handler(Path(task_dir), config, payload)
    return _as_on_lambda(result, task_dir)


def _as_on_lambda(result: InvokeResult, task_dir: str) -> InvokeResult:
    """The package ran from a temp directory; Lambda's own messages say /var/task."""
    real = os.path.realpath(task_dir)

    def rewrite(text: str) -> str:
        return text.replace(real, "/var/task").replace(task_dir, "/var/task")

    result.log_tail = rewrite(result.log_tail)
    result.payload = json.loads(rewrite(json.dumps(result.payload)))
    return result


def _runner_environment(config: dict[str, Any]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update(config.get("Environment", {}).get("Variables", {}))
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": config["FunctionName"],
            "AWS_LAMBDA_FUNCTION_VERSION": config.get("Version", "$LATEST"),
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.get("MemorySize", 128)),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config['FunctionName']}",
            "LAMBDA_TASK_ROOT": ".",
            "PYTHONPATH": str(SITECUSTOM_DIR),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def _run_handler(task_dir: Path, config: dict[str, Any], payload: Any) -> InvokeResult:
    timeout = float(config.get("Timeout", 3))
    result_file = task_dir.parent / f"{task_dir.name}.result.json"
    # -I: nothing in the package (a harness/ folder, a json.py) can stand in for the runner or the standard library.
    command = [sys.executable, "-I", "-m", "harness.lambda_runner", config.get("Handler", ""), str(timeout), str(result_file)]
    try:
        finished = subprocess.run(
            command,
            cwd=task_dir,
            env=_runner_environment(config),
            input=json.dumps(payload).encode(),
            capture_output=True,
            timeout=timeout + RUNNER_GRACE_SECONDS,
            start_new_session=True,  # what the function starts is swept at the end of the check
        )
        log = (finished.stdout + finished.stderr).decode("utf-8", "replace")
    except subprocess.TimeoutExpired as expired:
        log = ((expired.stdout or b"") + (expired.stderr or b"")).decode("utf-8", "replace")
        return _error_result(f"Task timed out after {timeout:.2f} seconds", "Sandbox.Timedout", config, log)
    try:
        outcome = json.loads(result_file.read_text())
    except (OSError, ValueError):
        message = f"RequestId: {uuid.uuid4()} Error: Runtime exited with error: exit status {finished.returncode}"
        return _error_result(message, "Runtime.ExitError", config, log)
    finally:
        result_file.unlink(missing_ok=True)
    return InvokeResult(
        status_code=200,
        payload=outcome["payload"],
        function_error="Unhandled" if outcome["error"] else None,
        log_tail=clip(log, LOG_TAIL_BYTES),
        executed_version=config.get("Version", "$LATEST"),
    )


def _error_result(message: str, error_type: str, config: dict[str, Any], log: str = "") -> InvokeResult:
    return InvokeResult(
        status_code=200,
        payload={"errorMessage": message, "errorType": error_type},
        function_error="Unhandled",
        log_tail=clip(log, LOG_TAIL_BYTES),
        executed_version=config.get("Version", "$LATEST"),
    )
