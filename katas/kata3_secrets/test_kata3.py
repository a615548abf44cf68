"""Kata 3 grader: the shipping client, against a real local HTTP server playing the shipping API.

The server (a ThreadingHTTPServer on 127.0.0.1, one per check) checks the x-api-key header against
the keys it accepts, can be told to answer 401, 403 or any status, or to sit on a request (a stalled
API), and records every request. The key lives in a Secrets Manager secret on the emulator; a rotation
is a put_secret_value (moto's rotate_secret leaves the secret without a current value). The student's
code runs in a student process of its own (harness/student), reaches the server over loopback, and
its exceptions arrive here as StudentError. Every check judges behaviour: what reached the API, what
came back, which AWS calls were made, and where the key showed up.
Run it with ``course grade kata3`` or ``pytest katas/kata3_secrets``.
"""

from __future__ import annotations

import ast
import functools
import json
import logging
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest

from harness import PartialCredit, expect, fail, student_error_summary
from harness.call_log import CallLog
from harness.exercise_files import ExerciseFiles
from harness.kit.logs import StudentLog
from harness.kit.messages import readme_step, short
from harness.student.proxy import RemoteObject, StudentError

CLIENT_FILE = "shipping_client.py"
README = "katas/kata3_secrets/README.md"
SECRET_ID = "parts-unlimited/shipping-api"
OTHER_SECRET_ID = "parts-unlimited/shipping-api-eu"
BASE_PATH = "/v1"
SHIPMENTS_PATH = BASE_PATH + "/shipments"
ORDER_ID = "PU-ORD-1001"
ADDRESS = {"name": "Parts Unlimited, Dock 4", "street": "1 Elkhart Way", "city": "Elkhart", "postcode": "46514", "country": "US"}
CALL = f"create_shipment({ORDER_ID!r}, <address>)"
IMPORTS = "test_the_module_defines_the_client_and_its_error"
SHIPS = "test_a_shipment_is_posted_with_the_key_and_the_answer_returned"
SDK_LOGGERS = ("botocore", "boto3", "s3transfer")  # the SDK's own DEBUG lines, off unless you turn them on


step = functools.partial(readme_step, README)


# ------------------------------------------------------------------------------------------ hints
# Shown to students when a check fails. README.md lists them too; tests/exercises/test_every_exercise.py
# keeps the two in step.

IMPORT_HINT = (
    "Run `python -c \"import shipping_client\"` in the kata folder: the module must define "
    "class ShippingClient and class ShippingError(Exception) without calling AWS or the API at import."
)
SHIP_HINT = (
    "requests.post(f\"{base_url}/shipments\", json={'order_id': ..., 'address': ...}, "
    "headers={'x-api-key': key}, timeout=...): json= sets the Content-Type; any 2xx (201 here) is "
    "success, so return response.json()."
)
TIMEOUT_HINT = (
    "Pass timeout= to every requests call (a few seconds, or a (connect, read) pair): without it a "
    "stalled partner API holds your code, and a Lambda function, until it is killed."
)
CACHE_HINT = (
    "Read the secret in a helper the first time the key is needed, keep it in an attribute "
    "(self._api_key), and reuse it: the constructor reads nothing, ten shipments make one GetSecretValue call."
)
OWN_SECRET_HINT = (
    "Keep the key on the instance (self._api_key), not in a module-level variable: each ShippingClient "
    "reads the secret it was given."
)
ROTATION_HINT = (
    "When the API answers 401 or 403, read the secret again (bypassing the cache), keep the new key, "
    "and send the same request once more with it."
)
SECOND_REJECTION_HINT = (
    "Retry a rejected key exactly once: if the API still answers 401 or 403 after the secret was "
    "re-read, raise ShippingError instead of trying again."
)
STATUS_HINT = (
    "For a non-2xx answer other than 401/403, raise ShippingError with the status (in the message, "
    "or as an attribute such as error.status) and do not retry: a repeated POST can ship twice."
)
LEAK_HINT = (
    "Never log, print or put the key into an exception message, the URL or the body; give the class a "
    "__repr__ that shows only the secret id and base URL (a dataclass prints every field)."
)
SHIPPING_ERROR_HINT = "Raise the module's own ShippingError (class ShippingError(Exception)) for a refused request."


