"""CloudWatch Logs on the embedded backend: filter patterns, metric filters that emit, EMF to metrics."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from harness.backends import EmbeddedMoto

GROUP, STREAM = "/aws/lambda/orders", "2026/12/01/[$LATEST]abc"
LINES = [
    json.dumps({"level": "INFO", "message": "order saved", "latency": 120, "region": "eu"}),
    json.dumps({"level": "ERROR", "message": "payment failed", "latency": 900, "region": "us"}),
    "START RequestId: 1f2e Version: $LATEST",
    "REPORT RequestId: 1f2e Duration: 12.5 ms Billed Duration: 13 ms Memory Size: 128 MB Max Memory Used: 40 MB",
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /orders HTTP/1.0" 503 1534',
]


@pytest.fixture
def logs(fresh_backend: EmbeddedMoto) -> Any:
    client = boto3.client("logs")
    client.create_log_group(logGroupName=GROUP)
    client.create_log_stream(logGroupName=GROUP, logStreamName=STREAM)
    return client


def put(logs: Any, *messages: str) -> None:
    now = int(time.time() * 1000)
    events = [{"timestamp": now + index, "message": message} for index, message in enumerate(messages)]
    logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=events)


def found(logs: Any, pattern: str) -> list[str]:
    return [event["message"] for event in logs.filter_log_events(logGroupName=GROUP, filterPattern=pattern)["events"]]


def metric(
    namespace: str, name: str, dimensions: list[dict[str, str]] | None = None, statistic: str = "Sum"
) -> list[float]:
    wall = datetime.now(timezone.utc)
    answer = boto3.client("cloudwatch").get_metric_statistics(
        Namespace=namespace,
        MetricName=name,
        Dimensions=dimensions or [],
        StartTime=wall - timedelta(hours=1),
        EndTime=wall + timedelta(minutes=5),
        Period=3600 * 2,
        Statistics=[statistic],
    )
    return [point[statistic] for point in answer["Datapoints"]]


@pytest.mark.parametrize(
    "pattern, expected",
    [
        ('{ $.level = "ERROR" }', [1]),
        ("{ $.latency > 100 && $.region = eu }", [0]),
        ("{ $.latency > 100 }", [0, 1]),
        ("REPORT", [3]),
        ('"order saved"', [0]),
        ("?START ?REPORT", [2, 3]),
        ("RequestId -REPORT", [2]),
        ("[ip, ..., status >= 500, bytes]", [4]),
        ("", [0, 1, 2, 3, 4]),
    ],
)
def test_filter_log_events_selects_what_the_pattern_matches(logs: Any, pattern: str, expected: list[int]) -> None:
    put(logs, *LINES)
    assert found(logs, pattern) == [LINES[index] for index in expected]


def test_a_pattern_cloudwatch_refuses_is_refused(logs: Any) -> None:
    with pytest.raises(ClientError) as refused:
        logs.filter_log_events(logGroupName=GROUP, filterPattern="{ $.level = }")
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    with pytest.raises(ClientError):
        logs.put_metric_filter(
            logGroupName=GROUP,
            filterName="bad",
            filterPattern='{ $.latency > "slow" }',
            metricTransformations=[{"metricName": "x", "metricNamespace": "y", "metricValue": "1"}],
        )


def test_a_metric_filter_emits_its_value_dimensions_and_default(logs: Any) -> None:
    logs.put_metric_filter(
        logGroupName=GROUP,
        filterName="latency",
        filterPattern="{ $.latency > 0 }",
        metricTransformations=[
            {
                "metricName": "Latency",
                "metricNamespace": "Orders",
                "metricValue": "$.latency",
                "dimensions": {"Region": "$.region"},
                "unit": "Milliseconds",
            }
        ],
    )
    logs.put_metric_filter(
        logGroupName=GROUP,
        filterName="errors",
        filterPattern='{ $.level = "ERROR" }',
        metricTransformations=[
            {"metricName": "Errors", "metricNamespace": "Orders", "metricValue": "1", "defaultValue": 0}
        ],
    )
    put(logs, *LINES)
    assert metric("Orders", "Latency", [{"Name": "Region", "Value": "eu"}]) == [120.0]
    assert metric("Orders", "Latency", [{"Name": "Region", "Value": "us"}]) == [900.0]
    assert metric("Orders", "Errors") == [1.0]  # one ERROR; the four other events give the default 0
    assert metric("Orders", "Errors", statistic="SampleCount") == [5.0]


def test_a_space_delimited_metric_filter_reads_a_named_field(logs: Any) -> None:
    logs.put_metric_filter(
        logGroupName=GROUP,
        filterName="bytes",
        filterPattern="[ip, user, username, timestamp, request, status, bytes]",
        metricTransformations=[{"metricName": "Bytes", "metricNamespace": "Web", "metricValue": "$bytes"}],
    )
    put(logs, *LINES)
    assert metric("Web", "Bytes") == [1534.0]


def test_putting_a_metric_filter_again_replaces_it(logs: Any) -> None:
    for value in ("1", "5"):
        logs.put_metric_filter(
            logGroupName=GROUP,
            filterName="reports",
            filterPattern="REPORT",
            metricTransformations=[{"metricName": "Reports", "metricNamespace": "Orders", "metricValue": value}],
        )
    assert len(logs.describe_metric_filters(logGroupName=GROUP)["metricFilters"]) == 1
    put(logs, *LINES)
    assert metric("Orders", "Reports") == [5.0]


def test_an_emf_log_line_becomes_metrics(logs: Any) -> None:
    line = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": "Orders",
                    "Dimensions": [["service"]],
                    "Metrics": [{"Name": "OrdersProcessed", "Unit": "Count"}],
                }
            ],
        },
        "service": "checkout",
        "OrdersProcessed": 2,
    }
    put(logs, json.dumps(line), json.dumps(line), "not EMF")
    assert metric("Orders", "OrdersProcessed", [{"Name": "service", "Value": "checkout"}]) == [4.0]
    assert metric("Orders", "OrdersProcessed") == []  # only with the dimension set the line declared
    assert len(found(logs, "")) == 3  # the lines stay log events


def test_test_metric_filter_shows_the_matches_and_fields(logs: Any) -> None:
    answer = logs.test_metric_filter(filterPattern="[ip, ..., status >= 500, bytes]", logEventMessages=LINES)
    [match] = answer["matches"]
    assert match["eventNumber"] == 5 and match["eventMessage"] == LINES[4]
    assert match["extractedValues"]["$status"] == "503" and match["extractedValues"]["$bytes"] == "1534"
