"""Tests of the Lab 6 grader: each plausible mistake in the metric, the alarm, the circuit breaker or the
cold-start script loses the checks about it.

Full marks for the reference and the correct solutions (correct/), a low starter and the README's check
table are tests/exercises/test_every_exercise.py's. Every mistake here is an edit of the reference,
written from the README alone, graded in a child `pytest` as a student would run it
(tests/grader_tests.py); each run selects only the checks the edited file concerns.
"""

from __future__ import annotations

from pathlib import Path

from grader_tests import ExerciseUnderTest

LAB = ExerciseUnderTest("lab6")
LAB_ID = LAB.id

METRIC = "test_the_function_counts_each_stored_order_in_orders_processed"
RUNS = "test_setup_alarm_sh_runs_and_creates_the_topic_and_the_alarm"
CONFIG = "test_the_alarm_watches_the_functions_errors_as_the_readme_says"
TIMELINE = "test_the_alarm_follows_the_functions_failures_and_notifies_the_topic"
IMPORTS = "test_circuit_breaker_defines_the_breaker_and_its_error"
OPENS = "test_the_circuit_opens_after_the_configured_failures_in_a_row"
FAST = "test_an_open_circuit_fails_fast_without_calling_the_function"
HALF_OPEN = "test_after_the_reset_timeout_one_trial_call_closes_or_opens_the_circuit"
RANDOM = "test_random_call_sequences_behave_like_the_model"
COLD = "test_cold_starts_py_reads_cold_starts_and_p95_init_duration_from_the_report_lines"
PAGES = "test_cold_starts_py_reads_every_page_of_the_log"
PROVISION = "test_provision_sh_gives_live_provisioned_environments_that_start_warm"
XRAY = "test_each_stored_order_is_traced_in_an_annotated_store_order_subsegment"
XRAY_LAB = ExerciseUnderTest("lab6-xray")
ALARM_CHECKS = (RUNS, CONFIG, TIMELINE)
BREAKER_CHECKS = (IMPORTS, OPENS, FAST, HALF_OPEN, RANDOM)

grade_only = LAB.grade_only
assert_only_failures = LAB.assert_only_failures

FUNCTION = "function/order_processor.py"
STORE_AND_COUNT = "        store_order(order)\n        record_order_processed()\n"
ALARM_LINE = "  --statistic Sum --period 60 --evaluation-periods 3 --datapoints-to-alarm 2 \\\n"
MISSING_LINE = "  --treat-missing-data notBreaching \\\n"
P95_LINE = "    return ordered[math.ceil(0.95 * len(ordered)) - 1]\n"


def mutant(tmp_path: Path, filename: str, *edits: tuple[str, str]) -> Path:
    return LAB.mutant(tmp_path, filename, *edits)


def test_the_grader_has_exactly_the_checks_these_tests_name() -> None:
    assert [check.__name__ for check in LAB.checks()] == [METRIC, *ALARM_CHECKS, *BREAKER_CHECKS, COLD, PAGES, PROVISION]
    assert [check.__name__ for check in XRAY_LAB.checks()] == [XRAY]


# ---------------------------------------------------------------------------------------- the metric


def test_a_metric_per_invocation_instead_of_per_order_loses_the_metric_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path, FUNCTION,
        (STORE_AND_COUNT, "        store_order(order)\n"),
        ('    return {"processed": len(orders)}', '    record_order_processed()\n    return {"processed": len(orders)}'),
    )
    (metric,) = assert_only_failures(grade_only(code, tmp_path, METRIC), METRIC)
    assert "to sum to 3 after one invocation with 3 orders; it sums to 1" in metric["message"]
    assert "it grew by 0" in metric["message"]


def test_counting_an_order_before_it_is_stored_counts_the_failing_one(tmp_path: Path) -> None:
    code = mutant(tmp_path, FUNCTION, (STORE_AND_COUNT, "        record_order_processed()\n        store_order(order)\n"))
    (metric,) = assert_only_failures(grade_only(code, tmp_path, METRIC), METRIC)
    assert metric["outcome"] == "partial" and "it grew by 3" in metric["message"]


def test_a_metric_without_its_unit_loses_the_unit_part(tmp_path: Path) -> None:
    code = mutant(tmp_path, FUNCTION, (', "Value": 1, "Unit": "Count"}', ', "Value": 1}'))
    (metric,) = assert_only_failures(grade_only(code, tmp_path, METRIC), METRIC)
    assert "have the unit Count; they have ['None']" in metric["message"]


def test_a_metric_with_another_dimension_is_another_metric(tmp_path: Path) -> None:
    code = mutant(tmp_path, FUNCTION, ('[{"Name": "Service", "Value": "order-processor"}]', '[{"Name": "FunctionName", "Value": "order-processor"}]'))
    (metric,) = assert_only_failures(grade_only(code, tmp_path, METRIC), METRIC)
    assert "PartsUnlimited/Orders OrdersProcessed {FunctionName=order-processor}" in metric["message"]