# ---------------------------------------------------------------------------- the shipping API


@dataclass
class Received:
    """One request the shipping API received, and the status it answered."""

    method: str
    path: str  # with the query string, if any
    headers: dict[str, str]  # lower-case names
    body: bytes
    status: int = 0  # 0 until answered
    answer: Any = None

    @property
    def key(self) -> str | None:
        return self.headers.get("x-api-key")

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class ShippingApi:
    """The shipping partner's API, played by a real HTTP server on 127.0.0.1 (a free port)."""

    accepted_keys: set[str] = field(default_factory=set)
    reject_status: int = 401  # what an unknown or missing key gets (some APIs answer 403)
    forced_status: int | None = None  # answer this to every POST, whatever the key
    created_status: int = 201  # what an accepted shipment gets (202: accepted, to be processed later)
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    MAX_BODY = 1 << 20

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}{BASE_PATH}"

    def start(self) -> None:
        api = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 5  # seconds a connection may stay silent: a stuck client cannot hold a thread

            def log_message(self, *args: Any) -> None:  # the grader's output stays quiet
                pass

            def _handle(self) -> None:
                length = min(int(self.headers.get("Content-Length") or 0), api.MAX_BODY)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                request = Received(self.command, self.path, headers, body)
                with api._lock:
                    api.received.append(request)
                request.status, request.answer = api.decide(request)
                data = json.dumps(request.answer).encode()
                self.send_response(request.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)  # type: ignore[union-attr]
            self._server = None

    def decide(self, request: Received) -> tuple[int, Any]:
        """The status and the JSON answer for a request (``received`` already holds it, unanswered)."""
        if request.method != "POST":
            return 405, {"message": f"{request.method} is not allowed here; create shipments with POST"}
        if request.path.split("?", 1)[0].rstrip("/") != SHIPMENTS_PATH:
            return 404, {"message": f"no route {request.path}"}
        if self.forced_status is not None:
            return self.forced_status, {"message": "the shipping API could not process this request"}
        if request.key not in self.accepted_keys:
            return self.reject_status, {"message": "invalid or missing API key"}
        if not request.headers.get("content-type", "").lower().startswith("application/json"):
            return 415, {"message": "send the body as JSON (Content-Type: application/json)"}
        try:
            order = json.loads(request.body)
        except ValueError:
            return 400, {"message": "the body is not JSON"}
        if not (isinstance(order, dict) and isinstance(order.get("order_id"), str) and isinstance(order.get("address"), dict)):
            return 400, {"message": "the body needs order_id (a string) and address (an object)"}
        with self._lock:
            number = sum(1 for r in self.received if 200 <= (r.status or 0) < 300) + 1
        return self.created_status, {
            "shipment_id": f"SHP-{number:06d}",
            "order_id": order["order_id"],
            "status": "CREATED",
            "carrier": "Parts Unlimited Freight",
        }

    def mark(self) -> int:
        with self._lock:
            return len(self.received)

    def since(self, mark: int = 0) -> list[Received]:
        with self._lock:
            return list(self.received[mark:])


@pytest.fixture
def shipping_api() -> Iterator[ShippingApi]:
    api = ShippingApi()
    api.start()
    try:
        yield api
    finally:
        api.stop()


# ---------------------------------------------------------------------------------------- helpers


def new_key() -> str:
    return f"shp_live_{secrets.token_hex(16)}"


def make_secret(key: str, secret_id: str = SECRET_ID) -> None:
    boto3.client("secretsmanager").create_secret(Name=secret_id, SecretString=json.dumps({"api_key": key}))


def rotate(key: str, secret_id: str = SECRET_ID) -> None:
    """A rotation as the client sees it: the secret's current value changes."""
    boto3.client("secretsmanager").put_secret_value(SecretId=secret_id, SecretString=json.dumps({"api_key": key}))


