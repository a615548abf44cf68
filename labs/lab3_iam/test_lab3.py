"""Lab 3 grader: the orders role's permissions and trust policies, then setup_iam.sh on the backend.

The emulators do not enforce IAM and moto has no policy simulator, so the policy checks ask the
grader kit's evaluator (harness/kit/iam.py) what the student's documents allow, action by action and ARN by ARN, and
never look at how the JSON is written. The setup_iam.sh checks run the script and read IAM and
Lambda back. Run it with ``course grade lab3`` or ``pytest labs/lab3_iam``.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from harness import PartialCredit, expect, fail, invoke_deployed, scrub_paths
from harness.backends import IAM_ENFORCEMENT
from harness.exercise_files import ExerciseFiles
from harness.kit.documents import fill_in, first_difference
from harness.kit.iam import (
    ANYONE,
    ASSUME_ACTIONS,
    POLICY_VERSION,
    Policy,
    as_list,
    parse_policy,
    string_list,
    trust_principals,
)
from harness.kit.iam_enforcement import enforcing_iam
from harness.kit.lambda_versions import module_zip
from harness.kit.messages import readme_step

# ========================================================================================= the lab

POLICY_FILE = "orders-policy.json"
TRUST_FILE = "trust-policy.json"
SETUP_SCRIPT = "setup_iam.sh"
PLACEHOLDER = "ACCOUNT_ID"
ROLE = "orders-lambda-role"
FUNCTION = "inventory-status"
LAB1_ROLE = "inventory-status-role"
TABLE = "Orders"
SECRET = "parts-unlimited/shipping-api"
LOG_GROUP = f"/aws/lambda/{FUNCTION}"
LAMBDA_SERVICE = "lambda.amazonaws.com"
OTHER_ACCOUNT = "111122223333"
OTHER_REGION = "us-west-2"
AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"
README = "labs/lab3_iam/README.md"

POLICY_VALID = "test_the_policy_is_a_document_iam_accepts"
ORDERS_ALLOWED = "test_the_policy_allows_put_item_and_get_item_on_orders"
SECRET_ALLOWED = "test_the_policy_allows_reading_the_shipping_secret"
LOGS_ALLOWED = "test_the_policy_lets_the_function_write_its_own_logs"
TRUST_LAMBDA = "test_the_trust_policy_lets_lambda_assume_the_role"
SETUP_RUNS = "test_setup_iam_sh_runs_and_creates_the_role"


step = functools.partial(readme_step, README)


def region() -> str:
    """The backend's region: the harness sets it (us-east-1) for the grader and the student's script alike."""
    return os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "us-east-1"


def arn(service: str, resource: str, *, account: str, in_region: str | None = None) -> str:
    return f"arn:aws:{service}:{in_region or region()}:{account}:{resource}"


def table_arn(account: str, name: str = TABLE, in_region: str | None = None) -> str:
    return arn("dynamodb", f"table/{name}", account=account, in_region=in_region)


def secret_arn(account: str, name: str = SECRET, suffix: str = "AbC123", in_region: str | None = None) -> str:
    return arn("secretsmanager", f"secret:{name}-{suffix}", account=account, in_region=in_region)


def group_arn(account: str, group: str = LOG_GROUP, in_region: str | None = None) -> str:
    return arn("logs", f"log-group:{group}", account=account, in_region=in_region)


def stream_arn(account: str, group: str = LOG_GROUP) -> str:
    return group_arn(account, group) + ":log-stream:2026/11/22/[$LATEST]0123456789abcdef0123456789abcdef"


# ------------------------------------------------------------------------------------------ hints
# Shown to students when a check fails. README.md lists them too; tests/exercises/test_every_exercise.py
# keeps the two in step. Failures caused by one statement quote it and explain least privilege on it.

POLICY_VALID_HINT = (
    'orders-policy.json is one JSON object: "Version": "2012-10-17" and a "Statement" list whose entries have '
    '"Effect", "Action" and "Resource"; write ACCOUNT_ID where the account id goes. '
    "`python -m json.tool orders-policy.json` finds JSON syntax errors."
)
ORDERS_ALLOWED_HINT = (
    "Allow dynamodb:PutItem and dynamodb:GetItem, the two calls the function makes, on the table's ARN "
    "arn:aws:dynamodb:us-east-1:ACCOUNT_ID:table/Orders (ARNs are case-sensitive; write ACCOUNT_ID, not digits)."
)
SECRET_ALLOWED_HINT = (
    "Allow secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:ACCOUNT_ID:secret:"
    "parts-unlimited/shipping-api-??????: AWS ends every secret's ARN with a hyphen and six random "
    "characters, which ?????? (or *) matches."
)
LOGS_ALLOWED_HINT = (
    "Lambda writes the function's logs with the role's permissions: allow logs:CreateLogGroup on "
    "arn:aws:logs:us-east-1:ACCOUNT_ID:log-group:/aws/lambda/inventory-status, and logs:CreateLogStream and "
    "logs:PutLogEvents on its streams, arn:aws:logs:us-east-1:ACCOUNT_ID:log-group:/aws/lambda/inventory-status:*."
)
DYNAMODB_DENIED_HINT = (
    "Least privilege: the role gets the actions its code calls and nothing more. Name dynamodb:PutItem and "
    "dynamodb:GetItem in full; dynamodb:* or dynamodb:*Item would also let the function Scan (read every "
    "order) and DeleteItem."
)
TABLE_SCOPE_HINT = (
    "Least privilege applies to resources too: name the one table, in this region and account, as "
    "arn:aws:dynamodb:us-east-1:ACCOUNT_ID:table/Orders, with no * in the region, the account or the table name."
)
SECRET_DENIED_HINT = (
    "Grant secretsmanager:GetSecretValue only, and only on the shipping secret: its full name "
    "parts-unlimited/shipping-api followed by -?????? (or -*), never secret:* or secretsmanager:*."
)
LOGS_SCOPE_HINT = (
    "Keep logs:CreateLogStream and logs:PutLogEvents to the function's own group, "
    "arn:aws:logs:us-east-1:ACCOUNT_ID:log-group:/aws/lambda/inventory-status:*, logs:CreateLogGroup at most "
    "to arn:aws:logs:us-east-1:ACCOUNT_ID:*, and grant no other Logs action."
)
NOTHING_ELSE_HINT = (
    "Spell every action out (no * or ? in an Action) and use Action and Resource, never NotAction or "
    'NotResource: "everything except" also grants every action and resource AWS adds later.'
)
TRUST_LAMBDA_HINT = (
    'trust-policy.json needs one statement: "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, '
    '"Action": "sts:AssumeRole", with no Resource and no Condition.'
)
TRUST_ONLY_HINT = (
    "The trust policy decides who can become this role and use its permissions: name only the Lambda "
    'service principal, never "*", an AWS account, a user or another service.'
)
SETUP_RUNS_HINT = (
    "Run `bash labs/lab3_iam/setup_iam.sh` against a running backend after Lab 1's deploy.sh, and fix the "
    "first command that fails; it must create the role orders-lambda-role."
)
AWS_MANAGED_ATTACH = re.compile(r"AttachRolePolicy operation[^:]*: .*?(arn:aws:iam::aws:policy/[\w+=,.@/-]+)")
ROLE_POLICY_HINT = (
    "create-role with --assume-role-policy-document file://trust-policy.json; create-policy with "
    "orders-policy.json after replacing ACCOUNT_ID (sed); attach-role-policy with that policy's ARN; "
    "attach or put nothing else on the role."
)
INLINE_POLICY_HINT = (
    "put-role-policy makes an inline policy, which lives and dies with the role; the lab asks for a customer "
    "managed policy: `awslocal iam create-policy`, then `awslocal iam attach-role-policy`."
)
ACCOUNT_HINT = (
    "Read the account id with `awslocal sts get-caller-identity --query Account --output text` and put it in "
    "place of ACCOUNT_ID (and in the policy's ARN); moto says 123456789012, LocalStack 000000000000, AWS yours."
)
FUNCTION_ROLE_HINT = (
    "Once the role exists, run `awslocal lambda update-function-configuration --function-name inventory-status "
    "--role <the role's ARN>` and `awslocal lambda wait function-updated-v2 --function-name inventory-status`; "
    "change nothing else about the function."
)
RERUN_HINT = (
    "Create what is missing and update what exists: for the existing policy, "
    "`awslocal iam create-policy-version --policy-arn ... --set-as-default`, after deleting the oldest "
    "non-default version when it already has five."
)
IN_FORCE_HINT = (
    "With IAM enforced, the function's calls succeed only where orders-policy.json allows them: allow exactly "
    "dynamodb:PutItem and dynamodb:GetItem on the Orders table, secretsmanager:GetSecretValue on the shipping "
    "secret and the Logs actions on the function's own log group, and nothing else."
)
VERSION_LIMIT_HINT = (
    "A managed policy keeps at most five versions: before create-policy-version, list them "
    "(list-policy-versions) and delete a version that is not the default (delete-policy-version)."
)

# ---------------------------------------------------------------------------------------- helpers


def read_json(exercise: ExerciseFiles, name: str) -> Any:
    path = exercise.path(name)
    if not path.is_file():
        fail(f"Expected the file {exercise.shown(name)}; it is missing.")
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError as error:
        fail(
            f"Expected {exercise.shown(name)} to be JSON; it is not: {error}.",
            hint=f"`python -m json.tool {name}` shows where the JSON breaks: a missing comma or quote, or a "
            "comma after the last item.",
        )


@dataclass
class OrdersPolicy:
    """orders-policy.json as written, and as evaluated with ACCOUNT_ID read as the backend's account."""

    written: Any
    filled: Any
    policy: Policy  # evaluated with the account id filled in
    problems: list[str]  # why IAM would reject it, in the file's own words
    account: str
    shown: str

    def typed_account_note(self) -> str:
        """When the file names an account in digits instead of ACCOUNT_ID, say so."""
        text = json.dumps(self.written)
        typed = sorted(set(re.findall(r":(\d{12}):", text)))
        if PLACEHOLDER not in text and typed:
            return f" Your ARNs name the account {', '.join(typed)} in digits instead of {PLACEHOLDER}."
        return ""

    def todo_note(self) -> str:
        return " The file still holds TODO placeholders." if any("TODO" in p for p in self.problems) else ""


