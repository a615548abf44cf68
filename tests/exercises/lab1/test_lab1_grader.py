"""Tests of the Lab 1 grader: each plausible mistake loses the points of the check that is about that
mistake (and only those). Full marks for the reference and the correct solutions, a low starter and
the README's check table are tests/exercises/test_every_exercise.py's.

Every grading run is a child `pytest` process, as a student would run it (tests/grader_tests.py).
Mistakes in the handler are graded with the in-process checks only (-k "not deploy"), mistakes in
deploy.sh with the deploy checks only (-k deploy), which keeps this file to about a minute and a half.
"""

from __future__ import annotations

import re
from pathlib import Path

from grader_tests import ExerciseUnderTest
from support import REPO

LAB = ExerciseUnderTest("lab1")
LAB_ID = LAB.id
HANDLER_ONLY = ("-k", "not deploy")
DEPLOY_ONLY = ("-k", "deploy")

IMPORTS = "test_the_handler_module_imports"
OK_200 = "test_a_known_sku_returns_200_with_json_content_type"
BODY = "test_the_200_body_has_the_item_fields_with_integer_numbers"
BOUNDARIES = "test_the_stock_status_is_right_at_every_boundary"
SERVER_ERROR = "test_a_missing_table_gives_a_safe_logged_500"
BAD_REQUEST = "test_a_missing_or_invalid_sku_returns_400"
NOT_FOUND = "test_an_unknown_sku_returns_404"
GET_ITEM = "test_the_item_is_read_with_get_item"
TABLE_FROM_ENV = "test_the_table_name_comes_from_inventory_table"
CLIENT_REUSE = "test_one_client_is_reused_across_invocations"
DEPLOY_RUNS = "test_deploy_sh_runs_and_creates_the_function"
DEPLOY_TWICE = "test_deploy_sh_can_run_again_and_updates_the_code"
DEPLOY_CONFIG = "test_deploy_sh_configures_the_table_role_and_function_as_specified"
DEPLOYED_WORKS = "test_the_deployed_function_answers_an_api_gateway_request"
DEPLOY_CHECKS = {DEPLOY_RUNS, DEPLOY_TWICE, DEPLOY_CONFIG, DEPLOYED_WORKS}


GRADER = LAB.grader()
grade = LAB.grade
assert_only_failure = LAB.assert_only_failure


def mutant(tmp_path: Path, filename: str, old: str, new: str, *, count: int = 1) -> Path:
    return LAB.mutant(tmp_path, filename, (old, new), count=count)


# ------------------------------------------------------------------------- full marks and starter


def test_the_untouched_starter_fails_at_its_todos_and_blocks_the_deploy_checks(tmp_path: Path) -> None:
    run = LAB.grade_starter(tmp_path)
    lab = run.exercise(LAB_ID)
    assert lab["points"] < lab["max"] / 4, lab["points"]
    assert run.check(LAB_ID, IMPORTS)["outcome"] == "passed"
    assert "NotImplementedError: TODO 6" in run.check(LAB_ID, OK_200)["message"]
    assert run.check(LAB_ID, DEPLOY_RUNS)["outcome"] == "failed"
    assert "README step 7" in run.check(LAB_ID, DEPLOY_RUNS)["message"]
    for blocked in DEPLOY_CHECKS - {DEPLOY_RUNS}:
        assert run.check(LAB_ID, blocked)["outcome"] == "blocked"


# ------------------------------------------------------------------------- mistakes in the handler


def test_a_less_than_at_the_low_stock_boundary_loses_only_the_boundary_cases(tmp_path: Path) -> None:
    code = mutant(tmp_path, "inventory_status_lambda.py", "if quantity <= reorder_level:", "if quantity < reorder_level:")
    check = assert_only_failure(grade(code, tmp_path, *HANDLER_ONLY), BOUNDARIES)
    assert check["outcome"] == "partial"
    assert 0 < check["points"] < check["max"]
    assert "quantity=5, reorder_level=5" in check["message"] and "expected status LOW_STOCK" in check["message"]
    assert "quantity=4, reorder_level=5" not in check["message"]
    assert check["hint"] == GRADER.STATUS_HINT


def test_decimals_written_as_strings_lose_the_body_types_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, "inventory_status_lambda.py", "int(item[", "(item[", count=2)
    text = (code / LAB.folder / "inventory_status_lambda.py").read_text()
    (code / LAB.folder / "inventory_status_lambda.py").write_text(text.replace('json.dumps(body)', 'json.dumps(body, default=str)'))
    check = assert_only_failure(grade(code, tmp_path, *HANDLER_ONLY), BODY)
    assert 'Expected "quantity" to be the integer 42' in check["message"]
    assert 'got the string "42"' in check["message"]
    assert check["hint"] == GRADER.DECIMAL_HINT


def test_decimals_written_as_floats_lose_the_body_types_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, "inventory_status_lambda.py", "int(item[", "float(item[", count=2)
    check = assert_only_failure(grade(code, tmp_path, *HANDLER_ONLY), BODY)
    assert "got a float 42.0" in check["message"]


