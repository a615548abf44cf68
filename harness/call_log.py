"""Which AWS API calls reached the embedded emulator: a WSGI middleware and the log it fills."""

from __future__ import annotations

import hashlib
import io
import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any
from urllib.parse import parse_qs

import botocore.session

UNSENT_HEADERS = frozenset({"host", "content-length", "connection", "accept-encoding", "transfer-encoding"})
_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


from .student.clienttag import CLIENT_HEADER


@dataclass(frozen=True)
class ApiCall:
    service: str  # botocore's service name: "dynamodb", "lambda", "secretsmanager"
    operation: str  # AWS's operation name: "GetItem", "Invoke"
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)  # the request's parameters
    client: str = field(default="", compare=False)  # which student client sent it; "" when not a student process

    def __str__(self) -> str:
        return f"{self.service}.{self.operation}"

    @property
    def by_student(self) -> bool:
        return bool(self.client)


@dataclass
class _Hook:
    matches: Callable[[ApiCall], bool]
    action: Callable[[ApiCall], None]
    once: bool


@dataclass(frozen=True)
class RawRequest:
    """One HTTP request as the emulator received it, and the status it answered (script replay)."""

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    status: int


class CallLog:
    """Thread-safe record of API calls; graders read it through the ``aws_calls`` fixture.

    It also keeps a digest of every request since it was cleared (the state the emulator is in, for a
    seeded emulator) and, while ``capture()`` runs, the raw requests (harness/script_replay.py)."""

    def __init__(self) -> None:
        self._calls: list[ApiCall] = []
        self._hooks: list[_Hook] = []
        self._lock = threading.Lock()
        self.hook_errors: list[BaseException] = []
        self._digest = hashlib.sha256()
        self._captured: list[RawRequest] | None = None

    def note_request(self, method: str, path: str, query: str, body: bytes) -> None:
        with self._lock:
            for part in (method, path, query):
                self._digest.update(part.encode() + b"\0")
            self._digest.update(hashlib.sha256(body).digest())

    def state_digest(self) -> str:
        with self._lock:
            return self._digest.hexdigest()

    @property
    def capturing(self) -> bool:
        return self._captured is not None

    def start_capture(self) -> None:
        with self._lock:
            self._captured = []

    def stop_capture(self) -> list[RawRequest]:
        with self._lock:
            captured, self._captured = self._captured or [], None
            return captured

    def captured(self, request: RawRequest) -> None:
        with self._lock:
            if self._captured is not None:
                self._captured.append(request)

    @property
    def has_hooks(self) -> bool:
        with self._lock:
            return bool(self._hooks)

    def record(self, call: ApiCall) -> None:
        """Log the call, then run the hooks it matches (before the emulator answers it)."""
        with self._lock:
            self._calls.append(call)
            due = [hook for hook in self._hooks if hook.matches(call)]
            self._hooks = [hook for hook in self._hooks if not (hook.once and hook in due)]
        for hook in due:
            try:
                hook.action(call)
            except Exception as error:  # a grader's action failed: the check reads hook_errors
                self.hook_errors.append(error)

    def before(self, matches: Callable[[ApiCall], bool], action: Callable[[ApiCall], None], *, once: bool = True) -> None:
        """Run ``action`` in the emulator, before it answers the first request that ``matches``
        (every such request when once=False): a second writer racing the student's write, a limit."""
        with self._lock:
            self._hooks.append(_Hook(matches, action, once))

    def clear(self) -> None:
        """After a reset: no calls, and the emulator's state digest starts again."""
        self.forget_calls()
        with self._lock:
            self._digest = hashlib.sha256()
            self._captured = None

    def forget_calls(self) -> None:
        """The calls a check reads start here (the aws_calls fixture); the emulator's state, and so its
        digest (script replay's key, ``script_replay.fresh``), is unchanged by that."""
        with self._lock:
            self._calls.clear()
            self._hooks.clear()
            self.hook_errors.clear()

    def by_students(self, service: str | None = None) -> list[ApiCall]:
        """Calls sent by student processes (their code, and Python programs their scripts run)."""
        return [call for call in self.calls if call.by_student and service in (None, call.service)]

    def clients(self, service: str | None = None) -> set[str]:
        """The distinct student boto3 clients that sent calls (one id per client object)."""
        return {call.client for call in self.by_students(service)}

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