def orders_policy(exercise: ExerciseFiles, account: str) -> OrdersPolicy:
    written = read_json(exercise, POLICY_FILE)
    filled = fill_in(written, PLACEHOLDER, account)
    return OrdersPolicy(
        written,
        filled,
        parse_policy(filled, source=written),
        parse_policy(written).problems,
        account,
        exercise.shown(POLICY_FILE),
    )


def trust_policy(exercise: ExerciseFiles) -> tuple[Any, Policy]:
    written = read_json(exercise, TRUST_FILE)
    return written, parse_policy(written, kind="trust")


def expect_allowed(orders: OrdersPolicy, action: str, resource: str, what: str) -> None:
    """Fail unless the policy allows ``action`` on ``resource`` whatever any Condition says."""
    decision = orders.policy.decide(action, resource)
    if decision.allowed:
        return
    asked = f"Expected {orders.shown} to allow {action} on {resource} ({what}, ACCOUNT_ID read as {orders.account})"
    if decision.denies:
        statement = decision.denies[0].statement
        fail(f"{asked}; your {statement.name} denies it, and an explicit Deny wins over every Allow.")
    if decision.allows:  # all of them conditional
        statement = decision.allows[0].statement
        fail(
            f"{asked}; your {statement.name} allows it only under its Condition {json.dumps(statement.source.get('Condition'))[:160]}. "
            "The grader does not evaluate conditions: it counts only what is allowed whatever they say."
        )
    near = orders.policy.allows_with_action_only(action, resource)
    if near:
        fail(
            f"{asked}; your {near[0].name} names the action, but its {near[0].quote('Resource')} does not match "
            f"that ARN.{orders.typed_account_note()}"
        )
    fail(f"{asked}; no Allow statement names both.{orders.typed_account_note()}{orders.todo_note()}")


def expect_denied(orders: OrdersPolicy, action: str, resource: str, what: str, *, cause: str, hint: str) -> None:
    """Fail if the policy might allow ``action`` on ``resource``, quoting the statement that does."""
    decision = orders.policy.decide(action, resource)
    if not decision.possibly_allowed:
        return
    match = decision.allows[0]
    culprit = match.culprit(cause)
    fail(
        f"Expected {orders.shown} to deny {action} on {resource} ({what}); your {match.statement.name} allows it "
        f"through {culprit}.",
        hint=f"Your {match.statement.name} has {culprit}, which allows {action} on {what}. {hint}",
    )


def iam_client(session: boto3.session.Session | None = None) -> Any:
    return (session or boto3).client("iam")


def policy_document(document: Any) -> Any:
    """IAM answers documents as objects (moto) or URL-encoded JSON text (AWS, LocalStack)."""
    if isinstance(document, str):
        try:
            return json.loads(urllib.parse.unquote(document))
        except ValueError:
            return document
    return document


def tiny_zip() -> bytes:
    """Lab 1's module, played by a stub; zipped with fixed dates, so every check deploys the same bytes and
    setup_iam.sh's run from that state is replayed (harness/script_replay.py) instead of run again."""
    return module_zip("inventory_status_lambda", "def lambda_handler(event, context):\n    return {'statusCode': 200}\n")


