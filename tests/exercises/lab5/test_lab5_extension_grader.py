"""Tests of the Lab 5 extension grader (lab5-ext): each plausible mistake in the CodeDeploy canary's
template loses the checks about it, and the extension stays out of the course total.

Full marks for the reference and correct/ (whose folders hold a template.yaml each, written
differently: Globals and an alarm on the alias's own errors; JSON with a named alarm and the default
missing-data treatment) are tests/exercises/test_every_exercise.py's. Every mistake here is an edit of
the reference template.yaml, graded in a child `pytest` on the extension's grader only.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from grader_tests import ExerciseUnderTest

EXT = ExerciseUnderTest("lab5-ext")
LAB = ExerciseUnderTest("lab5")

FIRST_DEPLOY = "test_the_first_deploy_puts_live_on_the_first_version"
SHIFTS = "test_a_deploy_of_new_code_sends_10_percent_of_live_to_it"
COMPLETES = "test_a_healthy_canary_takes_all_traffic_after_5_minutes"
ROLLS_BACK = "test_errors_of_the_new_version_roll_the_canary_back"
OTHERS = "test_errors_of_another_function_leave_the_canary_alone"
CHECKS = (FIRST_DEPLOY, SHIFTS, COMPLETES, ROLLS_BACK, OTHERS)

TEMPLATE = "template.yaml"
TYPE = "        Type: Canary10Percent5Minutes\n"
ALARMS = "        Alarms:\n          - !Ref PriceQuoteErrorsAlarm\n"
DIMENSIONS = "      Dimensions:\n        - Name: FunctionName\n          Value: !Ref PriceQuoteFunction\n"


def graded(tmp_path: Path, *edits: tuple[str, str]) -> object:
    return EXT.grade_only(EXT.mutant(tmp_path, TEMPLATE, *edits), tmp_path, *CHECKS)


def test_the_grader_has_exactly_the_checks_these_tests_name() -> None:
    assert [check.__name__ for check in EXT.checks()] == list(CHECKS)


def test_the_extension_is_optional_and_the_lab_keeps_its_own_grader() -> None:
    assert EXT.exercise.optional and not LAB.exercise.optional
    assert EXT.folder == LAB.folder
    assert all(check.__name__ not in CHECKS for check in LAB.checks())


def test_a_template_without_auto_publish_alias_has_no_alias_and_blocks_the_rest(tmp_path: Path) -> None:
    run = graded(tmp_path, ("      AutoPublishAlias: live\n", ""), ("      DeploymentPreference:\n" + TYPE + ALARMS, ""))
    (first,) = EXT.assert_only_failures(run, FIRST_DEPLOY, blocked=(SHIFTS, COMPLETES, ROLLS_BACK, OTHERS))
    assert "there is no alias live at all" in first["message"]


def test_all_at_once_moves_live_at_once_and_is_no_canary(tmp_path: Path) -> None:
    run = graded(tmp_path, (TYPE, "        Type: AllAtOnce\n"))
    (shifts,) = EXT.assert_only_failures(run, SHIFTS, blocked=(COMPLETES, ROLLS_BACK, OTHERS))
    assert "it is all its traffic on version 2" in shifts["message"]
    assert "CodeDeploy's deployment is Succeeded" in shifts["message"]


@pytest.mark.parametrize(
    ("preference", "after_5_minutes"),
    [("Linear10PercentEvery1Minute", "version 1 with 0.6 to version 2"), ("Canary10Percent10Minutes", "version 1 with 0.1 to version 2")],
)
def test_a_shift_slower_than_the_readmes_has_not_ended_after_5_minutes(
    tmp_path: Path, preference: str, after_5_minutes: str
) -> None:
    run = graded(tmp_path, (TYPE, f"        Type: {preference}\n"))
    (completes,) = EXT.assert_only_failures(run, COMPLETES)
    assert f"it is {after_5_minutes}; CodeDeploy's deployment is InProgress" in completes["message"]


def test_an_alarm_left_out_of_the_deployment_preference_never_rolls_back(tmp_path: Path) -> None:
    run = graded(tmp_path, (ALARMS, ""))
    (rolls_back,) = EXT.assert_only_failures(run, ROLLS_BACK, blocked=(OTHERS,))
    assert "the broken version took all the traffic after 5 minutes" in rolls_back["message"]


def test_an_alarm_on_another_function_never_rolls_back(tmp_path: Path) -> None:
    run = graded(tmp_path, ("          Value: !Ref PriceQuoteFunction\n", "          Value: price-quote\n"))
    EXT.assert_only_failures(run, ROLLS_BACK, blocked=(OTHERS,))


def test_an_alarm_that_needs_10_bad_minutes_fires_after_the_canary_ended(tmp_path: Path) -> None:
    run = graded(tmp_path, ("      EvaluationPeriods: 1\n", "      EvaluationPeriods: 10\n"))
    EXT.assert_only_failures(run, ROLLS_BACK, blocked=(OTHERS,))


def test_an_alarm_without_dimensions_rolls_back_when_another_function_fails(tmp_path: Path) -> None:
    run = graded(tmp_path, (DIMENSIONS, ""))
    (others,) = EXT.assert_only_failures(run, OTHERS)
    assert "live went back to all its traffic on version 1" in others["message"]
    assert "ALARM_ACTIVE" not in others["message"] and "alarms have been activated" in others["message"]


def test_an_alarm_on_invocations_rolls_back_a_healthy_release(tmp_path: Path) -> None:
    run = graded(tmp_path, ("      MetricName: Errors\n", "      MetricName: Invocations\n"))
    completes, _ = EXT.assert_only_failures(run, COMPLETES, OTHERS)
    assert "Your alarm went into ALARM though nothing failed" in completes["message"]


def test_missing_data_treated_as_breaching_rolls_back_a_quiet_healthy_release(tmp_path: Path) -> None:
    run = graded(tmp_path, ("      TreatMissingData: notBreaching\n", "      TreatMissingData: breaching\n"))
    EXT.assert_only_failures(run, COMPLETES, OTHERS)
