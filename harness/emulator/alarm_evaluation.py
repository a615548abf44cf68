"""How CloudWatch decides a metric alarm's state from the datapoints of its evaluation range.

Follows "Evaluating an alarm" and "How alarm state is evaluated when data is missing" in the
CloudWatch User Guide: one value per period (the alarm's statistic over that period's datapoints); the
evaluation range is N + 2 periods (the guide's examples retrieve 5 for N = 3); when at least N periods
of the range have data, the N most recent of them decide and missing data is not needed; with fewer,
every real one counts and the rest are filled as TreatMissingData says, as few as possible; ALARM when
at least M (DatapointsToAlarm) of the N are breaching, else OK. With ``missing`` or ``ignore`` and too
few real datapoints, the guide's two tables fix the outcome: M breaching datapoints -> ALARM; any
non-breaching one -> OK; only breaching ones (fewer than M) -> INSUFFICIENT_DATA for ``missing``
(ALARM when the oldest period of the range holds one: the guide's last row) and the current state for
``ignore``; no data at all -> INSUFFICIENT_DATA, the current state, ALARM or OK. Alarms on metrics of
the AWS/DynamoDB namespace always ignore missing data, as CloudWatch documents.

Pure functions of the data, so tests/harness/test_alarm_evaluation.py checks them against the guide's
tables row by row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
MISSING, NOT_BREACHING, BREACHING, IGNORE = "missing", "notBreaching", "breaching", "ignore"

COMPARISONS = {
    "GreaterThanOrEqualToThreshold": ("greater than or equal to", lambda value, threshold: value >= threshold),
    "GreaterThanThreshold": ("greater than", lambda value, threshold: value > threshold),
    "LessThanThreshold": ("less than", lambda value, threshold: value < threshold),
    "LessThanOrEqualToThreshold": ("less than or equal to", lambda value, threshold: value <= threshold),
}
STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?|100)$")
EXTRA_PERIODS = 2  # evaluation range = N + 2 periods
ALWAYS_IGNORES_MISSING = ("AWS/DynamoDB",)


@dataclass
class PeriodData:
    """The datapoints of one metric in one period, reduced as CloudWatch's statistics need them."""

    sample_count: float = 0.0
    total: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf
    values: list[float] = field(default_factory=list)  # single values, for percentiles

    def add_value(self, value: float) -> None:
        self.add_statistics(1.0, value, value, value)
        self.values.append(value)

    def add_statistics(self, sample_count: float, total: float, minimum: float, maximum: float) -> None:
        self.sample_count += sample_count
        self.total += total
        self.minimum = min(self.minimum, minimum)
        self.maximum = max(self.maximum, maximum)

    def statistic(self, name: str) -> float | None:
        if self.sample_count <= 0:
            return None
        if name == "SampleCount":
            return self.sample_count
        if name == "Sum":
            return self.total
        if name == "Average":
            return self.total / self.sample_count
        if name == "Minimum":
            return self.minimum
        if name == "Maximum":
            return self.maximum
        match = PERCENTILE.match(name)
        if match and self.values:  # nearest rank; sets sent as StatisticValues have no percentiles
            ranked = sorted(self.values)
            rank = math.ceil(float(match.group(1)) / 100 * len(ranked))
            return ranked[min(max(rank, 1), len(ranked)) - 1]
        return None


@dataclass(frozen=True)
class AlarmRule:
    statistic: str  # "Sum", or an extended statistic such as "p99"
    comparison: str
    threshold: float
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: str = MISSING
    namespace: str = ""
    low_sample_count: str = ""  # EvaluateLowSampleCountPercentile: "evaluate" or "ignore"

    @property
    def evaluation_range(self) -> int:
        return self.evaluation_periods + EXTRA_PERIODS

    @property
    def missing_treatment(self) -> str:
        if self.namespace in ALWAYS_IGNORES_MISSING:
            return IGNORE
        return self.treat_missing_data or MISSING

    def supported(self) -> bool:
        return (
            self.comparison in COMPARISONS
            and (self.statistic in STATISTICS or bool(PERCENTILE.match(self.statistic)))
            and self.period > 0
            and 0 < self.datapoints_to_alarm <= self.evaluation_periods
        )

    def breaches(self, value: float) -> bool:
        return COMPARISONS[self.comparison][1](value, self.threshold)


@dataclass(frozen=True)
class Outcome:
    state: str | None  # None: the alarm keeps its state
    reason: str = ""
    reason_data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Point:
    start: float  # the period's start, seconds since the epoch
    value: float
    sample_count: float
    breaching: bool


