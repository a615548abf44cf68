"""Lab 4 grader: template.yaml deployed by deploy.sh, judged by what the stack holds.

The grader runs the student's deploy.sh (which packages and deploys the template; the AWS CLI path
needs no SAM CLI) and reads the result back: the stack's function and tables, the function's
configuration, the policies of the role it runs as (the kit's IAM evaluator says what they allow), and
the deployed package itself, run with API Gateway events (harness.invoke_deployed). It never reads
how the YAML is written, so plain CloudFormation resources, Globals or inline statements all pass.
Two checks deploy an edited copy: one with the tables renamed (the function must follow them), one
with changed code (the tables and their items must survive). Run it with ``course grade lab4`` or
``pytest labs/lab4_sam``.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from harness import PartialCredit, api_gateway_event, expect, fail, invoke_deployed, scrub_paths
from harness.exercise_files import ExerciseFiles, ScriptResult
from harness.kit.messages import readme_step, short
from harness.kit.role_permissions import RolePermissions, read_role_permissions, role_name_of
from harness.kit.stacks import Stack, StackResource, TemplateError, dump_template, load_template, read_stack
from harness.kit.template_lint import EarlyLint, lint_errors
from harness.settings import REGION as SANDBOX_REGION

pytestmark = pytest.mark.start_ahead(student_processes=False)  # its checks deploy the student's Python, never load it

# ========================================================================================= the lab

TEMPLATE = "template.yaml"
DEPLOY_SCRIPT = "deploy.sh"
STACK = "parts-unlimited-inventory"
TABLE_VARIABLE = "INVENTORY_TABLE"
RUNTIME = "python3.12"
MEMORY_MB = 256
TIMEOUT_S = 10
ON_DEMAND = "PAY_PER_REQUEST"
ORDERS_INDEX = "customer_id-index"
FUNCTION_TYPE = "AWS::Lambda::Function"
TABLE_TYPE = "AWS::DynamoDB::Table"
TEMPLATE_TABLE_TYPES = (TABLE_TYPE, "AWS::Serverless::SimpleTable")
RENAMED_PREFIX = "lab4-grader-"
OTHER_ACCOUNT = "111122223333"
OTHER_REGION = "us-west-2"
README = "labs/lab4_sam/README.md"

LINT = "test_the_template_passes_cfn_lint"
DEPLOYS = "test_deploy_sh_deploys_the_stack"
MAY_READ = "test_the_role_may_read_the_inventory_table"

KNOWN = {"sku": "PU-1001", "name": "Hex bolt M8", "quantity": 42, "reorder_level": 10}
KNOWN_ANSWER = {**KNOWN, "status": "IN_STOCK"}
ORDER = {"order_id": "ORD-1001", "customer_id": "C-100", "total": 64, "status": "PLACED"}

step = functools.partial(readme_step, README)


def region() -> str:
    """The backend's region: the harness sets it (us-east-1) for the grader and the student's script alike."""
    return os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "us-east-1"


# ------------------------------------------------------------------------------------------ hints
# Shown to students when a check fails. README.md lists them too; tests/exercises/test_every_exercise.py
# keeps the two in step.

LINT_HINT = (
    "Run `cfn-lint labs/lab4_sam/template.yaml` and fix every line that starts with E: each names the "
    "resource, the property and what CloudFormation expects there (a TODO left in place is one)."
)
DEPLOY_HINT = (
    "Run `bash labs/lab4_sam/deploy.sh` against a running backend and fix the first command that fails: "
    "create the bucket parts-unlimited-artifacts, `awslocal cloudformation package` the template into "
    "packaged.yaml, then `awslocal cloudformation deploy` it as the stack parts-unlimited-inventory with "
    "--capabilities CAPABILITY_IAM."
)
HANDLER_HINT = (
    "The deployed package is the CodeUri folder (src/) zipped, and Handler names a module at its root: copy "
    "Lab 1's inventory_status_lambda.py into src/ and set Handler: inventory_status_lambda.lambda_handler "
    "with CodeUri: src/. Finish Lab 1 first (`course grade lab1`): this is its handler."
)
REFERENCE_HINT = (
    "Set INVENTORY_TABLE to !Ref InventoryTable (Ref of a table is its name), and leave TableName out of the "
    "table: CloudFormation names it, and the function learns the name at deploy time."
)
SETTINGS_HINT = (
    "Give the function Runtime: python3.12, MemorySize: 256 and Timeout: 10, on the function or under "
    "Globals: Function: (SAM's defaults are 128 MB and 3 s)."
)
INVENTORY_TABLE_HINT = (
    "InventoryTable is an AWS::DynamoDB::Table with AttributeDefinitions [{AttributeName: sku, AttributeType: "
    "S}], KeySchema [{AttributeName: sku, KeyType: HASH}] and BillingMode: PAY_PER_REQUEST."
)
ORDERS_TABLE_HINT = (
    "OrdersTable: KeySchema order_id (HASH), AttributeDefinitions order_id and customer_id (both S), a "
    "GlobalSecondaryIndexes entry customer_id-index with KeySchema customer_id (HASH) and Projection "
    "ProjectionType: ALL, and BillingMode: PAY_PER_REQUEST."
)
MAY_READ_HINT = (
    "Under the function's Policies, add the policy template DynamoDBReadPolicy with TableName: !Ref "
    "InventoryTable, or a statement that allows dynamodb:GetItem on !GetAtt InventoryTable.Arn."
)
LEAST_PRIVILEGE_HINT = (
    "Least privilege: the function only reads the inventory table. Grant DynamoDBReadPolicy (or GetItem) on "
    "that one table: no dynamodb:* or write action, no Resource \"*\" or table/*, no AWS managed policy "
    "such as AmazonDynamoDBFullAccess, nothing on OrdersTable."
)
REDEPLOY_HINT = (
    "Deploy again the same way (package, then `cloudformation deploy`, which updates the stack in place): "
    "never delete the stack first, keep the tables' logical ids and names from one deploy to the next, and "
    "let package upload the code, whose new S3 key tells CloudFormation that the function changed."
)
CAPABILITIES_HINT = (
    "A template that creates IAM roles (SAM makes one for the function) needs your consent: pass "
    "--capabilities CAPABILITY_IAM to `awslocal cloudformation deploy`."
)
SAM_MISSING_HINT = (
    "deploy.sh calls `sam`, which is not installed: install it with `course sam-cli install`, or deploy "
    "with the AWS CLI alone (`awslocal cloudformation package`, then `awslocal cloudformation deploy`)."
)
EMPTY_CHANGESET_HINT = (
    "`cloudformation deploy` exits with an error when there is nothing to change; add "
    "--no-fail-on-empty-changeset."
)
UNFINISHED_LAB1_HINT = (
    "The deployed handler is your Lab 1 code, and it is not finished: `course grade lab1` shows what is "
    "missing. Copy it into src/ again once Lab 1 passes."
)

# ---------------------------------------------------------------------------------- deploying


def deploy_failure_hint(result: ScriptResult) -> str:
    output = f"{result.stdout}\n{result.stderr}"
    if re.search(r"\bsam: (command )?not found", output):
        return SAM_MISSING_HINT
    if "InsufficientCapabilities" in output or "Requires capabilities" in output:
        return CAPABILITIES_HINT
    if "No changes to deploy" in output:
        return EMPTY_CHANGESET_HINT
    return DEPLOY_HINT


def run_deploy(exercise: ExerciseFiles, which: str = "`bash deploy.sh`", hint: str | None = None) -> None:
    result = exercise.run_script(DEPLOY_SCRIPT)
    if not result.ok:
        fail(
            f"Expected {which} to exit with status 0; {scrub_paths(result.describe())}",
            hint=hint or deploy_failure_hint(result),
        )


def cloudformation() -> Any:
    return boto3.client("cloudformation")


def the_stack(which: str) -> Stack:
    stack = read_stack(cloudformation(), STACK)
    if stack is None:
        fail(f"Expected the stack {STACK} after {which}; there is no stack of that name.")
    if not stack.complete:
        reason = f" ({stack.reason})" if stack.reason else ""
        fail(f"Expected the stack {STACK} to be CREATE_COMPLETE or UPDATE_COMPLETE after {which}; it is {stack.status}{reason}.")
    return stack


def environment_of(configuration: dict[str, Any]) -> dict[str, str]:
    return (configuration.get("Environment") or {}).get("Variables") or {}


def key_schema(description: dict[str, Any]) -> list[tuple[str, str]]:
    return [(key["AttributeName"], key["KeyType"]) for key in description.get("KeySchema", [])]


@dataclass
class Deployed:
    """What one deploy left: the stack, its function and configuration, and its two tables."""

    stack: Stack
    function: str
    configuration: dict[str, Any]
    tables: dict[str, dict[str, Any]]  # physical name -> describe_table's Table

    @property
    def table_variable(self) -> str | None:
        return environment_of(self.configuration).get(TABLE_VARIABLE)

    def inventory(self) -> StackResource | None:
        """The table the function reads: the one INVENTORY_TABLE names, else the one keyed by sku, else by name."""
        candidates = self.stack.of_type(TABLE_TYPE)
        return (
            next((t for t in candidates if t.physical_id == self.table_variable), None)
            or next((t for t in candidates if ("sku", "HASH") in key_schema(self.tables[t.physical_id])), None)
            or next((t for t in candidates if "inventory" in t.logical_id.lower()), None)
        )

    def orders(self) -> StackResource | None:
        inventory = self.inventory()
        others = [t for t in self.stack.of_type(TABLE_TYPE) if t != inventory]
        return (
            next((t for t in others if ("order_id", "HASH") in key_schema(self.tables[t.physical_id])), None)
            or next((t for t in others if "order" in t.logical_id.lower()), None)
            or (others[0] if len(others) == 1 else None)
        )


def read_deployed(which: str) -> Deployed:
    stack = the_stack(which)
    functions = stack.of_type(FUNCTION_TYPE)
    tables = stack.of_type(TABLE_TYPE)
    expect(
        len(functions) == 1 and len(tables) == 2,
        f"Expected the stack {STACK} to hold one Lambda function and two DynamoDB tables after {which}; it holds "
        f"{len(functions)} function(s) and {len(tables)} table(s): {stack.listing()}.",
        hint="template.yaml declares three resources of its own: InventoryStatusFunction (AWS::Serverless::Function "
        "or AWS::Lambda::Function), InventoryTable and OrdersTable (AWS::DynamoDB::Table).",
    )
    configuration = boto3.client("lambda").get_function_configuration(FunctionName=functions[0].physical_id)
    dynamodb = boto3.client("dynamodb")
    described = {t.physical_id: dynamodb.describe_table(TableName=t.physical_id)["Table"] for t in tables}
    return Deployed(stack, functions[0].physical_id, configuration, described)


def deploy_and_read(exercise: ExerciseFiles) -> Deployed:
    run_deploy(exercise)
    return read_deployed("`bash deploy.sh`")


def inventory_table(deployed: Deployed) -> StackResource:
    table = deployed.inventory()
    if table is None:
        fail(
            f"Expected one of the stack's tables to be the inventory table (the one {TABLE_VARIABLE} names, keyed by "
            f"sku); the function's {TABLE_VARIABLE} is {deployed.table_variable!r} and the stack holds "
            f"{deployed.stack.listing()}.",
            hint=REFERENCE_HINT,
        )
    return table


def orders_table(deployed: Deployed) -> StackResource:
    table = deployed.orders()
    if table is None:
        fail(f"Expected the stack's second table to be the Orders table; the stack holds {deployed.stack.listing()}.")
    return table


# ============================================================================ the template itself


_early_lints: dict[Path, EarlyLint] = {}


def before_backend(folder: Path, selected: set[str]) -> None:
    """Called before the backend starts (harness/early_work.py): cfn-lint starts on template.yaml in a
    child process, and its 1-2 s of CPU run on the other core while moto starts."""
    if LINT in selected:
        _early_lints[folder] = EarlyLint(folder / TEMPLATE, SANDBOX_REGION)


@pytest.fixture(scope="module", autouse=True)
def early_lint(request: pytest.FixtureRequest, exercise_folder: Path) -> Iterator[EarlyLint | None]:
    """The lint started before the backend, or started now (the backend was up already), when the lint
    check is to run."""
    if not any(item.name == LINT for item in request.session.items):
        yield None
        return
    lint = _early_lints.pop(exercise_folder, None)
    if lint is None or lint.region != region():
        if lint is not None:
            lint.close()
        lint = EarlyLint(exercise_folder / TEMPLATE, region())
    yield lint
    lint.close()


@pytest.mark.points(2, hint=LINT_HINT, read=step(7))
def test_the_template_passes_cfn_lint(exercise: ExerciseFiles, early_lint: EarlyLint | None) -> None:
    """template.yaml passes cfn-lint with no error"""
    path = exercise.path(TEMPLATE)
    if not path.is_file():
        fail(f"Expected the file {exercise.shown(TEMPLATE)}; it is missing.")
    text = path.read_text(encoding="utf-8", errors="replace")
    errors = early_lint.errors(text) if early_lint else lint_errors(text, region())
    expect(
        not errors,
        f"Expected cfn-lint to find no error in {exercise.shown(TEMPLATE)}; it finds {len(errors)}: "
        + "; ".join(short(e, 220)[1:-1] for e in errors[:5])
        + ("; ..." if len(errors) > 5 else "")
        + ".",
    )


# ======================================================================== deploying the template


@pytest.mark.points(3, hint=DEPLOY_HINT, read=step(8))
def test_deploy_sh_deploys_the_stack(exercise: ExerciseFiles) -> None:
    """deploy.sh deploys the stack parts-unlimited-inventory: one function and two tables"""
    deploy_and_read(exercise)


def describe_event(sku: str) -> str:
    return f"GET /inventory/{sku} (an API Gateway proxy event)"


def inventory_event(sku: str) -> dict[str, Any]:
    return api_gateway_event("GET", "/inventory/{sku}", {"sku": sku})


def answer_of(deployed: Deployed, sku: str) -> tuple[int | None, Any]:
    """The deployed function's statusCode and parsed body for GET /inventory/<sku>, or a failure that says why not."""
    where = f"the deployed function {deployed.function} (Handler {deployed.configuration.get('Handler')!r}) for {describe_event(sku)}"
    result = invoke_deployed(deployed.function, inventory_event(sku))
    if result.function_error:
        error = result.payload if isinstance(result.payload, dict) else {}
        kind = str(error.get("errorType", "an error"))
        text = scrub_paths(str(error.get("errorMessage", result.payload)))[:300]
        log = scrub_paths(result.log_tail.strip())[-600:]
        hint = UNFINISHED_LAB1_HINT if "NotImplementedError" in f"{kind} {text} {log}" else HANDLER_HINT
        fail(
            f"Expected {where} to answer; the invocation failed with {kind}: {text}" + (f". Its log ends:\n{log}" if log else "."),
            hint=hint,
        )
    payload = result.payload if isinstance(result.payload, dict) else {}
    try:
        body = json.loads(payload.get("body") or "null")
    except (TypeError, ValueError):
        body = payload.get("body")
    return payload.get("statusCode"), body