LAB1_TRUST = {
    "Version": POLICY_VERSION,
    "Statement": [{"Effect": "Allow", "Principal": {"Service": LAMBDA_SERVICE}, "Action": "sts:AssumeRole"}],
}
STAND_IN_ENVIRONMENT = {"INVENTORY_TABLE": "Inventory"}


def lab1_function(session: boto3.session.Session | None = None) -> dict[str, Any]:
    """Lab 1's function as its deploy.sh leaves it (a stand-in: the lab must not depend on Lab 1's state)."""
    source = session or boto3
    role_arn = source.client("iam").create_role(RoleName=LAB1_ROLE, AssumeRolePolicyDocument=json.dumps(LAB1_TRUST))[
        "Role"
    ]["Arn"]
    lambda_client = source.client("lambda")
    lambda_client.create_function(
        FunctionName=FUNCTION,
        Runtime="python3.12",
        Handler="inventory_status_lambda.lambda_handler",
        Role=role_arn,
        Code={"ZipFile": tiny_zip()},
        Environment={"Variables": STAND_IN_ENVIRONMENT},
        Timeout=10,
        MemorySize=128,
    )
    lambda_client.get_waiter("function_active_v2").wait(FunctionName=FUNCTION)
    return lambda_client.get_function_configuration(FunctionName=FUNCTION)


def run_setup(
    exercise: ExerciseFiles,
    which: str = "`bash setup_iam.sh`",
    env: dict[str, str] | None = None,
    hint: str = SETUP_RUNS_HINT,
) -> None:
    result = exercise.run_script(SETUP_SCRIPT, env=env)
    aws_managed = AWS_MANAGED_ATTACH.search(result.stderr + result.stdout)
    if not result.ok and aws_managed:
        # The embedded backend holds no AWS managed policies, but the mistake is attaching one at all.
        fail(
            f"Expected {which} to attach only orders-policy.json to {ROLE}; it also attaches the AWS managed policy "
            f"{aws_managed.group(1)} (which this backend does not hold, so the script stopped there). "
            "Least privilege: nothing else goes on the role (README step 5d).",
            hint=ROLE_POLICY_HINT,
        )
    expect(result.ok, f"Expected {which} to exit with status 0; {scrub_paths(result.describe())}", hint=hint)


def other_account_session() -> tuple[boto3.session.Session, dict[str, str]]:
    """Credentials of a caller in another account (both emulators map assumed-role keys to its account)."""
    credentials = boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{OTHER_ACCOUNT}:role/lab3-grader", RoleSessionName="lab3-grader"
    )["Credentials"]
    env = {
        "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
        "AWS_SESSION_TOKEN": credentials["SessionToken"],
    }
    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env["AWS_SESSION_TOKEN"],
        region_name=region(),
    )
    return session, env


@dataclass
class RolePolicies:
    """What is attached to or embedded in the role."""

    managed: list[tuple[str, Any]]  # (customer managed policy ARN, its default version's document)
    aws_managed: list[str]
    inline: list[str]


def role_policies(iam: Any, role: str = ROLE) -> RolePolicies:
    managed, aws_managed = [], []
    for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        policy_arn = attached["PolicyArn"]
        if policy_arn.startswith(AWS_MANAGED_PREFIX):
            aws_managed.append(policy_arn)
            continue
        version = iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]
        document = iam.get_policy_version(PolicyArn=policy_arn, VersionId=version)["PolicyVersion"]["Document"]
        managed.append((policy_arn, policy_document(document)))
    inline = iam.list_role_policies(RoleName=role)["PolicyNames"]
    return RolePolicies(managed, aws_managed, inline)


def expect_policy_in_force(iam: Any, expected: Any, account: str, when: str) -> str:
    """The role holds a customer managed policy whose default version is ``expected``; returns its ARN."""
    found = role_policies(iam)
    if not found.managed:
        if found.inline:
            fail(
                f"Expected a customer managed policy attached to {ROLE} {when}; it has none, only the inline "
                f"polic{'y' if len(found.inline) == 1 else 'ies'} {', '.join(found.inline)}.",
                hint=INLINE_POLICY_HINT,
            )
        fail(
            f"Expected a customer managed policy attached to {ROLE} {when}; "
            + (
                f"it has only the AWS managed {', '.join(found.aws_managed)}."
                if found.aws_managed
                else "nothing is attached to it."
            )
        )
    for policy_arn, document in found.managed:
        if document == expected:
            return policy_arn
    policy_arn, document = found.managed[0]
    difference = first_difference(expected, document) or "the documents differ"
    text = json.dumps(document)
    wrong_account = PLACEHOLDER in text or (account not in text and account in json.dumps(expected))
    fail(
        f"Expected the default version of {policy_arn} {when} to be {POLICY_FILE} with {PLACEHOLDER} replaced by "
        f"{account}; first difference: {difference}.",
        hint=ACCOUNT_HINT if wrong_account else None,
    )


# =============================================================================== orders-policy.json


@pytest.mark.points(1, hint=POLICY_VALID_HINT, read=f"{README}, steps 1-3")
def test_the_policy_is_a_document_iam_accepts(exercise: ExerciseFiles, backend: Any) -> None:
    """orders-policy.json is a complete policy document that IAM accepts"""
    orders = orders_policy(exercise, backend.account_id)
    problems = orders.problems
    expect(
        not problems,
        f"Expected {orders.shown} to be a complete IAM policy document; "
        + "; ".join(problems[:3])
        + (f"; and {len(problems) - 3} more problems" if len(problems) > 3 else "")
        + ".",
    )
    try:
        iam_client().create_policy(PolicyName="lab3-grader-validation", PolicyDocument=json.dumps(orders.filled))
    except Exception as error:  # noqa: BLE001 - IAM's refusal, in its own words, is the message
        fail(
            f"Expected IAM to accept {orders.shown} (with {PLACEHOLDER} read as {orders.account}); create-policy answered: {error}."
        )


@pytest.mark.points(2, hint=ORDERS_ALLOWED_HINT, read=step(1))
def test_the_policy_allows_put_item_and_get_item_on_orders(
    exercise: ExerciseFiles, backend: Any, partial_credit: PartialCredit
) -> None:
    """policy allows dynamodb:PutItem and dynamodb:GetItem on the Orders table"""
    orders = orders_policy(exercise, backend.account_id)
    for action in ("dynamodb:PutItem", "dynamodb:GetItem"):
        with partial_credit.part(action):
            expect_allowed(orders, action, table_arn(orders.account), "the Orders table")


