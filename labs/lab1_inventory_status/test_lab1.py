"""Lab 1 grader: the inventory-status Lambda, first in-process against a real table, then deployed.

Every check is behavioural: it calls ``lambda_handler`` (or runs ``deploy.sh``) the way Lambda and
API Gateway would, and judges what comes back, never how the code is written.
Run it with ``course grade lab1`` or ``pytest labs/lab1_inventory_status``.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import pytest

from harness import FakeContext, PartialCredit, api_gateway_event, expect, fail, invoke_deployed, scrub_paths
from harness.call_log import ApiCall, CallLog
from harness.exercise_files import ExerciseFiles
from harness.kit import resources
from harness.kit.iam import trust_admits_others, trust_allows_lambda
from harness.kit.logs import StudentLog, last_error_line
from harness.kit.messages import readme_step, short
from harness.student.proxy import RemoteObject, StudentModule

HANDLER_FILE = "inventory_status_lambda.py"
DEPLOY_SCRIPT = "deploy.sh"
TABLE = "Inventory"
OTHER_TABLE = "InventoryGraderCheck"
FUNCTION = "inventory-status"
ROLE = "inventory-status-role"
ROUTE = "/inventory/{sku}"
README = "labs/lab1_inventory_status/README.md"
IMPORTS = "test_the_handler_module_imports"
DEPLOY_RUNS = "test_deploy_sh_runs_and_creates_the_function"

# The item most checks look up, and the body a correct handler answers for it.
KNOWN = {"sku": "PU-1001", "name": "Hex bolt M8", "quantity": 42, "reorder_level": 10}
KNOWN_BODY = {**KNOWN, "status": "IN_STOCK"}
IN_TABLE = " (in the table)"
WARM_INVOCATIONS = 2

step = functools.partial(readme_step, README)


# ------------------------------------------------------------------------------------------ hints
# Shown to students when a check fails. README.md lists them too; tests/exercises/test_every_exercise.py
# keeps the two in step.

IMPORT_HINT = (
    "Run `python -c \"import inventory_status_lambda\"` in the lab folder with INVENTORY_TABLE set: "
    "module-level code should only read settings and create the client."
)
OK_HINT = (
    "Look the item up with get_item(Key={'sku': sku}) and return {'statusCode': 200, "
    "'headers': {'Content-Type': 'application/json'}, 'body': json.dumps(...)}."
)
DECIMAL_HINT = (
    "DynamoDB numbers come back as decimal.Decimal, which json.dumps cannot write: convert quantity "
    "and reorder_level with int(...) before building the body (not str(), not float())."
)
STATUS_HINT = (
    "Test OUT_OF_STOCK first (quantity <= 0), then LOW_STOCK (quantity <= reorder_level), else "
    "IN_STOCK; both comparisons include equality."
)
DIRECT_HINT = (
    "Read the SKU from event['pathParameters']['sku'] when API Gateway calls, else from event['sku']; "
    "pathParameters may be missing or None."
)
BAD_REQUEST_HINT = (
    "Validate before touching DynamoDB: the SKU must be a string that fully matches "
    "^[A-Z0-9-]{3,32}$ (re.fullmatch); otherwise return 400 with {'error': '...'}."
)
NOT_FOUND_HINT = (
    "get_item returns no 'Item' key when nothing matches; check for it before reading fields, "
    "and return 404 with {'error': '...'}."
)
SERVER_ERROR_HINT = (
    "Wrap the handler's work in try/except Exception: log the error (logger.exception(...)) and "
    "return 500 with exactly {'error': 'internal error'}; the details belong in the log, not the body."
)
GET_ITEM_HINT = (
    "Fetching one item by its key is GetItem: a Scan reads (and bills) the whole table and a Query "
    "is for many items of one key; use get_item(Key={'sku': sku})."
)
TABLE_NAME_HINT = (
    "Read the table name from the INVENTORY_TABLE environment variable (os.environ['INVENTORY_TABLE']) "
    "instead of writing 'Inventory' in the code."
)
CLIENT_REUSE_HINT = (
    "Create the boto3 client or resource at module level, outside lambda_handler: Lambda keeps the "
    "module loaded between invocations, so the client and its connections are reused."
)
DEPLOY_HINT = (
    "Run `bash deploy.sh` yourself against a running backend (`course backend up`) and fix the first "
    "command that fails; it must create the Inventory table, the role and the function."
)
IDEMPOTENT_HINT = (
    "Check whether each resource exists first (describe-table, get-role, get-function with "
    ">/dev/null 2>&1) and create it only if it is missing; for an existing function run "
    "update-function-code, wait function-updated-v2, then update-function-configuration."
)
UPDATE_CODE_HINT = (
    "When the function exists, build a fresh function.zip and run `awslocal lambda update-function-code "
    "--function-name inventory-status --zip-file fileb://function.zip`."
)
CONFIG_HINT = (
    "Compare your create-table, create-role and create-function options with README step 7, then "
    "check the result with `awslocal lambda get-function-configuration --function-name inventory-status`."
)
DEPLOYED_HINT = (
    "The zip must hold inventory_status_lambda.py at its root (python -m zipfile -c function.zip "
    "inventory_status_lambda.py) and the handler setting must be inventory_status_lambda.lambda_handler."
)
RESPONSE_HINT = "A proxy integration needs a dict with statusCode, headers and a JSON string body."
JSON_BODY_HINT = "API Gateway sends the body as text: build it with json.dumps(...)."

# ---------------------------------------------------------------------------------------- helpers


def describe(event: Any) -> str:
    """The input, as a message names it: the SKU asked for, or the event when there is none."""
    if isinstance(event, dict) and "httpMethod" in event:
        sku = (event.get("pathParameters") or {}).get("sku")
        return f"SKU {sku!r}" if sku is not None else f"{event['httpMethod']} {event['resource']} without pathParameters"
    return f"the direct invocation {json.dumps(event)}"


def get_event(sku: str) -> dict[str, Any]:
    return api_gateway_event("GET", ROUTE, {"sku": sku})


@functools.cache
def dynamodb() -> Any:
    """One resource for the grader's own calls: building one costs more than the calls themselves."""
    return boto3.resource("dynamodb")


