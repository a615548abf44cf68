"""Alarm evaluation rules (harness/emulator/alarm_evaluation.py) against the CloudWatch User Guide."""

from __future__ import annotations

import json

import pytest

from harness.emulator.alarm_evaluation import (
    ALARM,
    BREACHING,
    IGNORE,
    INSUFFICIENT_DATA,
    MISSING,
    NOT_BREACHING,
    OK,
    AlarmRule,
    PeriodData,
    evaluate,
)

PERIOD = 300
RETAIN = None  # the alarm keeps its current state
TREATMENTS = (MISSING, IGNORE, BREACHING, NOT_BREACHING)

# "How alarm state is evaluated when data is missing": 0 not breaching, X breaching, - missing, oldest
# first, the 5 most recent periods; the alarm's state for missing, ignore, breaching, notBreaching.
THREE_OF_THREE = [
    ("0 - X - X", (OK, OK, OK, OK)),
    ("0 - - - -", (OK, OK, OK, OK)),
    ("- - - - -", (INSUFFICIENT_DATA, RETAIN, ALARM, OK)),
    ("0 X X - X", (ALARM, ALARM, ALARM, ALARM)),
    ("- - - - X", (INSUFFICIENT_DATA, RETAIN, ALARM, OK)),
    ("X - - - -", (ALARM, RETAIN, ALARM, OK)),
]
TWO_OF_THREE = [
    ("0 - X - X", (ALARM, ALARM, ALARM, ALARM)),
    ("0 0 X 0 X", (ALARM, ALARM, ALARM, ALARM)),
    ("0 - X - -", (OK, OK, ALARM, OK)),
    ("- - - - 0", (OK, OK, ALARM, OK)),
    ("- - - - X", (INSUFFICIENT_DATA, RETAIN, ALARM, OK)),
]


def rule(m: int = 3, n: int = 3, treatment: str = MISSING, **changes: object) -> AlarmRule:
    settings: dict = dict(
        statistic="Maximum",
        comparison="GreaterThanThreshold",
        threshold=1.0,
        period=PERIOD,
        evaluation_periods=n,
        datapoints_to_alarm=m,
        treat_missing_data=treatment,
    )
    settings.update(changes)
    return AlarmRule(**settings)


def periods(row: str) -> list[tuple[float, PeriodData | None]]:
    found = []
    for index, mark in enumerate(row.split()):
        data = None
        if mark != "-":
            data = PeriodData()
            data.add_value(5.0 if mark == "X" else 0.0)
        found.append((float(index * PERIOD), data))
    return found


def values(*per_period: list[float]) -> list[tuple[float, PeriodData | None]]:
    found = []
    for index, numbers in enumerate(per_period):
        data = PeriodData()
        for number in numbers:
            data.add_value(number)
        found.append((float(index * PERIOD), data if numbers else None))
    return found


@pytest.mark.parametrize("row, states", THREE_OF_THREE, ids=[row for row, _ in THREE_OF_THREE])
def test_three_of_three_follows_the_user_guide_table(row: str, states: tuple) -> None:
    got = tuple(evaluate(rule(3, 3, treatment), periods(row), 5 * PERIOD).state for treatment in TREATMENTS)
    assert got == states


@pytest.mark.parametrize("row, states", TWO_OF_THREE, ids=[row for row, _ in TWO_OF_THREE])
def test_two_of_three_follows_the_user_guide_table(row: str, states: tuple) -> None:
    got = tuple(evaluate(rule(2, 3, treatment), periods(row), 5 * PERIOD).state for treatment in TREATMENTS)
    assert got == states


def test_m_of_n_counts_breaching_periods_that_need_not_be_consecutive() -> None:
    assert evaluate(rule(2, 4), periods("0 0 X 0 X 0"), 0).state == ALARM
    assert evaluate(rule(3, 4), periods("0 0 X 0 X 0"), 0).state == OK
    assert evaluate(rule(2, 2), periods("0 0 X 0 X 0"), 0).state == OK  # only the last two real ones count


@pytest.mark.parametrize(
    "statistic, expected",
    [
        ("Sum", 13.0),
        ("Average", 3.25),
        ("Minimum", 1.0),
        ("Maximum", 10.0),
        ("SampleCount", 4.0),
        ("p50", 1.0),
        ("p99", 10.0),
    ],
)
def test_each_statistic_reduces_a_period_as_cloudwatch_does(statistic: str, expected: float) -> None:
    data = PeriodData()
    for number in (1.0, 1.0, 1.0, 10.0):
        data.add_value(number)
    assert data.statistic(statistic) == expected
    outcome = evaluate(rule(1, 1, statistic=statistic, threshold=5.0), [(0.0, data)], PERIOD)
    assert outcome.state == (ALARM if expected > 5.0 else OK)


