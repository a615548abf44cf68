"""CloudWatch metric alarms that react: evaluated on the backend's clock, with history and actions.

moto stores alarms and never evaluates them (a new alarm even starts as OK). Here an alarm starts as
INSUFFICIENT_DATA ("Unchecked: Initial alarm creation") and is evaluated at every boundary of its
period the backend's clock crosses (harness/emulator/clock.py), from the first one after it was put:
when the clock is advanced, and before any request the backend answers (so DescribeAlarms, and a
queue's ReceiveMessage, see an alarm as CloudWatch would have left it by then). The rules are in
alarm_evaluation.py; datapoints are matched on exact dimensions (and on Unit when the alarm names
one). A state change sets StateValue, StateReason, StateReasonData and the timestamps, is written to
the alarm's history (DescribeAlarmHistory, which moto lacks), and, while ActionsEnabled, publishes
CloudWatch's notification to each SNS topic of the new state's actions. SetAlarmState fires actions
too and holds until the next evaluation, as on AWS. PutMetricAlarm on an existing alarm keeps its
state, as on AWS. Not evaluated: composite alarms, metric-math alarms (other than one MetricStat),
anomaly-detection comparisons.
"""

from __future__ import annotations

import functools
import json
import math
import threading
from typing import Any

from . import alarm_evaluation, alarm_notifications, clock
from .alarm_evaluation import AlarmRule, PeriodData
from .cloudwatch_metrics import datapoints_of, epoch, metrics_index

_lock = threading.RLock()
MAX_STEPS = 1500  # boundaries evaluated per catch-up; older ones could not change what the latest sees
INITIAL_REASON = "Unchecked: Initial alarm creation"


def apply() -> None:
    from moto.cloudwatch import models, responses

    _patch_alarm_creation(models)
    _patch_set_alarm_state(models)
    _patch_reads(responses)
    responses.CloudWatchResponse.describe_alarm_history = describe_alarm_history
    clock.on_advance(sweep)


def sweep() -> None:
    """Evaluates every alarm of every account and region up to the backend's time."""
    from moto.cloudwatch.models import cloudwatch_backends

    for account in list(dict.values(cloudwatch_backends)):
        for backend in list(dict.values(account)):
            catch_up(backend)


def catch_up(backend: Any) -> None:
    with _lock:
        now = clock.now()
        due = [(alarm, rule) for alarm in list(backend.alarms.values()) if (rule := _due(alarm, now)) is not None]
        if due:
            index = metrics_index(backend)
            for alarm, rule in due:
                _evaluate_up_to(backend, alarm, rule, math.floor(now / rule.period), index)