def make_table(name: str = TABLE, items: list[dict[str, Any]] | None = None) -> Any:
    table = dynamodb().create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "sku", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "sku", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    table.wait_until_exists()
    for item in items or [KNOWN]:
        table.put_item(Item=item)
    return table


def load_handler(exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, table: str = TABLE) -> StudentModule:
    monkeypatch.setenv("INVENTORY_TABLE", table)
    return exercise.load(HANDLER_FILE)


def describe_calls(calls: list[ApiCall]) -> str:
    """"dynamodb.GetItem x2, dynamodb.Scan x1", as CallLog.describe names calls."""
    counts = Counter(str(call) for call in calls)
    return ", ".join(f"{name} x{n}" for name, n in sorted(counts.items())) or "no AWS calls"


def call(module: StudentModule, event: Any) -> dict[str, Any]:
    response = module.lambda_handler(event, FakeContext(function_name=FUNCTION))
    expect(
        isinstance(response, dict) and "statusCode" in response,
        f"Expected a response dict with a statusCode for {describe(event)}, got {short(response)}.",
        hint=RESPONSE_HINT,
    )
    return response


def expect_status(
    response: dict[str, Any], expected: int, event: Any, why: str = "", log: StudentLog | None = None, hint: str | None = None
) -> None:
    got = response.get("statusCode")
    if got == expected:
        return
    message = f"Expected statusCode {expected} for {describe(event)}{why}, got {got!r}"
    if got == 500 and log is not None:
        last = log.last_error()
        if "Decimal" in last or "Decimal is not JSON" in log.text():
            fail(message + "; the log says a Decimal could not be written as JSON.", hint=DECIMAL_HINT)
        if last:
            message += f"; the log ends with: {last}"
    fail(message + ".", hint=hint)


def body_of(response: dict[str, Any], event: Any) -> Any:
    body = response.get("body")
    if not isinstance(body, str):
        fail(
            f"Expected the body to be a JSON string for {describe(event)}, got a {type(body).__name__}: {short(body)}.",
            hint=JSON_BODY_HINT,
        )
    try:
        return json.loads(body)
    except ValueError:
        fail(f"Expected the body to be JSON for {describe(event)}, got {short(body)}.", hint=JSON_BODY_HINT)