def evaluate(rule: AlarmRule, periods: Sequence[tuple[float, PeriodData | None]], query_time: float) -> Outcome:
    """The alarm's state from its evaluation range: ``periods`` oldest first, (start, data or None)."""
    real = []
    for start, data in periods:
        value = data.statistic(rule.statistic) if data is not None else None
        if value is not None:
            real.append(_Point(start, value, data.sample_count, rule.breaches(value)))  # type: ignore[union-attr]
    n, m = rule.evaluation_periods, rule.datapoints_to_alarm
    if PERCENTILE.match(rule.statistic) and rule.low_sample_count == IGNORE:
        if any(point.sample_count < _significant_samples(rule.statistic) for point in real[-n:]):
            return Outcome(None)
    treatment = rule.missing_treatment
    oldest_start = periods[0][0] if periods else 0.0
    if len(real) >= n:
        return _decided(rule, real[-n:], 0, "", query_time)
    if treatment == BREACHING or treatment == NOT_BREACHING:
        return _decided(rule, real, n - len(real), treatment, query_time)
    breaching = sum(point.breaching for point in real)
    if breaching >= m:
        return _decided(rule, real, 0, "", query_time, force=ALARM)
    if any(not point.breaching for point in real):
        return _decided(rule, real, 0, "", query_time, force=OK)
    if treatment == MISSING and real and real[0].start == oldest_start:
        return _decided(rule, real, 0, "", query_time, force=ALARM)
    if treatment == IGNORE:
        return Outcome(None)
    unknown = n - len(real)
    noun = "datapoint was" if unknown == 1 else "datapoints were"
    return Outcome(
        INSUFFICIENT_DATA, f"Insufficient Data: {unknown} {noun} unknown.", _reason_data(rule, real, query_time)
    )


def _significant_samples(statistic: str) -> float:
    fraction = float(statistic[1:]) / 100
    if fraction >= 0.5:
        return math.inf if fraction >= 1 else 10 / (1 - fraction)
    return 10 / fraction if fraction > 0 else math.inf


def _decided(
    rule: AlarmRule, real: list[_Point], filled: int, treatment: str, query_time: float, force: str | None = None
) -> Outcome:
    breaching = sum(point.breaching for point in real) + (filled if treatment == BREACHING else 0)
    state = force or (ALARM if breaching >= rule.datapoints_to_alarm else OK)
    return Outcome(state, _reason(rule, real, filled, treatment, state), _reason_data(rule, real, query_time))


def _reason(rule: AlarmRule, real: list[_Point], filled: int, treatment: str, state: str) -> str:
    phrase = COMPARISONS[rule.comparison][0]
    if not real:
        periods = "1 period" if filled == 1 else f"{filled} periods"
        fills = "1 missing datapoint was" if filled == 1 else f"{filled} missing datapoints were"
        kind = "Breaching" if treatment == BREACHING else "NonBreaching"
        return f"Threshold Crossed: no datapoints were received for {periods} and {fills} treated as [{kind}]."
    shown = ", ".join(f"{_number(point.value)} ({_short_date(point.start)})" for point in reversed(real))
    total = len(real) + filled
    if state == ALARM:
        breaching = sum(point.breaching for point in real)
        counted = f"{breaching} out of the last {total} datapoints" if total > 1 else "1 datapoint"
        verb = "were" if total > 1 else "was"
        reason = f"Threshold Crossed: {counted} [{shown}] {verb} {phrase} the threshold ({_number(rule.threshold)})"
        if rule.datapoints_to_alarm < total:
            reason += f" (minimum {rule.datapoints_to_alarm} datapoints for OK -> ALARM transition)"
    else:
        counted = "1 datapoint" if len(real) == 1 else f"{len(real)} datapoints"
        verb = "was" if len(real) == 1 else "were"
        reason = f"Threshold Crossed: {counted} [{shown}] {verb} not {phrase} the threshold ({_number(rule.threshold)})"
    if filled:
        kind = "Breaching" if treatment == BREACHING else "NonBreaching"
        reason += f" and {filled} missing datapoint{'s were' if filled > 1 else ' was'} treated as [{kind}]"
    return reason + "."


def _reason_data(rule: AlarmRule, real: list[_Point], query_time: float) -> dict[str, Any]:
    data: dict[str, Any] = {"version": "1.0", "queryDate": _iso(query_time)}
    if real:
        data["startDate"] = _iso(real[0].start)
    key = "statistic" if rule.statistic in STATISTICS else "extendedStatistic"
    data.update(
        {
            key: rule.statistic,
            "period": rule.period,
            "recentDatapoints": [point.value for point in real],
            "threshold": rule.threshold,
            "evaluatedDatapoints": [
                {"timestamp": _iso(point.start), "sampleCount": point.sample_count, "value": point.value}
                for point in reversed(real)
            ],
        }
    )
    return data


def _number(value: float) -> str:
    return repr(float(value))


def _short_date(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%d/%m/%y %H:%M:%S")


def _iso(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"