@pytest.mark.points(4, hint=HANDLER_HINT, read=step(1), requires=DEPLOYS)
def test_the_deployed_function_answers_api_gateway_events_with_lab1s_handler(exercise: ExerciseFiles) -> None:
    """the deployed function runs Lab 1's handler from src/ and answers API Gateway events (200 and 404)"""
    deployed = deploy_and_read(exercise)
    table = deployed.table_variable
    if not table:
        fail(
            f"Expected the deployed function to have the environment variable {TABLE_VARIABLE} (Lab 1's handler reads "
            f"the table's name from it); its variables are {sorted(environment_of(deployed.configuration))}.",
            hint=REFERENCE_HINT,
        )
    try:
        boto3.resource("dynamodb").Table(table).put_item(Item=KNOWN)
    except Exception as error:  # noqa: BLE001 - the table is missing or keyed otherwise: say which
        fail(
            f"Expected {TABLE_VARIABLE} ({table!r}) to name the inventory table, keyed by sku; the grader could not "
            f"store {KNOWN['sku']} there: {short(str(error), 200)[1:-1]}.",
            hint=REFERENCE_HINT,
        )
    status, body = answer_of(deployed, KNOWN["sku"])
    expect(
        status == 200 and body == KNOWN_ANSWER,
        f"Expected statusCode 200 and the body {json.dumps(KNOWN_ANSWER)} from the deployed function for "
        f"{describe_event(KNOWN['sku'])} (the item is in {table}); got statusCode {status!r} and {short(body, 200)}.",
        hint=UNFINISHED_LAB1_HINT,
    )
    status, body = answer_of(deployed, "PU-9999")
    expect(
        status == 404,
        f"Expected statusCode 404 from the deployed function for {describe_event('PU-9999')} (no such item); got "
        f"{status!r} with {short(body, 160)}.",
        hint=UNFINISHED_LAB1_HINT,
    )


