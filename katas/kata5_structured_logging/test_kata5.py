"""Kata 5 grader: the inventory-status function writes structured JSON logs.

Every check deploys the student's folder as the Lambda function inventory-status on the backend,
invokes it with events of the grader's (cold, then warm; an API Gateway request carrying an
Authorization header and an API key; a missing table for the 500; LOG_LEVEL set three ways), and judges
what /aws/lambda/<name> holds afterwards, line by line (harness/kit/function_logs.py): never the source,
so the standard library, python-json-logger and Powertools' Logger are judged alike. Run it with
``course grade kata5``.

Eight checks judge the same five requests from different angles: the first of them to run makes the
requests and reads the log, and the others read what it saw (kept for that package's bytes), so a
grading deploys and invokes once instead of eight times. What is kept is data the backend answered,
never an object of the student's.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest

from harness import api_gateway_event, expect, fail, invoke_deployed
from harness.backends import LAMBDA_RUNTIME_LOGGING
from harness.exercise_files import ExerciseFiles
from harness.kit.function_logs import InvocationLog, LogEvent, deploy, invocations, package
from harness.kit.messages import readme_step, short

# Its checks deploy the student's Python (never load it), and run it from the first check on.
pytestmark = pytest.mark.start_ahead(student_processes=False, lambda_runtime=True)

FUNCTION = "inventory-status"
HANDLER = "inventory_status_lambda.lambda_handler"
MODULE = "inventory_status_lambda.py"
TABLE = "Inventory"
README = "katas/kata5_structured_logging/README.md"
ITEMS = [
    {"sku": "PU-1001", "name": "Hex bolt M8", "quantity": 42, "reorder_level": 10},
    {"sku": "PU-2002", "name": "Lock washer M8", "quantity": 3, "reorder_level": 5},
]
# What the API Gateway request carries that no log line may hold.
TOKEN = "Bearer k5.grader-token.f3a9c1d7e2b84f06"
API_KEY = "k5-api-key-8b1e4c7d9a2f"
EVENT_KEYS = ("requestContext", "pathParameters")  # two keys only the whole event has

LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "WARN": 30, "ERROR": 40, "CRITICAL": 50}
LEVEL_KEYS = ("level", "levelname", "log_level")
MESSAGE_KEYS = ("message", "msg")
TIME_KEYS = ("timestamp", "time", "@timestamp")
REQUEST_ID_KEYS = ("request_id", "aws_request_id", "function_request_id")
UTC_ISO_8601 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]00:?00)")
CLOCK_SLACK_SECONDS = 120  # a line's timestamp against the time CloudWatch received it

step = functools.partial(readme_step, README)

# ------------------------------------------------------------------------------------------ hints
# Shown to students when a check fails; README.md lists them (tests/exercises/test_every_exercise.py).

ANSWERS_HINT = (
    'Keep Lab 1\'s behaviour: 200 with the item, 404 for an unknown SKU, 400 for an invalid one, and 500 with {"error": '
    '"internal error"} when anything unexpected happens (catch it, log it, return the 500; do not raise again).'
)
JSON_HINT = (
    "Set a JSON formatter on the handler the Lambda runtime put on the root logger (or use python-json-logger or "
    "Powertools' Logger), log through the logger rather than print, and write each object on one line: json.dumps "
    "without indent."
)
LEVEL_HINT = (
    'Put the record\'s level name under "level" (record.levelname) and its text under "message" (record.getMessage()) '
    "in every object."
)
TIMESTAMP_HINT = (
    "Write the time of the record in UTC, ISO 8601 with the zone: datetime.fromtimestamp(record.created, "
    "tz=timezone.utc).isoformat() (or Powertools' use_rfc3339=True); datetime.now() without a zone is local time, "
    "and says nothing of its zone."
)
REQUEST_HINT = (
    "Read context.aws_request_id and context.function_name at the start of every invocation and put them on every "
    "line it writes (Powertools: @logger.inject_lambda_context); a warm invocation must not carry the previous one's "
    "request id."
)
COLD_HINT = (
    "Keep a module-level flag, True when the module is loaded, and set it to False once the first invocation has read "
    "it: module-level code runs once per execution environment, the handler once per invocation."
)
SKU_HINT = (
    'Put the SKU read_sku returned under "sku" on every line of the invocation (null when there is none), and set it '
    "again in every invocation: a warm one must not carry the previous SKU."
)
ERROR_HINT = (
    "In the except block, call logger.exception(...) once (it logs at ERROR with the stack) and have the formatter "
    "write the exception's type and formatException(record.exc_info) into the same object; do not log it a second "
    "time, print the traceback, or raise again."
)
LOG_LEVEL_HINT = (
    'Set the logger\'s level from os.environ.get("LOG_LEVEL", "INFO") at module level, and log each line at its level '
    "from the README's table (debug before GetItem, warning for a 400, info for every answer)."
)
SECRETS_HINT = (
    "Log the fields you need (the SKU), never the event or its headers: API Gateway events carry the caller's "
    "Authorization header and API key."
)

# ---------------------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class Request:
    label: str
    event: dict[str, Any]
    sku: str | None  # the valid SKU it asks for
    status: int
    breaks_table: bool = False  # the grader deletes the table first: the 500


def api_request(sku: str) -> dict[str, Any]:
    return api_gateway_event(
        "GET", "/inventory/{sku}", {"sku": sku}, headers={"Authorization": TOKEN, "x-api-key": API_KEY}
    )


REQUESTS = (
    Request("API Gateway GET /inventory/PU-1001, with an Authorization header", api_request("PU-1001"), "PU-1001", 200),
    Request('direct {"sku": "PU-2002"}', {"sku": "PU-2002"}, "PU-2002", 200),
    Request("API Gateway GET /inventory/PU-9999 (no such item)", api_request("PU-9999"), "PU-9999", 404),
    Request("API Gateway GET /inventory/pu-1001 (an invalid SKU)", api_request("pu-1001"), None, 400),
    Request('direct {"sku": "PU-1001"} with the table deleted', {"sku": "PU-1001"}, "PU-1001", 500, breaks_table=True),
)


@dataclass(frozen=True)
class Seen:
    """One request of the run: what the function answered and what it logged."""

    request: Request
    answer: Any
    log: InvocationLog

    @property
    def name(self) -> str:
        return f"invocation {REQUESTS.index(self.request) + 1}, {self.request.label}"


def create_table() -> None:
    dynamodb = boto3.resource("dynamodb")
    table = dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "sku", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "sku", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    table.wait_until_exists()
    for item in ITEMS:
        table.put_item(Item=item)


def deploy_student(exercise: ExerciseFiles, name: str, log_level: str | None) -> None:
    variables = {"INVENTORY_TABLE": TABLE, **({"LOG_LEVEL": log_level} if log_level else {})}
    deploy(name, HANDLER, package(exercise.path(MODULE).parent), variables)


def logs_of(name: str, count: int) -> list[InvocationLog]:
    found = invocations(name)
    expect(
        len(found) == count,
        f"Expected /aws/lambda/{name} to show {count} invocations (START to REPORT); it shows {len(found)}.",
    )
    return found


def run(exercise: ExerciseFiles) -> list[Seen]:
    """The grader's requests, in order, to inventory-status deployed with LOG_LEVEL=DEBUG (every line shows)."""
    return observed(package(exercise.path(MODULE).parent))