@pytest.mark.points(2, hint=SECRET_ALLOWED_HINT, read=step(2))
def test_the_policy_allows_reading_the_shipping_secret(exercise: ExerciseFiles, backend: Any) -> None:
    """policy allows secretsmanager:GetSecretValue on the shipping secret, whatever its ARN's random suffix"""
    orders = orders_policy(exercise, backend.account_id)
    for suffix in ("AbC123", "z9Y8x7"):
        expect_allowed(
            orders,
            "secretsmanager:GetSecretValue",
            secret_arn(orders.account, suffix=suffix),
            f"the secret {SECRET}, whose ARN AWS ends with -{suffix}",
        )


@pytest.mark.points(2, hint=LOGS_ALLOWED_HINT, read=step(3))
def test_the_policy_lets_the_function_write_its_own_logs(
    exercise: ExerciseFiles, backend: Any, partial_credit: PartialCredit
) -> None:
    """policy lets the function write its own logs (CreateLogGroup, CreateLogStream, PutLogEvents)"""
    orders = orders_policy(exercise, backend.account_id)
    account = orders.account
    with partial_credit.part("logs:CreateLogGroup"):
        group = group_arn(account)
        # The group's ARN is written both ways in the wild: accept either.
        if not orders.policy.decide("logs:CreateLogGroup", group + ":*").allowed:
            expect_allowed(orders, "logs:CreateLogGroup", group, f"the function's log group {LOG_GROUP}")
    for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
        with partial_credit.part(action):
            expect_allowed(orders, action, stream_arn(account), f"a log stream of {LOG_GROUP}")


DYNAMODB_OTHER_ACTIONS = (
    "dynamodb:UpdateItem",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:PartiQLSelect",
    "dynamodb:DescribeTable",
    "dynamodb:UpdateTable",
    "dynamodb:DeleteTable",
)


@pytest.mark.points(2, hint=DYNAMODB_DENIED_HINT, read=step(1), requires=ORDERS_ALLOWED)
def test_the_policy_denies_scan_delete_item_and_other_dynamodb_actions(
    exercise: ExerciseFiles, backend: Any, partial_credit: PartialCredit
) -> None:
    """policy denies dynamodb:Scan, dynamodb:DeleteItem and every other DynamoDB action on Orders"""
    orders = orders_policy(exercise, backend.account_id)
    table = table_arn(orders.account)
    for label, actions in (
        ("dynamodb:Scan", ("dynamodb:Scan",)),
        ("dynamodb:DeleteItem", ("dynamodb:DeleteItem",)),
        ("the other DynamoDB actions", DYNAMODB_OTHER_ACTIONS),
    ):
        with partial_credit.part(label):
            for action in actions:
                expect_denied(orders, action, table, "the Orders table", cause="action", hint=DYNAMODB_DENIED_HINT)


@pytest.mark.points(2, hint=TABLE_SCOPE_HINT, read=step(1), requires=ORDERS_ALLOWED)
def test_the_policy_denies_other_tables_regions_and_accounts(
    exercise: ExerciseFiles, backend: Any, partial_credit: PartialCredit
) -> None:
    """policy denies GetItem and PutItem on another table, in another region and in another account"""
    orders = orders_policy(exercise, backend.account_id)
    account = orders.account
    for label, resource, what in (
        ("another table", table_arn(account, "Inventory"), "the Inventory table"),
        ("a table whose name starts with Orders", table_arn(account, "OrdersArchive"), "the OrdersArchive table"),
        ("another region", table_arn(account, in_region=OTHER_REGION), f"a table named Orders in {OTHER_REGION}"),
        ("another account", table_arn(OTHER_ACCOUNT), f"a table named Orders in the account {OTHER_ACCOUNT}"),
    ):
        with partial_credit.part(label):
            for action in ("dynamodb:GetItem", "dynamodb:PutItem"):
                expect_denied(orders, action, resource, what, cause="resource", hint=TABLE_SCOPE_HINT)


@pytest.mark.points(2, hint=SECRET_DENIED_HINT, read=step(2), requires=SECRET_ALLOWED)
def test_the_policy_denies_other_secrets_and_other_secret_actions(
    exercise: ExerciseFiles, backend: Any, partial_credit: PartialCredit
) -> None:
    """policy denies another secret and every Secrets Manager action but GetSecretValue"""
    orders = orders_policy(exercise, backend.account_id)
    account = orders.account
    get = "secretsmanager:GetSecretValue"
    with partial_credit.part("another secret"):
        for resource, what in (
            (secret_arn(account, "parts-unlimited/payments-api"), "the secret parts-unlimited/payments-api"),
            (secret_arn(account, "parts-unlimited/shipping-apiv2"), "the secret parts-unlimited/shipping-apiv2"),
            (secret_arn(account, "prod/database"), "the secret prod/database"),
            (secret_arn(account, in_region=OTHER_REGION), f"a secret named {SECRET} in {OTHER_REGION}"),
            (secret_arn(OTHER_ACCOUNT), f"a secret named {SECRET} in the account {OTHER_ACCOUNT}"),
        ):
            expect_denied(orders, get, resource, what, cause="resource", hint=SECRET_DENIED_HINT)
    with partial_credit.part("other Secrets Manager actions"):
        for action in (
            "secretsmanager:PutSecretValue",
            "secretsmanager:UpdateSecret",
            "secretsmanager:DeleteSecret",
            "secretsmanager:RotateSecret",
            "secretsmanager:DescribeSecret",
        ):
            expect_denied(
                orders, action, secret_arn(account), f"the secret {SECRET}", cause="action", hint=SECRET_DENIED_HINT
            )
        expect_denied(
            orders, "secretsmanager:ListSecrets", "*", "every secret", cause="action", hint=SECRET_DENIED_HINT
        )


@pytest.mark.points(1, hint=LOGS_SCOPE_HINT, read=step(3), requires=LOGS_ALLOWED)
def test_the_policy_keeps_logs_to_the_functions_own_group(
    exercise: ExerciseFiles, backend: Any, partial_credit: PartialCredit
) -> None:
    """policy keeps Logs to the function's own log group"""
    orders = orders_policy(exercise, backend.account_id)
    account = orders.account
    with partial_credit.part("another function's log group"):
        for group in ("/aws/lambda/order-processor", "/aws/lambda/inventory-status-v2"):
            for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
                expect_denied(
                    orders,
                    action,
                    stream_arn(account, group),
                    f"the log group {group}",
                    cause="resource",
                    hint=LOGS_SCOPE_HINT,
                )
    with partial_credit.part("another region or account"):
        for resource, what in (
            (group_arn(account, in_region=OTHER_REGION), f"a log group {LOG_GROUP} in {OTHER_REGION}"),
            (group_arn(OTHER_ACCOUNT), f"a log group {LOG_GROUP} in the account {OTHER_ACCOUNT}"),
        ):
            expect_denied(orders, "logs:CreateLogGroup", resource, what, cause="resource", hint=LOGS_SCOPE_HINT)
    with partial_credit.part("other Logs actions"):
        for action, resource in (
            ("logs:DeleteLogGroup", group_arn(account)),
            ("logs:DeleteLogGroup", group_arn(account) + ":*"),
            ("logs:PutRetentionPolicy", group_arn(account) + ":*"),
            ("logs:DeleteLogStream", stream_arn(account)),
            ("logs:GetLogEvents", stream_arn(account)),
            ("logs:FilterLogEvents", group_arn(account) + ":*"),
            ("logs:DescribeLogStreams", group_arn(account) + ":*"),
            ("logs:DescribeLogGroups", group_arn(account) + ":*"),
        ):
            expect_denied(
                orders, action, resource, f"the function's log group {LOG_GROUP}", cause="action", hint=LOGS_SCOPE_HINT
            )