def renamed_copy(exercise: ExerciseFiles, directory: Path) -> tuple[ExerciseFiles, dict[str, str]]:
    """A copy of the exercise whose template gives every table a TableName of the grader's."""
    try:
        document = load_template(exercise.path(TEMPLATE).read_text(encoding="utf-8", errors="replace"))
    except (OSError, TemplateError) as error:
        fail(f"Expected {exercise.shown(TEMPLATE)} to be a template the grader can read; {error}.", hint=LINT_HINT)
    renamed: dict[str, str] = {}
    for logical_id, resource in (document.get("Resources") or {}).items():
        if isinstance(resource, dict) and resource.get("Type") in TEMPLATE_TABLE_TYPES:
            if not isinstance(resource.get("Properties"), dict):
                resource["Properties"] = {}
            renamed[logical_id] = resource["Properties"]["TableName"] = f"{RENAMED_PREFIX}{logical_id}"
    expect(renamed, f"Expected {exercise.shown(TEMPLATE)} to declare the tables; it has no {TABLE_TYPE} resource.")
    copy = exercise.copy_to(directory)
    copy.path(TEMPLATE).write_text(dump_template(document), encoding="utf-8")
    return copy, renamed


@pytest.mark.points(3, hint=REFERENCE_HINT, read=step(5), requires=DEPLOYS)
def test_inventory_table_names_the_stacks_table_through_a_reference(exercise: ExerciseFiles, tmp_path: Path) -> None:
    """INVENTORY_TABLE names the stack's own table through a reference, not a literal"""
    copy, renamed = renamed_copy(exercise, tmp_path)
    names = ", ".join(f"{logical} -> {name}" for logical, name in renamed.items())
    when = f"the grader renamed the tables of a copy of {TEMPLATE} ({names}) and deployed it"
    run_deploy(copy, f"`bash deploy.sh` after {when}")
    deployed = read_deployed(f"`bash deploy.sh` after {when}")
    got = deployed.table_variable
    by_name = {name: logical for logical, name in renamed.items()}
    if got not in by_name:
        fail(
            f"Expected the function's {TABLE_VARIABLE} to follow the inventory table when {when}; it is {got!r}, "
            "a name the template typed instead of a reference to the table."
        )
    logical = by_name[got]
    keyed_by_sku = ("sku", "HASH") in key_schema(deployed.tables.get(got, {}))
    expect(
        keyed_by_sku or "inventory" in logical.lower(),
        f"Expected the function's {TABLE_VARIABLE} to name the inventory table when {when}; it names {logical} "
        f"({got}), keyed by {[name for name, _ in key_schema(deployed.tables.get(got, {}))]}.",
    )


