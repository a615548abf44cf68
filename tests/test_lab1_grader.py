"""Tests of the Lab 1 grader: the reference solution gets full marks, the starter few, and each
plausible mistake loses the points of the check that is about that mistake (and only those).

Every grading run is a child `pytest` process, as a student would run it (tests/support.py).
Mistakes in the handler are graded with the in-process checks only (-k "not deploy"), mistakes in
deploy.sh with the deploy checks only (-k deploy), which keeps this file to about a minute and a half.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path
from types import ModuleType

import pytest
from support import REPO, GradeRun, copy_exercise, run_graders

from graders.settings import tomllib

LAB = "labs/lab1_inventory_status"
LAB_ID = "lab1"
VARIANTS = Path(__file__).resolve().parent / "lab1_variants"
HANDLER_ONLY = ("-k", "not deploy")
DEPLOY_ONLY = ("-k", "deploy")

IMPORTS = "test_the_handler_module_imports"
OK_200 = "test_a_known_sku_returns_200_with_json_content_type"
BODY = "test_the_200_body_has_the_item_fields_with_integer_numbers"
BOUNDARIES = "test_the_stock_status_is_right_at_every_boundary"
SERVER_ERROR = "test_a_missing_table_gives_a_safe_logged_500"
GET_ITEM = "test_the_item_is_read_with_get_item"
TABLE_FROM_ENV = "test_the_table_name_comes_from_inventory_table"
CLIENT_REUSE = "test_one_client_is_reused_across_invocations"
DEPLOY_RUNS = "test_deploy_sh_runs_and_creates_the_function"
DEPLOY_TWICE = "test_deploy_sh_can_run_again_and_updates_the_code"
DEPLOY_CONFIG = "test_deploy_sh_configures_the_table_role_and_function_as_specified"
DEPLOYED_WORKS = "test_the_deployed_function_answers_an_api_gateway_request"
DEPLOY_CHECKS = {DEPLOY_RUNS, DEPLOY_TWICE, DEPLOY_CONFIG, DEPLOYED_WORKS}


def load_grader() -> ModuleType:
    """The grader module itself, for its hint constants and markers (never run from here)."""
    spec = importlib.util.spec_from_file_location("lab1_grader_under_test", REPO / LAB / "test_lab1.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GRADER = load_grader()


def grade(code_root: Path, tmp_path: Path, *selection: str) -> GradeRun:
    return run_graders(LAB, "--code-root", str(code_root), *selection, report_dir=tmp_path / "reports")


def mutant(tmp_path: Path, filename: str, old: str, new: str, *, count: int = 1) -> Path:
    """A copy of the reference solution with one edit; returns the code root to grade."""
    root = tmp_path / "code"
    folder = copy_exercise(LAB, root)
    path = folder / filename
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, f"the reference {filename} changed: {old!r} found {text.count(old)} times"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return root


def assert_sane(run: GradeRun) -> None:
    """No harness error, and every check that did not pass tells the student what and why."""
    run.assert_sane(LAB_ID)


def assert_only_failure(run: GradeRun, check_id: str) -> dict:
    assert_sane(run)
    assert run.failed_checks(LAB_ID) == [check_id], run.output[-4000:]
    lab = run.exercise(LAB_ID)
    assert lab["points"] < lab["max"]
    return run.check(LAB_ID, check_id)


# ------------------------------------------------------------------------- full marks and starter


def test_the_reference_solution_gets_full_marks(tmp_path: Path) -> None:
    run = run_graders(LAB, "--solutions", report_dir=tmp_path / "reports")
    lab = run.exercise(LAB_ID)
    assert run.returncode == 0, run.output[-4000:]
    assert lab["points"] == lab["max"] == lab["declared_points"], run.output[-4000:]
    assert all(check["outcome"] == "passed" for check in lab["checks"])
    assert len(lab["checks"]) == 15


@pytest.mark.parametrize("variant", ["resource_dispatch", "client_deserializer"])
def test_a_differently_written_correct_solution_gets_full_marks(variant: str, tmp_path: Path) -> None:
    root = tmp_path / "code"
    shutil.copytree(VARIANTS / variant, root / LAB)
    run = grade(root, tmp_path)
    lab = run.exercise(LAB_ID)
    assert lab["points"] == lab["max"], run.output[-4000:]


def test_the_untouched_starter_scores_low_with_a_message_and_hint_for_every_failure(tmp_path: Path) -> None:
    run = run_graders(LAB, report_dir=tmp_path / "reports")
    assert_sane(run)
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
    text = (code / LAB / "inventory_status_lambda.py").read_text()
    (code / LAB / "inventory_status_lambda.py").write_text(text.replace('json.dumps(body)', 'json.dumps(body, default=str)'))
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
    assert_sane(run)
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
    assert_sane(run)
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
    assert "failed with Runtime.ImportModuleError: Unable to import module 'inventory_status_lambda'" in deployed["message"]


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
    assert check["outcome"] == "partial" and check["points"] == check["max"] / 2
    assert "to upload the new code" in check["message"]
    assert check["hint"] == GRADER.UPDATE_CODE_HINT


# ---------------------------------------------------------------------------------- the README


def _normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\\|", "|"))


def test_the_readme_shows_every_check_with_its_points_and_hint() -> None:
    readme = _normalized((REPO / LAB / "README.md").read_text(encoding="utf-8"))
    checks = [value for name, value in vars(GRADER).items() if name.startswith("test_") and callable(value)]
    assert len(checks) == 15
    for function in checks:
        marker = next(m for m in function.pytestmark if m.name == "points")
        title = function.__doc__.strip().splitlines()[0]
        assert _normalized(title) in readme, f"README lacks the check title {title!r}"
        assert _normalized(marker.kwargs["hint"]) in readme, f"README lacks the hint of {function.__name__}"


def test_the_declared_points_match_the_checks() -> None:
    manifest = tomllib.loads((REPO / "course.toml").read_text(encoding="utf-8"))
    declared = next(e["points"] for e in manifest["exercise"] if e["id"] == LAB_ID)
    checks = [value for name, value in vars(GRADER).items() if name.startswith("test_") and callable(value)]
    total = sum(next(m for m in f.pytestmark if m.name == "points").args[0] for f in checks)
    assert declared == total


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