def expect_error_body(response: dict[str, Any], event: Any) -> None:
    body = body_of(response, event)
    expect(
        isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"].strip(),
        f"Expected a body like {{\"error\": \"...\"}} for {describe(event)}, got {short(response.get('body'))}.",
    )
    got = content_type(response)
    expect(
        got is not None and got.split(";")[0].strip().lower() == "application/json",
        f"Expected the header Content-Type: application/json on the error answer for {describe(event)} too (every "
        f"response carries it), got {'no Content-Type header' if got is None else repr(got)}.",
    )


def content_type(response: dict[str, Any]) -> str | None:
    for key, value in (response.get("headers") or {}).items():
        if str(key).lower() == "content-type":
            return str(value)
    for key, values in (response.get("multiValueHeaders") or {}).items():
        if str(key).lower() == "content-type" and values:
            return str(values[0])
    return None


def run_deploy(exercise: ExerciseFiles, which: str = "`bash deploy.sh`") -> None:
    result = exercise.run_script(DEPLOY_SCRIPT)
    expect(result.ok, f"Expected {which} to exit with status 0; {scrub_paths(result.describe())}", hint=DEPLOY_HINT)


# ------------------------------------------------------------------------- the handler, in-process


@pytest.mark.points(1, hint=IMPORT_HINT, read=step(1))
def test_the_handler_module_imports(exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch) -> None:
    """handler module imports (a cold start) and defines lambda_handler"""
    make_table()
    module = load_handler(exercise, monkeypatch)
    handler = getattr(module, "lambda_handler", None)
    if not (isinstance(handler, RemoteObject) and handler.is_callable):
        fail(
            f"Expected {exercise.shown(HANDLER_FILE)} to define lambda_handler(event, context); "
            f"it defines {module.names()}."
        )


@pytest.mark.points(2, hint=OK_HINT, read=step(5), requires=IMPORTS)
def test_a_known_sku_returns_200_with_json_content_type(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, student_log: StudentLog
) -> None:
    """known SKU returns 200 with Content-Type application/json"""
    make_table()
    module = load_handler(exercise, monkeypatch)
    event = get_event(KNOWN["sku"])
    response = call(module, event)
    expect_status(response, 200, event, IN_TABLE, student_log)
    got = content_type(response)
    expect(
        got is not None and got.split(";")[0].strip().lower() == "application/json",
        f"Expected the header Content-Type: application/json for {describe(event)}, got "
        f"{'no Content-Type header' if got is None else repr(got)} (headers {short(response.get('headers'))}).",
    )


@pytest.mark.points(2, hint=DECIMAL_HINT, read=step(5), requires=IMPORTS)
def test_the_200_body_has_the_item_fields_with_integer_numbers(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, student_log: StudentLog
) -> None:
    """200 body holds sku, name, quantity, reorder_level and status, numbers as integers"""
    make_table()
    module = load_handler(exercise, monkeypatch)
    event = get_event(KNOWN["sku"])
    response = call(module, event)
    expect_status(response, 200, event, IN_TABLE, student_log, hint=OK_HINT)
    body = body_of(response, event)
    expect(isinstance(body, dict), f"Expected a JSON object as the body for {describe(event)}, got {short(body)}.", hint=OK_HINT)
    missing = [key for key in KNOWN_BODY if key not in body]
    expect(
        not missing,
        f"Expected the body for {describe(event)} to have the keys {', '.join(KNOWN_BODY)}; "
        f"{', '.join(missing)} missing in {json.dumps(body)}.",
        hint=OK_HINT,
    )
    for key in ("quantity", "reorder_level"):
        value = body[key]
        if type(value) is not int:
            kind = "the string" if isinstance(value, str) else f"a {type(value).__name__}"
            fail(
                f"Expected \"{key}\" to be the integer {KNOWN[key]} for {describe(event)} "
                f"({key} is {KNOWN[key]} in the table), got {kind} {json.dumps(value)}.",
            )
    wrong = [key for key, value in KNOWN_BODY.items() if body[key] != value]
    expect(
        not wrong,
        f"Expected the body {json.dumps(KNOWN_BODY)} for {describe(event)}, got {json.dumps(body)} "
        f"(wrong: {', '.join(wrong)}).",
        hint=STATUS_HINT if wrong == ["status"] else OK_HINT,
    )


