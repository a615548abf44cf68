"""CloudWatch on the embedded backend: alarms evaluated on its clock, their history and SNS actions."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from harness.backends import EmbeddedMoto
from harness.kit import clock

PERIOD = 60
FUNCTION = [{"Name": "FunctionName", "Value": "orders"}]


def put(cloudwatch: Any, value: float, dimensions: list[dict[str, str]] = FUNCTION, **extra: Any) -> None:
    cloudwatch.put_metric_data(
        Namespace="AWS/Lambda", MetricData=[{"MetricName": "Errors", "Value": value, "Dimensions": dimensions, **extra}]
    )


def alarm(cloudwatch: Any, name: str = "errors", **settings: Any) -> str:
    arguments = dict(
        AlarmName=name,
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=FUNCTION,
        Statistic="Sum",
        Period=PERIOD,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
    )
    arguments.update(settings)
    cloudwatch.put_metric_alarm(**{key: value for key, value in arguments.items() if value is not None})
    return name


def state(cloudwatch: Any, name: str = "errors") -> dict[str, Any]:
    return cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]


@pytest.fixture
def cloudwatch(fresh_backend: EmbeddedMoto) -> Any:
    clock.start_of_period(PERIOD, fresh_backend.endpoint)  # this test's datapoints fall in known periods
    return boto3.client("cloudwatch")


@pytest.fixture
def advance(fresh_backend: EmbeddedMoto) -> Any:
    return lambda seconds=PERIOD: clock.advance(seconds, fresh_backend.endpoint)


@pytest.fixture
def topic_queue(fresh_backend: EmbeddedMoto) -> tuple[str, Any]:
    """An SNS topic with an SQS queue subscribed: (topic ARN, a function that drains the queue)."""
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name="alarms")["TopicArn"]
    queue = sqs.create_queue(QueueName="alarm-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)

    def drain() -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        for message in messages:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        return [json.loads(message["Body"]) for message in messages]

    return topic, drain


def test_a_new_alarm_is_insufficient_data_until_its_first_period_ends(cloudwatch: Any, advance: Any) -> None:
    alarm(cloudwatch)
    assert state(cloudwatch)["StateValue"] == "INSUFFICIENT_DATA"
    assert state(cloudwatch)["StateReason"] == "Unchecked: Initial alarm creation"
    advance()
    assert state(cloudwatch)["StateValue"] == "OK"  # no errors, treated as not breaching


def test_failures_trip_the_alarm_and_its_action_reaches_a_subscribed_queue(
    cloudwatch: Any, advance: Any, topic_queue: Any
) -> None:
    topic, drain = topic_queue
    alarm(cloudwatch, AlarmActions=[topic], OKActions=[topic], AlarmDescription="orders failing")
    for _ in range(3):
        put(cloudwatch, 1)
    advance()
    described = state(cloudwatch)
    assert described["StateValue"] == "ALARM"
    assert described["StateReason"].startswith("Threshold Crossed: 1 datapoint [3.0 (")
    assert json.loads(described["StateReasonData"])["recentDatapoints"] == [3.0]
    [notification] = drain()
    assert notification["Subject"] == 'ALARM: "errors" in US East (N. Virginia)'
    body = json.loads(notification["Message"])
    assert (body["AlarmName"], body["AlarmDescription"], body["OldStateValue"], body["NewStateValue"]) == (
        "errors",
        "orders failing",
        "INSUFFICIENT_DATA",
        "ALARM",
    )
    assert body["NewStateReason"] == described["StateReason"]
    assert body["Trigger"]["MetricName"] == "Errors" and body["Trigger"]["Statistic"] == "SUM"
    assert body["Trigger"]["Dimensions"] == [{"value": "orders", "name": "FunctionName"}]
    assert body["AlarmArn"].endswith(":alarm:errors")


def test_the_alarm_returns_to_ok_when_invocations_stop_failing(cloudwatch: Any, advance: Any, topic_queue: Any) -> None:
    topic, drain = topic_queue
    alarm(cloudwatch, AlarmActions=[topic], OKActions=[topic])
    put(cloudwatch, 2)
    advance()
    assert state(cloudwatch)["StateValue"] == "ALARM"
    put(cloudwatch, 0)  # successful invocations report Errors 0
    advance()
    described = state(cloudwatch)
    assert described["StateValue"] == "OK"
    assert "was not greater than or equal to the threshold (1.0)" in described["StateReason"]
    assert [json.loads(n["Message"])["NewStateValue"] for n in drain()] == ["ALARM", "OK"]


def test_an_alarm_stays_in_alarm_while_its_last_datapoint_is_in_the_evaluation_range(
    cloudwatch: Any, advance: Any
) -> None:
    alarm(cloudwatch)  # 1 of 1: the range is 3 periods
    put(cloudwatch, 5)
    advance()
    advance()
    assert state(cloudwatch)["StateValue"] == "ALARM"  # as CloudWatch re-evaluates the last data it has
    advance(2 * PERIOD)
    assert state(cloudwatch)["StateValue"] == "OK"


def test_m_of_n_needs_m_breaching_periods_among_the_last_n(cloudwatch: Any, advance: Any) -> None:
    alarm(cloudwatch, EvaluationPeriods=3, DatapointsToAlarm=2)
    for errors in (3, 0):
        put(cloudwatch, errors)
        advance()
    assert state(cloudwatch)["StateValue"] == "OK"  # 1 of the last 2 periods
    put(cloudwatch, 4)
    advance()
    described = state(cloudwatch)
    assert described["StateValue"] == "ALARM"  # 2 of the last 3
    assert "2 out of the last 3 datapoints" in described["StateReason"]


@pytest.mark.parametrize(
    "treatment, expected",
    [("missing", "INSUFFICIENT_DATA"), ("notBreaching", "OK"), ("breaching", "ALARM"), ("ignore", "INSUFFICIENT_DATA")],
)
def test_each_missing_data_treatment_with_no_data_at_all(
    cloudwatch: Any, advance: Any, treatment: str, expected: str
) -> None:
    alarm(cloudwatch, TreatMissingData=treatment)
    advance()
    assert state(cloudwatch)["StateValue"] == expected


def test_ignore_keeps_the_state_the_alarm_was_in(cloudwatch: Any, advance: Any) -> None:
    alarm(cloudwatch, TreatMissingData="ignore")
    put(cloudwatch, 9)
    advance()
    assert state(cloudwatch)["StateValue"] == "ALARM"
    advance(10 * PERIOD)  # the datapoint left the range long ago: missing data keeps ALARM
    assert state(cloudwatch)["StateValue"] == "ALARM"


@pytest.mark.parametrize(
    "statistic, expected",
    [("Sum", "ALARM"), ("Average", "OK"), ("Maximum", "ALARM"), ("Minimum", "OK"), ("SampleCount", "OK")],
)
def test_the_statistic_decides_what_the_period_is_worth(
    cloudwatch: Any, advance: Any, statistic: str, expected: str
) -> None:
    alarm(cloudwatch, Statistic=statistic, Threshold=5, ComparisonOperator="GreaterThanThreshold")
    for value in (1, 1, 1, 10):  # Sum 13, Average 3.25, Maximum 10, Minimum 1, SampleCount 4
        put(cloudwatch, value)
    advance()
    assert state(cloudwatch)["StateValue"] == expected


def test_a_percentile_alarm(cloudwatch: Any, advance: Any) -> None:
    for percentile in ("p90", "p50"):
        alarm(
            cloudwatch,
            percentile,
            Statistic=None,
            ExtendedStatistic=percentile,
            Threshold=5,
            ComparisonOperator="GreaterThanThreshold",
        )
    for value in [1] * 9 + [10]:  # p90 and p50 are 1
        put(cloudwatch, value)
    advance()
    assert (state(cloudwatch, "p90")["StateValue"], state(cloudwatch, "p50")["StateValue"]) == ("OK", "OK")
    for value in (1, 1, 10):  # p90 is 10, p50 is 1
        put(cloudwatch, value)
    advance()
    assert (state(cloudwatch, "p90")["StateValue"], state(cloudwatch, "p50")["StateValue"]) == ("ALARM", "OK")


def test_datapoints_of_another_metric_never_trip_the_alarm(cloudwatch: Any, advance: Any) -> None:
    alarm(cloudwatch, TreatMissingData="missing")
    put(cloudwatch, 50, dimensions=[*FUNCTION, {"Name": "Resource", "Value": "orders:live"}])  # more dimensions
    put(cloudwatch, 50, dimensions=[{"Name": "FunctionName", "Value": "payments"}])  # another value
    put(cloudwatch, 50, dimensions=[])  # none
    cloudwatch.put_metric_data(
        Namespace="Custom", MetricData=[{"MetricName": "Errors", "Value": 50, "Dimensions": FUNCTION}]
    )  # another namespace
    advance()
    assert state(cloudwatch)["StateValue"] == "INSUFFICIENT_DATA"


def test_an_alarm_with_a_unit_counts_only_datapoints_of_that_unit(cloudwatch: Any, advance: Any) -> None:
    alarm(cloudwatch, Unit="Count", TreatMissingData="missing")
    put(cloudwatch, 50, Unit="Seconds")
    advance()
    assert state(cloudwatch)["StateValue"] == "INSUFFICIENT_DATA"
    put(cloudwatch, 50, Unit="Count")
    advance()
    assert state(cloudwatch)["StateValue"] == "ALARM"


def test_jumping_many_periods_evaluates_each_boundary_so_no_transition_is_missed(
    cloudwatch: Any, advance: Any, topic_queue: Any
) -> None:
    topic, drain = topic_queue
    alarm(cloudwatch, AlarmActions=[topic], OKActions=[topic])
    put(cloudwatch, 3)
    advance(10 * PERIOD)
    assert state(cloudwatch)["StateValue"] == "OK"
    assert [json.loads(n["Message"])["NewStateValue"] for n in drain()] == ["ALARM", "OK"]


def test_history_records_creation_state_changes_and_actions(cloudwatch: Any, advance: Any, topic_queue: Any) -> None:
    topic, _ = topic_queue
    alarm(cloudwatch, AlarmActions=[topic])
    put(cloudwatch, 3)
    advance()
    items = cloudwatch.describe_alarm_history(AlarmName="errors")["AlarmHistoryItems"]
    assert [(item["HistoryItemType"], item["HistorySummary"]) for item in items] == [
        ("Action", f"Successfully executed action {topic}"),
        ("StateUpdate", "Alarm updated from INSUFFICIENT_DATA to ALARM"),
        ("ConfigurationUpdate", 'Alarm "errors" created'),
    ]
    new_state = json.loads(items[1]["HistoryData"])["newState"]
    assert new_state["stateValue"] == "ALARM" and new_state["stateReason"].startswith("Threshold Crossed")
    updates = cloudwatch.describe_alarm_history(
        AlarmName="errors", HistoryItemType="StateUpdate", ScanBy="TimestampAscending"
    )
    assert len(updates["AlarmHistoryItems"]) == 1


def test_actions_disabled_means_no_notification(cloudwatch: Any, advance: Any, topic_queue: Any) -> None:
    topic, drain = topic_queue
    alarm(cloudwatch, AlarmActions=[topic], ActionsEnabled=False)
    put(cloudwatch, 3)
    advance()
    assert state(cloudwatch)["StateValue"] == "ALARM"
    assert drain() == []


def test_set_alarm_state_fires_actions_and_holds_until_the_next_evaluation(
    cloudwatch: Any, advance: Any, topic_queue: Any
) -> None:
    topic, drain = topic_queue
    alarm(cloudwatch, AlarmActions=[topic])
    cloudwatch.set_alarm_state(AlarmName="errors", StateValue="ALARM", StateReason="testing the action")
    assert state(cloudwatch)["StateReason"] == "testing the action"
    assert [json.loads(n["Message"])["NewStateReason"] for n in drain()] == ["testing the action"]
    advance()
    assert state(cloudwatch)["StateValue"] == "OK"


def test_updating_an_alarm_keeps_its_state(cloudwatch: Any, advance: Any) -> None:
    alarm(cloudwatch)
    put(cloudwatch, 3)
    advance()
    alarm(cloudwatch, Threshold=2)
    described = state(cloudwatch)
    assert (described["StateValue"], described["Threshold"]) == ("ALARM", 2.0)


def test_a_datapoint_sent_with_the_senders_clock_lands_in_the_backends_current_period(
    cloudwatch: Any, advance: Any, fresh_backend: EmbeddedMoto
) -> None:
    alarm(cloudwatch)
    advance(3600)
    put(cloudwatch, 4, Timestamp=datetime.now(timezone.utc))  # the sender's wall clock, an hour "behind"
    advance()
    assert state(cloudwatch)["StateValue"] == "ALARM"
    wall = datetime.now(timezone.utc)
    found = cloudwatch.get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=FUNCTION,
        StartTime=wall - timedelta(minutes=5),
        EndTime=wall + timedelta(minutes=5),
        Period=PERIOD,
        Statistics=["Sum"],
    )["Datapoints"]
    assert [point["Sum"] for point in found] == [4.0]
    fresh_backend.reset()
    assert abs(clock.now(fresh_backend.endpoint).offset_seconds) < 1e-6  # a reset sets the clock back


def test_get_metric_statistics_matches_dimensions_exactly(cloudwatch: Any) -> None:
    put(cloudwatch, 1)
    put(cloudwatch, 10, dimensions=[*FUNCTION, {"Name": "Resource", "Value": "orders:live"}])
    put(cloudwatch, 100, dimensions=[])
    wall = datetime.now(timezone.utc)

    def total(dimensions: list[dict[str, str]]) -> list[float]:
        answer = cloudwatch.get_metric_statistics(
            Namespace="AWS/Lambda",
            MetricName="Errors",
            Dimensions=dimensions,
            StartTime=wall - timedelta(minutes=5),
            EndTime=wall + timedelta(minutes=5),
            Period=3600,
            Statistics=["Sum"],
        )
        return [point["Sum"] for point in answer["Datapoints"]]

    assert (total(FUNCTION), total([]), total([{"Name": "FunctionName", "Value": "nope"}])) == ([1.0], [100.0], [])


def test_the_clock_endpoints(fresh_backend: EmbeddedMoto) -> None:
    before = clock.now(fresh_backend.endpoint)
    after = clock.advance(90, fresh_backend.endpoint)
    assert 90 <= after.now - before.now < 95 and after.offset_seconds == pytest.approx(before.offset_seconds + 90)
    assert clock.start_of_period(3600, fresh_backend.endpoint).now % 3600 < 5
    request = urllib.request.Request(
        fresh_backend.endpoint + "/_course/clock/advance", data=b'{"seconds": -5}', method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request)
    assert refused.value.code == 400
    assert not any("_course" in str(call.params) for call in fresh_backend.call_log.calls)


def test_describe_alarm_history_of_an_unknown_alarm_is_empty(fresh_backend: EmbeddedMoto) -> None:
    cloudwatch = boto3.client("cloudwatch")
    assert cloudwatch.describe_alarm_history(AlarmName="none")["AlarmHistoryItems"] == []
    with pytest.raises(ClientError):
        cloudwatch.set_alarm_state(AlarmName="none", StateValue="ALARM", StateReason="x")