def load(exercise: ExerciseFiles) -> RemoteObject:
    return exercise.load(CLIENT_FILE)


def new_client(module: RemoteObject, api: ShippingApi, secret_id: str = SECRET_ID) -> RemoteObject:
    return module.ShippingClient(secret_id, api.base_url)


def attempt(action: Callable[[], Any]) -> tuple[Any, Exception | None]:
    try:
        return action(), None
    except Exception as error:  # noqa: BLE001 - the student's exception is judged by the caller
        return None, error


def ship(client: RemoteObject, order_id: str = ORDER_ID) -> tuple[Any, Exception | None]:
    return attempt(lambda: client.create_shipment(order_id, dict(ADDRESS)))


def raised(error: Exception) -> str:
    return f"it raised {student_error_summary(error)}"


def describe_requests(received: list[Received]) -> str:
    if not received:
        return "no request"
    shown = ", ".join(f"{r} (answered {r.status})" for r in received[:4])
    return f"{len(received)} request{'s' if len(received) != 1 else ''}: {shown}" + (", ..." if len(received) > 4 else "")


def expect_success(result: Any, error: Exception | None, api: ShippingApi, mark: int, what: str) -> None:
    """A shipment the API accepted must come back as the API's answer, not an exception."""
    if error is not None:
        fail(f"Expected {what} to succeed; {raised(error)}. The shipping API received {describe_requests(api.since(mark))}.")
    created = [r for r in api.since(mark) if r.status == 201]
    expect(
        created,
        f"Expected {what} to create a shipment; the shipping API received {describe_requests(api.since(mark))}, "
        f"and it returned {short(result)}.",
    )


def shipping_error_class(module: RemoteObject) -> RemoteObject:
    error_class = getattr(module, "ShippingError", None)
    if not (isinstance(error_class, RemoteObject) and error_class.is_subclass_of(Exception)):
        fail("Expected shipping_client.py to define class ShippingError(Exception).", hint=IMPORT_HINT)
    return error_class


def expect_shipping_error(module: RemoteObject, result: Any, error: Exception | None, what: str) -> StudentError:
    error_class = shipping_error_class(module)
    if error is None:
        fail(f"Expected {what} to raise ShippingError; it returned {short(result)}.")
    if not (isinstance(error, StudentError) and error.is_a(error_class)):
        fail(f"Expected {what} to raise ShippingError; {raised(error)}.", hint=SHIPPING_ERROR_HINT)
    return error


def top_level_definitions(exercise: ExerciseFiles) -> list[str]:
    """The classes and functions the student's file defines (its text, read here, never run here)."""
    tree = ast.parse(exercise.path(CLIENT_FILE).read_text(encoding="utf-8"))
    definitions = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return sorted(node.name for node in tree.body if isinstance(node, definitions))


# ------------------------------------------------------------------------------------- the checks


@pytest.mark.points(1, hint=IMPORT_HINT, read=step(1))
def test_the_module_defines_the_client_and_its_error(exercise: ExerciseFiles) -> None:
    """module imports and defines ShippingClient and ShippingError (an Exception)"""
    module = load(exercise)
    client_class = getattr(module, "ShippingClient", None)
    expect(
        isinstance(client_class, RemoteObject) and client_class.is_class,
        f"Expected {exercise.shown(CLIENT_FILE)} to define class ShippingClient; "
        f"its classes and functions are {top_level_definitions(exercise)}.",
    )
    shipping_error_class(module)


