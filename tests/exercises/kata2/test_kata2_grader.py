"""Tests of the Kata 2 graders (core and extensions): the untouched starter fails at its first TODO and
gets nothing for the extensions, the extensions stay optional, and each plausible mistake loses the
points of the check about that mistake (and only those). Full marks for the reference and the correct
solutions, a low starter and the README's check tables are tests/exercises/test_every_exercise.py's.

Every grading run is a child `pytest` process on the whole kata folder, as a student would run it
(tests/grader_tests.py), so one run reports both exercises: kata2 (core) and kata2-ext (extensions).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from grader_tests import ExerciseUnderTest
from support import REPO, GradeRun

CORE = ExerciseUnderTest("kata2")
EXT = ExerciseUnderTest("kata2-ext")
MODULE = "order_manager.py"

# core checks
IMPORTS = "test_the_module_imports_and_defines_order_manager"
ROUND_TRIP = "test_a_stored_order_reads_back_unchanged"
NONE_WHEN_ABSENT = "test_get_order_returns_none_for_an_unknown_order"
DECIMAL_OUT = "test_get_order_returns_numbers_as_decimal"
MONEY = "test_money_is_stored_exactly"
VALIDATION = "test_an_invalid_order_is_refused_with_value_error"
DUPLICATE = "test_an_existing_order_is_refused_and_kept"
RACE = "test_a_concurrent_order_with_the_same_id_is_not_overwritten"
CONSISTENT = "test_get_order_reads_one_item_strongly_consistent"
ERRORS = "test_aws_errors_are_raised_not_swallowed"
TABLE_NAME = "test_the_table_name_comes_from_orders_table_or_the_argument"
ONE_RESOURCE = "test_one_dynamodb_resource_serves_every_call"
# extension checks
MOVES = "test_update_order_status_makes_every_allowed_move"
REFUSED = "test_update_order_status_refuses_a_move_that_is_not_allowed"
NOT_FOUND = "test_update_order_status_raises_order_not_found_and_creates_nothing"
ATOMIC = "test_a_status_change_is_atomic"
LIST_EXACT = "test_list_orders_for_customer_returns_exactly_that_customers_orders"
PAGES = "test_list_orders_for_customer_reads_every_page"
GSI = "test_list_orders_for_customer_queries_the_gsi"
EXT_ERRORS = "test_extension_aws_errors_are_raised_not_swallowed"


CORE_GRADER = CORE.grader()
EXT_GRADER = EXT.grader()
grade = CORE.grade  # the kata folder: both graders


def mutant(tmp_path: Path, *edits: tuple[str, str], count: int = 1) -> Path:
    return CORE.mutant(tmp_path, MODULE, *edits, count=count)


def with_method(tmp_path: Path, name: str, source: str) -> Path:
    """The reference solution with one method of OrderManager replaced by ``source`` (indented as a method)."""
    root = mutant(tmp_path)
    path = root / CORE.folder / MODULE
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(rf"\n    def {name}\(.*?(?=\n    def |\Z)", re.DOTALL)
    assert pattern.search(text), f"the reference {MODULE} has no method {name}"
    path.write_text(pattern.sub(lambda _: "\n" + source.rstrip() + "\n", text, count=1), encoding="utf-8")
    return root


def assert_sane(run: GradeRun) -> None:
    CORE.assert_sane(run)
    EXT.assert_sane(run)


def assert_only_failures(run: GradeRun, core: list[str], ext: list[str]) -> None:
    CORE.assert_only_failures(run, *core)
    EXT.assert_only_failures(run, *ext)


# ---------------------------------------------------------------- the starter and the extensions


def test_the_extensions_are_optional_and_left_out_of_the_course_total(tmp_path: Path) -> None:
    run = CORE.grade_reference(tmp_path)
    for exercise, count in ((CORE, 12), (EXT, 8)):
        assert len(run.exercise(exercise.id)["checks"]) == count
    assert run.exercise(EXT.id)["optional"] is True
    assert run.report is not None
    assert run.report["totals"]["max"] == run.exercise(CORE.id)["max"]  # the extensions stay out of the total
    assert run.report["totals"]["optional_max"] == run.exercise(EXT.id)["max"]


def test_the_untouched_starter_fails_at_todo_1_blocks_the_race_check_and_gets_nothing_for_the_extensions(
    tmp_path: Path,
) -> None:
    run = CORE.grade_starter(tmp_path)
    assert_sane(run)
    core, ext = run.exercise(CORE.id), run.exercise(EXT.id)
    assert core["points"] < core["max"] / 4, core["points"]
    assert ext["points"] == 0
    assert run.check(CORE.id, IMPORTS)["outcome"] == "passed"
    assert "NotImplementedError: TODO 1" in run.check(CORE.id, ROUND_TRIP)["message"]
    assert "README step 1" in run.check(CORE.id, ROUND_TRIP)["message"]
    assert run.check(CORE.id, RACE)["outcome"] == "blocked"


def test_course_grade_kata2_grades_the_kata_only_and_kata2_ext_the_extensions_only(tmp_path: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "COURSE_"))}
    for exercise_id, checks in ((CORE.id, 12), (EXT.id, 8)):
        report_dir = tmp_path / exercise_id
        done = subprocess.run(
            [sys.executable, "-m", "harness.cli", "grade", exercise_id, "--solutions", "--report-dir", str(report_dir)],
            check=False,
            cwd=REPO,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        report = json.loads((report_dir / "grade-report.json").read_text())
        assert [exercise["id"] for exercise in report["exercises"]] == [exercise_id]
        assert len(report["exercises"][0]["checks"]) == checks


# ---------------------------------------------------------------------------- mistakes in the core


def test_a_put_without_condition_loses_the_duplicate_check_and_blocks_the_race_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        ('Item=to_dynamodb(order), ConditionExpression=Attr("order_id").not_exists()', "Item=to_dynamodb(order)"),
    )
    run = grade(code, tmp_path)
    assert_only_failures(run, [DUPLICATE, RACE], [])
    duplicate = run.check(CORE.id, DUPLICATE)
    assert "the existing order was overwritten" in duplicate["message"]
    assert duplicate["hint"] == CORE_GRADER.DUPLICATE_HINT
    assert run.check(CORE.id, RACE)["outcome"] == "blocked"


READ_THEN_WRITE_PUT = """
    def put_order(self, order):
        validate_order(order)
        if self.get_order(order["order_id"]) is not None:
            raise OrderAlreadyExistsError(f"order {order['order_id']} already exists")
        self.table.put_item(Item=to_dynamodb(order))