# ----------------------------------------------------------------------------------------- the alarm


def alarm(tmp_path: Path, *edits: tuple[str, str]) -> tuple[dict, dict]:
    """The reference with setup_alarm.sh edited: the configuration check and the timeline's, both lost."""
    code = mutant(tmp_path, "setup_alarm.sh", *edits)
    config, timeline = assert_only_failures(grade_only(code, tmp_path, *ALARM_CHECKS), CONFIG, TIMELINE)
    return config, timeline


def test_an_alarm_on_invocations_trips_on_healthy_traffic(tmp_path: Path) -> None:
    config, timeline = alarm(tmp_path, ("--metric-name Errors", "--metric-name Invocations"))
    assert "the alarm watches ('AWS/Lambda', 'Invocations'" in config["message"]
    assert "two minutes of 6 successful invocations each (Errors 0); it is ALARM" in timeline["message"]


def test_an_alarm_on_the_sample_count_of_errors_counts_every_invocation(tmp_path: Path) -> None:
    config, timeline = alarm(tmp_path, ("--statistic Sum", "--statistic SampleCount"))
    assert "the alarm has SampleCount over 60 s" in config["message"]
    assert "OK after two healthy minutes: Expected the alarm OK" in timeline["message"]


def test_an_alarm_on_the_average_of_errors_never_fires(tmp_path: Path) -> None:
    config, timeline = alarm(tmp_path, ("--statistic Sum", "--statistic Average"))
    assert "after two minutes with 5 failing invocations each; it is OK" in timeline["message"]
    assert "it was never in ALARM" in timeline["message"]


def test_treating_missing_data_as_breaching_pages_on_a_quiet_night(tmp_path: Path) -> None:
    config, timeline = alarm(tmp_path, (MISSING_LINE, "  --treat-missing-data breaching \\\n"))
    assert "the alarm has breaching" in config["message"]
    assert "after three minutes without invocations; it is ALARM" in timeline["message"]
    assert timeline["hint"].startswith("A minute without invocations has no Errors datapoint")


def test_leaving_missing_data_as_missing_stays_insufficient_data(tmp_path: Path) -> None:
    config, timeline = alarm(tmp_path, (MISSING_LINE, ""))
    assert "without invocations; it is INSUFFICIENT_DATA" in timeline["message"]


def test_alarming_on_one_bad_minute_loses_the_alarm_check(tmp_path: Path) -> None:
    config, timeline = alarm(tmp_path, (ALARM_LINE, "  --statistic Sum --period 60 --evaluation-periods 1 \\\n"))
    assert "in 1 of 1 periods" in config["message"]
    assert "not in ALARM after one minute with 5 failing invocations" in timeline["message"]


def test_a_strict_threshold_of_5_misses_5_errors(tmp_path: Path) -> None:
    config, timeline = alarm(tmp_path, ("GreaterThanOrEqualToThreshold", "GreaterThanThreshold"))
    assert "GreaterThanThreshold 5 in 2 of 3 periods" in config["message"]
    assert "after two minutes with 5 failing invocations each; it is OK" in timeline["message"]


def test_an_alarm_without_ok_actions_never_says_it_recovered(tmp_path: Path) -> None:
    config, timeline = alarm(tmp_path, (' --ok-actions "$TOPIC_ARN"', ""))
    assert timeline["outcome"] == "partial" and "Expected an OK notification" in timeline["message"]


def test_an_alarm_with_no_actions_notifies_nobody(tmp_path: Path) -> None:
    config, timeline = alarm(
        tmp_path,
        ('  --alarm-actions "$TOPIC_ARN" --ok-actions "$TOPIC_ARN"\n', "\n"),
        (MISSING_LINE, MISSING_LINE.rstrip(" \\\n") + "\n"),
    )
    assert "Expected an ALARM notification" in timeline["message"] and "it received nothing" in timeline["message"]


# ------------------------------------------------------------------------------- the circuit breaker


BREAKER = "circuit_breaker.py"
ON_FAILURE = "        if trial or self._failures >= self.failure_threshold:\n"
SUCCESS = "        self._state, self._failures = CLOSED, 0\n        return result\n"


def test_a_breaker_that_never_half_opens_keeps_failing_fast(tmp_path: Path) -> None:
    code = mutant(tmp_path, BREAKER, ("if self._state == OPEN and self.clock() - self._opened_at >= self.reset_timeout:", "if False:"))
    half_open, random_ = assert_only_failures(grade_only(code, tmp_path, *BREAKER_CHECKS), HALF_OPEN, RANDOM)
    assert "clock +30 s: expected state HALF_OPEN; got state OPEN" in half_open["message"]
    assert "Random sequence with seed 6006" in random_["message"]