def unrelated_requests(account: str) -> tuple[tuple[str, str, str], ...]:
    return (
        ("s3:GetObject", "arn:aws:s3:::parts-unlimited-invoices/2026/11/invoice-0001.pdf", "an invoice in S3"),
        ("iam:PassRole", f"arn:aws:iam::{account}:role/admin", "the role admin"),
        ("sts:AssumeRole", f"arn:aws:iam::{account}:role/admin", "the role admin"),
        ("sqs:SendMessage", arn("sqs", "orders-queue", account=account), "the queue orders-queue"),
        ("lambda:InvokeFunction", arn("lambda", "function:inventory-status", account=account), "the function itself"),
        ("kms:Decrypt", arn("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab", account=account), "a KMS key"),
        ("ec2:RunInstances", arn("ec2", "instance/*", account=account), "new EC2 instances"),
    )


@pytest.mark.points(
    1, hint=NOTHING_ELSE_HINT, read=f"{README}, steps 1-3", requires=[ORDERS_ALLOWED, SECRET_ALLOWED, LOGS_ALLOWED]
)
def test_the_policy_grants_nothing_else(exercise: ExerciseFiles, backend: Any) -> None:
    """policy grants nothing else: no wildcard actions, no NotAction or NotResource"""
    orders = orders_policy(exercise, backend.account_id)
    for statement in orders.policy.statements:
        for key in ("NotAction", "NotResource"):
            if key in statement.source:
                fail(
                    f"Expected {orders.shown} to use no {key}; your {statement.name} has {statement.quote(key)}.",
                    hint=f"Your {statement.name} has {statement.quote(key)}, which grants everything except what it lists. "
                    + NOTHING_ELSE_HINT,
                )
        wildcards = [a for a in statement.actions if "*" in a or "?" in a] if statement.effect == "Allow" else []
        if wildcards:
            fail(
                f"Expected every allowed action in {orders.shown} to be spelt out; your {statement.name} has "
                f"{statement.quote('Action')}.",
                hint=f"Your {statement.name} has {statement.quote('Action')}: {json.dumps(wildcards[0])} allows every "
                "action it matches, today's and those AWS adds later. " + NOTHING_ELSE_HINT,
            )
    for action, resource, what in unrelated_requests(orders.account):
        expect_denied(orders, action, resource, what, cause="action", hint=NOTHING_ELSE_HINT)


# ========================================================================= the policy in force

# The stand-in of Lab 1's function that the enforced check deploys: it makes each call it is given with
# its role's credentials and answers "ok" or the error code and message each call got.
PROBE_MODULE = "orders_probe"
PROBE_SOURCE = """import boto3
from botocore.exceptions import ClientError


def lambda_handler(event, context):
    answers = []
    for service, method, kwargs in event["calls"]:
        try:
            getattr(boto3.client(service), method)(**kwargs)
            answers.append("ok")
        except ClientError as error:
            answers.append(error.response["Error"]["Code"] + ": " + error.response["Error"].get("Message", ""))
    return answers
"""
REFUSALS = ("AccessDeniedException", "AccessDenied", "AuthorizationError")
OTHER_FUNCTION_GROUP = "/aws/lambda/order-processor"
PAYMENTS_SECRET = "parts-unlimited/payments-api"


@dataclass(frozen=True)
class Call:
    what: str  # "dynamodb:Scan on the Orders table"
    action: str
    service: str
    method: str
    kwargs: dict[str, Any]


def item_key(number: str) -> dict[str, Any]:
    return {"order_id": {"S": number}}


def own_calls() -> tuple[Call, ...]:
    """What the function does: every one must succeed."""
    return (
        Call("dynamodb:PutItem on the Orders table", "dynamodb:PutItem", "dynamodb", "put_item",
             {"TableName": TABLE, "Item": {**item_key("o-1"), "status": {"S": "NEW"}}}),
        Call("dynamodb:GetItem on the Orders table", "dynamodb:GetItem", "dynamodb", "get_item",
             {"TableName": TABLE, "Key": item_key("o-1")}),
        Call(f"secretsmanager:GetSecretValue on the secret {SECRET}", "secretsmanager:GetSecretValue", "secretsmanager",
             "get_secret_value", {"SecretId": SECRET}),
        Call(f"logs:CreateLogStream in {LOG_GROUP}", "logs:CreateLogStream", "logs", "create_log_stream",
             {"logGroupName": LOG_GROUP, "logStreamName": "grader-probe"}),
    )


def neighbouring_calls() -> tuple[Call, ...]:
    """What a bug or an attacker inside the function would try next: every one must be refused."""
    return (
        Call("dynamodb:Scan on the Orders table", "dynamodb:Scan", "dynamodb", "scan", {"TableName": TABLE}),
        Call("dynamodb:DeleteItem on the Orders table", "dynamodb:DeleteItem", "dynamodb", "delete_item",
             {"TableName": TABLE, "Key": item_key("o-1")}),
        Call("dynamodb:GetItem on the Inventory table", "dynamodb:GetItem", "dynamodb", "get_item",
             {"TableName": "Inventory", "Key": item_key("o-1")}),
        Call("dynamodb:PutItem on the OrdersArchive table", "dynamodb:PutItem", "dynamodb", "put_item",
             {"TableName": "OrdersArchive", "Item": item_key("o-1")}),
        Call("dynamodb:ListTables (the names of every table)", "dynamodb:ListTables", "dynamodb", "list_tables", {}),
        Call(f"secretsmanager:GetSecretValue on the secret {PAYMENTS_SECRET}", "secretsmanager:GetSecretValue",
             "secretsmanager", "get_secret_value", {"SecretId": PAYMENTS_SECRET}),
        Call(f"secretsmanager:PutSecretValue on the secret {SECRET}", "secretsmanager:PutSecretValue", "secretsmanager",
             "put_secret_value", {"SecretId": SECRET, "SecretString": "stolen"}),
        Call(f"logs:CreateLogStream in another function's log group {OTHER_FUNCTION_GROUP}", "logs:CreateLogStream",
             "logs", "create_log_stream", {"logGroupName": OTHER_FUNCTION_GROUP, "logStreamName": "grader-probe"}),
    )


