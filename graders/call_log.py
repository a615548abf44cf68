"""Which AWS API calls reached the embedded emulator: a WSGI middleware and the log it fills."""

from __future__ import annotations

import io
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs

import botocore.session

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


@dataclass(frozen=True)
class ApiCall:
    service: str  # botocore's service name: "dynamodb", "lambda", "secretsmanager"
    operation: str  # AWS's operation name: "GetItem", "Invoke"

    def __str__(self) -> str:
        return f"{self.service}.{self.operation}"


class CallLog:
    """Thread-safe record of API calls; graders read it through the ``aws_calls`` fixture."""

    def __init__(self) -> None:
        self._calls: list[ApiCall] = []
        self._lock = threading.Lock()

    def record(self, call: ApiCall) -> None:
        with self._lock:
            self._calls.append(call)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()

    @property
    def calls(self) -> list[ApiCall]:
        with self._lock:
            return list(self._calls)

    def count(self, service: str, operation: str | None = None) -> int:
        return sum(1 for c in self.calls if c.service == service and operation in (None, c.operation))

    def operations(self, service: str | None = None) -> Counter[str]:
        return Counter(c.operation for c in self.calls if service in (None, c.service))

    def describe(self) -> str:
        counts = Counter(str(call) for call in self.calls)
        return ", ".join(f"{name} x{n}" for name, n in sorted(counts.items())) or "no AWS calls"


@lru_cache(maxsize=None)
def _service_for_signing_name(signing_name: str) -> str:
    session = botocore.session.get_session()
    for service in session.get_available_services():
        if signing_name == service:
            return service
    for service in session.get_available_services():
        model = session.get_service_model(service)
        if model.signing_name == signing_name:
            return service
    return signing_name


@lru_cache(maxsize=None)
def _rest_routes(service: str) -> tuple[tuple[str, re.Pattern[str], int, str], ...]:
    """(method, path pattern, literal length, operation) for a REST service, most specific first."""
    model = botocore.session.get_session().get_service_model(service)
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http.get("requestUri", "/").split("?")[0]
        pattern = re.sub(r"\\\{[^}]+?\\\+\\\}", "(.+)", re.escape(uri))
        pattern = re.sub(r"\\\{[^}]+\\\}", "([^/]+)", pattern)
        literal = len(re.sub(r"\{[^}]+\}", "", uri))
        routes.append((http.get("method", "POST"), re.compile(f"^{pattern}/?$"), literal, name))
    routes.sort(key=lambda route: -route[2])
    return tuple(routes)


def identify(method: str, path: str, headers: dict[str, str], body: bytes) -> ApiCall | None:
    """Name the operation of one HTTP request the way botocore's service models name it."""
    match = _CREDENTIAL_SCOPE.search(headers.get("authorization", ""))
    if not match:
        return None  # not an AWS API call (e.g. /moto-api/reset)
    service = _service_for_signing_name(match.group(1))
    target = headers.get("x-amz-target")
    if target:
        return ApiCall(service, target.rsplit(".", 1)[-1])
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return ApiCall(service, action[0])
    try:
        routes = _rest_routes(service)
    except Exception:  # a service botocore does not know
        return ApiCall(service, f"{method} {path}")
    for route_method, pattern, _, name in routes:
        if route_method == method and pattern.match(path):
            return ApiCall(service, name)
    return ApiCall(service, f"{method} {path}")


def recording_middleware(app: Callable[..., Iterable[bytes]], log: CallLog) -> Callable[..., Iterable[bytes]]:
    """Wrap moto's WSGI app so that every AWS request is named in ``log`` before moto answers it."""

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        call = identify(environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/"), headers, body)
        if call is not None:
            log.record(call)
        return app(environ, start_response)

    return middleware
