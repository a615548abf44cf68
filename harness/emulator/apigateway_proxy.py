"""The Lambda proxy integration's two halves: the event API Gateway sends (REST, payload format 1.0) and
how it reads the function's answer back into an HTTP response.

The answer must be a JSON object with an integer ``statusCode``, an optional string ``body``, optional
``headers`` (strings) and ``multiValueHeaders`` (lists), and ``isBase64Encoded``; anything else, or a
function error, is API Gateway's ``502 {"message": "Internal server error"}``.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl

INTERNAL_ERROR = {"message": "Internal server error"}


@dataclass
class Request:
    """One HTTP request to a stage, as API Gateway reads it."""

    method: str
    path: str  # within the stage: "/inventory/PU-1001"
    headers: list[tuple[str, str]]  # as received, in order
    query: str
    body: bytes
    source_ip: str
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return values[-1] if values else None

    def single_headers(self) -> dict[str, str] | None:
        return {k: v for k, v in self.headers} or None

    def multi_headers(self) -> dict[str, list[str]] | None:
        multi: dict[str, list[str]] = {}
        for key, value in self.headers:
            multi.setdefault(key, []).append(value)
        return multi or None

    def query_pairs(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query, keep_blank_values=True)

    def single_query(self) -> dict[str, str] | None:
        return dict(self.query_pairs()) or None

    def multi_query(self) -> dict[str, list[str]] | None:
        multi: dict[str, list[str]] = {}
        for key, value in self.query_pairs():
            multi.setdefault(key, []).append(value)
        return multi or None


@dataclass(frozen=True)
class Where:
    """The API and stage a request reached, and how the route matched it."""

    account_id: str
    region: str
    api_id: str
    stage: str
    stage_variables: dict[str, str]
    resource_id: str
    resource_path: str
    path_parameters: dict[str, str]
    binary_media_types: tuple[str, ...] = ()

    def method_arn(self, http_method: str, path: str) -> str:
        return f"arn:aws:execute-api:{self.region}:{self.account_id}:{self.api_id}/{self.stage}/{http_method}{path}"


def request_context(request: Request, where: Where, identity: dict[str, Any], authorizer: dict[str, Any] | None) -> dict[str, Any]:
    now = time.time()
    context: dict[str, Any] = {
        "resourceId": where.resource_id,
        "resourcePath": where.resource_path,
        "httpMethod": request.method,
        "extendedRequestId": request.request_id[:16],
        "requestTime": datetime.fromtimestamp(now, timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "path": f"/{where.stage}{request.path}",
        "accountId": where.account_id,
        "protocol": "HTTP/1.1",
        "stage": where.stage,
        "domainPrefix": where.api_id,
        "requestTimeEpoch": int(now * 1000),
        "requestId": request.request_id,
        "identity": {
            "cognitoIdentityPoolId": None, "accountId": None, "cognitoIdentityId": None, "caller": None,
            "sourceIp": request.source_ip, "principalOrgId": None, "accessKey": None,
            "cognitoAuthenticationType": None, "cognitoAuthenticationProvider": None, "userArn": None,
            "userAgent": request.header("User-Agent"), "user": None, "apiKey": None, "apiKeyId": None,
            **identity,
        },
        "domainName": f"{where.api_id}.execute-api.{where.region}.amazonaws.com",
        "apiId": where.api_id,
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    return context


def is_binary(request: Request, binary_media_types: tuple[str, ...]) -> bool:
    content_type = (request.header("Content-Type") or "").split(";")[0].strip()
    return any(fnmatch.fnmatch(content_type, pattern) for pattern in binary_media_types if content_type)


def event(request: Request, where: Where, identity: dict[str, Any], authorizer: dict[str, Any] | None) -> dict[str, Any]:
    """The event a Lambda proxy integration receives (REST API, payload format version 1.0)."""
    binary = is_binary(request, where.binary_media_types)
    if not request.body:
        body = None
    elif binary:
        body = base64.b64encode(request.body).decode()
    else:
        body = request.body.decode("utf-8", "replace")
    return {
        "resource": where.resource_path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": request.single_headers(),
        "multiValueHeaders": request.multi_headers(),
        "queryStringParameters": request.single_query(),
        "multiValueQueryStringParameters": request.multi_query(),
        "pathParameters": where.path_parameters or None,
        "stageVariables": where.stage_variables or None,
        "requestContext": request_context(request, where, identity, authorizer),
        "body": body,
        "isBase64Encoded": binary and body is not None,
    }


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class Malformed(ValueError):
    """The function's answer is not a proxy response."""


def read_answer(payload: bytes) -> Response:
    """The HTTP response a function's proxy answer stands for (raises Malformed)."""
    try:
        answer = json.loads(payload)
    except ValueError:
        raise Malformed("not JSON") from None
    if not isinstance(answer, dict):
        raise Malformed("not a JSON object")
    status = answer.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise Malformed(f"statusCode {status!r}")
    body = answer.get("body")
    if body is not None and not isinstance(body, str):
        raise Malformed("body is not a string")
    headers = answer.get("headers") or {}
    multi = answer.get("multiValueHeaders") or {}
    if not isinstance(headers, dict) or not isinstance(multi, dict):
        raise Malformed("headers are not an object")
    pairs: list[tuple[str, str]] = []
    for key, values in multi.items():
        if not isinstance(values, list):
            raise Malformed(f"multiValueHeaders {key!r} is not a list")
        pairs += [(str(key), _header_value(v)) for v in values]
    named = {k.lower() for k, _ in pairs}
    pairs += [(str(k), _header_value(v)) for k, v in headers.items() if str(k).lower() not in named]
    encoded = answer.get("isBase64Encoded", False)
    if encoded not in (True, False, "true", "false"):
        raise Malformed("isBase64Encoded is not a boolean")
    data = (body or "").encode("utf-8")
    if encoded in (True, "true") and body:
        try:
            data = base64.b64decode(body, validate=True)
        except ValueError:
            raise Malformed("body is not base64") from None
    if not any(k.lower() == "content-type" for k, _ in pairs):
        pairs.append(("Content-Type", "application/json"))  # API Gateway's default
    return Response(status, pairs, data)


def _header_value(value: Any) -> str:
    if isinstance(value, (dict, list)):
        raise Malformed("a header value is not a string")
    return "true" if value is True else "false" if value is False else str(value)


def error(status: int, message: Any, error_type: str, key: str = "message") -> Response:
    """One of API Gateway's own answers (a refused call, a failed integration)."""
    return Response(status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", error_type)],
                    json.dumps({key: message}).encode())