def the_neighbourhood() -> None:
    """The Orders table and what lies next to it: other tables, another secret, another function's logs."""
    dynamodb = boto3.client("dynamodb")
    for name in (TABLE, "Inventory", "OrdersArchive"):
        dynamodb.create_table(
            TableName=name, KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        )
    for name in (SECRET, PAYMENTS_SECRET):
        boto3.client("secretsmanager").create_secret(Name=name, SecretString="grader-value")
    for group in (LOG_GROUP, OTHER_FUNCTION_GROUP):
        boto3.client("logs").create_log_group(logGroupName=group)


def role_with_the_policy(orders: OrdersPolicy) -> str:
    """orders-lambda-role holding orders-policy.json (as setup_iam.sh should make it), made by the grader."""
    iam = iam_client()
    role_arn = iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(LAB1_TRUST))["Role"]["Arn"]
    try:
        policy_arn = iam.create_policy(PolicyName="orders-lambda-policy", PolicyDocument=json.dumps(orders.filled))["Policy"]["Arn"]
    except Exception as error:  # noqa: BLE001 - IAM's refusal, in its own words, is the message
        fail(f"Expected IAM to accept {orders.shown} (with {PLACEHOLDER} read as {orders.account}); create-policy answered: {error}.")
    iam.attach_role_policy(RoleName=ROLE, PolicyArn=policy_arn)
    return role_arn




def answers_in_force(orders: OrdersPolicy, calls: tuple[Call, ...]) -> list[str]:
    """Deploy the stand-in as the role and make the calls with IAM enforced; one answer per call."""
    the_neighbourhood()
    role_arn = role_with_the_policy(orders)
    lambda_client = boto3.client("lambda")
    lambda_client.create_function(
        FunctionName=FUNCTION, Runtime="python3.12", Handler=f"{PROBE_MODULE}.lambda_handler", Role=role_arn,
        Code={"ZipFile": module_zip(PROBE_MODULE, PROBE_SOURCE)}, Timeout=30, MemorySize=128,
    )
    lambda_client.get_waiter("function_active_v2").wait(FunctionName=FUNCTION)
    with enforcing_iam():
        result = invoke_deployed(FUNCTION, {"calls": [[c.service, c.method, c.kwargs] for c in calls]})
    expect(
        result.ok and isinstance(result.payload, list) and len(result.payload) == len(calls),
        f"Expected the grader's stand-in of {FUNCTION} to answer for each of its {len(calls)} calls; it answered "
        f"{json.dumps(result.payload)[:300]} ({result.function_error or 'no error'}).",
    )
    return [str(answer) for answer in result.payload]


def refused(answer: str) -> bool:
    return answer.split(":", 1)[0] in REFUSALS


@pytest.mark.needs(IAM_ENFORCEMENT)
@pytest.mark.points(
    2, hint=IN_FORCE_HINT, read=f"{README}, steps 1-3", requires=[ORDERS_ALLOWED, SECRET_ALLOWED, LOGS_ALLOWED]
)
def test_the_policy_in_force_lets_the_function_do_its_job_and_nothing_more(
    exercise: ExerciseFiles, backend: Any, partial_credit: PartialCredit
) -> None:
    """with IAM enforced, the function running as the role does its job and is refused its neighbours' data"""
    orders = orders_policy(exercise, backend.account_id)
    own, neighbours = own_calls(), neighbouring_calls()
    answers = answers_in_force(orders, own + neighbours)
    running = f"{FUNCTION}, running as {ROLE} with {orders.shown} attached and IAM enforced"
    with partial_credit.part("its own calls succeed"):
        for call, answer in zip(own, answers):
            expect(
                answer == "ok",
                f"Expected {running}, to be allowed {call.what}; the backend refused it: {answer[:400]}",
            )
    with partial_credit.part("its neighbours' data and actions are refused"):
        for call, answer in zip(neighbours, answers[len(own):]):
            if refused(answer):
                continue
            if answer != "ok":
                fail(f"Expected {running}, to be refused {call.what} (AccessDenied); it got another answer: {answer[:400]}")
            decision = orders.policy.decide(call.action, _target_arn(call, orders.account))
            through = (
                f" Your {decision.allows[0].statement.name} allows it through {decision.allows[0].culprit()}."
                if decision.allows
                else ""
            )
            fail(
                f"Expected {running}, to be refused {call.what}; the call succeeded.{through}",
                hint=(f"Your {decision.allows[0].statement.name} has {decision.allows[0].culprit()}, which lets the "
                      f"function make {call.what}. " if decision.allows else "") + IN_FORCE_HINT,
            )


def _target_arn(call: Call, account: str) -> str:
    """The ARN IAM was asked about, to quote the statement that allowed a neighbouring call."""
    if call.service == "dynamodb":
        return table_arn(account, call.kwargs["TableName"]) if "TableName" in call.kwargs else "*"
    if call.service == "secretsmanager":
        return secret_arn(account, call.kwargs["SecretId"])
    return group_arn(account, call.kwargs["logGroupName"]) + f":log-stream:{call.kwargs['logStreamName']}"


# ================================================================================ trust-policy.json

OTHER_PRINCIPALS = (
    (("Service", "ec2.amazonaws.com"), "the EC2 service"),
    (("Service", "edgelambda.amazonaws.com"), "the Lambda@Edge service"),
    (("AWS", f"arn:aws:iam::{OTHER_ACCOUNT}:root"), f"the account {OTHER_ACCOUNT}"),
    (("AWS", "arn:aws:iam::123456789012:user/intern"), "an IAM user"),
    (("Federated", "cognito-identity.amazonaws.com"), "Cognito users"),
)


def describe_principal(principal: tuple[str, str] | None) -> str:
    if principal is None:
        return "everybody not listed in its NotPrincipal"
    if principal == ANYONE:
        return 'anybody ("Principal": "*")'
    kind, value = principal
    if kind == "AWS" and value == "*":
        return 'any AWS principal in any account ("AWS": "*")'
    return f"{json.dumps({kind: value})}"


@pytest.mark.points(1, hint=TRUST_LAMBDA_HINT, read=step(4))
def test_the_trust_policy_lets_lambda_assume_the_role(exercise: ExerciseFiles) -> None:
    """trust-policy.json lets lambda.amazonaws.com assume the role"""
    _, policy = trust_policy(exercise)
    shown = exercise.shown(TRUST_FILE)
    expect(
        not policy.problems,
        f"Expected {shown} to be a complete trust policy; " + "; ".join(policy.problems[:3]) + ".",
    )
    decision = policy.decide("sts:AssumeRole", principal=("Service", LAMBDA_SERVICE))
    if decision.allowed:
        return
    asked = f'Expected {shown} to let the principal {{"Service": "{LAMBDA_SERVICE}"}} call sts:AssumeRole'
    if decision.denies:
        fail(f"{asked}; your {decision.denies[0].statement.name} denies it.")
    if decision.allows:
        statement = decision.allows[0].statement
        fail(
            f"{asked}; your {statement.name} allows it only under its Condition {json.dumps(statement.source.get('Condition'))[:160]}. "
            "The grader does not evaluate conditions, and Lambda assumes its role without any: drop the Condition."
        )
    fail(f"{asked}; no Allow statement names that principal and the action sts:AssumeRole.")