@pytest.mark.points(3, hint=SHIP_HINT, read=step(3), requires=IMPORTS)
def test_a_shipment_is_posted_with_the_key_and_the_answer_returned(exercise: ExerciseFiles, shipping_api: ShippingApi) -> None:
    """create_shipment POSTs the order as JSON with the key in x-api-key and returns the API's answer"""
    key = new_key()
    make_secret(key)
    shipping_api.accepted_keys = {key}
    module = load(exercise)
    client, error = attempt(lambda: new_client(module, shipping_api))
    if error is not None:
        fail(f"Expected ShippingClient({SECRET_ID!r}, base_url) to build a client; {raised(error)}.")
    result, error = ship(client)
    received = shipping_api.since()
    if not received:
        fail(
            f"Expected {CALL} to send a request to the shipping API (base_url ends in {BASE_PATH}); "
            + (raised(error) if error is not None else f"none arrived, and it returned {short(result)}") + ".",
        )
    first = received[0]
    expect(
        first.method == "POST" and first.path.split("?", 1)[0].rstrip("/") == SHIPMENTS_PATH,
        f"Expected {CALL} to send POST {SHIPMENTS_PATH} (base_url + '/shipments', base_url ends in {BASE_PATH}); "
        f"the API received {first}.",
    )
    expect(
        first.key == key,
        f"Expected the header x-api-key to hold the api_key of the secret {SECRET_ID!r} for {CALL}; "
        + ("the request had no x-api-key header." if first.key is None else "it held something else (the whole SecretString?)."),
        hint="json.loads(answer['SecretString'])['api_key'] is the key; send it as headers={'x-api-key': key}.",
    )
    content_type = first.headers.get("content-type")
    expect(
        (content_type or "").lower().startswith("application/json"),
        f"Expected the request for {CALL} to say Content-Type: application/json, got "
        f"{'no Content-Type' if content_type is None else repr(content_type)} (the API answered {first.status}).",
    )
    try:
        body = json.loads(first.body)
    except ValueError:
        body = first.body.decode("utf-8", "replace")
    want = {"order_id": ORDER_ID, "address": ADDRESS}
    expect(body == want, f"Expected the body {json.dumps(want)} for {CALL}, got {short(body, 300)}.")
    if error is not None:
        fail(f"Expected {CALL} to return the API's answer (it answered {first.status} {json.dumps(first.answer)}); {raised(error)}.")
    expect(
        result == first.answer,
        f"Expected {CALL} to return the parsed JSON the API answered with status {first.status}, "
        f"{json.dumps(first.answer)}; got {short(result)}.",
    )
    expect(
        len(received) == 1,
        f"Expected one request for {CALL} (the API accepted the key); it received {describe_requests(received)}.",
    )
    shipping_api.created_status = 202  # any 2xx is success: "accepted, shipped later"
    mark = shipping_api.mark()
    result, error = ship(client)
    accepted = shipping_api.since(mark)
    expect(
        error is None and accepted and result == accepted[-1].answer,
        f"Expected {CALL} to return the answer of a 202 Accepted too (any 2xx is success), "
        + (f"{json.dumps(accepted[-1].answer)}; " if accepted else "")
        + (raised(error) if error is not None else f"got {short(result)}") + ".",
    )


@pytest.mark.points(1, hint=TIMEOUT_HINT, read=step(3), requires=IMPORTS)
def test_every_request_has_a_timeout(exercise: ExerciseFiles, shipping_api: ShippingApi, student_log: StudentLog) -> None:
    """every request to the shipping API has a timeout"""
    key = new_key()
    make_secret(key)
    shipping_api.accepted_keys = {key}
    module = load(exercise)
    client = new_client(module, shipping_api)
    student_log.mark()
    # The student process reports each connection its code opens, with the socket's timeout at that
    # moment: the library (requests, urllib, http.client) makes no difference.
    mark = shipping_api.mark()
    result, error = ship(client)
    # Then a rotation: the retry after a 401 is a request too.
    rotated = new_key()
    rotate(rotated)
    shipping_api.accepted_keys, shipping_api.reject_status = {rotated}, 401
    ship(client)
    port = int(shipping_api.base_url.split(":")[2].split("/")[0])
    to_api = [made for made in student_log.connections if made.port == port]
    if not to_api or not shipping_api.since(mark):
        fail(
            f"Expected {CALL} to call the shipping API; no request arrived "
            + (f"({raised(error)})." if error is not None else f"(it returned {short(result)})."),
            hint=SHIP_HINT,
        )
    waiting = [made for made in to_api if made.timeout is None or made.read_timeout is None]
    expect(
        not waiting,
        f"Expected every request of {CALL} (a first shipment, then one whose key was rotated, with its retry) "
        f"to carry a finite timeout, for connecting and for reading the answer; {len(waiting)} of {len(to_api)} "
        f"connection{'s' if len(to_api) > 1 else ''} could wait for ever "
        + ("(timeout=None)." if any(made.timeout is None for made in waiting) else "while reading (a read timeout of None)."),
    )