# (quantity, reorder_level, expected status): every edge of the two comparisons.
STATUS_CASES = [
    (0, 5, "OUT_OF_STOCK"),
    (-3, 5, "OUT_OF_STOCK"),
    (0, 0, "OUT_OF_STOCK"),
    (1, 5, "LOW_STOCK"),
    (4, 5, "LOW_STOCK"),
    (5, 5, "LOW_STOCK"),
    (1, 1, "LOW_STOCK"),
    (6, 5, "IN_STOCK"),
    (1, 0, "IN_STOCK"),
    (1000, 10, "IN_STOCK"),
]


@pytest.mark.points(4, hint=STATUS_HINT, read=step(4), requires=IMPORTS)
def test_the_stock_status_is_right_at_every_boundary(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, partial_credit: PartialCredit, student_log: StudentLog
) -> None:
    """stock status is right at every boundary (OUT_OF_STOCK, LOW_STOCK, IN_STOCK)"""
    items = [
        {"sku": f"PU-S{index:02d}", "name": f"Status case {index}", "quantity": quantity, "reorder_level": level}
        for index, (quantity, level, _) in enumerate(STATUS_CASES)
    ]
    make_table(items=items)
    module = load_handler(exercise, monkeypatch)
    for item, (quantity, level, expected) in zip(items, STATUS_CASES):
        with partial_credit.part(f"quantity={quantity}, reorder_level={level}"):
            student_log.mark()
            event = get_event(item["sku"])
            response = call(module, event)
            why = f" (quantity {quantity}, reorder_level {level})"
            expect_status(response, 200, event, why, student_log)
            body = body_of(response, event)
            got = body.get("status") if isinstance(body, dict) else None
            expect(got == expected, f"expected status {expected} for {describe(event)}{why}, got {got!r}.")


@pytest.mark.points(1, hint=DIRECT_HINT, read=step(2), requires=IMPORTS)
def test_a_direct_invocation_with_a_sku_works(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, student_log: StudentLog
) -> None:
    """direct invocation {"sku": "PU-1001"} works like the API Gateway request"""
    make_table()
    module = load_handler(exercise, monkeypatch)
    event = {"sku": KNOWN["sku"]}
    response = call(module, event)
    expect_status(response, 200, event, " (SKU 'PU-1001' is in the table)", student_log)
    body = body_of(response, event)
    # Only what shows the item was found; the number types are the body check's business.
    got = {key: body.get(key) for key in ("sku", "status")} if isinstance(body, dict) else body
    want = {key: KNOWN_BODY[key] for key in ("sku", "status")}
    expect(got == want, f"Expected a body with {json.dumps(want)} for {describe(event)}, got {short(response.get('body'))}.")


BAD_REQUESTS = [
    (get_event("pu-1001"), "lowercase"),
    (get_event("PU"), "too short"),
    (get_event("PU-" + "1" * 30), "33 characters"),
    (get_event("PU_1001"), "underscore"),
    (get_event("PU 1001"), "space"),
    (api_gateway_event("GET", ROUTE, None), "no SKU"),
    ({}, "no SKU"),
    ({"sku": None}, "SKU None"),
    ({"sku": ""}, "empty SKU"),
    (get_event("PU-1001\n"), "a trailing newline, which re.match's $ lets through"),
    ({"sku": 1001}, "a number, not a string"),
]


@pytest.mark.points(2, hint=BAD_REQUEST_HINT, read=step(2), requires=IMPORTS)
def test_a_missing_or_invalid_sku_returns_400(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, partial_credit: PartialCredit, student_log: StudentLog
) -> None:
    """missing or invalid SKU returns 400 with an error message"""
    # Items under the invalid SKUs too: a handler that skips validation finds them.
    make_table(items=[KNOWN, *({**KNOWN, "sku": sku} for sku in ("pu-1001", "PU_1001", "PU 1001"))])
    module = load_handler(exercise, monkeypatch)
    for event, why in BAD_REQUESTS:
        with partial_credit.part(f"{describe(event)} ({why})"):
            student_log.mark()
            response = call(module, event)
            expect_status(response, 400, event, f" ({why})", student_log)
            expect_error_body(response, event)