@pytest.mark.points(2, hint=TRUST_ONLY_HINT, read=step(4), requires=TRUST_LAMBDA)
def test_the_trust_policy_admits_nobody_else(exercise: ExerciseFiles) -> None:
    """trust-policy.json admits nobody but lambda.amazonaws.com"""
    _, policy = trust_policy(exercise)
    shown = exercise.shown(TRUST_FILE)
    for statement, principal in trust_principals(policy):
        if principal != ("Service", LAMBDA_SERVICE):
            key = statement.principal_key or "Principal"
            fail(
                f"Expected {shown} to let only {LAMBDA_SERVICE} assume the role; your {statement.name} also admits "
                f"{describe_principal(principal)} through {statement.quote(key)}.",
                hint=f"Your {statement.name} has {statement.quote(key)}, so {describe_principal(principal)} could "
                f"assume {ROLE} and act with all its permissions. " + TRUST_ONLY_HINT,
            )
    for principal, what in OTHER_PRINCIPALS:
        for action in ASSUME_ACTIONS:
            decision = policy.decide(action, principal=principal)
            if decision.possibly_allowed:
                statement = decision.allows[0].statement
                fail(
                    f"Expected {shown} to refuse {action} to {what} ({describe_principal(principal)}); your "
                    f"{statement.name} allows it.",
                )


# ===================================================================================== setup_iam.sh


@pytest.mark.points(2, hint=SETUP_RUNS_HINT, read=step(5))
def test_setup_iam_sh_runs_and_creates_the_role(exercise: ExerciseFiles) -> None:
    """setup_iam.sh runs where Lab 1's function exists and creates orders-lambda-role"""
    lab1_function()
    run_setup(exercise, f"`bash setup_iam.sh` (with Lab 1's function {FUNCTION} deployed)")
    try:
        iam_client().get_role(RoleName=ROLE)
    except Exception:  # noqa: BLE001 - any answer but success means it is not there
        fail(
            f"Expected `bash setup_iam.sh` to create the role {ROLE}; it exited with status 0, but the role does not exist."
        )


@pytest.mark.points(3, hint=ROLE_POLICY_HINT, read=step(5), requires=SETUP_RUNS)
def test_the_role_has_the_trust_policy_and_the_attached_managed_policy(
    exercise: ExerciseFiles, backend: Any, partial_credit: PartialCredit
) -> None:
    """orders-lambda-role trusts trust-policy.json and holds only orders-policy.json, as a customer managed policy"""
    lab1_function()
    run_setup(exercise)
    iam = iam_client()
    account = backend.account_id
    with partial_credit.part("trust policy"):
        expected = read_json(exercise, TRUST_FILE)
        got = policy_document(iam.get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"])
        expect(
            got == expected,
            f"Expected the trust policy of {ROLE} to be {TRUST_FILE}; first difference: {first_difference(expected, got)}.",
        )
    policy_arn = None
    with partial_credit.part("customer managed policy from orders-policy.json"):
        expected = fill_in(read_json(exercise, POLICY_FILE), PLACEHOLDER, account)
        policy_arn = expect_policy_in_force(iam, expected, account, "after `bash setup_iam.sh`")
    with partial_credit.part("no other policy on the role"):
        found = role_policies(iam)
        others = [a for a, _ in found.managed if a != policy_arn] + found.aws_managed
        expect(
            not others and not found.inline,
            f"Expected {ROLE} to hold the policy from {POLICY_FILE} and nothing else; it also has "
            + ", ".join([f"the attached {a}" for a in others] + [f"the inline policy {n}" for n in found.inline])
            + ". Every extra policy adds permissions that the least-privilege policy was written to leave out.",
        )


@pytest.mark.points(1, hint=ACCOUNT_HINT, read=step("5a"), requires=SETUP_RUNS)
def test_setup_iam_sh_reads_the_account_id_from_sts(exercise: ExerciseFiles) -> None:
    """setup_iam.sh reads the account id from sts get-caller-identity (it works in another account)"""
    session, env = other_account_session()
    lab1_function(session)
    run_setup(
        exercise, f"`bash setup_iam.sh` run by a caller in the account {OTHER_ACCOUNT}", env=env, hint=ACCOUNT_HINT
    )
    expected = fill_in(read_json(exercise, POLICY_FILE), PLACEHOLDER, OTHER_ACCOUNT)
    when = f"in the account {OTHER_ACCOUNT} after a caller there ran `bash setup_iam.sh`"
    try:
        iam_client(session).get_role(RoleName=ROLE)
    except Exception:  # noqa: BLE001 - any answer but success means it is not there
        fail(f"Expected the role {ROLE} {when}; it does not exist there.")
    expect_policy_in_force(iam_client(session), expected, OTHER_ACCOUNT, when)
    # The document is in force as written; had the file typed an account, it would name that one here.
    foreign = sorted({account for account in arn_accounts(expected) if account != OTHER_ACCOUNT})
    expect(
        not foreign,
        f"Expected the policy {when} to name that account in its ARNs; it names {', '.join(foreign)} "
        f"(typed in {POLICY_FILE} instead of {PLACEHOLDER}).",
    )


def arn_accounts(document: Any) -> set[str]:
    """The account ids that a policy's resource ARNs name."""
    accounts = set()
    for statement in as_list(document.get("Statement") if isinstance(document, dict) else None):
        if not isinstance(statement, dict):
            continue
        for key in ("Resource", "NotResource"):
            for resource in string_list(statement.get(key, [])) or ():
                parts = resource.split(":", 5)
                if len(parts) == 6 and re.fullmatch(r"\d{12}", parts[4]):
                    accounts.add(parts[4])
    return accounts


@pytest.mark.points(2, hint=FUNCTION_ROLE_HINT, read=step("5e"), requires=SETUP_RUNS)
def test_the_function_runs_as_the_new_role(exercise: ExerciseFiles, partial_credit: PartialCredit) -> None:
    """inventory-status runs as orders-lambda-role afterwards, its code and settings unchanged"""
    before = lab1_function()
    run_setup(exercise)
    after = boto3.client("lambda").get_function_configuration(FunctionName=FUNCTION)
    role_arn = iam_client().get_role(RoleName=ROLE)["Role"]["Arn"]
    with partial_credit.part("function role"):
        expect(
            after.get("Role") == role_arn,
            f"Expected {FUNCTION} (deployed by Lab 1 with the role {LAB1_ROLE}) to run as {role_arn} after "
            f"`bash setup_iam.sh`, got {after.get('Role')}.",
        )
    with partial_credit.part("code and other settings unchanged"):
        changed = [
            key
            for key in ("CodeSha256", "Handler", "Runtime", "Timeout", "MemorySize", "Environment")
            if before.get(key) != after.get(key)
        ]
        expect(
            not changed,
            f"Expected `bash setup_iam.sh` to change only the role of {FUNCTION}; it also changed "
            + ", ".join(
                f"{key} ({json.dumps(before.get(key))[:60]} to {json.dumps(after.get(key))[:60]})" for key in changed
            )
            + ".",
        )


def edited_policy(written: Any, sid: str) -> Any:
    """The student's policy plus one more statement (denying a table action), as an edit would add it."""
    edited = copy.deepcopy(written)
    statements = as_list(edited.get("Statement")) if isinstance(edited, dict) else []
    statements.append(
        {
            "Sid": sid,
            "Effect": "Deny",
            "Action": "dynamodb:DeleteTable",
            "Resource": f"arn:aws:dynamodb:{region()}:{PLACEHOLDER}:table/{TABLE}",
        }
    )
    if isinstance(edited, dict):
        edited["Statement"] = statements
    return edited


TRUST_EDIT_SID = "GraderEditedTrust"


def edited_trust(written: Any) -> Any:
    """The student's trust policy with its first statement's Sid changed, as an edit would change it."""
    edited = copy.deepcopy(written)
    statements = as_list(edited.get("Statement")) if isinstance(edited, dict) else []
    if statements and isinstance(statements[0], dict):
        statements[0]["Sid"] = TRUST_EDIT_SID
    return edited


def fill_versions(iam: Any, policy_arn: str, limit: int = 5) -> int:
    """Add non-default versions until the policy has ``limit``, as five earlier edits would have."""
    versions = iam.list_policy_versions(PolicyArn=policy_arn)["Versions"]
    default = next(v["VersionId"] for v in versions if v["IsDefaultVersion"])
    document = policy_document(
        iam.get_policy_version(PolicyArn=policy_arn, VersionId=default)["PolicyVersion"]["Document"]
    )
    for _ in range(limit - len(versions)):
        iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=json.dumps(document), SetAsDefault=False)
    return len(iam.list_policy_versions(PolicyArn=policy_arn)["Versions"])