def _patch_alarm_creation(models: Any) -> None:
    alarm_init = models.Alarm.__init__

    @functools.wraps(alarm_init)
    def starts_insufficient(self: Any, *args: Any, **kwargs: Any) -> None:
        alarm_init(self, *args, **kwargs)
        self.state_value = alarm_evaluation.INSUFFICIENT_DATA
        self.state_reason = INITIAL_REASON
        self.state_transitioned_timestamp = self.state_updated_timestamp
        self.evaluated_until = None  # the period index last evaluated

    models.Alarm.__init__ = starts_insufficient
    put_metric_alarm = models.CloudWatchBackend.put_metric_alarm

    @functools.wraps(put_metric_alarm)
    def keeps_state(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            name = kwargs.get("name", args[0] if args else None)
            previous = self.alarms.get(name)
            alarm = put_metric_alarm(self, *args, **kwargs)
            if previous is not None:
                for attribute in (
                    "state_value",
                    "state_reason",
                    "state_reason_data",
                    "state_updated_timestamp",
                    "state_transitioned_timestamp",
                ):
                    setattr(alarm, attribute, getattr(previous, attribute))
            rule = rule_of(alarm)
            alarm.evaluated_until = math.floor(clock.now() / rule.period) if rule else None
            verb = "updated" if previous is not None else "created"
            _history(self, alarm, "ConfigurationUpdate", f'Alarm "{alarm.name}" {verb}', {"type": verb.capitalize()})
            return alarm

    models.CloudWatchBackend.put_metric_alarm = keeps_state


def _patch_set_alarm_state(models: Any) -> None:
    set_alarm_state = models.CloudWatchBackend.set_alarm_state

    @functools.wraps(set_alarm_state)
    def fires_actions(self: Any, alarm_name: str, reason: str, reason_data: str, state_value: str) -> None:
        with _lock:
            alarm = self.alarms.get(alarm_name)
            old_state = alarm.state_value if alarm is not None else None
            set_alarm_state(self, alarm_name, reason, reason_data, state_value)  # validates as AWS does
            alarm.state_value = old_state  # type: ignore[union-attr]
            _transition(self, alarm, state_value, reason, reason_data or "{}")

    models.CloudWatchBackend.set_alarm_state = fires_actions


def _patch_reads(responses: Any) -> None:
    for name in ("describe_alarms", "describe_alarms_for_metric"):
        original = getattr(responses.CloudWatchResponse, name)

        def evaluated_first(self: Any, _original: Any = original) -> Any:
            catch_up(self.cloudwatch_backend)
            return _original(self)

        setattr(responses.CloudWatchResponse, name, functools.wraps(original)(evaluated_first))


def rule_of(alarm: Any) -> AlarmRule | None:
    """What evaluation needs from an alarm; None for the kinds not evaluated here."""
    if alarm.rule is not None or not alarm.comparison_operator:
        return None
    metric = _metric_of(alarm)
    if metric is None:
        return None
    statistic, period = metric["statistic"], metric["period"]
    try:
        evaluation_periods = int(alarm.evaluation_periods)
        rule = AlarmRule(
            statistic=statistic or "",
            comparison=alarm.comparison_operator,
            threshold=float(alarm.threshold),
            period=int(period),
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=int(alarm.datapoints_to_alarm or evaluation_periods),
            treat_missing_data=alarm.treat_missing_data or alarm_evaluation.MISSING,
            namespace=metric["namespace"],
            low_sample_count=alarm.evaluate_low_sample_count_percentile or "",
        )
    except (TypeError, ValueError):
        return None
    return rule if rule.supported() else None


def _metric_of(alarm: Any) -> dict[str, Any] | None:
    if not alarm.metric_data_queries:
        return {
            "namespace": alarm.namespace,
            "name": alarm.metric_name,
            "dimensions": alarm.dimensions,
            "statistic": alarm.statistic or alarm.extended_statistic,
            "period": alarm.period,
            "unit": alarm.unit,
        }
    stats = [query.metric_stat for query in alarm.metric_data_queries if query.metric_stat is not None]
    if len(stats) != 1 or len(alarm.metric_data_queries) != 1:
        return None  # metric math
    stat = stats[0]
    return {
        "namespace": stat.metric.namespace,
        "name": stat.metric.metric_name,
        "dimensions": stat.metric.dimensions,
        "statistic": stat.stat,
        "period": stat.period,
        "unit": stat.unit,
    }


def _due(alarm: Any, now: float) -> AlarmRule | None:
    """The alarm's rule when the clock has crossed one of its period boundaries since it was evaluated."""
    rule = rule_of(alarm)
    if rule is None:
        return None
    latest = math.floor(now / rule.period)
    if alarm.evaluated_until is None:
        alarm.evaluated_until = latest
    return rule if latest > alarm.evaluated_until else None


def _evaluate_up_to(backend: Any, alarm: Any, rule: AlarmRule, latest: int, index: dict[Any, list[Any]]) -> None:
    first = max(alarm.evaluated_until + 1, latest - MAX_STEPS + 1)
    buckets = _periods_of(backend, alarm, rule, index, since=first - rule.evaluation_range)
    for end in range(first, latest + 1):
        periods = [(start * rule.period, buckets.get(start)) for start in range(end - rule.evaluation_range, end)]
        outcome = alarm_evaluation.evaluate(rule, periods, end * rule.period)
        if outcome.state is not None and outcome.state != alarm.state_value:
            _transition(backend, alarm, outcome.state, outcome.reason, json.dumps(outcome.reason_data))
    alarm.evaluated_until = latest


def _periods_of(
    backend: Any, alarm: Any, rule: AlarmRule, index: dict[Any, list[Any]], since: int
) -> dict[int, PeriodData]:
    metric = _metric_of(alarm)
    assert metric is not None
    buckets: dict[int, PeriodData] = {}
    for datum in datapoints_of(
        backend, metric["namespace"], metric["name"], metric["dimensions"], metric["unit"], index
    ):
        period = math.floor(epoch(datum.timestamp) / rule.period)
        if period < since:
            continue
        data = buckets.setdefault(period, PeriodData())
        if hasattr(datum, "value"):
            data.add_value(float(datum.value))
        else:  # sent as StatisticValues
            data.add_statistics(float(datum.sample_count), float(datum.sum), float(datum.min), float(datum.max))
    return buckets


def _transition(backend: Any, alarm: Any, state: str, reason: str, reason_data: str) -> None:
    old_state = alarm.state_value
    moment = clock.utcnow()
    alarm.state_value, alarm.state_reason, alarm.state_reason_data = state, reason, reason_data
    alarm.state_updated_timestamp = moment
    if state == old_state:
        return
    alarm.state_transitioned_timestamp = moment
    _history(
        backend,
        alarm,
        "StateUpdate",
        f"Alarm updated from {old_state} to {state}",
        {
            "version": "1.0",
            "oldState": {"stateValue": old_state},
            "newState": {"stateValue": state, "stateReason": reason, "stateReasonData": _json_or_text(reason_data)},
        },
    )
    if alarm.actions_enabled:
        actions = {
            "ALARM": alarm.alarm_actions,
            "OK": alarm.ok_actions,
            "INSUFFICIENT_DATA": alarm.insufficient_data_actions,
        }
        for arn in actions.get(state) or []:
            _run_action(backend, alarm, arn, old_state, moment)


def _run_action(backend: Any, alarm: Any, arn: str, old_state: str, moment: Any) -> None:
    from moto.sns.models import sns_backends

    parts = arn.split(":")
    if len(parts) < 6 or parts[2] != "sns":
        _history(
            backend,
            alarm,
            "Action",
            f"Failed to execute action {arn}: only SNS actions run here",
            {"actionState": "Failed"},
        )
        return
    try:
        sns_backends[parts[4]][parts[3]].publish(
            alarm_notifications.message(alarm, backend.account_id, backend.region_name, old_state, moment),
            arn=arn,
            subject=alarm_notifications.subject(alarm, backend.region_name),
        )
    except Exception as error:  # a missing topic: AWS records the failure in the history, nothing more
        _history(
            backend, alarm, "Action", f"Failed to execute action {arn}", {"actionState": "Failed", "error": str(error)}
        )
        return
    _history(
        backend,
        alarm,
        "Action",
        f"Successfully executed action {arn}",
        {"actionState": "Succeeded", "notificationResource": arn},
    )


def _history(backend: Any, alarm: Any, item_type: str, summary: str, data: dict[str, Any]) -> None:
    if not hasattr(backend, "course_alarm_history"):
        backend.course_alarm_history = []
    backend.course_alarm_history.append(
        {
            "AlarmName": alarm.name,
            "AlarmType": "CompositeAlarm" if alarm.rule is not None else "MetricAlarm",
            "Timestamp": clock.utcnow(),
            "HistoryItemType": item_type,
            "HistorySummary": summary,
            "HistoryData": json.dumps(data),
        }
    )


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def describe_alarm_history(self: Any) -> Any:
    """DescribeAlarmHistory: newest first unless ScanBy=TimestampAscending; NextToken is an offset."""
    from moto.core.responses import ActionResult

    backend = self.cloudwatch_backend
    catch_up(backend)
    name = self._get_param("AlarmName")
    types = self._get_param("AlarmTypes") or []
    item_type = self._get_param("HistoryItemType")
    start, end = self._get_param("StartDate"), self._get_param("EndDate")
    items = [
        item
        for item in getattr(backend, "course_alarm_history", [])
        if (not name or item["AlarmName"] == name)
        and (not types or item["AlarmType"] in types)
        and (not item_type or item["HistoryItemType"] == item_type)
        and (start is None or item["Timestamp"] >= clock.shift(start))
        and (end is None or item["Timestamp"] <= clock.shift(end))
    ]
    if (self._get_param("ScanBy") or "TimestampDescending") == "TimestampDescending":
        items.reverse()
    first = int(self._get_param("NextToken") or 0)
    limit = int(self._get_param("MaxRecords") or 100)
    page = items[first : first + limit]
    result: dict[str, Any] = {"AlarmHistoryItems": page}
    if first + limit < len(items):
        result["NextToken"] = str(first + limit)
    return ActionResult(result)
