"""Tests of the Kata 5 grader: each plausible logging mistake loses the checks about it.

Full marks for the reference and the correct solutions (correct/: python-json-logger, Powertools), a low
starter and the README's check table are tests/exercises/test_every_exercise.py's. The mistakes here are
edits of the reference handler, or whole folders in wrong/, graded in a child `pytest` as a student
would run them (tests/grader_tests.py); each was written from the README alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from grader_tests import ExerciseUnderTest

KATA = ExerciseUnderTest("kata5")
KATA_ID = KATA.id
HANDLER = "inventory_status_lambda.py"

ANSWERS = "test_the_deployed_function_still_answers_as_lab_1s"
JSON = "test_every_line_is_one_json_object"
LEVEL = "test_every_line_has_its_level_and_a_message"
TIMESTAMP = "test_every_line_has_a_utc_iso_8601_timestamp"
REQUEST = "test_every_line_carries_the_request_id_and_function_name"
COLD = "test_cold_start_is_true_in_the_first_invocation_only"
SKU = "test_every_line_of_an_invocation_names_its_sku"
ERROR = "test_an_unexpected_error_is_logged_once_with_type_and_stack"
LOG_LEVEL = "test_log_level_sets_the_level"
SECRETS = "test_no_line_holds_a_secret_or_the_whole_event"
ALL = (ANSWERS, JSON, LEVEL, TIMESTAMP, REQUEST, COLD, SKU, ERROR, LOG_LEVEL, SECRETS)

GRADER = KATA.grader()
grade = KATA.grade
assert_only_failures = KATA.assert_only_failures

START = "    sku = start_invocation(event, context)  # Step 6: the event itself is never logged\n"
LOG_ERROR = '        logger.exception("inventory status lookup failed")\n'
UTC_STAMP = 'datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds")'


def mutant(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    return KATA.mutant(tmp_path, HANDLER, *edits)


def test_the_grader_has_exactly_the_checks_these_tests_name() -> None:
    assert [check.__name__ for check in KATA.checks()] == list(ALL)


def test_the_untouched_starter_keeps_only_the_answers(tmp_path: Path) -> None:
    run = KATA.grade_starter(tmp_path)
    assert_only_failures(run, *ALL[1:])
    assert "[INFO]" in run.check(KATA_ID, JSON)["message"]


# -------------------------------------------------------------------------------- one JSON object


def test_plain_text_logs_lose_every_check_that_reads_the_lines(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("for runtime_handler in logging.getLogger().handlers:\n    runtime_handler.setFormatter(JsonFormatter())\n", ""))
    failures = assert_only_failures(grade(code, tmp_path), JSON, LEVEL, TIMESTAMP, REQUEST, COLD, SKU, ERROR, LOG_LEVEL)
    assert "is not:\n'[DEBUG]" in failures[0]["message"], failures[0]["message"]
    assert failures[0]["hint"] == GRADER.JSON_HINT


def test_json_spread_over_several_lines_loses_only_the_one_line_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("json.dumps(line, default=str)", "json.dumps(line, default=str, indent=2)"))
    (check,) = assert_only_failures(grade(code, tmp_path), JSON)
    assert "spans" in check["message"] and "lines" in check["message"]


def test_a_json_logger_that_also_propagates_to_the_runtime_handler_writes_plain_copies(tmp_path: Path) -> None:
    code = KATA.other_solution(tmp_path, "wrong", "json_logger_propagates")
    json_check, error = assert_only_failures(grade(code, tmp_path), JSON, ERROR)
    assert "is not:\n'[" in json_check["message"]
    assert "to log its error once, in one line; 2 lines report it" in error["message"]


# ------------------------------------------------------------------------------------- the fields


def test_a_naive_local_timestamp_loses_only_the_timestamp_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, (UTC_STAMP, 'datetime.fromtimestamp(record.created).isoformat(timespec="milliseconds")'))
    (check,) = assert_only_failures(grade(code, tmp_path), TIMESTAMP)
    assert "UTC in ISO 8601 with its zone" in check["message"]


def test_an_epoch_number_for_a_timestamp_loses_only_the_timestamp_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, (UTC_STAMP, "record.created"))
    (check,) = assert_only_failures(grade(code, tmp_path), TIMESTAMP)
    assert check["hint"] == GRADER.TIMESTAMP_HINT


def test_powertools_without_rfc3339_loses_only_the_timestamp_check(tmp_path: Path) -> None:
    code = KATA.other_solution(tmp_path, "wrong", "powertools_default_timestamp")
    (check,) = assert_only_failures(grade(code, tmp_path), TIMESTAMP)
    assert "+0000" in check["message"]


@pytest.mark.parametrize(
    ("field_line", "message"),
    [
        ("        request_id=context.aws_request_id,\n", "to carry its request id"),
        ("        function_name=context.function_name,\n", '"function_name": \'inventory-status\''),
    ],
    ids=["request_id", "function_name"],
)
def test_a_line_without_the_request_id_or_function_name_loses_that_check(tmp_path: Path, field_line: str, message: str) -> None:
    (check,) = assert_only_failures(grade(mutant(tmp_path, (field_line, "")), tmp_path), REQUEST)
    assert message in check["message"]


def test_a_cold_start_flag_that_is_always_true_loses_only_the_cold_start_check(tmp_path: Path) -> None:
    (check,) = assert_only_failures(grade(mutant(tmp_path, ("    cold_start = False\n", "")), tmp_path), COLD)
    assert '"cold_start": false on every line of invocation 2' in check["message"]


def test_lines_without_the_sku_lose_only_the_sku_check(tmp_path: Path) -> None:
    (check,) = assert_only_failures(grade(mutant(tmp_path, ("        sku=sku,\n", "")), tmp_path), SKU)
    assert "no sku" in check["message"]


def test_fields_set_once_per_environment_carry_the_first_invocation_into_warm_ones(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("    invocation.clear()\n", "    if invocation:\n        return sku\n"))
    request, cold, sku = assert_only_failures(grade(code, tmp_path), REQUEST, COLD, SKU)
    assert "invocation 2" in request["message"] and "invocation 2" in sku["message"]


# ---------------------------------------------------------------------------------------- levels


def test_a_level_that_ignores_log_level_loses_only_the_log_level_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, ('logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())', "logger.setLevel(logging.INFO)"))
    (check,) = assert_only_failures(grade(code, tmp_path), LOG_LEVEL)
    assert check["outcome"] == "partial"
    assert "LOG_LEVEL=DEBUG" in check["message"] and "LOG_LEVEL=WARNING" in check["message"]
    assert "LOG_LEVEL not set" not in check["message"]  # INFO is right when nothing is set


def test_a_warning_logged_at_info_loses_the_warning_part_of_the_log_level_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, ('            logger.warning("invalid sku")\n', '            logger.info("invalid sku")\n'))
    (check,) = assert_only_failures(grade(code, tmp_path), LOG_LEVEL)
    assert "LOG_LEVEL=WARNING" in check["message"] and "LOG_LEVEL not set" not in check["message"]


# ----------------------------------------------------------------------------------------- errors


def test_an_error_logged_twice_loses_only_the_error_check(tmp_path: Path) -> None:
    twice = '        logger.error("inventory status lookup failed")\n        logger.exception("the stack")\n'
    (check,) = assert_only_failures(grade(mutant(tmp_path, (LOG_ERROR, twice)), tmp_path), ERROR)
    assert "2 lines report it" in check["message"]


def test_an_error_logged_without_its_stack_loses_only_the_error_check(tmp_path: Path) -> None:
    without_stack = '        logger.error("inventory status lookup failed")\n'
    (check,) = assert_only_failures(grade(mutant(tmp_path, (LOG_ERROR, without_stack)), tmp_path), ERROR)
    assert "to hold the stack" in check["message"]


def test_a_printed_traceback_is_not_json_and_not_the_error_line(tmp_path: Path) -> None:
    code = mutant(tmp_path, (LOG_ERROR, "        traceback.print_exc()\n"))
    json_check, error = assert_only_failures(grade(code, tmp_path), JSON, ERROR)
    assert "Traceback (most recent call last)" in json_check["message"]


def test_raising_again_after_logging_fails_the_answer_and_logs_the_error_twice(tmp_path: Path) -> None:
    code = mutant(tmp_path, (LOG_ERROR, LOG_ERROR + "        raise\n"))
    answers, json_check, error = assert_only_failures(grade(code, tmp_path), ANSWERS, JSON, ERROR)
    assert "(it raised again after logging)" in answers["message"]
    assert "2 lines report it" in error["message"]


# ---------------------------------------------------------------------------------------- secrets


def test_logging_the_headers_leaks_the_authorization_token(tmp_path: Path) -> None:
    headers = START + '    logger.info("request", extra={"fields": {"headers": event.get("headers")}})\n'
    (check,) = assert_only_failures(grade(mutant(tmp_path, (START, headers)), tmp_path), SECRETS)
    assert "holds the Authorization header" in check["message"]


def test_logging_the_whole_event_as_a_field_loses_only_the_secrets_check(tmp_path: Path) -> None:
    whole = START + '    logger.debug("event received", extra={"fields": {"event": {k: v for k, v in event.items() if "eaders" not in k}}})\n'
    (check,) = assert_only_failures(grade(mutant(tmp_path, (START, whole)), tmp_path), SECRETS)
    assert "to hold the whole event" in check["message"]


def test_printing_the_event_is_neither_json_nor_safe(tmp_path: Path) -> None:
    printed = START + "    print(event)\n"
    assert_only_failures(grade(mutant(tmp_path, (START, printed)), tmp_path), JSON, SECRETS)
