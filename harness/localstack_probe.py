"""What a LocalStack really offers, asked once per grading run (its /health says "available" for
services that cannot work, DynamoDB and Lambda among them, when it runs without Docker).

- the isolation it allows: the state-reset route, or a cleanup of every service (localstack_cleanup.py);
- the services that answer a plain list call;
- whether Lambda runs code: a tiny function is created and must become Active (without Docker,
  LocalStack's open-source runtime marks it Failed).
"""

from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from dataclasses import dataclass, field

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .localstack_cleanup import CLEANERS
from .settings import DUMMY_ACCESS_KEY, DUMMY_SECRET_KEY, REGION

RESET_ROUTE = "/_localstack/state/reset"
ISOLATION_RESET = "its state-reset route (POST /_localstack/state/reset)"
ISOLATION_CLEANUP = "a cleanup before each check (this LocalStack has no state-reset route): every service is emptied"
LAMBDA_CANNOT_RUN = "LocalStack here cannot run Lambda code"
SERVICE_UNAVAILABLE = "LocalStack here cannot run {service} (it answers {why})"
# Only Failed says "no": a function still Pending after this long (Docker pulling an image) gets the benefit.
LAMBDA_WAIT = 10.0
SERVICE_NAMES = {"dynamodb": "DynamoDB", "apigateway": "API Gateway", "secretsmanager": "Secrets Manager",
                 "cloudformation": "CloudFormation", "cloudwatch": "CloudWatch", "logs": "CloudWatch Logs"}
CONFIG = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 1})
LIST_CALLS = {  # one cheap read per service, to see it answer
    "cloudformation": ("list_stacks", {}),
    "lambda": ("list_functions", {}),
    "apigateway": ("get_rest_apis", {}),
    "sqs": ("list_queues", {}),
    "sns": ("list_topics", {}),
    "dynamodb": ("list_tables", {}),
    "secretsmanager": ("list_secrets", {}),
    "ssm": ("describe_parameters", {}),
    "kms": ("list_keys", {}),
    "iam": ("list_roles", {}),
    "logs": ("describe_log_groups", {}),
    "cloudwatch": ("describe_alarms", {}),
    "s3": ("list_buckets", {}),
}
assert set(LIST_CALLS) == set(CLEANERS)
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Offer:
    has_reset_route: bool
    unavailable: dict[str, str] = field(default_factory=dict)  # service -> why (a sentence for students)
    runs_lambda_code: bool = False

    @property
    def isolation(self) -> str:
        return ISOLATION_RESET if self.has_reset_route else ISOLATION_CLEANUP


def client(service: str, endpoint: str):  # type: ignore[no-untyped-def]
    return boto3.client(
        service, endpoint_url=endpoint, region_name=REGION, config=CONFIG,
        aws_access_key_id=DUMMY_ACCESS_KEY, aws_secret_access_key=DUMMY_SECRET_KEY,
    )


def has_reset_route(endpoint: str) -> bool:
    """Without resetting anything: the route answers GET with 405 where it exists, 404 where it does not."""
    try:
        with _direct.open(f"{endpoint}{RESET_ROUTE}", timeout=5) as response:
            return response.status != 404
    except urllib.error.HTTPError as error:
        return error.code != 404
    except OSError:
        return False


def unavailable_services(endpoint: str) -> dict[str, str]:
    missing = {}
    for service, (operation, arguments) in LIST_CALLS.items():
        try:
            getattr(client(service, endpoint), operation)(**arguments)
        except Exception as error:  # an error answer, or one botocore cannot even parse: not usable here
            why = error.response["Error"].get("Code", "error") if isinstance(error, ClientError) else type(error).__name__
            missing[service] = SERVICE_UNAVAILABLE.format(service=SERVICE_NAMES.get(service, service.upper()), why=why)
    return missing


def _tiny_package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("probe.py", "def handler(event, context):\n    return 'ok'\n")
    return buffer.getvalue()


def runs_lambda_code(endpoint: str) -> bool:
    """Create a function; Failed means Lambda cannot run it. The probe's role and function are deleted
    (where Lambda cannot run code, LocalStack cannot delete the Failed function: it stays, harmless)."""
    iam, lam = client("iam", endpoint), client("lambda", endpoint)
    name = f"course-probe-{uuid.uuid4().hex[:8]}"
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    try:
        role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="probe.handler", Code={"ZipFile": _tiny_package()})
        deadline = time.monotonic() + LAMBDA_WAIT
        while time.monotonic() < deadline:
            state = lam.get_function(FunctionName=name)["Configuration"].get("State")
            if state != "Pending":
                return state == "Active"
            time.sleep(0.2)
        return True
    except Exception:  # an error answer, or one botocore cannot parse: no Lambda to speak of
        return False
    finally:
        for remove in (lambda: lam.delete_function(FunctionName=name), lambda: iam.delete_role(RoleName=name)):
            try:
                remove()
            except (ClientError, BotoCoreError):
                pass


def probe(endpoint: str) -> Offer:
    offer = Offer(has_reset_route=has_reset_route(endpoint), unavailable=unavailable_services(endpoint))
    if "dynamodb" in offer.unavailable:
        offer.unavailable["dynamodbstreams"] = offer.unavailable["dynamodb"]
    offer.runs_lambda_code = "lambda" not in offer.unavailable and runs_lambda_code(endpoint)
    if not offer.runs_lambda_code:
        offer.unavailable["lambda"] = LAMBDA_CANNOT_RUN
    return offer