# Signing names that are no service's name, for services moto serves: the search below would parse every
# service model before theirs (~70 for CloudWatch's "monitoring": 0.3 s of a first alarm request, measured).
# A test checks each against that search.
KNOWN_SIGNING_NAMES = {
    "monitoring": "cloudwatch",
    "states": "stepfunctions",
    "elasticfilesystem": "efs",
    "elasticmapreduce": "emr",
    "tagging": "resourcegroupstaggingapi",
    "iotdata": "iot-data",
    "mobiletargeting": "pinpoint",
}


@cache
def _models() -> botocore.session.Session:
    """The log's one botocore session: a new session per lookup listed botocore's ~400 service folders and
    parsed the models again, ~15 ms for each service a run calls (measured)."""
    return botocore.session.get_session()


@lru_cache(maxsize=None)
def _service_for_signing_name(signing_name: str) -> str:
    if signing_name in KNOWN_SIGNING_NAMES:
        return KNOWN_SIGNING_NAMES[signing_name]
    return _search_signing_name(signing_name)


def _search_signing_name(signing_name: str, session: botocore.session.Session | None = None) -> str:
    session = session or _models()
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
    model = _models().get_service_model(service)
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


def identify(method: str, path: str, headers: dict[str, str], body: bytes, query: str = "") -> ApiCall | None:
    """Name the operation of one HTTP request the way botocore's service models name it, with its parameters."""
    match = _CREDENTIAL_SCOPE.search(headers.get("authorization", ""))
    if not match:
        return None  # not an AWS API call (e.g. /moto-api/reset)
    service = _service_for_signing_name(match.group(1))
    client = headers.get(CLIENT_HEADER, "")[:64]
    target = headers.get("x-amz-target")
    if target:
        return ApiCall(service, target.rsplit(".", 1)[-1], _json_params(body), client)
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = parse_qs(body.decode("utf-8", "replace"))
        action = form.get("Action")
        if action:
            return ApiCall(service, action[0], {key: values[-1] for key, values in form.items()}, client)
    params = {**{key: values[-1] for key, values in parse_qs(query).items()}, **_json_params(body)}
    try:
        routes = _rest_routes(service)
    except Exception:  # a service botocore does not know
        return ApiCall(service, f"{method} {path}", params, client)
    for route_method, pattern, _, name in routes:
        if route_method == method and pattern.match(path):
            return ApiCall(service, name, params, client)
    return ApiCall(service, f"{method} {path}", params, client)


def _json_params(body: bytes) -> dict[str, Any]:
    """A JSON request body as a dict (DynamoDB, KMS, Secrets Manager, Lambda ...); {} otherwise."""
    if not body or body[:1] not in (b"{", b" ", b"\n"):
        return {}
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def recording_middleware(app: Callable[..., Iterable[bytes]], log: CallLog) -> Callable[..., Iterable[bytes]]:
    """Wrap moto's WSGI app so that every AWS request is named in ``log`` before moto answers it."""

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        method, path, query = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/"), environ.get("QUERY_STRING", "")
        if not path.startswith("/moto-api/"):  # reset, seed and config are the harness's, not state
            log.note_request(method, path, query, body)
        call = identify(method, path, headers, body, query)
        if call is not None:
            log.record(call)
        if not log.capturing:
            return app(environ, start_response)

        def answered(status: str, response_headers: Any, exc_info: Any = None) -> Any:
            sent = tuple((name, value) for name, value in headers.items() if name not in UNSENT_HEADERS)
            log.captured(RawRequest(method, path, query, sent, body, int(status.split()[0])))
            return start_response(status, response_headers, exc_info)

        return app(environ, answered)

    return middleware