@pytest.mark.points(2, hint=SETTINGS_HINT, read=step(3), requires=DEPLOYS)
def test_the_function_has_the_runtime_memory_and_timeout_asked(
    exercise: ExerciseFiles, partial_credit: PartialCredit
) -> None:
    """the function runs python3.12 with 256 MB of memory and a 10 s timeout"""
    configuration = deploy_and_read(exercise).configuration
    for key, expected, unit in (("Runtime", RUNTIME, ""), ("MemorySize", MEMORY_MB, " MB"), ("Timeout", TIMEOUT_S, " s")):
        with partial_credit.part(key):
            got = configuration.get(key)
            expect(got == expected, f"Expected the deployed function's {key} to be {expected}{unit}, got {got}{unit if got is not None else ''}.")


@pytest.mark.points(2, hint=INVENTORY_TABLE_HINT, read=step(4), requires=DEPLOYS)
def test_the_inventory_table_has_lab1s_key_and_billing(exercise: ExerciseFiles, partial_credit: PartialCredit) -> None:
    """the inventory table has Lab 1's key (sku, a string) and on-demand billing"""
    deployed = deploy_and_read(exercise)
    table = inventory_table(deployed)
    description = deployed.tables[table.physical_id]
    with partial_credit.part("key sku (string)"):
        expect_key(description, table, "sku")
    with partial_credit.part("on-demand billing"):
        expect_on_demand(description, table)