"""


def test_a_read_then_write_put_loses_only_the_race_check(tmp_path: Path) -> None:
    run = grade(with_method(tmp_path, "put_order", READ_THEN_WRITE_PUT), tmp_path)
    assert_only_failures(run, [RACE], [])
    check = run.check(CORE.id, RACE)
    assert check["outcome"] == "failed" and check["points"] == 0
    assert "ORD-2001 now belongs to 'C-100': the other order was overwritten" in check["message"]
    assert "your code read first and saw no order, then wrote without a condition" in check["message"]
    assert check["hint"] == CORE_GRADER.RACE_HINT


def test_decimal_of_a_float_loses_only_the_float_case_of_the_money_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("return Decimal(str(value))", "return Decimal(value)"))
    run = grade(code, tmp_path)
    assert_only_failures(run, [MONEY], [])
    check = run.check(CORE.id, MONEY)
    assert check["outcome"] == "partial" and check["message"].startswith("5 of 7 cases passed")
    assert "unit_price 19.99 and total 59.97 as floats" in check["message"]
    assert check["hint"] == CORE_GRADER.MONEY_HINT


def test_floats_passed_to_boto3_lose_only_the_float_case_of_the_money_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("Item=to_dynamodb(order)", "Item=order"))
    run = grade(code, tmp_path)
    assert_only_failures(run, [MONEY], [])
    check = run.check(CORE.id, MONEY)
    assert check["outcome"] == "partial"
    assert "Float types are not supported" in check["message"]


def test_an_eventually_consistent_read_loses_part_of_the_read_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, ('Key={"order_id": order_id}, ConsistentRead=True', 'Key={"order_id": order_id}'))
    run = grade(code, tmp_path)
    assert_only_failures(run, [CONSISTENT], [])
    check = run.check(CORE.id, CONSISTENT)
    assert check["outcome"] == "partial"
    assert "ConsistentRead=True: expected every read made by get_order('ORD-1001')" in check["message"]
    assert "it called: GetItem" in check["message"]


SCAN_GET = """
    def get_order(self, order_id):
        matches = self.table.scan(FilterExpression=Attr("order_id").eq(order_id))["Items"]
        return matches[0] if matches else None