@functools.lru_cache(maxsize=2)
def observed(code: bytes) -> list[Seen]:
    """What the requests got from this package, made once per package (an error is not kept: the next
    check tries again, and fails with the same message)."""
    create_table()
    deploy(FUNCTION, HANDLER, code, {"INVENTORY_TABLE": TABLE, "LOG_LEVEL": "DEBUG"})
    answers = []
    for request in REQUESTS:
        if request.breaks_table:
            boto3.client("dynamodb").delete_table(TableName=TABLE)
        answers.append(invoke_deployed(FUNCTION, request.event))
    return [Seen(r, a, log) for r, a, log in zip(REQUESTS, answers, logs_of(FUNCTION, len(REQUESTS)))]


def parsed(line: LogEvent) -> dict[str, Any] | None:
    """The line as a JSON object (even one spread over several lines), or None."""
    try:
        value = json.loads(line.message)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def objects(seen: Seen) -> list[tuple[LogEvent, dict[str, Any]]]:
    """The JSON objects of one invocation; an invocation that wrote none fails the check that reads them."""
    found = [(line, value) for line in seen.log.lines if (value := parsed(line)) is not None]
    expect(
        found,
        f"Expected {seen.name} to write JSON log lines; it wrote {len(seen.log.lines)} lines, none a JSON object"
        + (f", such as:\n{short(seen.log.lines[0].message, 300)}" if seen.log.lines else "."),
        hint=JSON_HINT,
    )
    return found