def attribute_type(description: dict[str, Any], name: str) -> str | None:
    return next((a["AttributeType"] for a in description.get("AttributeDefinitions", []) if a["AttributeName"] == name), None)


def expect_key(description: dict[str, Any], table: StackResource, name: str) -> None:
    keys = key_schema(description)
    expect(
        keys == [(name, "HASH")] and attribute_type(description, name) == "S",
        f"Expected {table.logical_id} ({table.physical_id}) to have the partition key {name} of type S and no sort "
        f"key; its key schema is {keys} with {name} of type {attribute_type(description, name)}.",
    )


def expect_on_demand(description: dict[str, Any], table: StackResource) -> None:
    mode = (description.get("BillingModeSummary") or {}).get("BillingMode") or "PROVISIONED"
    expect(
        mode == ON_DEMAND,
        f"Expected {table.logical_id} ({table.physical_id}) to bill on demand (BillingMode {ON_DEMAND}); it is {mode}.",
    )


@pytest.mark.points(3, hint=ORDERS_TABLE_HINT, read=step(4), requires=DEPLOYS)
def test_the_orders_table_has_kata2s_key_index_and_billing(exercise: ExerciseFiles, partial_credit: PartialCredit) -> None:
    """the Orders table has Kata 2's key (order_id), its index customer_id-index and on-demand billing"""
    deployed = deploy_and_read(exercise)
    table = orders_table(deployed)
    description = deployed.tables[table.physical_id]
    with partial_credit.part("key order_id (string)"):
        expect_key(description, table, "order_id")
    with partial_credit.part(f"index {ORDERS_INDEX}"):
        indexes = {index["IndexName"]: index for index in description.get("GlobalSecondaryIndexes", [])}
        index = indexes.get(ORDERS_INDEX)
        if index is None:
            fail(f"Expected {table.logical_id} to have the global secondary index {ORDERS_INDEX}; it has {sorted(indexes) or 'none'}.")
        got = (key_schema(index), (index.get("Projection") or {}).get("ProjectionType"), attribute_type(description, "customer_id"))
        expect(
            got == ([("customer_id", "HASH")], "ALL", "S"),
            f"Expected {ORDERS_INDEX} to have the partition key customer_id (type S), no sort key, and ProjectionType "
            f"ALL; it has the key schema {got[0]}, customer_id of type {got[2]} and ProjectionType {got[1]}.",
        )
    with partial_credit.part("on-demand billing"):
        expect_on_demand(description, table)