"""


def test_a_scan_in_get_order_loses_only_the_read_check(tmp_path: Path) -> None:
    run = grade(with_method(tmp_path, "get_order", SCAN_GET), tmp_path)
    assert_only_failures(run, [CONSISTENT], [])
    check = run.check(CORE.id, CONSISTENT)
    assert check["outcome"] == "failed"
    assert "it called: Scan" in check["message"]


def test_numbers_returned_as_floats_lose_only_the_decimal_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        (
            '        return answer.get("Item")\n',
            (
                '        import json\n        item = answer.get("Item")\n'
                "        return None if item is None else json.loads(json.dumps(item, default=float))\n"
            ),
        ),
    )
    run = grade(code, tmp_path)
    assert_only_failures(run, [DECIMAL_OUT], [])
    assert "total is the float 64.22" in run.check(CORE.id, DECIMAL_OUT)["message"]


def test_an_empty_dict_for_a_missing_order_loses_only_the_none_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, ('return answer.get("Item")', 'return answer.get("Item", {})'))
    run = grade(code, tmp_path)
    assert_only_failures(run, [NONE_WHEN_ABSENT], [])
    assert "it returned {}" in run.check(CORE.id, NONE_WHEN_ABSENT)["message"]


def test_a_get_order_that_swallows_client_errors_loses_part_of_the_errors_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        (
            '        answer = self.table.get_item(Key={"order_id": order_id}, ConsistentRead=True)\n',
            (
                '        try:\n            answer = self.table.get_item(Key={"order_id": order_id}, ConsistentRead=True)\n'
                "        except ClientError:\n            return None\n"
            ),
        ),
    )
    run = grade(code, tmp_path)
    assert_only_failures(run, [ERRORS], [])
    check = run.check(CORE.id, ERRORS)
    assert check["outcome"] == "partial"
    assert "the caller cannot tell a failed read from a missing order" in check["message"]


def test_every_client_error_taken_for_a_duplicate_loses_part_of_the_errors_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, ('if error.response["Error"]["Code"] == "ConditionalCheckFailedException":', "if True:"))
    run = grade(code, tmp_path)
    assert_only_failures(run, [ERRORS], [])
    check = run.check(CORE.id, ERRORS)
    assert check["outcome"] == "partial"
    assert "it raised OrderAlreadyExistsError, which tells the caller the order exists" in check["message"]


def test_a_hard_coded_table_name_loses_part_of_the_table_name_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, ('table_name or os.environ["ORDERS_TABLE"]', 'table_name or "Orders"'))
    run = grade(code, tmp_path)
    assert_only_failures(run, [TABLE_NAME], [])
    check = run.check(CORE.id, TABLE_NAME)
    assert check["outcome"] == "partial"
    assert "OrderManager() with ORDERS_TABLE=OrdersFromEnvironment" in check["message"]


def test_an_ignored_table_name_argument_loses_part_of_the_table_name_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, ('table_name or os.environ["ORDERS_TABLE"]', 'os.environ["ORDERS_TABLE"]'))
    run = grade(code, tmp_path)
    assert_only_failures(run, [TABLE_NAME], [])
    check = run.check(CORE.id, TABLE_NAME)
    assert check["outcome"] == "partial"
    assert "OrderManager('OrdersFromArgument')" in check["message"]


def test_an_order_without_items_accepted_loses_part_of_the_validation_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        ("if not isinstance(items, list) or not items:", "if items is not None and not isinstance(items, list):"),
    )
    run = grade(code, tmp_path)
    assert_only_failures(run, [VALIDATION], [])
    check = run.check(CORE.id, VALIDATION)
    assert check["outcome"] == "partial" and check["message"].startswith("6 of 8 cases passed")
    assert "items []: expected put_order with items [] to raise ValueError; it returned None" in check["message"]


def test_a_syntax_error_fails_the_import_check_and_blocks_the_rest_of_the_kata(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("def get_order(self, order_id):", "def get_order(self, order_id)"))
    run = grade(code, tmp_path)
    assert_sane(run)
    check = run.check(CORE.id, IMPORTS)
    assert check["outcome"] == "failed"
    assert re.search(r"katas/kata2_dynamodb/order_manager\.py has a syntax error on line \d+", check["message"])
    others = {c["id"] for c in run.exercise(CORE.id)["checks"]} - {IMPORTS}
    assert {run.check(CORE.id, c)["outcome"] for c in others} == {"blocked"}
    assert {c["outcome"] for c in run.exercise(EXT.id)["checks"]} == {"failed"}  # each names the syntax error


# ----------------------------------------------------------------------- mistakes in the extensions


def test_returning_only_the_updated_attributes_loses_only_the_moves_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, ('ReturnValues="ALL_NEW"', 'ReturnValues="UPDATED_NEW"'))
    run = grade(code, tmp_path)
    assert_only_failures(run, [], [MOVES])
    check = run.check(EXT.id, MOVES)
    assert "to return the whole updated order" in check["message"]
    assert check["hint"] == EXT_GRADER.UPDATE_HINT


def test_a_plain_value_error_for_an_unreachable_status_loses_part_of_the_refusal_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        ('raise InvalidStatusTransitionError(f"no order may move to', 'raise ValueError(f"no order may move to'),
    )
    run = grade(code, tmp_path)
    assert_only_failures(run, [], [REFUSED])
    check = run.check(EXT.id, REFUSED)
    assert check["outcome"] == "partial" and check["message"].startswith("4 of 6 cases passed")
    assert "SHIPPED -> PLACED (backwards)" in check["message"] and "PAID -> LOST (not a status)" in check["message"]


def test_a_missing_order_reported_as_a_wrong_move_loses_the_not_found_checks(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        (
            'raise OrderNotFoundError(f"order {order_id} does not exist")',
            "raise InvalidStatusTransitionError(order_id)",
        ),
    )
    run = grade(code, tmp_path)
    assert_only_failures(run, [], [NOT_FOUND, ATOMIC])
    assert (
        "Expected update_order_status('ORD-4040', 'PAID') (the table holds only ORD-1001) to raise OrderNotFoundError"
        in run.check(EXT.id, NOT_FOUND)["message"]
    )
    atomic = run.check(EXT.id, ATOMIC)
    assert atomic["outcome"] == "partial" and atomic["message"].startswith("2 of 3 cases passed")
    assert "the order is deleted just before your write" in atomic["message"]


READ_THEN_UPDATE = """
    def update_order_status(self, order_id, new_status):
        current = self.get_order(order_id)
        if current is None:
            raise OrderNotFoundError(order_id)
        if new_status not in ALLOWED_TRANSITIONS[current["status"]]:
            raise InvalidStatusTransitionError(f"{current['status']} -> {new_status}")
        return self.table.update_item(
            Key={"order_id": order_id},
            UpdateExpression="SET #s = :new",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":new": new_status},
            ReturnValues="ALL_NEW",
        )["Attributes"]