@pytest.mark.points(3, hint=CACHE_HINT, read=step(2), requires=IMPORTS)
def test_the_secret_is_read_lazily_and_once_for_ten_shipments(
    exercise: ExerciseFiles, shipping_api: ShippingApi, aws_calls: CallLog, partial_credit: PartialCredit
) -> None:
    """the secret is read lazily: no call when the client is created, one GetSecretValue for ten shipments"""
    key = new_key()
    make_secret(key)
    shipping_api.accepted_keys = {key}
    module = load(exercise)
    aws_calls.clear()
    client = new_client(module, shipping_api)
    with partial_credit.part("creating the client reads nothing"):
        reads = len(aws_calls.by_students("secretsmanager"))  # GetSecretValue, DescribeSecret or any other call
        expect(
            reads == 0,
            f"expected ShippingClient({SECRET_ID!r}, base_url) to read nothing yet (the key is fetched on first "
            f"use); it made: {aws_calls.describe()}.",
        )
    with partial_credit.part("ten shipments read the secret once"):
        for number in range(10):
            mark = shipping_api.mark()
            result, error = ship(client, f"PU-ORD-{2000 + number}")
            expect_success(result, error, shipping_api, mark, f"shipment {number + 1} of 10")
        reads = aws_calls.count("secretsmanager", "GetSecretValue")
        expect(
            reads == 1,
            f"expected 1 GetSecretValue call for 10 shipments with one client (the key never changed), got {reads}.",
        )


@pytest.mark.points(1, hint=OWN_SECRET_HINT, read=step(2), requires=IMPORTS)
def test_each_client_uses_the_key_of_its_own_secret(exercise: ExerciseFiles, shipping_api: ShippingApi) -> None:
    """each client uses the key of the secret it was given"""
    key_us, key_eu = new_key(), new_key()
    make_secret(key_us, SECRET_ID)
    make_secret(key_eu, OTHER_SECRET_ID)
    shipping_api.accepted_keys = {key_us, key_eu}
    module = load(exercise)
    us = new_client(module, shipping_api, SECRET_ID)
    eu = new_client(module, shipping_api, OTHER_SECRET_ID)
    for client, secret_id, key in ((us, SECRET_ID, key_us), (eu, OTHER_SECRET_ID, key_eu), (us, SECRET_ID, key_us)):
        mark = shipping_api.mark()
        _, error = ship(client)
        sent = [r for r in shipping_api.since(mark) if r.method == "POST"]
        if error is not None and not sent:
            fail(f"Expected {CALL} on the client for {secret_id!r} to reach the API; {raised(error)}.", hint=SHIP_HINT)
        expect(
            sent and sent[0].key == key,
            f"Expected the client created with the secret {secret_id!r} to send that secret's key (two clients, "
            f"two secrets, used in turn); its request carried "
            + ("no key." if not sent or sent[0].key is None else ("the other secret's key." if sent[0].key in (key_us, key_eu) else "an unknown key.")),
        )