# ===================================================================================== permissions


def table_arn(name: str, *, account: str, in_region: str | None = None) -> str:
    return f"arn:aws:dynamodb:{in_region or region()}:{account}:table/{name}"


def permissions_of(deployed: Deployed) -> RolePermissions:
    return read_role_permissions(boto3.client("iam"), role_name_of(deployed.configuration["Role"]))


@pytest.mark.points(2, hint=MAY_READ_HINT, read=step(6), requires=DEPLOYS)
def test_the_role_may_read_the_inventory_table(exercise: ExerciseFiles) -> None:
    """the function's role allows dynamodb:GetItem on the inventory table"""
    deployed = deploy_and_read(exercise)
    table = inventory_table(deployed)
    permissions = permissions_of(deployed)
    arn = deployed.tables[table.physical_id]["TableArn"]
    decision = permissions.decide("dynamodb:GetItem", arn)
    if decision.allowed:
        return
    asked = f"Expected the role the function runs as to allow dynamodb:GetItem on {arn} (the table the handler reads)"
    if decision.denies:
        fail(f"{asked}; {decision.denies[0].described} denies it, and an explicit Deny wins over every Allow.")
    if decision.allows:
        fail(f"{asked}; {decision.allows[0].described} allows it only under a Condition, which the grader does not count.")
    fail(f"{asked}; nothing allows it: {permissions.described()}.")