@pytest.mark.points(2, hint=NOT_FOUND_HINT, read=step(3), requires=IMPORTS)
def test_an_unknown_sku_returns_404(exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch) -> None:
    """unknown SKU returns 404"""
    make_table()
    module = load_handler(exercise, monkeypatch)
    for sku, why in (
        ("PU-9999", "not in the table"),
        ("ABC", "3 characters: valid, but not in the table"),
        ("PU-" + "9" * 29, "32 characters: valid, but not in the table"),
    ):
        event = get_event(sku)
        response = call(module, event)
        expect_status(response, 404, event, f" ({why})")
        expect_error_body(response, event)


@pytest.mark.points(3, hint=SERVER_ERROR_HINT, read=step(6), requires=IMPORTS)
def test_a_missing_table_gives_a_safe_logged_500(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, partial_credit: PartialCredit, student_log: StudentLog
) -> None:
    """unexpected error (a missing table) returns a logged 500 that leaks nothing"""
    module = load_handler(exercise, monkeypatch)  # INVENTORY_TABLE names a table that is not there
    student_log.mark()
    event = get_event(KNOWN["sku"])
    response = call(module, event)  # an exception escaping here is reported as the student's
    why = " when the table 'Inventory' does not exist"
    with partial_credit.part("statusCode 500"):
        expect_status(response, 500, event, why)
    with partial_credit.part('body exactly {"error": "internal error"}'):
        body = response.get("body")
        try:
            parsed = json.loads(body) if isinstance(body, str) else body
        except ValueError:
            parsed = body
        leaked = [m for m in ("Traceback", "ResourceNotFound", "Exception", "botocore", 'File "')
                  if isinstance(body, str) and m in body]
        got = f"a body that shows the exception to the caller (it contains {leaked[0]!r})" if leaked else short(body, 200)
        expect(
            parsed == {"error": "internal error"},
            f"Expected the body {{\"error\": \"internal error\"}} for {describe(event)}{why}, got {got}.",
        )
    with partial_credit.part("the error is logged with its stack trace"):
        expect(
            student_log.has_error(),
            f"Expected the handler to log the error for {describe(event)}{why} (logging at ERROR level, or a "
            "print: Lambda sends both to CloudWatch Logs); nothing was logged.",
        )
        expect(
            "Traceback (most recent call last)" in student_log.text(),
            f"Expected the log of the error for {describe(event)}{why} to hold its stack trace (logger.exception(...) "
            "in the except block adds it); the log has the error without it, so nobody can tell where it happened.",
        )


@pytest.mark.points(1, hint=GET_ITEM_HINT, read=step(3), requires=IMPORTS)
def test_the_item_is_read_with_get_item(exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, aws_calls: CallLog) -> None:
    """item is read with GetItem, not Scan or Query"""
    make_table(items=[KNOWN, *({**KNOWN, "sku": f"PU-2{n:03d}"} for n in range(5))])
    module = load_handler(exercise, monkeypatch)
    aws_calls.clear()  # only the invocation's calls, not the cold start's
    event = get_event(KNOWN["sku"])
    call(module, event)
    made = aws_calls.by_students("dynamodb")
    operations = Counter(c.operation for c in made)
    expect(
        operations["GetItem"] >= 1 and not operations["Scan"] and not operations["Query"],
        f"Expected a DynamoDB GetItem call (and no Scan or Query) for {describe(event)}; "
        f"your handler made: {describe_calls(made)}.",
    )


@pytest.mark.points(1, hint=TABLE_NAME_HINT, read=step(1), requires=IMPORTS)
def test_the_table_name_comes_from_inventory_table(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, student_log: StudentLog
) -> None:
    """table name comes from the INVENTORY_TABLE environment variable"""
    make_table(OTHER_TABLE)
    module = load_handler(exercise, monkeypatch, table=OTHER_TABLE)
    event = get_event(KNOWN["sku"])
    response = call(module, event)
    expect_status(
        response, 200, event,
        f" with INVENTORY_TABLE={OTHER_TABLE} (that table holds it; there is no table named 'Inventory')",
        student_log,
        hint=TABLE_NAME_HINT,
    )


