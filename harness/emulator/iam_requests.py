"""What a request to the emulator asks IAM about: the caller's access key, the IAM action, the resources.

AWS authorizes every request as (principal, action, resource, context). moto's access control names the
action from the API operation and evaluates almost every service on the resource "*" (only S3, SQS,
IAM and STS name one), so a policy scoped to one table refuses the calls it allows. Here each service's
resource ARNs are built as IAM's Service Authorization Reference names them, from the request's own
parameters; a service not listed here is asked about "*".
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

# The signing name in a SigV4 credential scope -> the IAM service prefix, where they differ.
IAM_PREFIX = {"monitoring": "cloudwatch", "email": "ses"}
# API operation -> IAM action, where they differ.
IAM_ACTION = {
    ("lambda", "Invoke"): "InvokeFunction",
    ("lambda", "InvokeWithResponseStream"): "InvokeFunction",
    ("lambda", "GetFunctionConfiguration"): "GetFunctionConfiguration",
    ("lambda", "ListVersionsByFunction"): "ListVersionsByFunction",
}
ACCESS_KEY = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/")
DYNAMODB_TRANSACT_KINDS = ("Get", "Put", "Update", "Delete", "ConditionCheck")


def caller(headers: Any) -> tuple[str, str, str] | None:
    """(access key id, region, signing service) from a SigV4 Authorization header, or None."""
    match = ACCESS_KEY.search(headers.get("Authorization") or "")
    return (match.group(1), match.group(2), match.group(3)) if match else None


def iam_action(signing_service: str, response: Any) -> str:
    service = IAM_PREFIX.get(signing_service, signing_service)
    if service == "s3":
        operation = response.data.get("Action") or "*"  # moto's S3 names the IAM action itself (ACTION_MAP)
    else:
        operation = response._get_action() or "*"
    return f"{service}:{IAM_ACTION.get((service, operation), operation)}"


def parameters(response: Any) -> dict[str, Any]:
    """The request's parameters: the JSON body, or the query/form parameters (first value of each)."""
    body = response.body
    if isinstance(body, dict):  # some services' responses have parsed it already
        return body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str) and body.lstrip().startswith("{"):
        try:
            loaded = json.loads(body)
            return loaded if isinstance(loaded, dict) else {}
        except ValueError:
            pass
    return {key: values[0] if isinstance(values, list) and values else values for key, values in response.querystring.items()}


def resources(action: str, response: Any, account: str, region: str, moto_resource: str) -> list[str]:
    """The ARNs a request acts on (several for a batch), or ["*"]."""
    service = action.split(":", 1)[0]
    if service in ("s3", "sqs", "iam", "sts"):
        return [moto_resource or "*"]  # moto names these itself
    params = parameters(response)
    arn = f"arn:aws:{service}:{region}:{account}:"
    finder = FINDERS.get(service)
    found = finder(params, arn, response, account, region) if finder else []
    return [item for item in dict.fromkeys(found) if item] or ["*"]


def _dynamodb(params: dict[str, Any], arn: str, *_: Any) -> list[str]:
    tables: list[tuple[str, str | None]] = []
    if isinstance(params.get("TableName"), str):
        tables.append((params["TableName"], params.get("IndexName")))
    for name in params.get("RequestItems") or {}:
        tables.append((name, None))
    for item in params.get("TransactItems") or []:
        for kind in DYNAMODB_TRANSACT_KINDS:
            if isinstance(item, dict) and isinstance(item.get(kind), dict) and item[kind].get("TableName"):
                tables.append((item[kind]["TableName"], None))
    return [_table_arn(arn, name, index) for name, index in tables]


def _table_arn(arn: str, name: str, index: str | None) -> str:
    if name.startswith("arn:"):
        return name
    return f"{arn}table/{name}" + (f"/index/{index}" if index else "")


def _secretsmanager(params: dict[str, Any], arn: str, response: Any, account: str, region: str) -> list[str]:
    secret_id = params.get("SecretId")
    if not isinstance(secret_id, str):
        return []
    try:
        from moto.secretsmanager.models import secretsmanager_backends

        backend = secretsmanager_backends[account][region]
        if backend._is_valid_identifier(secret_id):
            return [backend.secrets[secret_id].arn]
    except Exception:  # noqa: BLE001 - an unknown secret is asked about by the ARN its name would have
        pass
    return [secret_id if secret_id.startswith("arn:") else f"{arn}secret:{secret_id}"]


def key_arn(key_id: str, account: str, region: str) -> str:
    """A KMS key's ARN from any of its names (id, ARN, alias, alias ARN)."""
    try:
        from moto.kms.models import kms_backends

        backend = kms_backends[account][region]
        return backend.describe_key(key_id).arn
    except Exception:  # noqa: BLE001 - an unknown key or alias: its own ARN
        return key_id if key_id.startswith("arn:") else f"arn:aws:kms:{region}:{account}:{key_id if key_id.startswith('alias/') else 'key/' + key_id}"


def _kms(params: dict[str, Any], arn: str, response: Any, account: str, region: str) -> list[str]:
    key_id = params.get("KeyId") or params.get("DestinationKeyId")
    return [key_arn(key_id, account, region)] if isinstance(key_id, str) else []


def _logs(params: dict[str, Any], arn: str, *_: Any) -> list[str]:
    group = params.get("logGroupName")
    if not isinstance(group, str):
        return []
    stream = params.get("logStreamName")
    if isinstance(stream, str):
        return [f"{arn}log-group:{group}:log-stream:{stream}"]
    return [f"{arn}log-group:{group}"]


def _sns(params: dict[str, Any], *_: Any) -> list[str]:
    return [params.get("TopicArn") or params.get("TargetArn") or ""]


def _ssm(params: dict[str, Any], arn: str, *_: Any) -> list[str]:
    names = [params["Name"]] if isinstance(params.get("Name"), str) else list(params.get("Names") or [])
    return [name if name.startswith("arn:") else f"{arn}parameter/{name.lstrip('/')}" for name in names if isinstance(name, str)]


def _lambda(params: dict[str, Any], arn: str, response: Any, *_: Any) -> list[str]:
    match = re.search(r"/functions/([^/]+)", response.path or "")
    if not match:
        return []
    name = unquote(match.group(1))
    return [name if name.startswith("arn:") else f"{arn}function:{name}"]


FINDERS = {
    "dynamodb": _dynamodb,
    "secretsmanager": _secretsmanager,
    "kms": _kms,
    "logs": _logs,
    "sns": _sns,
    "ssm": _ssm,
    "lambda": _lambda,
}