def test_a_breaker_that_counts_successes_as_failures_opens_too_soon(tmp_path: Path) -> None:
    code = mutant(tmp_path, BREAKER, (SUCCESS, "        self._on_failure(trial=False)\n        return result\n"))
    run = grade_only(code, tmp_path, *BREAKER_CHECKS)
    opens, *_ = assert_only_failures(run, OPENS, HALF_OPEN, RANDOM)
    assert "a call that succeeds" in opens["message"] and "state OPEN" in opens["message"]


def test_a_breaker_that_opens_on_the_first_failure_loses_the_opening_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, BREAKER, (ON_FAILURE, "        if True:\n"))
    # every later sequence opens with failure_threshold failures, so the later checks part from the model too
    opens, *_ = assert_only_failures(grade_only(code, tmp_path, *BREAKER_CHECKS), OPENS, FAST, HALF_OPEN, RANDOM)
    assert "On a call that fails: expected raised (the function called), state CLOSED; got raised (the function called), state OPEN" in opens["message"]


def test_a_breaker_that_reads_the_wall_clock_never_half_opens_on_the_graders_clock(tmp_path: Path) -> None:
    code = mutant(tmp_path, BREAKER, ("self.clock = clock", "self.clock = time.monotonic"))
    assert_only_failures(grade_only(code, tmp_path, *BREAKER_CHECKS), HALF_OPEN, RANDOM)


def test_a_breaker_that_lets_several_trial_calls_fail_before_opening_again(tmp_path: Path) -> None:
    # HALF_OPEN starts a new count, and only failure_threshold failed trials open the circuit again
    code = mutant(
        tmp_path, BREAKER,
        (ON_FAILURE, "        if self._failures >= self.failure_threshold:\n"),
        ("            self._state = HALF_OPEN\n", "            self._state, self._failures = HALF_OPEN, 0\n"),
    )
    half_open, random_ = assert_only_failures(grade_only(code, tmp_path, *BREAKER_CHECKS), HALF_OPEN, RANDOM)
    assert "expected raised (the function called), state OPEN" in half_open["message"]


def test_a_breaker_that_lets_a_second_call_through_during_the_trial(tmp_path: Path) -> None:
    code = mutant(tmp_path, BREAKER, ("if state == OPEN or (state == HALF_OPEN and self._trial_running):", "if state == OPEN:"))
    (half_open,) = assert_only_failures(grade_only(code, tmp_path, *BREAKER_CHECKS), HALF_OPEN)
    assert "the call made meanwhile returned (the function called)" in half_open["message"]


def test_a_breaker_that_restarts_the_timeout_from_its_first_opening(tmp_path: Path) -> None:
    code = mutant(tmp_path, BREAKER, (
        "            self._state, self._opened_at = OPEN, self.clock()\n",
        "            self._opened_at = self._opened_at if trial else self.clock()\n            self._state = OPEN\n",
    ))
    half_open, random_ = assert_only_failures(grade_only(code, tmp_path, *BREAKER_CHECKS), HALF_OPEN, RANDOM)


# -------------------------------------------------------------------------------------- cold starts


def cold(tmp_path: Path, *edits: tuple[str, str]) -> dict:
    (check,) = assert_only_failures(grade_only(mutant(tmp_path, "cold_starts.py", *edits), tmp_path, COLD), COLD)
    return check


def test_the_maximum_init_duration_is_not_the_p95(tmp_path: Path) -> None:
    check = cold(tmp_path, (P95_LINE, "    return ordered[-1]\n"))
    assert check["outcome"] == "partial" and "'p95_init_ms': 412.08" in check["message"] and "640.55" in check["message"]


def test_a_p95_one_rank_too_high_is_wrong(tmp_path: Path) -> None:
    check = cold(tmp_path, (P95_LINE, "    return ordered[min(int(0.95 * len(ordered)), len(ordered) - 1)]\n"))
    assert check["outcome"] == "partial"


def test_the_mean_init_duration_is_not_the_p95(tmp_path: Path) -> None:
    check = cold(tmp_path, (P95_LINE, "    return sum(ordered) / len(ordered)\n"))
    assert check["outcome"] == "failed"


def test_duration_instead_of_init_duration_loses_the_check(tmp_path: Path) -> None:
    check = cold(tmp_path, ('INIT_DURATION = re.compile(r"Init Duration: ([0-9.]+) ms")', 'INIT_DURATION = re.compile(r"\\tDuration: ([0-9.]+) ms")'))
    assert check["outcome"] == "failed"