@pytest.mark.points(2, hint=CLIENT_REUSE_HINT, read=step(1), requires=IMPORTS)
def test_one_client_is_reused_across_invocations(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, student_log: StudentLog, aws_calls: CallLog
) -> None:
    """boto3 client is created once at module load and reused by every invocation"""
    make_table()
    module = load_handler(exercise, monkeypatch)
    aws_calls.clear()  # only the invocations' calls, not the cold start's
    event = get_event(KNOWN["sku"])
    for _ in range(WARM_INVOCATIONS):
        response = call(module, event)
        expect_status(response, 200, event, IN_TABLE, student_log, hint=OK_HINT)
    # The emulator tells the student's boto3 clients apart (boto3.client, boto3.resource, Session().client/resource).
    clients = aws_calls.clients("dynamodb")
    expect(
        len(clients) <= 1,
        f"Expected {WARM_INVOCATIONS} warm invocations for {describe(event)} to reuse one boto3 client or resource; "
        f"their DynamoDB calls came from {len(clients)} different clients.",
    )


# ------------------------------------------------------------------------------------ deploy.sh


@pytest.mark.points(2, hint=DEPLOY_HINT, read=step(7))
def test_deploy_sh_runs_and_creates_the_function(exercise: ExerciseFiles) -> None:
    """deploy.sh runs on an empty backend and creates the table, role and function"""
    run_deploy(exercise, "`bash deploy.sh` on an empty backend")
    lookups = (
        (f"the table {TABLE}", lambda: boto3.client("dynamodb").describe_table(TableName=TABLE)),
        (f"the role {ROLE}", lambda: boto3.client("iam").get_role(RoleName=ROLE)),
        (f"the function {FUNCTION}", lambda: boto3.client("lambda").get_function(FunctionName=FUNCTION)),
    )
    missing = resources.missing(lookups)
    expect(
        not missing,
        f"Expected `bash deploy.sh` to create the table {TABLE}, the role {ROLE} and the function {FUNCTION}; "
        f"it exited with status 0, but {' and '.join(missing)} {'does' if len(missing) == 1 else 'do'} not exist.",
    )


@pytest.mark.points(2, hint=IDEMPOTENT_HINT, read=step(7), requires=DEPLOY_RUNS)
def test_deploy_sh_can_run_again_and_updates_the_code(
    exercise: ExerciseFiles, tmp_path: Path, partial_credit: PartialCredit
) -> None:
    """deploy.sh runs a second time and deploys the changed code and its configuration"""
    run_deploy(exercise, "the first `bash deploy.sh`")
    lambda_client = boto3.client("lambda")
    before = lambda_client.get_function_configuration(FunctionName=FUNCTION)["CodeSha256"]
    # Someone changed the function by hand since: the script's settings must win again.
    scripted = lambda_client.get_function_configuration(FunctionName=FUNCTION)["Timeout"]
    drifted = DRIFTED_TIMEOUT if scripted != DRIFTED_TIMEOUT else DRIFTED_TIMEOUT + 1
    lambda_client.update_function_configuration(FunctionName=FUNCTION, Timeout=drifted)
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION)
    # The student edits the handler and deploys again: the same script, different code.
    edited = exercise.copy_to(tmp_path)
    with edited.path(HANDLER_FILE).open("a", encoding="utf-8") as handler:
        handler.write("\n# edited before the second deploy\n")
    second = edited.run_script(DEPLOY_SCRIPT)
    if not second.ok:  # nothing else to judge: the whole check fails
        fail(
            "Expected a second `bash deploy.sh` (the table, role and function already exist) to exit with status 0; "
            + scrub_paths(second.describe())
        )
    with partial_credit.part("the second run succeeds"):
        pass  # it did: half the points
    with partial_credit.part("the second run uploads the new code"):
        after = lambda_client.get_function_configuration(FunctionName=FUNCTION)["CodeSha256"]
        expect(
            after != before,
            "Expected a second `bash deploy.sh`, run after inventory_status_lambda.py changed, to upload the new "
            f"code; the function's CodeSha256 is still {before}.",
            hint=UPDATE_CODE_HINT,
        )
    with partial_credit.part("the second run applies the configuration again"):
        timeout = lambda_client.get_function_configuration(FunctionName=FUNCTION)["Timeout"]
        expect(
            timeout == scripted,
            f"Expected a second `bash deploy.sh` to set {FUNCTION}'s configuration again (update-function-configuration "
            f"with the same settings); its timeout was changed to {drifted} s by hand and is still {timeout} s.",
        )


SPECIFIED_TIMEOUT = 10
DRIFTED_TIMEOUT = 3
FUNCTION_SETTINGS = (
    ("runtime", "Runtime", "python3.12"),
    ("handler", "Handler", "inventory_status_lambda.lambda_handler"),
    ("timeout", "Timeout", SPECIFIED_TIMEOUT),
    ("memory size", "MemorySize", 128),
)