def test_statistic_sets_combine_with_single_values_but_give_no_percentile() -> None:
    data = PeriodData()
    data.add_statistics(sample_count=4, total=20, minimum=2, maximum=8)
    data.add_value(10.0)
    assert (
        data.statistic("SampleCount"),
        data.statistic("Sum"),
        data.statistic("Minimum"),
        data.statistic("Maximum"),
    ) == (
        5.0,
        30.0,
        2.0,
        10.0,
    )
    only_sets = PeriodData()
    only_sets.add_statistics(sample_count=4, total=20, minimum=2, maximum=8)
    assert only_sets.statistic("p90") is None


@pytest.mark.parametrize(
    "comparison, value, expected",
    [
        ("GreaterThanThreshold", 5.0, OK),
        ("GreaterThanThreshold", 5.1, ALARM),
        ("GreaterThanOrEqualToThreshold", 5.0, ALARM),
        ("LessThanThreshold", 5.0, OK),
        ("LessThanThreshold", 4.9, ALARM),
        ("LessThanOrEqualToThreshold", 5.0, ALARM),
    ],
)
def test_comparison_operators_compare_with_the_threshold(comparison: str, value: float, expected: str) -> None:
    outcome = evaluate(rule(1, 1, comparison=comparison, threshold=5.0), values([value]), PERIOD)
    assert outcome.state == expected


def test_dynamodb_alarms_always_ignore_missing_data() -> None:
    breaching = rule(1, 1, BREACHING, namespace="AWS/DynamoDB")
    assert evaluate(breaching, periods("- - -"), 0).state is RETAIN
    assert evaluate(rule(1, 1, BREACHING, namespace="AWS/Lambda"), periods("- - -"), 0).state == ALARM


def test_a_low_sample_percentile_is_ignored_when_the_alarm_asks_for_it() -> None:
    few = values([50.0] * 20)  # p99 needs 1000 samples to be significant
    assert evaluate(rule(1, 1, statistic="p99", threshold=10.0, low_sample_count=IGNORE), few, PERIOD).state is RETAIN
    assert (
        evaluate(rule(1, 1, statistic="p99", threshold=10.0, low_sample_count="evaluate"), few, PERIOD).state == ALARM
    )


def test_the_reason_names_the_datapoints_and_the_threshold_as_cloudwatch_does() -> None:
    outcome = evaluate(rule(1, 1, comparison="GreaterThanOrEqualToThreshold"), values([3.0]), PERIOD)
    assert (
        outcome.reason
        == "Threshold Crossed: 1 datapoint [3.0 (01/01/70 00:00:00)] was greater than or equal to the threshold (1.0)."
    )
    assert outcome.reason_data["recentDatapoints"] == [3.0]
    assert outcome.reason_data["evaluatedDatapoints"] == [
        {"timestamp": "1970-01-01T00:00:00.000+0000", "sampleCount": 1.0, "value": 3.0}
    ]
    json.dumps(outcome.reason_data)  # StateReasonData is JSON
    two_of_three = evaluate(rule(2, 3), periods("X 0 X"), 3 * PERIOD)
    assert two_of_three.reason.startswith(
        "Threshold Crossed: 2 out of the last 3 datapoints [5.0 (01/01/70 00:10:00), 0.0"
    )
    assert two_of_three.reason.endswith("(minimum 2 datapoints for OK -> ALARM transition).")
    filled = evaluate(rule(1, 1, NOT_BREACHING), periods("- - -"), 3 * PERIOD)
    assert filled.reason == (
        "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching]."
    )
    unknown = evaluate(rule(3, 3), periods("- - - - -"), 5 * PERIOD)
    assert unknown.reason == "Insufficient Data: 3 datapoints were unknown."


def test_alarms_it_cannot_evaluate_say_so() -> None:
    assert not rule(comparison="LessThanLowerOrGreaterThanUpperThreshold").supported()
    assert not rule(statistic="TM(10%:90%)").supported()
    assert not rule(m=4, n=3).supported()
    assert rule(statistic="p99.9").supported()