"""


def test_a_read_then_update_loses_only_the_atomic_cases_it_races(tmp_path: Path) -> None:
    run = grade(with_method(tmp_path, "update_order_status", READ_THEN_UPDATE), tmp_path)
    assert_only_failures(run, [], [ATOMIC])
    check = run.check(EXT.id, ATOMIC)
    assert check["outcome"] == "partial" and check["message"].startswith("1 of 3 cases passed")
    assert "the order is now PAID: the cancel was overwritten" in check["message"]
    assert "the table now holds a new item" in check["message"]
    assert check["hint"] == EXT_GRADER.ATOMIC_HINT


PUT_BACK_WHOLE_ITEM = """
    def update_order_status(self, order_id, new_status):
        for _ in range(3):
            current = self.get_order(order_id)
            if current is None:
                raise OrderNotFoundError(order_id)
            if new_status not in ALLOWED_TRANSITIONS.get(current.get("status"), ()):
                raise InvalidStatusTransitionError(f"{current.get('status')} -> {new_status}")
            updated = {**current, "status": new_status}
            try:
                self.table.put_item(
                    Item=updated,
                    ConditionExpression=Attr("status").eq(current["status"]),
                )
                return updated
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
        raise OrderError("the order keeps changing")
"""


def test_writing_the_whole_item_back_loses_only_the_concurrent_edit_case(tmp_path: Path) -> None:
    run = grade(with_method(tmp_path, "update_order_status", PUT_BACK_WHOLE_ITEM), tmp_path)
    assert_only_failures(run, [], [ATOMIC])
    check = run.check(EXT.id, ATOMIC)
    assert check["outcome"] == "partial" and check["message"].startswith("2 of 3 cases passed"), check["message"]
    assert "the whole item was written back over the other change" in check["message"]


def test_money_rounded_to_cents_on_the_way_in_loses_only_the_sub_cent_cases_of_the_money_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("        return Decimal(str(value))", '        return Decimal(str(value)).quantize(Decimal("0.01"))'))
    run = grade(code, tmp_path, "-k", "money")
    CORE.assert_only_failures(run, MONEY)
    check = run.check(CORE.id, MONEY)
    assert check["outcome"] == "partial" and "unit_price 0.125 and total 0.375 as floats" in check["message"], check


def test_a_resource_made_in_every_method_loses_only_the_one_resource_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        ('        self.table = boto3.resource("dynamodb").Table(self.table_name)\n',
         '\n    @property\n    def table(self):\n        return boto3.resource("dynamodb").Table(self.table_name)\n'),
    )
    run = grade(code, tmp_path, "-k", "one_dynamodb_resource or reads_back or consistent")
    CORE.assert_only_failures(run, ONE_RESOURCE)
    assert "came from 4 different boto3 clients" in run.check(CORE.id, ONE_RESOURCE)["message"]


def test_a_single_query_loses_only_the_pagination_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, ('            if "LastEvaluatedKey" not in page:', "            if True:"))
    run = grade(code, tmp_path)
    assert_only_failures(run, [], [PAGES])
    check = run.check(EXT.id, PAGES)
    assert "to return all 7 orders" in check["message"] and "got 3:" in check["message"]
    assert "Query(IndexName=customer_id-index)" in check["message"]
    assert check["hint"] == EXT_GRADER.PAGES_HINT


def test_a_pagination_loop_without_exclusive_start_key_is_stopped_quickly(tmp_path: Path) -> None:
    code = mutant(tmp_path, ('request["ExclusiveStartKey"] = page["LastEvaluatedKey"]', "pass"))
    run = grade(code, tmp_path)
    assert_only_failures(run, [], [PAGES])
    check = run.check(EXT.id, PAGES)
    assert "made more than 60 DynamoDB calls without ending" in check["message"]
    assert check["duration"] < 10


SCAN_LIST = """
    def list_orders_for_customer(self, customer_id):
        request = {"FilterExpression": Attr("customer_id").eq(customer_id)}
        orders = []
        while True:
            page = self.table.scan(**request)
            orders.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                return orders
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
"""


def test_a_paginated_scan_loses_only_the_gsi_check(tmp_path: Path) -> None:
    run = grade(with_method(tmp_path, "list_orders_for_customer", SCAN_LIST), tmp_path)
    assert_only_failures(run, [], [GSI])
    assert "it called: Scan." in run.check(EXT.id, GSI)["message"]


def test_a_list_that_swallows_client_errors_loses_part_of_the_extension_errors_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        (
            "            page = self.table.query(**request)\n",
            "            try:\n                page = self.table.query(**request)\n            except ClientError:\n                return []\n",
        ),
    )
    run = grade(code, tmp_path)
    assert_only_failures(run, [], [EXT_ERRORS])
    check = run.check(EXT.id, EXT_ERRORS)
    assert check["outcome"] == "partial"
    assert "the caller would take it for a customer without orders" in check["message"]


# ------------------------------------------------------------------------------ the two graders


def test_both_graders_watch_dynamodb_with_the_shared_kit() -> None:
    from harness.kit import dynamodb_calls

    assert CORE_GRADER.DynamoSpy is EXT_GRADER.DynamoSpy is dynamodb_calls.DynamoSpy


# ------------------------------------------------------------------ the failure the docs show


def test_a_read_then_write_race_prints_exactly_the_failure_the_readme_shows(tmp_path: Path) -> None:
    run = grade(
        with_method(tmp_path, "put_order", READ_THEN_WRITE_PUT), tmp_path, "-k", "concurrent or existing or imports"
    )
    check = run.check(CORE.id, RACE)
    shown = "\n".join(
        [f"DynamoDB orders › {check['title']}", check["message"], f"Hint: {check['hint']}", f"Read: {check['read']}"]
    )
    lines = [line.strip() for line in (REPO / CORE.folder / "README.md").read_text(encoding="utf-8").splitlines()]
    start = lines.index(f"DynamoDB orders › {check['title']}  (0/3)")
    shown_in_readme = "\n".join([lines[start].removesuffix("  (0/3)"), *lines[start + 1 : start + 4]])
    assert shown_in_readme == shown, "the README shows a different failure than the grader prints"


def test_raising_from_none_loses_the_duplicate_part_of_the_errors_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("already exists\") from error", "already exists\") from None"))
    run = grade(code, tmp_path)
    assert_only_failures(run, [ERRORS], [])
    check = run.check(CORE.id, ERRORS)
    assert check["outcome"] == "partial"
    assert "without the ClientError in its chain" in check["message"], check["message"]


def test_floats_converted_only_one_level_into_items_lose_the_nested_case_of_the_money_check(tmp_path: Path) -> None:
    one_level = "return [{k: Decimal(str(v)) if isinstance(v, float) else v for k, v in inner.items()} for inner in value]"
    code = mutant(tmp_path, ("return [to_dynamodb(inner) for inner in value]", one_level))
    run = grade(code, tmp_path)
    assert_only_failures(run, [MONEY], [])
    check = run.check(CORE.id, MONEY)
    assert check["message"].startswith("6 of 7 cases passed"), check["message"]
    assert "a float in a map inside an item" in check["message"], check["message"]
