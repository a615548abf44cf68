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


def test_short_pages_hold_at_most_the_events_asked_and_the_paginator_still_reads_them_all(
    logs: Any, fresh_backend: EmbeddedMoto
) -> None:
    from harness.kit.log_pages import set_page_events, short_log_pages

    put(logs, *[f"REPORT RequestId: {number}" for number in range(23)])
    assert len(logs.filter_log_events(logGroupName=GROUP)["events"]) == 23  # moto's own page: all of them
    with short_log_pages(10, fresh_backend.endpoint):
        first = logs.filter_log_events(logGroupName=GROUP, filterPattern='"REPORT RequestId"')
        assert len(first["events"]) == 10 and first.get("nextToken")
        assert len(logs.filter_log_events(logGroupName=GROUP, limit=3)["events"]) == 3  # a shorter limit stays
        pages = list(logs.get_paginator("filter_log_events").paginate(logGroupName=GROUP))
        assert [len(page["events"]) for page in pages] == [10, 10, 3]
        assert [e["message"] for page in pages for e in page["events"]] == [f"REPORT RequestId: {n}" for n in range(23)]
    assert len(logs.filter_log_events(logGroupName=GROUP)["events"]) == 23  # off again after the block
    assert set_page_events(5, fresh_backend.endpoint) == 5
    fresh_backend.reset()
    assert _page_setting(fresh_backend) is None  # the reset ends it


def _page_setting(backend: EmbeddedMoto) -> Any:
    import urllib.request

    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(f"{backend.endpoint}/_course/log-pages") as answer:
        return json.loads(answer.read())["events"]


@pytest.mark.parametrize("events", [0, -1, "10", True, 2.5])
def test_short_pages_refuse_what_is_no_positive_number(fresh_backend: EmbeddedMoto, events: Any) -> None:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"{fresh_backend.endpoint}/_course/log-pages", data=json.dumps({"events": events}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request)
    assert refused.value.code == 400 and _page_setting(fresh_backend) is None
