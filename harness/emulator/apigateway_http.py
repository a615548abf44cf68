"""Deployed REST API stages answer over HTTP, on the emulator's own port, as API Gateway would.

    {endpoint}/restapis/{api_id}/{stage}/_user_request_/{path}

(LocalStack's path form: the same URL works on both, on one port, with no DNS or Host header to set;
on AWS it is https://{api_id}.execute-api.{region}.amazonaws.com/{stage}/{path}.) A request is routed
by resource, method (``ANY`` too), path parameters and greedy ``{proxy+}`` (apigateway_routes.py), on
the stage's deployment; the method's authorization runs (apigateway_auth.py); an ``AWS_PROXY`` Lambda
integration runs the deployed code in its warm execution environment (lambda_execution.py) with the
REST proxy event and its answer becomes the response (apigateway_proxy.py). API Gateway's own answers:
no route → 403 ``Missing Authentication Token``; the function not allowed to be invoked by API Gateway
(its resource policy), not found, or throttled → 500 ``Internal server error``; a function error or a
malformed answer → 502 ``Internal server error``; over the 29 s integration timeout → 504.
Other integration types (MOCK, HTTP, AWS) answer 500 with an ``x-course-emulator`` header saying so.
At most ``WORKERS`` integrations run at once; the others wait their turn within the timeout.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any
from urllib.parse import unquote

from . import apigateway_auth as auth
from . import apigateway_proxy as proxy
from . import lambda_execution
from .apigateway_routes import match, served
from .lambda_environments import Throttled

Wsgi = Callable[[dict, Callable[..., Any]], Iterable[bytes]]
STAGE_URL = re.compile(r"^/restapis/(?P<api>[^/]+)/(?P<stage>[^/]+)/_user_request_(?P<path>/.*)?$")
LAMBDA_URI = re.compile(r"^arn:aws[\w-]*:apigateway:[^:]+:lambda:path/2015-03-31/functions/(?P<function>.+)/invocations$")
STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_-]+)\}")
INTEGRATION_TIMEOUT = 29.0  # API Gateway's default (and, for REST APIs, usual maximum)
WORKERS = 8
NOTE = "x-course-emulator"

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def wrap(app: Wsgi) -> Wsgi:
    def api_stages(environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        raw = (environ.get("REQUEST_URI") or environ.get("RAW_URI") or environ.get("PATH_INFO", "")).split("?", 1)[0]
        found = STAGE_URL.match(raw)
        if found is None:
            return app(environ, start_response)
        response = serve(environ, found["api"], found["stage"], found["path"] or "/")
        status = f"{response.status} {_REASONS.get(response.status, 'Status')}"
        start_response(status, [*response.headers, ("Content-Length", str(len(response.body)))])
        return [response.body]

    return api_stages


_REASONS = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
            404: "Not Found", 409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error",
            502: "Bad Gateway", 504: "Gateway Timeout"}


def _read(environ: dict) -> proxy.Request:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    headers = [(key[5:].replace("_", "-").title(), str(value)) for key, value in environ.items() if key.startswith("HTTP_")]
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers.append((key.replace("_", "-").title(), str(environ[key])))
    return proxy.Request(
        method=environ.get("REQUEST_METHOD", "GET").upper(), path="", headers=headers,
        query=environ.get("QUERY_STRING", ""), body=body, source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"),
    )


def _find_api(api_id: str) -> tuple[Any, Any] | None:
    from moto.apigateway.models import apigateway_backends

    for _, regions in list(apigateway_backends.items()):
        for _, backend in list(regions.items()):
            api = backend.apis.get(api_id)
            if api is not None:
                return backend, api
    return None


def _own_endpoint(environ: dict) -> str:
    host = environ.get("SERVER_NAME", "127.0.0.1")
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{environ.get('SERVER_PORT', '80')}"


def serve(environ: dict, api_id: str, stage_name: str, raw_path: str) -> proxy.Response:
    request = _read(environ)
    request.path = unquote(raw_path)
    try:
        response = _answer(request, environ, api_id, stage_name, raw_path)
    except auth.Refused as refused:
        response = refused.response
    response.headers += [("x-amzn-RequestId", request.request_id), ("x-amz-apigw-id", request.request_id[:16])]
    return response


def _answer(request: proxy.Request, environ: dict, api_id: str, stage_name: str, raw_path: str) -> proxy.Response:
    found = _find_api(api_id)
    stage = found[1].stages.get(stage_name) if found else None
    if found is None or stage is None:
        return proxy.error(403, "Forbidden", "ForbiddenException")
    backend, api = found
    route = match(served(api, stage), request.method, raw_path)
    if route is None:
        return proxy.error(403, auth.MISSING_TOKEN, "MissingAuthenticationTokenException")
    where = proxy.Where(
        account_id=backend.account_id, region=backend.region_name, api_id=api_id, stage=stage_name,
        stage_variables=dict(stage.variables or {}), resource_id=route.resource.id, resource_path=route.resource.path,
        path_parameters=route.path_parameters, binary_media_types=tuple(api.binaryMediaTypes or ()),
    )
    method = route.method
    method_arn = where.method_arn(request.method, request.path)
    endpoint = _own_endpoint(environ)
    allowed = auth.Allowed()
    if method.authorization_type == "AWS_IAM":
        allowed = auth.check_iam(request, environ.get("REQUEST_URI", raw_path).split("?", 1)[0], where, method_arn, api.policy)
    elif method.authorization_type == "CUSTOM":
        allowed.authorizer = _run_authorizer(api, method.authorizer_id, request, where, method_arn, endpoint)
    elif method.authorization_type != "NONE":
        return _unsupported(500, f"authorization type {method.authorization_type} is not served by the embedded emulator")
    if method.api_key_required:
        auth.check_api_key(request, where, backend, allowed.identity)
    integration = method.integration
    if integration is None or integration.type != "AWS_PROXY":
        kind = integration.type if integration else "no"
        return _unsupported(500, f"{kind} integration: the embedded emulator serves AWS_PROXY Lambda integrations only")
    if integration.http_method != "POST":
        return _unsupported(500, f"Execution failed: a Lambda integration calls Invoke with POST, not {integration.http_method}")
    target = _function(integration.uri, where, integration.credentials, route.resource.path, method.http_method, request)
    if isinstance(target, proxy.Response):
        return target
    event = proxy.event(request, where, allowed.identity, allowed.authorizer)
    invocation = _invoke(target, event, endpoint)
    if isinstance(invocation, proxy.Response):
        return invocation
    if invocation.function_error:
        return proxy.error(502, "Internal server error", "InternalServerErrorException")
    try:
        return proxy.read_answer(invocation.body)
    except proxy.Malformed as malformed:
        response = proxy.error(502, "Internal server error", "InternalServerErrorException")
        response.headers.append((NOTE, f"Malformed Lambda proxy response: {malformed}"))
        return response


def _unsupported(status: int, why: str) -> proxy.Response:
    response = proxy.error(status, "Internal server error", "InternalServerErrorException")
    response.headers.append((NOTE, why))
    return response


def _function_arn(uri: str, where: proxy.Where) -> str | None:
    found = LAMBDA_URI.match(uri or "")
    if found is None:
        return None
    return STAGE_VARIABLE.sub(lambda m: where.stage_variables.get(m.group(1), ""), found["function"])


def _target(function_arn: str) -> lambda_execution.Target | None:
    from moto.awslambda_simple.models import lambda_simple_backends

    from .lambda_invoke import resolve

    parts = function_arn.split(":")
    if len(parts) < 7:
        return None
    try:
        return resolve(lambda_simple_backends[parts[4]][parts[3]], function_arn, None)
    except Exception:  # ResourceNotFound and the like: API Gateway's 500
        return None


def _function(uri: str, where: proxy.Where, credentials: str | None, resource_path: str, http_method: str,
              request: proxy.Request) -> lambda_execution.Target | proxy.Response:
    function_arn = _function_arn(uri, where)
    target = _target(function_arn) if function_arn else None
    if target is None:
        return _unsupported(500, f"integration URI {uri!r}: no such Lambda function")
    if credentials:
        return target  # API Gateway invokes with that role; its policies are not evaluated here
    method = "*" if http_method == "ANY" else http_method
    sources = {where.method_arn(m, p) for m in (method, request.method) for p in (resource_path, request.path)}
    if not any(_permits(target, source, where.account_id) for source in sources):
        return _unsupported(500, "Execution failed due to configuration error: Invalid permissions on Lambda function "
                                 "(no statement of its resource policy lets apigateway.amazonaws.com invoke it from this API)")
    return target


def _permits(target: lambda_execution.Target, source_arn: str, account_id: str) -> bool:
    from moto.awslambda_simple.models import lambda_simple_backends

    from harness.kit.iam import parse_policy

    backend = lambda_simple_backends[target.spec.account_id][target.spec.region]
    name, _, qualifier = target.invoked_arn.split(":function:", 1)[1].partition(":")
    try:
        function = backend._lambdas.get_function_by_name_or_arn_with_qualifier(name, qualifier or None)
        statements = list(function.policy.statements) if function.policy else []
    except Exception:
        statements = []
    if not statements:
        return False
    policy = parse_policy({"Version": "2012-10-17", "Statement": statements}, kind="resource")
    decision = policy.decide("lambda:InvokeFunction", target.invoked_arn, ("Service", "apigateway.amazonaws.com"),
                             {"aws:SourceArn": source_arn, "aws:SourceAccount": account_id})
    return decision.allowed


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="api-integration")
        return _executor


def _invoke(target: lambda_execution.Target, event: dict[str, Any], endpoint: str) -> lambda_execution.Invocation | proxy.Response:
    future = _pool().submit(lambda_execution.run, target, json.dumps(event), endpoint)
    try:
        return future.result(timeout=INTEGRATION_TIMEOUT)
    except FutureTimeout:
        return proxy.error(504, "Endpoint request timed out", "IntegrationTimeoutException")
    except Throttled:  # API Gateway turns Lambda's 429 into its own 500
        return _unsupported(500, "Lambda throttled the invocation (reserved concurrency in use)")


def _run_authorizer(api: Any, authorizer_id: str | None, request: proxy.Request, where: proxy.Where, method_arn: str,
                    endpoint: str) -> dict[str, Any]:
    authorizer = api.authorizers.get(authorizer_id or "")
    kind = (getattr(authorizer, "type", "") or "").upper()
    if authorizer is None or kind not in ("TOKEN", "REQUEST"):
        raise auth.Refused(_unsupported(500, f"authorizer {authorizer_id!r} ({kind or 'missing'}): only Lambda TOKEN and "
                                             "REQUEST authorizers are served"))
    values = auth.identity_values(kind, authorizer.identity_source, request, where)
    unauthorized = auth.Refused(proxy.error(401, "Unauthorized", "UnauthorizedException"))
    if not values or any(not v for v in values):
        raise unauthorized
    expression = authorizer.identity_validation_expression
    if kind == "TOKEN" and expression and not re.fullmatch(expression, values[0] or ""):
        raise unauthorized
    function_arn = _function_arn(authorizer.authorizer_uri or "", where)
    target = _target(function_arn) if function_arn else None
    if target is None:
        raise auth.Refused(proxy.error(500, None, "AuthorizerConfigurationException"))
    context = proxy.request_context(request, where, {}, None)
    event = auth.authorizer_event(kind, request, where, method_arn, values[0], context)
    invocation = _invoke(target, event, endpoint)
    if isinstance(invocation, proxy.Response):
        raise auth.Refused(proxy.error(500, None, "AuthorizerConfigurationException"))
    return auth.read_authorizer_answer(invocation.body, invocation.function_error, method_arn)