def test_a_decimal_that_json_cannot_write_gets_the_decimal_hint(tmp_path: Path) -> None:
    code = mutant(tmp_path, "inventory_status_lambda.py", "int(item[", "(item[", count=2)
    run = grade(code, tmp_path, *HANDLER_ONLY)
    LAB.assert_sane(run)
    check = run.check(LAB_ID, OK_200)
    assert check["outcome"] == "failed"
    assert "got 500" in check["message"] and "Decimal" in check["message"]
    assert check["hint"] == GRADER.DECIMAL_HINT
    assert run.check(LAB_ID, SERVER_ERROR)["outcome"] == "passed"  # the handler's own safety net worked


def test_an_exception_text_in_the_500_body_loses_part_of_the_500_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path, "inventory_status_lambda.py",
        'return json_response(500, {"error": "internal error"})',
        'import traceback\n        return json_response(500, {"error": traceback.format_exc()})',
    )
    check = assert_only_failure(grade(code, tmp_path, *HANDLER_ONLY), SERVER_ERROR)
    assert check["outcome"] == "partial"
    assert "got a body that shows the exception to the caller" in check["message"]


def test_an_unlogged_500_loses_part_of_the_500_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, "inventory_status_lambda.py", 'logger.exception("inventory status lookup failed")', "pass")
    check = assert_only_failure(grade(code, tmp_path, *HANDLER_ONLY), SERVER_ERROR)
    assert check["outcome"] == "partial"
    assert "nothing was logged" in check["message"]


def test_a_scan_instead_of_get_item_loses_the_get_item_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path, "inventory_status_lambda.py",
        'answer = table.get_item(Key={"sku": sku})\n    return answer.get("Item")',
        'matches = [i for i in table.scan()["Items"] if i["sku"] == sku]\n    return matches[0] if matches else None',
    )
    check = assert_only_failure(grade(code, tmp_path, *HANDLER_ONLY), GET_ITEM)
    assert "dynamodb.Scan x1" in check["message"]


def test_a_hard_coded_table_name_loses_the_environment_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, "inventory_status_lambda.py", 'os.environ["INVENTORY_TABLE"]', '"Inventory"')
    check = assert_only_failure(grade(code, tmp_path, *HANDLER_ONLY), TABLE_FROM_ENV)
    assert "INVENTORY_TABLE=InventoryGraderCheck" in check["message"] and "got 500" in check["message"]


def test_a_client_created_inside_the_handler_loses_the_reuse_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path, "inventory_status_lambda.py",
        'answer = table.get_item(Key={"sku": sku})',
        'answer = boto3.resource("dynamodb").Table(TABLE_NAME).get_item(Key={"sku": sku})',
    )
    check = assert_only_failure(grade(code, tmp_path, *HANDLER_ONLY), CLIENT_REUSE)
    assert "their DynamoDB calls came from 2 different clients" in check["message"]


def test_a_syntax_error_blocks_the_handler_checks_and_the_report_is_still_written(tmp_path: Path) -> None:
    code = mutant(tmp_path, "inventory_status_lambda.py", "def stock_status(quantity, reorder_level):",
                  "def stock_status(quantity, reorder_level)")
    run = grade(code, tmp_path)
    LAB.assert_sane(run)
    check = run.check(LAB_ID, IMPORTS)
    assert check["outcome"] == "failed"
    assert re.search(r"labs/lab1_inventory_status/inventory_status_lambda\.py has a syntax error on line \d+", check["message"])
    handler_checks = {c["id"] for c in run.exercise(LAB_ID)["checks"]} - DEPLOY_CHECKS - {IMPORTS}
    assert {run.check(LAB_ID, c)["outcome"] for c in handler_checks} == {"blocked"}
    # deploy.sh only zips the file: it still deploys; the deployed package cannot be imported.
    for passing in (DEPLOY_RUNS, DEPLOY_TWICE, DEPLOY_CONFIG):
        assert run.check(LAB_ID, passing)["outcome"] == "passed"
    deployed = run.check(LAB_ID, DEPLOYED_WORKS)
    assert deployed["outcome"] == "failed"
    assert "failed with Runtime.UserCodeSyntaxError: Syntax error in module 'inventory_status_lambda'" in deployed["message"]


# ---------------------------------------------------------------------------- mistakes in deploy.sh


def test_a_deploy_script_that_always_creates_the_function_fails_the_second_run(tmp_path: Path) -> None:
    code = mutant(tmp_path, "deploy.sh", 'if awslocal lambda get-function --function-name "$FUNCTION" >/dev/null 2>&1; then',
                  "if false; then")
    check = assert_only_failure(grade(code, tmp_path, *DEPLOY_ONLY), DEPLOY_TWICE)
    assert check["outcome"] == "failed" and check["points"] == 0
    assert "Expected a second `bash deploy.sh`" in check["message"]
    assert "ResourceConflictException" in check["message"]
    assert check["hint"] == GRADER.IDEMPOTENT_HINT