def test_counting_every_log_line_as_an_invocation_loses_the_check(tmp_path: Path) -> None:
    check = cold(tmp_path, (' if event["message"].startswith("REPORT RequestId:")', ""), ("filterPattern='\"REPORT RequestId\"'", "filterPattern=''"))
    assert check["outcome"] == "failed"


def test_reading_the_first_page_only_loses_the_pages_check(tmp_path: Path) -> None:
    """README step 7: "through every page"; moto's one page of 10,000 events hides the mistake, short pages do not."""
    code = mutant(tmp_path, "cold_starts.py", (
        '    for page in logs.get_paginator("filter_log_events").paginate(\n'
        """        logGroupName=f"/aws/lambda/{function_name}", filterPattern='"REPORT RequestId"'\n    ):\n""",
        '    for page in [logs.filter_log_events(\n'
        """        logGroupName=f"/aws/lambda/{function_name}", filterPattern='"REPORT RequestId"'\n    )]:\n""",
    ))
    (pages,) = assert_only_failures(grade_only(code, tmp_path, COLD, PAGES), PAGES)
    assert "to count 36 invocations and 20 cold starts when the backend answers FilterLogEvents 10 events a page" in pages["message"]
    assert "'invocations': 10" in pages["message"] and pages["hint"] == LAB.grader().PAGES_HINT


# ---------------------------------------------------------------------------- provisioned concurrency


def provision(tmp_path: Path, *edits: tuple[str, str]) -> dict:
    code = mutant(tmp_path, "provision.sh", *edits)
    (check,) = assert_only_failures(grade_only(code, tmp_path, PROVISION), PROVISION)
    return check


def test_invoking_before_provisioned_concurrency_is_ready_starts_cold(tmp_path: Path) -> None:
    check = provision(tmp_path, ("STATUS=IN_PROGRESS\nfor _ in $(seq 1 60); do", "STATUS=READY\nfor _ in; do"))
    assert "right after `bash provision.sh` to start warm" in check["message"] and "were cold starts" in check["message"], check["message"]


def test_provisioned_concurrency_on_the_version_is_not_on_live(tmp_path: Path) -> None:
    check = provision(
        tmp_path,
        ('--qualifier "$ALIAS" \\\n  --provisioned-concurrent-executions', '--qualifier "$VERSION" \\\n  --provisioned-concurrent-executions'),
        ('get-provisioned-concurrency-config --function-name "$FUNCTION" --qualifier "$ALIAS"', 'get-provisioned-concurrency-config --function-name "$FUNCTION" --qualifier "$VERSION"'),
    )
    assert "[('1', 2, 'READY')]" in check["message"]


def test_one_provisioned_environment_instead_of_two_loses_the_configuration_part(tmp_path: Path) -> None:
    check = provision(tmp_path, ("PROVISIONED=2", "PROVISIONED=1"))
    assert check["outcome"] == "partial" and "[('live', 1, 'READY')]" in check["message"]


def test_a_provision_that_ignores_failed_loses_the_failed_part(tmp_path: Path) -> None:
    """README step 9: "stop with an error on FAILED"; a script that ends its loop on FAILED and exits 0 does not."""
    check = provision(tmp_path, ('if [ "$STATUS" != READY ]; then', "if false; then"))
    assert check["outcome"] == "partial", check
    assert "a FAILED allocation (an init that fails) makes provision.sh exit with an error" in check["message"]
    assert "it exited with status 0" in check["message"]


# -------------------------------------------------------------------------------------------- X-Ray


SUBSEGMENT_LINE = '    with xray_recorder.in_subsegment("store_order") as subsegment:\n'
ANNOTATE_LINE = '        subsegment.put_annotation("order_id", order["order_id"])\n'


def xray(tmp_path: Path, *edits: tuple[str, str]) -> dict:
    code = mutant(tmp_path, FUNCTION, *edits)
    run = XRAY_LAB.grade_only(code, tmp_path, XRAY)
    (check,) = XRAY_LAB.assert_only_failures(run, XRAY)
    return check


def test_a_subsegment_without_the_annotation_is_not_searchable(tmp_path: Path) -> None:
    check = xray(tmp_path, (ANNOTATE_LINE, ""))
    assert "their order_id annotations are ['None', 'None']" in check["message"]


def test_the_order_id_as_metadata_is_not_an_annotation(tmp_path: Path) -> None:
    check = xray(tmp_path, (ANNOTATE_LINE, ANNOTATE_LINE.replace("put_annotation", "put_metadata")))
    assert "['None', 'None']" in check["message"]


def test_a_subsegment_named_otherwise_is_not_found(tmp_path: Path) -> None:
    check = xray(tmp_path, (SUBSEGMENT_LINE, SUBSEGMENT_LINE.replace('"store_order"', '"dynamodb"')))
    assert "Expected a subsegment named 'store_order'" in check["message"] and "'dynamodb'" in check["message"]