@pytest.mark.points(2, hint=RERUN_HINT, read=step("5c"), requires=SETUP_RUNS)
def test_setup_iam_sh_runs_again_and_applies_an_edited_policy(
    exercise: ExerciseFiles, backend: Any, tmp_path: Path, partial_credit: PartialCredit
) -> None:
    """setup_iam.sh runs again and applies an edited orders-policy.json and trust-policy.json, even when the policy has 5 versions"""
    lab1_function()
    run_setup(exercise, "the first `bash setup_iam.sh`")
    account = backend.account_id
    iam = iam_client()
    # The student edits the policy and runs the script again: the same script, a different document.
    first_edit = edited_policy(read_json(exercise, POLICY_FILE), "GraderEditOne")
    edited = exercise.copy_to(tmp_path / "first-edit")
    edited.path(POLICY_FILE).write_text(json.dumps(first_edit, indent=2) + "\n", encoding="utf-8")
    trust_edit = edited_trust(read_json(exercise, TRUST_FILE))
    edited.path(TRUST_FILE).write_text(json.dumps(trust_edit, indent=2) + "\n", encoding="utf-8")
    when = f"after a statement GraderEditOne was added to {POLICY_FILE} and `bash setup_iam.sh` ran again"
    second = edited.run_script(SETUP_SCRIPT)
    if not second.ok:  # nothing else to judge: the whole check fails
        fail(
            f"Expected `bash setup_iam.sh` to exit with status 0 {when} (the role and policy exist); {scrub_paths(second.describe())}"
        )
    with partial_credit.part("the second run succeeds"):
        pass  # it did
    policy_arn = None
    with partial_credit.part("the second run applies the edited policy"):
        policy_arn = expect_policy_in_force(iam, fill_in(first_edit, PLACEHOLDER, account), account, when)
    with partial_credit.part("the second run applies the edited trust policy"):
        got = policy_document(iam.get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"])
        expect(
            got == trust_edit,
            f"expected the role's trust policy to be the edited {TRUST_FILE} (its first statement's Sid changed to "
            f"{TRUST_EDIT_SID}) after `bash setup_iam.sh` ran again; got {json.dumps(got)[:300]}: an existing role "
            "needs update-assume-role-policy.",
        )
    with partial_credit.part("a run when the policy has 5 versions"):
        managed = [arn for arn, _ in role_policies(iam).managed]
        policy_arn = policy_arn or (managed[0] if managed else None)
        expect(policy_arn is not None, f"Expected a customer managed policy attached to {ROLE} {when}; there is none.")
        count = fill_versions(iam, policy_arn)
        second_edit = edited_policy(first_edit, "GraderEditTwo")
        edited = exercise.copy_to(tmp_path / "second-edit")
        edited.path(POLICY_FILE).write_text(json.dumps(second_edit, indent=2) + "\n", encoding="utf-8")
        when = f"after a statement GraderEditTwo was added and `bash setup_iam.sh` ran a third time, the policy having {count} versions"
        third = edited.run_script(SETUP_SCRIPT)
        if not third.ok:
            fail(
                f"Expected `bash setup_iam.sh` to exit with status 0 {when}; {scrub_paths(third.describe())}",
                hint=VERSION_LIMIT_HINT if "LimitExceeded" in third.stderr + third.stdout else None,
            )
        expect_policy_in_force(iam, fill_in(second_edit, PLACEHOLDER, account), account, when)
        # And once more: the version to delete is found each time, not assumed (v1 is gone by now).
        fill_versions(iam, policy_arn)
        third_edit = edited_policy(second_edit, "GraderEditThree")
        edited = exercise.copy_to(tmp_path / "third-edit")
        edited.path(POLICY_FILE).write_text(json.dumps(third_edit, indent=2) + "\n", encoding="utf-8")
        when = "after a statement GraderEditThree was added and `bash setup_iam.sh` ran a fourth time, the policy having 5 versions again"
        fourth = edited.run_script(SETUP_SCRIPT)
        if not fourth.ok:
            fail(
                f"Expected `bash setup_iam.sh` to exit with status 0 {when}; {scrub_paths(fourth.describe())}",
                hint=VERSION_LIMIT_HINT,
            )
        expect_policy_in_force(iam, fill_in(third_edit, PLACEHOLDER, account), account, when)