def test_a_wrong_timeout_loses_only_that_part_of_the_configuration_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, "deploy.sh", "--timeout 10", "--timeout 3", count=2)
    check = assert_only_failure(grade(code, tmp_path, *DEPLOY_ONLY), DEPLOY_CONFIG)
    assert check["outcome"] == "partial"
    assert "function timeout: expected inventory-status's timeout to be 10, got 3." in check["message"]
    assert check["message"].startswith("8 of 9 cases passed")


def test_a_deploy_script_that_never_updates_the_code_loses_part_of_the_second_run_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, "deploy.sh",
                  '  awslocal lambda update-function-code --function-name "$FUNCTION" --zip-file fileb://function.zip >/dev/null\n',
                  "")
    check = assert_only_failure(grade(code, tmp_path, *DEPLOY_ONLY), DEPLOY_TWICE)
    assert check["outcome"] == "partial" and check["message"].startswith("2 of 3 cases passed")
    assert "to upload the new code" in check["message"]
    assert check["hint"] == GRADER.UPDATE_CODE_HINT


def test_a_deploy_script_that_never_updates_the_configuration_loses_part_of_the_second_run_check(tmp_path: Path) -> None:
    deploy = (REPO / "solutions" / LAB.folder / "deploy.sh").read_text(encoding="utf-8")
    update = deploy[deploy.index("  awslocal lambda update-function-configuration"):]
    update = update[: update.index(">/dev/null\n") + len(">/dev/null\n")]  # the whole command, 8 lines
    check = assert_only_failure(grade(mutant(tmp_path, "deploy.sh", update, ""), tmp_path, *DEPLOY_ONLY), DEPLOY_TWICE)
    assert check["outcome"] == "partial"
    assert "its timeout was changed to 3 s by hand and is still 3 s" in check["message"], check["message"]


def test_a_trust_policy_for_anyone_loses_part_of_the_configuration_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, "deploy.sh", '"Principal": {"Service": "lambda.amazonaws.com"}', '"Principal": {"AWS": "*"}')
    check = assert_only_failure(grade(code, tmp_path, "-k", "configures"), DEPLOY_CONFIG)
    assert "role trust policy: expected the trust policy of" in check["message"] and "and nobody else" in check["message"]


def test_error_answers_without_content_type_lose_the_400_and_404_checks(tmp_path: Path) -> None:
    code = mutant(
        tmp_path, "inventory_status_lambda.py",
        '        "headers": {"Content-Type": "application/json"},\n',
        '        "headers": {"Content-Type": "application/json"} if status_code == 200 else {},\n',
    )
    run = grade(code, tmp_path, *HANDLER_ONLY)
    LAB.assert_only_failures(run, BAD_REQUEST, NOT_FOUND)
    assert "on the error answer for" in run.check(LAB_ID, NOT_FOUND)["message"]


def test_re_match_with_a_dollar_lets_a_trailing_newline_through_and_loses_part_of_the_400_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, "inventory_status_lambda.py", "SKU_PATTERN.fullmatch(sku)", "SKU_PATTERN.match(sku)")
    text = (code / LAB.folder / "inventory_status_lambda.py").read_text(encoding="utf-8")
    (code / LAB.folder / "inventory_status_lambda.py").write_text(text.replace('r"[A-Z0-9-]{3,32}"', 'r"^[A-Z0-9-]{3,32}$"'))
    check = assert_only_failure(grade(code, tmp_path, "-k", "invalid_sku"), BAD_REQUEST)
    assert "a trailing newline" in check["message"] and "Expected statusCode 400" in check["message"], check["message"]


def test_a_log_without_the_stack_trace_loses_part_of_the_500_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path, "inventory_status_lambda.py",
        '        logger.exception("inventory status lookup failed")',
        '        logger.error("inventory status lookup failed")',
    )
    check = assert_only_failure(grade(code, tmp_path, "-k", "missing_table"), SERVER_ERROR)
    assert "to hold its stack trace" in check["message"]


# ------------------------------------------------------------------ the failure the docs show


def test_a_forgotten_404_prints_exactly_the_failure_the_docs_show(tmp_path: Path) -> None:
    code = mutant(tmp_path, "inventory_status_lambda.py", "        if item is None:\n            return json_response(404", "        if False:\n            return json_response(404")
    run = grade(code, tmp_path, *HANDLER_ONLY)
    check = run.check(LAB_ID, "test_an_unknown_sku_returns_404")
    shown = "\n".join(
        [f"Inventory Status Lambda › {check['title']}", check["message"], f"Hint: {check['hint']}", f"Read: {check['read']}"]
    )
    assert shown.startswith("Inventory Status Lambda › unknown SKU returns 404\nExpected statusCode 404 for SKU 'PU-9999'")
    for doc in ("README.md", "docs/week0.md", "docs/harness.md"):
        lines = [line.strip().split("   <-")[0].rstrip() for line in (REPO / doc).read_text(encoding="utf-8").splitlines()]
        start = lines.index("Inventory Status Lambda › unknown SKU returns 404")
        assert "\n".join(lines[start : start + 4]) == shown, f"{doc} shows a different failure than the grader prints"