def field(value: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((value[key] for key in keys if key in value), None)


def level_of(value: dict[str, Any]) -> int | None:
    level = field(value, LEVEL_KEYS)
    return LEVELS.get(level.upper()) if isinstance(level, str) else None


def quote(line: LogEvent) -> str:
    return short(line.message.rstrip("\n"), 400)


def strings(value: Any) -> list[str]:
    """Every string inside a parsed JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return []


def utc_time(text: Any) -> datetime | None:
    """The instant a UTC ISO 8601 timestamp names, any number of fraction digits (3.10's fromisoformat takes
    only 3 or 6), or None."""
    found = UTC_ISO_8601.fullmatch(text) if isinstance(text, str) else None
    if found is None:
        return None
    try:
        whole = datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return whole + timedelta(seconds=float(f"0{found.group(1) or ''}"))


def invoke_times(name: str, events: list[dict[str, Any]]) -> list[InvocationLog]:
    for event in events:
        invoke_deployed(name, event)
    return logs_of(name, len(events))


# ========================================================================================= checks


@pytest.mark.points(2, hint=ANSWERS_HINT, read=step(5))
def test_the_deployed_function_still_answers_as_lab_1s(exercise: ExerciseFiles) -> None:
    """the deployed function still answers as Lab 1's: 200, 404, 400 and a 500"""
    for seen in run(exercise):
        answer, expected = seen.answer, seen.request.status
        if not answer.ok:
            fail(
                f"Expected {seen.name} to answer statusCode {expected}; the function failed: {short(answer.payload, 300)}"
                + (" (it raised again after logging)" if expected == 500 else "")
            )
        got = answer.payload.get("statusCode") if isinstance(answer.payload, dict) else None
        expect(got == expected, f"Expected {seen.name} to answer statusCode {expected}, got {short(answer.payload)}.")
        if expected == 500:
            body = answer.payload.get("body")
            expect(
                json.loads(body or "null") == {"error": "internal error"},
                f'Expected {seen.name} to answer the body {{"error": "internal error"}}, got {short(body)}.',
            )


@pytest.mark.needs(LAMBDA_RUNTIME_LOGGING)
@pytest.mark.points(3, hint=JSON_HINT, read=step(1))
def test_every_line_is_one_json_object(exercise: ExerciseFiles) -> None:
    """every line the function writes is one JSON object"""
    seen_all = run(exercise)
    for seen in seen_all:
        for where, lines in (("at import, before", seen.log.init_lines), ("in", seen.log.lines)):
            for line in lines:
                text = line.message.rstrip("\n")
                if parsed(line) is None:
                    fail(
                        f"Expected every line inventory-status writes to be one JSON object; this one, written {where} "
                        f"{seen.name}, is not:\n{quote(line)}"
                    )
                expect(
                    "\n" not in text,
                    f"Expected every JSON object on one line (one CloudWatch event, one line); the object written "
                    f"{where} {seen.name} spans {text.count(chr(10)) + 1} lines:\n{quote(line)}",
                )


@pytest.mark.needs(LAMBDA_RUNTIME_LOGGING)
@pytest.mark.points(2, hint=LEVEL_HINT, read=step("1, 4"))
def test_every_line_has_its_level_and_a_message(exercise: ExerciseFiles) -> None:
    """every line has its level and a message"""
    for seen in run(exercise):
        for line, value in objects(seen):
            expect(
                level_of(value) is not None,
                f"Expected every line to name its level under \"level\" (DEBUG, INFO, WARNING or ERROR); this line of "
                f"{seen.name} has {short(field(value, LEVEL_KEYS))}:\n{quote(line)}",
            )
            message = field(value, MESSAGE_KEYS)
            expect(
                isinstance(message, str) and message.strip(),
                f"Expected every line to say what happened under \"message\"; this line of {seen.name} has "
                f"{short(message)}:\n{quote(line)}",
            )


@pytest.mark.needs(LAMBDA_RUNTIME_LOGGING)
@pytest.mark.points(2, hint=TIMESTAMP_HINT, read=step(1))
def test_every_line_has_a_utc_iso_8601_timestamp(exercise: ExerciseFiles) -> None:
    """every line has a UTC ISO 8601 timestamp"""
    for seen in run(exercise):
        for line, value in objects(seen):
            stamp = field(value, TIME_KEYS)
            when = utc_time(stamp)
            expect(
                when is not None,
                f"Expected every line to carry \"timestamp\", UTC in ISO 8601 with its zone (2026-12-05T09:15:02.117Z "
                f"or ...+00:00); this line of {seen.name} has {short(stamp)}:\n{quote(line)}",
            )
            assert when is not None
            received = datetime.fromtimestamp(line.timestamp_ms / 1000, tz=timezone.utc)
            off = abs((when - received).total_seconds())
            expect(
                off <= CLOCK_SLACK_SECONDS,
                f"Expected the timestamp of each line to be the UTC time it was written; this line of {seen.name} says "
                f"{stamp}, {off:.0f} s from {received.isoformat(timespec='milliseconds')} when CloudWatch received it "
                f"(local time marked as UTC?):\n{quote(line)}",
            )


@pytest.mark.needs(LAMBDA_RUNTIME_LOGGING)
@pytest.mark.points(2, hint=REQUEST_HINT, read=step(3))
def test_every_line_carries_the_request_id_and_function_name(exercise: ExerciseFiles) -> None:
    """every line carries the invocation's request id and the function name"""
    for seen in run(exercise):
        for line, value in objects(seen):
            got = field(value, REQUEST_ID_KEYS)
            expect(
                got == seen.log.request_id,
                f"Expected every line of {seen.name} to carry its request id {seen.log.request_id!r} (as START "
                f"RequestId says) under \"request_id\"; this line has {short(got)}:\n{quote(line)}",
            )
            name = value.get("function_name")
            expect(
                name == FUNCTION,
                f"Expected every line to carry \"function_name\": {FUNCTION!r} (context.function_name); this line of "
                f"{seen.name} has {short(name)}:\n{quote(line)}",
            )


@pytest.mark.needs(LAMBDA_RUNTIME_LOGGING)
@pytest.mark.points(2, hint=COLD_HINT, read=step(2))
def test_cold_start_is_true_in_the_first_invocation_only(exercise: ExerciseFiles) -> None:
    """cold_start is true in an environment's first invocation only"""
    for seen in run(exercise):
        cold = seen.log.cold
        state = "a cold start (its REPORT shows Init Duration)" if cold else "a warm invocation (no Init Duration)"
        for line, value in objects(seen):
            got = value.get("cold_start", "missing")
            expect(
                got is cold,
                f"Expected \"cold_start\": {json.dumps(cold)} on every line of {seen.name}, {state}; this line has "
                f"{json.dumps(got) if got != 'missing' else 'no cold_start'}:\n{quote(line)}",
            )


@pytest.mark.needs(LAMBDA_RUNTIME_LOGGING)
@pytest.mark.points(1, hint=SKU_HINT, read=step(3))
def test_every_line_of_an_invocation_names_its_sku(exercise: ExerciseFiles) -> None:
    """every line of an invocation names the SKU it asked for"""
    for seen in run(exercise):
        if seen.request.sku is None:
            continue
        for line, value in objects(seen):
            got = value.get("sku", "missing")
            expect(
                got == seen.request.sku,
                f"Expected \"sku\": {seen.request.sku!r} on every line of {seen.name}; this line has "
                f"{short(got) if got != 'missing' else 'no sku'}:\n{quote(line)}",
            )


def error_lines(seen: Seen) -> list[LogEvent]:
    """The lines that report an error: at ERROR level, or plain text holding a traceback or the runtime's [ERROR]."""
    found = []
    for line in seen.log.lines:
        value = parsed(line)
        if value is not None:
            reported = (level_of(value) or 0) >= LEVELS["ERROR"] or any("Traceback (most recent" in s for s in strings(value))
        else:
            reported = "Traceback (most recent" in line.message or line.message.startswith("[ERROR]")
        if reported:
            found.append(line)
    return found


@pytest.mark.needs(LAMBDA_RUNTIME_LOGGING)
@pytest.mark.points(3, hint=ERROR_HINT, read=step(5))
def test_an_unexpected_error_is_logged_once_with_type_and_stack(exercise: ExerciseFiles) -> None:
    """an unexpected error is logged once, at ERROR, with its type and stack in the same line"""
    seen = next(s for s in run(exercise) if s.request.breaks_table)
    found = error_lines(seen)
    expect(found, f"Expected {seen.name} (GetItem fails: ResourceNotFoundException) to log the error at ERROR; no line did.")
    expect(
        len(found) == 1,
        f"Expected {seen.name} to log its error once, in one line; {len(found)} lines report it:\n"
        + "\n".join(quote(line) for line in found),
    )
    line = found[0]
    value = parsed(line)
    expect(value is not None, f"Expected the error line of {seen.name} to be a JSON object; it is:\n{quote(line)}")
    assert value is not None
    expect(
        level_of(value) == LEVELS["ERROR"],
        f"Expected the error line of {seen.name} at level ERROR; it has {short(field(value, LEVEL_KEYS))}:\n{quote(line)}",
    )
    texts = strings(value)
    expect(
        any("Traceback (most recent call last)" in text for text in texts),
        f"Expected the error line of {seen.name} to hold the stack (Traceback (most recent call last): ...) in the "
        f"same object; it has none:\n{quote(line)}",
    )
    expect(
        any("ResourceNotFoundException" in text or "ClientError" in text for text in texts),
        f"Expected the error line of {seen.name} to name the exception's type (ResourceNotFoundException); it does "
        f"not:\n{quote(line)}",
    )


def levels_written(logs: list[InvocationLog]) -> list[int]:
    return [
        level
        for log in logs
        for line in log.lines
        if (value := parsed(line)) is not None and (level := level_of(value)) is not None
    ]


@pytest.mark.needs(LAMBDA_RUNTIME_LOGGING)
@pytest.mark.points(3, hint=LOG_LEVEL_HINT, read=step("1, 4"))
def test_log_level_sets_the_level(exercise: ExerciseFiles, partial_credit: Any) -> None:
    """LOG_LEVEL sets the level: DEBUG adds the debug line, WARNING leaves only warnings and errors"""
    with partial_credit.part("LOG_LEVEL=DEBUG"):
        seen = [s for s in run(exercise) if s.request.status in (200, 400)]  # the run is deployed with DEBUG
        expect_levels("DEBUG", levels_written([s.log for s in seen]), f"{len(seen)} answers of 200 and 400")
    create_table()
    requests = [{"sku": "PU-1001"}, {"sku": "pu-1001"}]  # a 200, then a 400
    for setting, name in ((None, "inventory-status-default"), ("WARNING", "inventory-status-warning")):
        with partial_credit.part(f"LOG_LEVEL={setting}" if setting else "LOG_LEVEL not set"):
            deploy_student(exercise, name, setting)
            levels = levels_written(invoke_times(name, requests))
            expect_levels(setting, levels, 'a 200 ({"sku": "PU-1001"}) and a 400 ({"sku": "pu-1001"})')


def expect_levels(setting: str | None, levels: list[int], asked: str) -> None:
    """Nothing below the level in force, and its own lines written (the debug line, the info lines, the warning)."""
    said = f"LOG_LEVEL={setting}" if setting else "LOG_LEVEL not set"
    written = sorted({k for k, v in LEVELS.items() if v in levels and k != "WARN"}, key=LEVELS.__getitem__)
    got = f"the function wrote lines at {', '.join(written)}" if written else "the function wrote no JSON line with a level"
    lowest = LEVELS[setting or "INFO"]
    expect(all(level >= lowest for level in levels), f"Expected {said} to keep every line below {setting or 'INFO'} out ({asked}); {got}.")
    expect(lowest in levels, f"Expected {said} to let the {setting or 'INFO'} lines of {asked} through; {got}.")


@pytest.mark.points(2, hint=SECRETS_HINT, read=step(6))
@pytest.mark.needs(LAMBDA_RUNTIME_LOGGING)  # where logging reaches no log group, no secret in it proves nothing
def test_no_line_holds_a_secret_or_the_whole_event(exercise: ExerciseFiles) -> None:
    """no line holds a secret or the whole event"""
    for seen in run(exercise):
        for line in seen.log.init_lines + seen.log.lines:
            for secret, what in ((TOKEN, "the Authorization header"), (API_KEY, "the x-api-key header")):
                expect(
                    secret not in line.message,
                    f"Expected no line to hold a secret; a line of {seen.name} holds {what} ({secret!r}):\n{quote(line)}",
                )
            expect(
                not all(key in line.message for key in EVENT_KEYS),
                f"Expected no line to hold the whole event; a line of {seen.name} does (it has its "
                f"{' and '.join(EVENT_KEYS)}):\n{quote(line)}",
            )