@pytest.mark.points(3, hint=ROTATION_HINT, read=step(5), requires=IMPORTS)
def test_a_rotated_key_is_read_again_and_the_shipment_retried(
    exercise: ExerciseFiles, shipping_api: ShippingApi, partial_credit: PartialCredit
) -> None:
    """after a rotation (401 or 403) the secret is read again and the shipment retried"""
    old_key = new_key()
    make_secret(old_key)
    shipping_api.accepted_keys = {old_key}
    module = load(exercise)
    client = new_client(module, shipping_api)
    mark = shipping_api.mark()
    result, error = ship(client)
    expect_success(result, error, shipping_api, mark, f"{CALL} before any rotation")

    current = old_key
    picked_up = False
    for status in (401, 403):
        with partial_credit.part(f"the API answers {status} to the old key"):
            rotated = new_key()
            rotate(rotated)  # the secret changes and the API accepts only the new key
            shipping_api.accepted_keys, shipping_api.reject_status = {rotated}, status
            mark = shipping_api.mark()
            result, error = ship(client)
            sent = shipping_api.since(mark)
            what = f"{CALL} after the key was rotated (the API answers {status} to the old key)"
            if error is not None:
                fail(f"expected {what} to read the secret again and succeed; {raised(error)}; the API received {describe_requests(sent)}.")
            expect(
                sent and sent[-1].key == rotated and sent[-1].status == 201 and len(sent) <= 2,
                f"expected {what} to succeed with the new key in at most 2 requests; the API received {describe_requests(sent)}.",
            )
            current, picked_up = rotated, True
    with partial_credit.part("the new key is kept for the next shipment"):
        expect(picked_up, "expected the client to pick up a rotated key first (see the cases above).")
        # The secret and the API agree on the last key the client picked up (a failed case above may
        # have left them one rotation ahead of it).
        rotate(current)
        shipping_api.accepted_keys = {current}
        mark = shipping_api.mark()
        result, error = ship(client)
        sent = shipping_api.since(mark)
        what = f"the next {CALL}, after the client had picked up the rotated key"
        if error is not None:
            fail(f"expected {what} to succeed; {raised(error)}.")
        expect(
            len(sent) == 1 and sent[0].key == current,
            f"expected {what} to send one request with the new key; the API received {describe_requests(sent)}.",
            hint=CACHE_HINT,
        )


@pytest.mark.points(2, hint=SECOND_REJECTION_HINT, read=step(5), requires=IMPORTS)
def test_a_second_rejection_raises_shipping_error(
    exercise: ExerciseFiles, shipping_api: ShippingApi, partial_credit: PartialCredit
) -> None:
    """a key still rejected after re-reading the secret raises ShippingError (one retry, no more)"""
    module = load(exercise)
    for status in (401, 403):
        with partial_credit.part(f"the API answers {status} to every request"):
            key = new_key()
            secret_id = f"{SECRET_ID}-{status}"
            make_secret(key, secret_id)
            shipping_api.accepted_keys, shipping_api.reject_status = set(), status  # a revoked key
            client = new_client(module, shipping_api, secret_id)
            mark = shipping_api.mark()
            result, error = ship(client)
            sent = shipping_api.since(mark)
            what = f"{CALL} when the API rejects every key with {status}"
            expect(
                len(sent) == 2,
                f"expected {what} to send the request twice (the first try, then one retry after reading the "
                f"secret again); the API received {describe_requests(sent)}"
                + (f", and {raised(error)}." if error is not None else f", and it returned {short(result)}."),
            )
            expect_shipping_error(module, result, error, what)


@pytest.mark.points(2, hint=STATUS_HINT, read=step(4), requires=IMPORTS)
def test_other_error_statuses_raise_shipping_error_with_the_status(
    exercise: ExerciseFiles, shipping_api: ShippingApi, partial_credit: PartialCredit
) -> None:
    """other non-2xx answers (400, 404, 500, 503) raise ShippingError with the status, without a retry"""
    key = new_key()
    make_secret(key)
    shipping_api.accepted_keys = {key}
    module = load(exercise)
    client = new_client(module, shipping_api)
    for status in (400, 404, 500, 503):
        with partial_credit.part(f"status {status}"):
            shipping_api.forced_status = status
            mark = shipping_api.mark()
            result, error = ship(client)
            sent = shipping_api.since(mark)
            what = f"{CALL} when the API answers {status}"
            expect(sent, f"expected {what} to send the request; none arrived" + (f", and {raised(error)}." if error else "."), hint=SHIP_HINT)
            shipping_error = expect_shipping_error(module, result, error, what)
            named = [shipping_error.message, *(str(value) for value in shipping_error.attributes.values())]
            expect(
                any(str(status) in text for text in named),
                f"expected the ShippingError for {what} to name the status {status} (in its message or an attribute); "
                f"got ShippingError({shipping_error.message!r}).",
            )
            expect(
                len(sent) == 1,
                f"expected exactly 1 request for {what} (only a rejected key is retried); the API received {describe_requests(sent)}.",
            )