@pytest.mark.points(4, hint=CONFIG_HINT, read=step(7), requires=DEPLOY_RUNS)
def test_deploy_sh_configures_the_table_role_and_function_as_specified(exercise: ExerciseFiles, partial_credit: PartialCredit) -> None:
    """deploy.sh configures the table, role and function as specified"""
    run_deploy(exercise)
    table = boto3.client("dynamodb").describe_table(TableName=TABLE)["Table"]
    role = boto3.client("iam").get_role(RoleName=ROLE)["Role"]
    config = boto3.client("lambda").get_function_configuration(FunctionName=FUNCTION)

    with partial_credit.part("table key"):
        key = [(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]]
        types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
        expect(
            key == [("sku", "HASH")] and types.get("sku") == "S",
            f"expected {TABLE} to have the partition key sku of type S (string) and no sort key, "
            f"got the key {key} with attribute types {types}.",
        )
    with partial_credit.part("table billing mode"):
        mode = (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
        expect(mode == "PAY_PER_REQUEST", f"expected {TABLE} to be on-demand (PAY_PER_REQUEST), got {mode}.")
    with partial_credit.part("role trust policy"):
        expect(
            trust_allows_lambda(role["AssumeRolePolicyDocument"]) and not trust_admits_others(role["AssumeRolePolicyDocument"]),
            f"expected the trust policy of {ROLE} to Allow sts:AssumeRole to the service lambda.amazonaws.com and "
            f"nobody else, got {json.dumps(role['AssumeRolePolicyDocument'])[:300]}.",
        )
    for label, field, expected in FUNCTION_SETTINGS:
        with partial_credit.part(f"function {label}"):
            got = config.get(field)
            expect(got == expected, f"expected {FUNCTION}'s {label} to be {expected!r}, got {got!r}.")
    with partial_credit.part("function environment"):
        variables = (config.get("Environment") or {}).get("Variables") or {}
        expect(
            variables.get("INVENTORY_TABLE") == TABLE,
            f"expected {FUNCTION}'s environment to hold INVENTORY_TABLE={TABLE}, got {json.dumps(variables)}.",
        )
    with partial_credit.part("function role"):
        role_arn = str(config.get("Role", ""))
        expect(
            role_arn.rsplit("/", 1)[-1] == ROLE,
            f"expected {FUNCTION} to run with the role {ROLE}, got {role_arn or 'none'}.",
        )


@pytest.mark.points(2, hint=DEPLOYED_HINT, read=step(7), requires=DEPLOY_RUNS)
def test_the_deployed_function_answers_an_api_gateway_request(exercise: ExerciseFiles) -> None:
    """deployed function answers GET /inventory/PU-1001 from its own package"""
    run_deploy(exercise)
    boto3.resource("dynamodb").Table(TABLE).put_item(Item=KNOWN)
    event = get_event(KNOWN["sku"])
    result = invoke_deployed(FUNCTION, event)
    where = f"the deployed {FUNCTION} for {describe(event)} (in the table {TABLE})"
    if result.function_error:
        error = result.payload if isinstance(result.payload, dict) else {}
        log = scrub_paths(result.log_tail.strip())[-800:]
        fail(
            f"Expected {where} to answer; the invocation failed with "
            f"{error.get('errorType', 'an error')}: {scrub_paths(str(error.get('errorMessage', result.payload)))[:300]}"
            + (f". Its log ends:\n{log}" if log else "."),
        )
    payload = result.payload if isinstance(result.payload, dict) else {}
    if payload.get("statusCode") != 200:
        message = f"Expected statusCode 200 from {where}, got {short(result.payload, 300)}"
        last = last_error_line(result.log_tail)
        if "Decimal" in last:
            fail(message + "; its log says a Decimal could not be written as JSON.", hint=DECIMAL_HINT)
        fail(message + (f"; its log ends with: {last}" if last else "") + ".")
    body = body_of(payload, event)
    expect(
        isinstance(body, dict) and all(body.get(key) == value for key, value in KNOWN_BODY.items()),
        f"Expected the body {json.dumps(KNOWN_BODY)} from {where}, got {short(payload.get('body'), 300)}.",
    )