def least_privilege_failure(permissions: RolePermissions, action: str, arn: str, what: str) -> str | None:
    """Why the role grants too much for one request, quoting the policy and statement; None when it does not."""
    decision = permissions.decide(action, arn)
    if not decision.possibly_allowed:
        return None
    grant = decision.allows[0]
    cause = "resource" if grant.match.action_pattern and "*" not in grant.match.action_pattern else "action"
    return f"{grant.described} allows {action} on {what} ({arn}) through {grant.match.culprit(cause)}"


@pytest.mark.points(4, hint=LEAST_PRIVILEGE_HINT, read=step(6), requires=MAY_READ)
def test_the_role_grants_nothing_more(exercise: ExerciseFiles, backend: Any, partial_credit: PartialCredit) -> None:
    """the function's role allows no write, no other table and no other service"""
    deployed = deploy_and_read(exercise)
    permissions = permissions_of(deployed)
    inventory = deployed.tables[inventory_table(deployed).physical_id]
    orders_name = orders_table(deployed).physical_id
    account = backend.account_id
    inventory_name = inventory["TableName"]
    cases = {
        "no write on the inventory table": [
            (action, inventory["TableArn"], "the inventory table")
            for action in ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:DeleteTable")
        ],
        "nothing on the Orders table": [
            (action, table_arn(orders_name, account=account), "the Orders table")
            for action in ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem")
        ],
        "no other table, region or account": [
            ("dynamodb:GetItem", table_arn("Customers", account=account), "another table of the account"),
            ("dynamodb:GetItem", table_arn(inventory_name, account=account, in_region=OTHER_REGION), f"a table of that name in {OTHER_REGION}"),
            ("dynamodb:GetItem", table_arn(inventory_name, account=OTHER_ACCOUNT), f"a table of that name in the account {OTHER_ACCOUNT}"),
        ],
        "nothing on other services": [
            ("s3:GetObject", "arn:aws:s3:::parts-unlimited-artifacts/any-object", "an S3 object"),
            ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:{region()}:{account}:secret:parts-unlimited/shipping-api-AbC123", "the shipping secret"),
            ("iam:PassRole", f"arn:aws:iam::{account}:role/any-role", "a role"),
        ],
    }
    if permissions.unreadable:
        fail(
            f"Expected to read every policy of the role {permissions.role_name}; the grader does not know "
            f"{', '.join(permissions.unreadable)}, so it cannot tell what they allow."
        )
    for label, requests in cases.items():
        with partial_credit.part(label):
            reasons = [reason for reason in (least_privilege_failure(permissions, *request) for request in requests) if reason]
            expect(not reasons, "Expected the function's role to deny it; " + "; ".join(reasons[:2]) + ".")


# ============================================================================ a second deploy