def _appearances(text: str, keys: list[str]) -> bool:
    return any(key in text for key in keys)


@pytest.mark.points(3, hint=LEAK_HINT, read=step(6), requires=SHIPS)
def test_the_key_never_leaks(
    exercise: ExerciseFiles,
    shipping_api: ShippingApi,
    partial_credit: PartialCredit,
    student_log: StudentLog,
) -> None:
    """the key never appears in logs, printed output, exception messages, repr()/str() of the client, the URL or the body"""
    old_key, new = new_key(), new_key()
    keys = [old_key, new]
    make_secret(old_key)
    shipping_api.accepted_keys = {old_key}
    # Lambda, like the student process, passes on WARNING and above unless asked for more; a key logged at
    # INFO or DEBUG still leaks the day someone turns the level up, so this check asks for every level.
    module = exercise.load(CLIENT_FILE, log_level="DEBUG")
    client = new_client(module, shipping_api)
    # A day of work: a shipment, a rotation, an API failure, a revoked key.
    mark = shipping_api.mark()
    result, error = ship(client)
    expect_success(result, error, shipping_api, mark, CALL)
    rotate(new)
    shipping_api.accepted_keys = {new}
    ship(client)
    errors: list[Exception | None] = []
    shipping_api.forced_status = 500
    errors.append(ship(client)[1])
    shipping_api.forced_status, shipping_api.accepted_keys = None, set()
    errors.append(ship(client)[1])

    with partial_credit.part("logs and printed output"):
        records = [r for r in student_log.records if not r.name.startswith(SDK_LOGGERS)]
        logged = [f"{logging.getLevelName(record.level)} {record.name}: {record.message}" for record in records]
        leaked = [line for line in logged if _appearances(line, keys)]
        printed = "".join(student_log.printed)
        expect(
            not leaked and not _appearances(printed, keys),
            "expected the key in no log line and no printed output (Lambda sends both to CloudWatch Logs, where "
            "many people can read them); "
            + (f"it was logged: {leaked[0].replace(old_key, '<the key>').replace(new, '<the key>')[:200]}" if leaked else "it was printed")
            + ".",
        )
    with partial_credit.part("exception messages"):
        student_errors = [raised_error for raised_error in errors if isinstance(raised_error, StudentError)]
        texts = [link.message for raised_error in student_errors for link in raised_error.chain()]
        expect(
            any(raised_error is not None for raised_error in errors),
            "expected the API failures (a 500, a revoked key) to raise ShippingError; nothing was raised.",
        )
        expect(
            not _appearances(" ".join(texts), keys),
            "expected no exception raised by create_shipment (for a 500, for a revoked key) to hold the key in "
            "its message or arguments; one does (exception texts end up in logs and error reports).",
        )
    with partial_credit.part("repr() and str() of the client"):
        shown_repr, shown_str = client.text()  # as the client is now, with the key cached
        expect(
            not _appearances(shown_repr + shown_str, keys),
            "expected repr(client) and str(client) not to show the key once it is cached; "
            + ("repr" if _appearances(shown_repr, keys) else "str")
            + " of the client shows it (debuggers, log lines with %r and error reports print objects this way).",
        )
    with partial_credit.part("the URL and the body"):
        places = [
            where
            for request in shipping_api.since()
            for where, text in (
                ("the URL", request.path),
                ("the body", request.body.decode("utf-8", "replace")),
                ("another header", json.dumps({k: v for k, v in request.headers.items() if k != "x-api-key"})),
            )
            if _appearances(text, keys)
        ]
        expect(
            not places,
            f"expected the key to travel only in the x-api-key header; it was also in {places[0] if places else ''} "
            "(URLs are written to access logs and proxies).",
        )
