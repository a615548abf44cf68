"""Tests of the Lab 3 grader.

The policy evaluator it uses is the kit's (tests/harness/test_kit_iam.py). Here, the grader as students
meet it: each plausible mistake loses the points of the check about that mistake, with the student's
own statement quoted in the hint. Full marks for the reference and the correct solutions, a low
starter and the README's check table are tests/exercises/test_every_exercise.py's.

Grading runs are child `pytest` processes (tests/grader_tests.py). Mistakes in the JSON files are
graded with the policy checks only, mistakes in setup_iam.sh with the checks they concern.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader_tests import ExerciseUnderTest, readme_text
from support import REPO

LAB = ExerciseUnderTest("lab3")
LAB_ID = LAB.id
POLICY_ONLY = ("-k", "test_the_policy or test_the_trust_policy")
ACCOUNT = "123456789012"

POLICY_VALID = "test_the_policy_is_a_document_iam_accepts"
ORDERS_ALLOWED = "test_the_policy_allows_put_item_and_get_item_on_orders"
SECRET_ALLOWED = "test_the_policy_allows_reading_the_shipping_secret"
LOGS_ALLOWED = "test_the_policy_lets_the_function_write_its_own_logs"
DYNAMODB_DENIED = "test_the_policy_denies_scan_delete_item_and_other_dynamodb_actions"
TABLE_SCOPE = "test_the_policy_denies_other_tables_regions_and_accounts"
SECRET_DENIED = "test_the_policy_denies_other_secrets_and_other_secret_actions"
LOGS_SCOPE = "test_the_policy_keeps_logs_to_the_functions_own_group"
NOTHING_ELSE = "test_the_policy_grants_nothing_else"
IN_FORCE = "test_the_policy_in_force_lets_the_function_do_its_job_and_nothing_more"
TRUST_LAMBDA = "test_the_trust_policy_lets_lambda_assume_the_role"
TRUST_ONLY = "test_the_trust_policy_admits_nobody_else"
SETUP_RUNS = "test_setup_iam_sh_runs_and_creates_the_role"
ROLE_POLICIES = "test_the_role_has_the_trust_policy_and_the_attached_managed_policy"
ACCOUNT_FROM_STS = "test_setup_iam_sh_reads_the_account_id_from_sts"
FUNCTION_ROLE = "test_the_function_runs_as_the_new_role"
RERUN = "test_setup_iam_sh_runs_again_and_applies_an_edited_policy"
POLICY_CHECKS = {
    POLICY_VALID,
    ORDERS_ALLOWED,
    SECRET_ALLOWED,
    LOGS_ALLOWED,
    DYNAMODB_DENIED,
    TABLE_SCOPE,
    SECRET_DENIED,
    LOGS_SCOPE,
    NOTHING_ELSE,
    IN_FORCE,
    TRUST_LAMBDA,
    TRUST_ONLY,
}
SCRIPT_CHECKS = {SETUP_RUNS, ROLE_POLICIES, ACCOUNT_FROM_STS, FUNCTION_ROLE, RERUN}


GRADER = LAB.grader()


# ======================================================================== grading the lab itself


grade = LAB.grade
assert_only_failures = LAB.assert_only_failures


def mutant(tmp_path: Path, filename: str, old: str, new: str, *, count: int = 1) -> Path:
    return LAB.mutant(tmp_path, filename, (old, new), count=count)


def statement(document: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in document["Statement"] if s.get("Sid") == sid)


# ------------------------------------------------------------------------------------ the starter


def test_the_untouched_starter_fails_the_allow_checks_and_blocks_the_deny_checks(tmp_path: Path) -> None:
    run = LAB.grade_starter(tmp_path)
    LAB.assert_sane(run)
    lab = run.exercise(LAB_ID)
    assert lab["points"] < lab["max"] / 4, lab["points"]
    assert '"Action" still holds its TODO placeholder' in run.check(LAB_ID, POLICY_VALID)["message"]
    assert "The file still holds TODO placeholders." in run.check(LAB_ID, ORDERS_ALLOWED)["message"]
    assert "README step 5" in run.check(LAB_ID, SETUP_RUNS)["message"]
    for first in (POLICY_VALID, ORDERS_ALLOWED, SECRET_ALLOWED, LOGS_ALLOWED, TRUST_LAMBDA, SETUP_RUNS):
        assert run.check(LAB_ID, first)["outcome"] == "failed"
    # Allowing nothing is not least privilege: the "denies" checks wait for the "allows" ones.
    for blocked in {
        DYNAMODB_DENIED,
        TABLE_SCOPE,
        SECRET_DENIED,
        LOGS_SCOPE,
        NOTHING_ELSE,
        IN_FORCE,
        TRUST_ONLY,
    } | SCRIPT_CHECKS - {SETUP_RUNS}:
        assert run.check(LAB_ID, blocked)["outcome"] == "blocked", blocked


# ------------------------------------------------------------------ mistakes in orders-policy.json


def test_a_dynamodb_star_action_loses_the_dynamodb_and_wildcard_checks_and_is_quoted(tmp_path: Path) -> None:
    code = mutant(
        tmp_path, "orders-policy.json", '"Action": ["dynamodb:PutItem", "dynamodb:GetItem"]', '"Action": "dynamodb:*"'
    )
    denied, wildcard, in_force = assert_only_failures(grade(code, tmp_path, *POLICY_ONLY), DYNAMODB_DENIED, NOTHING_ELSE, IN_FORCE)
    assert denied["outcome"] == "failed" and denied["message"].startswith("0 of 3 cases passed")
    assert (
        'your statement 1 ("Sid": "OrdersTableReadWrite") allows it through "Action": "dynamodb:*"' in denied["message"]
    )
    assert denied["hint"].startswith(
        'Your statement 1 ("Sid": "OrdersTableReadWrite") has "Action": "dynamodb:*", which allows dynamodb:Scan'
    )
    assert "Least privilege" in denied["hint"]
    assert '"dynamodb:*" allows every action it matches' in wildcard["hint"]
    # With IAM enforced, the function really scans and deletes: its own calls still succeed.
    assert in_force["outcome"] == "partial" and in_force["message"].startswith("1 of 2 cases passed")
    assert "to be refused dynamodb:Scan on the Orders table; the call succeeded" in in_force["message"]
    assert 'allows it through "Action": "dynamodb:*"' in in_force["message"]


def test_a_wildcard_table_name_loses_the_table_scope_and_in_force_checks(tmp_path: Path) -> None:
    code = mutant(tmp_path, "orders-policy.json", ":table/Orders", ":table/*")
    scope, in_force = assert_only_failures(grade(code, tmp_path, *POLICY_ONLY), TABLE_SCOPE, IN_FORCE)
    assert "to be refused dynamodb:GetItem on the Inventory table; the call succeeded" in in_force["message"]
    assert scope["outcome"] == "partial" and scope["message"].startswith("2 of 4 cases passed")
    assert "table/Inventory" in scope["message"] and "table/OrdersArchive" in scope["message"]
    assert '"Resource": "arn:aws:dynamodb:us-east-1:ACCOUNT_ID:table/*"' in scope["hint"]


def test_a_wildcard_region_and_account_lose_part_of_the_table_scope_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, "orders-policy.json", "dynamodb:us-east-1:ACCOUNT_ID:table", "dynamodb:*:*:table")
    (scope,) = assert_only_failures(grade(code, tmp_path, *POLICY_ONLY), TABLE_SCOPE)
    assert scope["outcome"] == "partial" and scope["message"].startswith("2 of 4 cases passed")
    assert "another region" in scope["message"] and "another account" in scope["message"]


def test_a_secret_star_loses_the_secret_scope_and_in_force_checks(tmp_path: Path) -> None:
    code = mutant(tmp_path, "orders-policy.json", "secret:parts-unlimited/shipping-api-??????", "secret:*")
    secrets, in_force = assert_only_failures(grade(code, tmp_path, *POLICY_ONLY), SECRET_DENIED, IN_FORCE)
    assert "GetSecretValue on the secret parts-unlimited/payments-api; the call succeeded" in in_force["message"]
    assert secrets["outcome"] == "partial"
    assert "parts-unlimited/payments-api" in secrets["message"]
    assert '"Resource": "arn:aws:secretsmanager:us-east-1:ACCOUNT_ID:secret:*"' in secrets["hint"]


def test_logs_on_every_resource_lose_the_logs_scope_and_in_force_checks(tmp_path: Path) -> None:
    def basic_execution_role(document: dict[str, Any]) -> None:
        for sid in ("OwnLogGroup", "OwnLogStreams"):
            statement(document, sid)["Resource"] = "*"

    code = LAB.json_mutant(tmp_path, "orders-policy.json", basic_execution_role)
    logs, in_force = assert_only_failures(grade(code, tmp_path, *POLICY_ONLY), LOGS_SCOPE, IN_FORCE)
    assert "another function's log group /aws/lambda/order-processor; the call succeeded" in in_force["message"]
    assert logs["outcome"] == "partial"
    assert "/aws/lambda/order-processor" in logs["message"]
    assert '"Resource": "*"' in logs["hint"]


def test_not_resource_loses_the_scope_and_nothing_else_checks(tmp_path: Path) -> None:
    def everything_but_inventory(document: dict[str, Any]) -> None:
        orders = statement(document, "OrdersTableReadWrite")
        orders["NotResource"] = orders.pop("Resource").replace("Orders", "Inventory")

    code = LAB.json_mutant(tmp_path, "orders-policy.json", everything_but_inventory)
    scope, nothing_else, in_force = assert_only_failures(grade(code, tmp_path, *POLICY_ONLY), TABLE_SCOPE, NOTHING_ELSE, IN_FORCE)
    assert "dynamodb:PutItem on the OrdersArchive table; the call succeeded" in in_force["message"]
    assert '"NotResource": "arn:aws:dynamodb:us-east-1:ACCOUNT_ID:table/Inventory"' in scope["hint"]
    assert "to use no NotResource" in nothing_else["message"]


def test_logs_star_actions_lose_the_logs_scope_and_wildcard_checks(tmp_path: Path) -> None:
    code = mutant(
        tmp_path, "orders-policy.json", '"Action": ["logs:CreateLogStream", "logs:PutLogEvents"]', '"Action": "logs:*"'
    )
    logs, wildcard = assert_only_failures(grade(code, tmp_path, *POLICY_ONLY), LOGS_SCOPE, NOTHING_ELSE)
    assert "other Logs actions" in logs["message"] and "logs:DeleteLogGroup" in logs["message"]
    assert '"Action": "logs:*"' in wildcard["message"]


def test_listing_every_table_is_caught_only_when_the_policy_is_in_force(tmp_path: Path) -> None:
    # No Action wildcard, no other table's ARN: the policy checks find nothing, the function lists every table.
    def list_tables(document: dict[str, Any]) -> None:
        document["Statement"].append({"Sid": "SeeTables", "Effect": "Allow", "Action": "dynamodb:ListTables", "Resource": "*"})

    code = LAB.json_mutant(tmp_path, "orders-policy.json", list_tables)
    (in_force,) = assert_only_failures(grade(code, tmp_path, *POLICY_ONLY), IN_FORCE)
    assert in_force["outcome"] == "partial"
    assert "to be refused dynamodb:ListTables (the names of every table); the call succeeded" in in_force["message"]
    assert 'Your statement 5 ("Sid": "SeeTables") allows it through "Action": "dynamodb:ListTables"' in in_force["message"]


def test_a_lowercase_table_name_fails_the_allow_check_with_the_resource_quoted(tmp_path: Path) -> None:
    code = mutant(tmp_path, "orders-policy.json", ":table/Orders", ":table/orders")
    run = grade(code, tmp_path, *POLICY_ONLY)
    allowed, *blocked = assert_only_failures(run, ORDERS_ALLOWED, DYNAMODB_DENIED, TABLE_SCOPE, NOTHING_ELSE, IN_FORCE)
    assert allowed["outcome"] == "failed"
    assert (
        'names the action, but its "Resource": "arn:aws:dynamodb:us-east-1:ACCOUNT_ID:table/orders" does not match'
        in allowed["message"]
    )
    assert {check["outcome"] for check in blocked} == {"blocked"}


def test_a_secret_arn_without_its_random_suffix_fails_the_secret_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, "orders-policy.json", "shipping-api-??????", "shipping-api")
    (secret, *_) = assert_only_failures(grade(code, tmp_path, *POLICY_ONLY), SECRET_ALLOWED, SECRET_DENIED, NOTHING_ELSE, IN_FORCE)
    assert "shipping-api-AbC123" in secret["message"]
    assert secret["hint"] == GRADER.SECRET_ALLOWED_HINT


def test_log_streams_on_the_bare_group_arn_lose_part_of_the_logs_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, "orders-policy.json", "/aws/lambda/inventory-status:*", "/aws/lambda/inventory-status")
    (logs, *_) = assert_only_failures(grade(code, tmp_path, *POLICY_ONLY), LOGS_ALLOWED, LOGS_SCOPE, NOTHING_ELSE, IN_FORCE)
    assert logs["outcome"] == "partial" and logs["message"].startswith("1 of 3 cases passed")
    assert "logs:PutLogEvents" in logs["message"]


def test_a_conditional_allow_is_not_counted_and_the_message_says_so(tmp_path: Path) -> None:
    def with_condition(document: dict[str, Any]) -> None:
        statement(document, "OrdersTableReadWrite")["Condition"] = {"Bool": {"aws:SecureTransport": "true"}}

    code = LAB.json_mutant(tmp_path, "orders-policy.json", with_condition)
    (allowed, *_) = assert_only_failures(
        grade(code, tmp_path, *POLICY_ONLY), ORDERS_ALLOWED, DYNAMODB_DENIED, TABLE_SCOPE, NOTHING_ELSE, IN_FORCE
    )
    assert "only under its Condition" in allowed["message"] and "does not evaluate conditions" in allowed["message"]


def test_an_explicit_deny_of_get_item_loses_half_of_the_allow_check(tmp_path: Path) -> None:
    def deny_get_item(document: dict[str, Any]) -> None:
        document["Statement"].append(
            {"Sid": "NoReads", "Effect": "Deny", "Action": "dynamodb:GetItem", "Resource": "*"}
        )

    code = LAB.json_mutant(tmp_path, "orders-policy.json", deny_get_item)
    (allowed, *_) = assert_only_failures(
        grade(code, tmp_path, *POLICY_ONLY), ORDERS_ALLOWED, DYNAMODB_DENIED, TABLE_SCOPE, NOTHING_ELSE, IN_FORCE
    )
    assert allowed["outcome"] == "partial"
    assert 'your statement 5 ("Sid": "NoReads") denies it, and an explicit Deny wins' in allowed["message"]


def test_broken_json_fails_the_policy_checks_with_the_json_error(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        "orders-policy.json",
        '"Resource": "arn:aws:dynamodb:us-east-1:ACCOUNT_ID:table/Orders"\n',
        '"Resource": "arn:aws:dynamodb:us-east-1:ACCOUNT_ID:table/Orders",\n',
    )
    run = grade(code, tmp_path, *POLICY_ONLY)
    LAB.assert_sane(run)
    for check_id in (POLICY_VALID, ORDERS_ALLOWED, SECRET_ALLOWED, LOGS_ALLOWED):
        check = run.check(LAB_ID, check_id)
        assert check["outcome"] == "failed"
        assert check["message"].startswith("Expected labs/lab3_iam/orders-policy.json to be JSON; it is not:")
        assert "python -m json.tool" in check["hint"]
    assert run.check(LAB_ID, TRUST_ONLY)["outcome"] == "passed"


# ------------------------------------------------------------------- mistakes in trust-policy.json


def test_a_star_principal_loses_the_nobody_else_check_and_is_quoted(tmp_path: Path) -> None:
    code = mutant(tmp_path, "trust-policy.json", '"Principal": {"Service": "lambda.amazonaws.com"}', '"Principal": "*"')
    (only,) = assert_only_failures(grade(code, tmp_path, *POLICY_ONLY), TRUST_ONLY)
    assert 'also admits anybody ("Principal": "*") through "Principal": "*"' in only["message"]
    assert only["hint"].startswith('Your statement 1 ("Sid": "LambdaAssumesTheRole") has "Principal": "*"')


def test_a_second_service_loses_the_nobody_else_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        "trust-policy.json",
        '{"Service": "lambda.amazonaws.com"}',
        '{"Service": ["lambda.amazonaws.com", "ec2.amazonaws.com"]}',
    )
    (only,) = assert_only_failures(grade(code, tmp_path, *POLICY_ONLY), TRUST_ONLY)
    assert '{"Service": "ec2.amazonaws.com"}' in only["message"]


def test_an_account_in_the_trust_policy_loses_the_nobody_else_check(tmp_path: Path) -> None:
    def with_account(document: dict[str, Any]) -> None:
        document["Statement"].append(
            {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}
        )

    code = LAB.json_mutant(tmp_path, "trust-policy.json", with_account)
    (only,) = assert_only_failures(grade(code, tmp_path, *POLICY_ONLY), TRUST_ONLY)
    assert "statement 2" in only["message"] and "111122223333" in only["message"]


def test_a_misspelt_service_principal_fails_the_lambda_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, "trust-policy.json", "lambda.amazonaws.com", "lambda.amazon.com")
    lambda_check, only = assert_only_failures(grade(code, tmp_path, *POLICY_ONLY), TRUST_LAMBDA, TRUST_ONLY)
    assert "no Allow statement names that principal" in lambda_check["message"]
    assert only["outcome"] == "blocked"


def test_a_condition_on_the_lambda_statement_fails_the_lambda_check(tmp_path: Path) -> None:
    def with_condition(document: dict[str, Any]) -> None:
        document["Statement"][0]["Condition"] = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}

    code = LAB.json_mutant(tmp_path, "trust-policy.json", with_condition)
    lambda_check, _ = assert_only_failures(grade(code, tmp_path, *POLICY_ONLY), TRUST_LAMBDA, TRUST_ONLY)
    assert "only under its Condition" in lambda_check["message"]


# ------------------------------------------------------------------------ mistakes in setup_iam.sh

RUNS_AND_RERUN = ("-k", "setup_iam_sh_runs")
RUNS_AND_ROLE = ("-k", "setup_iam_sh_runs_and or test_the_role")
RUNS_AND_FUNCTION = ("-k", "setup_iam_sh_runs_and or function_runs")
RUNS_AND_ACCOUNT = ("-k", "setup_iam_sh_runs_and or reads_the_account")


def test_describe_log_streams_beside_the_writes_loses_the_logs_scope_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path, "orders-policy.json",
        '"Action": ["logs:CreateLogStream", "logs:PutLogEvents"],',
        '"Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],',
    )
    (scope,) = assert_only_failures(grade(code, tmp_path, "-k", "logs"), LOGS_SCOPE)
    assert "logs:DescribeLogStreams" in scope["message"], scope["message"]


def test_a_script_that_also_attaches_an_aws_managed_policy_is_told_to_attach_nothing_else(tmp_path: Path) -> None:
    attach = 'awslocal iam attach-role-policy --role-name "$ROLE" --policy-arn "$POLICY_ARN"\n'
    basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    code = mutant(tmp_path, "setup_iam.sh", attach, attach + f'awslocal iam attach-role-policy --role-name "$ROLE" --policy-arn {basic}\n')
    run = grade(code, tmp_path, *RUNS_AND_ACCOUNT)
    LAB.assert_sane(run)
    check = run.check(LAB_ID, SETUP_RUNS)
    assert check["outcome"] == "failed"
    assert f"it also attaches the AWS managed policy {basic}" in check["message"], check["message"]
    assert check["hint"] == GRADER.ROLE_POLICY_HINT


def test_a_script_that_never_updates_the_trust_policy_loses_part_of_the_rerun_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path, "setup_iam.sh",
        '  awslocal iam update-assume-role-policy --role-name "$ROLE" --policy-document file://trust-policy.json\n',
        "  : # the role exists: leave it\n",
    )
    (rerun,) = assert_only_failures(grade(code, tmp_path, *RUNS_AND_RERUN), RERUN)
    assert "the second run applies the edited trust policy" in rerun["message"], rerun["message"]


def test_a_script_that_always_deletes_version_1_fails_the_fourth_run(tmp_path: Path) -> None:
    cleanup = (
        "  OLD_VERSIONS=$(awslocal iam list-policy-versions --policy-arn \"$POLICY_ARN\" \\\n"
        "    --query 'Versions[?!IsDefaultVersion].VersionId' --output text)\n"
        "  for version in $OLD_VERSIONS; do\n"
        "    awslocal iam delete-policy-version --policy-arn \"$POLICY_ARN\" --version-id \"$version\"\n"
        "  done\n"
    )
    oldest_is_v1 = (
        "  if [ \"$(awslocal iam list-policy-versions --policy-arn \"$POLICY_ARN\" --query 'length(Versions)' --output text)\" -ge 5 ]; then\n"
        "    awslocal iam delete-policy-version --policy-arn \"$POLICY_ARN\" --version-id v1\n"
        "  fi\n"
    )
    code = mutant(tmp_path, "setup_iam.sh", cleanup, oldest_is_v1)
    (rerun,) = assert_only_failures(grade(code, tmp_path, *RUNS_AND_RERUN), RERUN)
    assert "ran a fourth time" in rerun["message"] and "NoSuchEntity" in rerun["message"], rerun["message"]


def test_a_script_that_always_creates_fails_the_second_run(tmp_path: Path) -> None:
    code = mutant(
        tmp_path, "setup_iam.sh", 'if awslocal iam get-role --role-name "$ROLE" >/dev/null 2>&1; then', "if false; then"
    )
    (rerun,) = assert_only_failures(grade(code, tmp_path, *RUNS_AND_RERUN), RERUN)
    assert rerun["outcome"] == "failed" and rerun["points"] == 0
    assert "EntityAlreadyExists" in rerun["message"]
    assert rerun["hint"] == GRADER.RERUN_HINT


def test_a_script_that_never_updates_the_policy_loses_most_of_the_rerun_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        "setup_iam.sh",
        '  awslocal iam create-policy-version --policy-arn "$POLICY_ARN" \\\n    --policy-document "$POLICY_DOCUMENT" --set-as-default >/dev/null\n',
        "",
    )
    (rerun,) = assert_only_failures(grade(code, tmp_path, *RUNS_AND_RERUN), RERUN)
    assert rerun["outcome"] == "partial" and rerun["message"].startswith("2 of 4 cases passed"), rerun["message"]
    assert "GraderEditOne" in rerun["message"] and "first difference: Statement[4] is missing" in rerun["message"]


def test_a_script_that_never_deletes_old_versions_fails_at_five_versions(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        "setup_iam.sh",
        '  for version in $OLD_VERSIONS; do\n    awslocal iam delete-policy-version --policy-arn "$POLICY_ARN" --version-id "$version"\n  done\n',
        "",
    )
    (rerun,) = assert_only_failures(grade(code, tmp_path, *RUNS_AND_RERUN), RERUN)
    assert rerun["outcome"] == "partial" and rerun["message"].startswith("3 of 4 cases passed"), rerun["message"]
    assert "LimitExceeded" in rerun["message"]
    assert rerun["hint"] == GRADER.VERSION_LIMIT_HINT


def test_a_typed_account_id_in_the_script_loses_only_the_account_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        "setup_iam.sh",
        "ACCOUNT_ID=$(awslocal sts get-caller-identity --query Account --output text)",
        "ACCOUNT_ID=123456789012",
    )
    (account,) = assert_only_failures(grade(code, tmp_path, *RUNS_AND_ACCOUNT), ACCOUNT_FROM_STS)
    assert "111122223333" in account["message"]
    assert account["hint"] == GRADER.ACCOUNT_HINT


def test_a_typed_account_id_in_the_policy_loses_only_the_account_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, "orders-policy.json", "ACCOUNT_ID", ACCOUNT, count=4)
    # The policy checks read ACCOUNT_ID as moto's account, so a typed 123456789012 passes them here.
    selection = ("-k", f"{POLICY_ONLY[1]} or {RUNS_AND_ACCOUNT[1]}")
    (account,) = assert_only_failures(grade(code, tmp_path, *selection), ACCOUNT_FROM_STS)
    assert "it names 123456789012 (typed in orders-policy.json instead of ACCOUNT_ID)" in account["message"]
    assert account["hint"] == GRADER.ACCOUNT_HINT


def test_a_policy_created_without_filling_in_the_account_loses_part_of_the_role_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        "setup_iam.sh",
        'POLICY_DOCUMENT=$(sed "s/ACCOUNT_ID/${ACCOUNT_ID}/g" orders-policy.json)',
        "POLICY_DOCUMENT=$(cat orders-policy.json)",
    )
    (role,) = assert_only_failures(grade(code, tmp_path, *RUNS_AND_ROLE), ROLE_POLICIES)
    assert role["outcome"] == "partial"
    assert "ACCOUNT_ID" in role["message"] and role["hint"] == GRADER.ACCOUNT_HINT


def test_an_inline_policy_instead_of_a_managed_one_loses_part_of_the_role_check(tmp_path: Path) -> None:
    mutant(
        tmp_path,
        "setup_iam.sh",
        'awslocal iam attach-role-policy --role-name "$ROLE" --policy-arn "$POLICY_ARN"',
        'awslocal iam put-role-policy --role-name "$ROLE" --policy-name orders --policy-document "$POLICY_DOCUMENT"',
    )
    code = mutant(
        tmp_path,
        "setup_iam.sh",
        '  awslocal iam create-policy --policy-name "$POLICY" --policy-document "$POLICY_DOCUMENT" >/dev/null\n',
        "  :\n",
    )
    (role,) = assert_only_failures(grade(code, tmp_path, *RUNS_AND_ROLE), ROLE_POLICIES)
    assert role["outcome"] == "partial"
    assert "only the inline policy orders" in role["message"]
    assert role["hint"] == GRADER.INLINE_POLICY_HINT


def test_an_extra_inline_policy_loses_the_nothing_else_part_of_the_role_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        "setup_iam.sh",
        "# Step 5e:",
        'awslocal iam put-role-policy --role-name "$ROLE" --policy-name just-in-case --policy-document '
        '\'{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}\'\n# Step 5e:',
    )
    (role,) = assert_only_failures(grade(code, tmp_path, *RUNS_AND_ROLE), ROLE_POLICIES)
    assert role["outcome"] == "partial" and role["message"].startswith("2 of 3 cases passed")
    assert "the inline policy just-in-case" in role["message"]


def test_a_script_that_forgets_the_function_loses_the_function_role_part(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        "setup_iam.sh",
        '  awslocal lambda update-function-configuration --function-name "$FUNCTION" --role "$ROLE_ARN" >/dev/null\n'
        '  awslocal lambda wait function-updated-v2 --function-name "$FUNCTION"\n',
        "",
    )
    (function,) = assert_only_failures(grade(code, tmp_path, *RUNS_AND_FUNCTION), FUNCTION_ROLE)
    assert function["outcome"] == "partial"
    assert "role/inventory-status-role" in function["message"]


def test_a_script_that_resets_the_functions_environment_loses_the_unchanged_part(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        "setup_iam.sh",
        '--role "$ROLE_ARN" >/dev/null',
        '--role "$ROLE_ARN" --environment "Variables={}" >/dev/null',
    )
    (function,) = assert_only_failures(grade(code, tmp_path, *RUNS_AND_FUNCTION), FUNCTION_ROLE)
    assert function["outcome"] == "partial" and "Environment" in function["message"]


# ---------------------------------------------------------------------------------- the README


def test_the_readme_shows_the_sharper_hints_too() -> None:
    readme = readme_text((REPO / LAB.folder / "README.md").read_text(encoding="utf-8"))
    for name in ("INLINE_POLICY_HINT", "VERSION_LIMIT_HINT"):
        assert readme_text(getattr(GRADER, name)) in readme, f"README lacks {name}"


def test_every_grader_check_is_covered_by_this_file() -> None:
    assert {f.__name__ for f in LAB.checks()} == POLICY_CHECKS | SCRIPT_CHECKS


# ------------------------------------------------------------------ the failure the docs show


def test_a_dynamodb_star_prints_exactly_the_failure_the_readme_shows(tmp_path: Path) -> None:
    code = mutant(
        tmp_path, "orders-policy.json", '"Action": ["dynamodb:PutItem", "dynamodb:GetItem"]', '"Action": "dynamodb:*"'
    )
    run = grade(code, tmp_path, "-k", "put_item_and_get_item or scan_delete_item")
    check = run.check(LAB_ID, DYNAMODB_DENIED)
    shown = "\n".join(
        [
            f"IAM role and least privilege › {check['title']}",
            check["message"],
            f"Hint: {check['hint']}",
            f"Read: {check['read']}",
        ]
    )
    lines = [line.strip() for line in (REPO / LAB.folder / "README.md").read_text(encoding="utf-8").splitlines()]
    start = lines.index(f"IAM role and least privilege › {check['title']}  (0/2)")
    count = len(shown.splitlines())
    documented = "\n".join([lines[start].removesuffix("  (0/2)"), *lines[start + 1 : start + count]])
    assert documented == shown, "README.md shows a different failure than the grader prints"