def edited_handler_copy(exercise: ExerciseFiles, directory: Path, handler: str) -> tuple[ExerciseFiles, list[str]]:
    """A copy of the exercise with the handler's module edited, as a student's fix would change it."""
    copy = exercise.copy_to(directory)
    module = handler.rsplit(".", 1)[0].replace(".", "/") + ".py"
    edited = []
    for path in sorted(copy.folder.rglob(Path(module).name)):
        if path.as_posix().endswith(module) and not path.name.startswith("test_"):
            with path.open("a", encoding="utf-8") as file:
                file.write("\n# edited before the second deploy\n")
            edited.append(path.relative_to(copy.folder).as_posix())
    return copy, edited


SAMPLE_KEY_VALUES = {"S": "grader", "N": 1, "B": b"grader"}


def fitted(description: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """The item with a value for every key attribute the table has (another check judges a wrong key schema)."""
    missing = {name: SAMPLE_KEY_VALUES[attribute_type(description, name) or "S"] for name, _ in key_schema(description) if name not in item}
    return {**item, **missing}


def same_table(before: dict[str, Any], name: str) -> str | None:
    """Why the table named ``name`` now is not the one described ``before``; None when it is the same."""
    try:
        now = boto3.client("dynamodb").describe_table(TableName=before["TableName"])["Table"]
    except Exception:  # noqa: BLE001 - it is gone
        return f"the table {before['TableName']} no longer exists; the stack's table is now {name}"
    if name != before["TableName"]:
        return f"the stack's table is now {name}, a new table ({before['TableName']} is no longer the stack's)"
    if now.get("CreationDateTime") != before.get("CreationDateTime"):
        return f"{name} was deleted and created again (created {before.get('CreationDateTime')}, now {now.get('CreationDateTime')})"
    return None


@pytest.mark.points(5, hint=REDEPLOY_HINT, read=step(8), requires=DEPLOYS)
def test_a_second_deploy_updates_the_code_and_keeps_the_tables_and_items(
    exercise: ExerciseFiles, tmp_path: Path, partial_credit: PartialCredit
) -> None:
    """a second deploy with changed code updates the function and keeps both tables and their items"""
    first = deploy_and_read(exercise)
    inventory, orders = inventory_table(first), orders_table(first)
    before = {"inventory": first.tables[inventory.physical_id], "Orders": first.tables[orders.physical_id]}
    dynamodb = boto3.resource("dynamodb")
    items = {"inventory": fitted(before["inventory"], KNOWN), "Orders": fitted(before["Orders"], ORDER)}
    dynamodb.Table(inventory.physical_id).put_item(Item=items["inventory"])
    dynamodb.Table(orders.physical_id).put_item(Item=items["Orders"])
    code_before = first.configuration.get("CodeSha256")
    copy, edited = edited_handler_copy(exercise, tmp_path, str(first.configuration.get("Handler", "")))
    what = f"{', '.join(edited) or 'the handler'} was edited"
    second = copy.run_script(DEPLOY_SCRIPT)
    if not second.ok:  # nothing else to judge: the whole check fails
        fail(
            f"Expected `bash deploy.sh` to exit with status 0 a second time, after {what}; {scrub_paths(second.describe())}",
            hint=deploy_failure_hint(second),
        )
    after = read_deployed(f"a second `bash deploy.sh`, after {what}")
    with partial_credit.part("the function runs the new code"):
        expect(
            after.configuration.get("CodeSha256") != code_before,
            f"Expected a second `bash deploy.sh`, after {what}, to update the function's code; its CodeSha256 is "
            f"still {code_before}.",
        )
    for label, table, resource in (("inventory", before["inventory"], after.inventory()), ("Orders", before["Orders"], after.orders())):
        item = items[label]
        with partial_credit.part(f"the {label} table is kept, with its items"):
            now = resource.physical_id if resource else "missing"
            why = same_table(table, now)
            if why:
                fail(f"Expected the second deploy to keep the {label} table {table['TableName']} and its items; {why}.")
            key = {name: item[name] for name, _ in key_schema(table)}
            stored = dynamodb.Table(now).get_item(Key=key, ConsistentRead=True).get("Item")
            expect(
                stored is not None,
                f"Expected the item {key} stored before the second deploy to be in the {label} table {now} after it; it is gone.",
            )
