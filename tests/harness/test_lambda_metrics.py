"""Each invocation publishes Lambda's AWS/Lambda metrics, and GetMetricStatistics keeps each set of
dimensions apart as CloudWatch does (lambda_telemetry.py, cloudwatch_metrics.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.exceptions import ClientError
from lambda_backend_kit import create_function, invoke

from harness.backends import EmbeddedMoto

SOURCE = "def handler(event, context):\n    if event.get('fail'):\n        raise ValueError('no')\n    return 1\n"


def total(metric: str, statistic: str = "Sum", **dimensions: str) -> float | None:
    now = datetime.now(timezone.utc)
    points = boto3.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda", MetricName=metric, StartTime=now - timedelta(minutes=5), EndTime=now + timedelta(minutes=1),
        Period=3600, Statistics=[statistic], Dimensions=[{"Name": name, "Value": value} for name, value in dimensions.items()],
    )["Datapoints"]
    return sum(point[statistic] for point in points) if points else None


def test_invocations_errors_and_duration_are_published_per_function(aws: EmbeddedMoto) -> None:
    create_function("measured", SOURCE, publish=True)
    boto3.client("lambda").create_alias(FunctionName="measured", Name="live", FunctionVersion="1")
    invoke("measured", {})
    invoke("measured", {"fail": True})
    invoke("measured", {}, Qualifier="live")
    assert total("Invocations", FunctionName="measured") == 3
    assert total("Errors", FunctionName="measured") == 1
    assert total("Invocations", FunctionName="measured", Resource="measured:live") == 1
    assert total("Invocations", FunctionName="measured", Resource="measured:live", ExecutedVersion="1") == 1
    assert total("Invocations") == 3  # the account-wide metric, without dimensions
    assert total("Duration", "Maximum", FunctionName="measured") > 0
    assert total("Throttles", FunctionName="measured") is None


def test_a_throttled_invocation_counts_as_a_throttle_not_an_invocation(aws: EmbeddedMoto) -> None:
    create_function("capped", SOURCE)
    boto3.client("lambda").put_function_concurrency(FunctionName="capped", ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError):
        invoke("capped", {})
    assert total("Throttles", FunctionName="capped") == 1
    assert total("Invocations", FunctionName="capped") is None


def test_custom_metrics_keep_their_dimension_sets_apart(aws: EmbeddedMoto) -> None:
    cloudwatch = boto3.client("cloudwatch")
    cloudwatch.put_metric_data(Namespace="Shop", MetricData=[
        {"MetricName": "Orders", "Value": 1, "Dimensions": [{"Name": "Service", "Value": "orders"}]},
        {"MetricName": "Orders", "Value": 5, "Dimensions": [{"Name": "Service", "Value": "orders"}, {"Name": "Region", "Value": "eu"}]},
    ])
    now = datetime.now(timezone.utc)
    points = cloudwatch.get_metric_statistics(Namespace="Shop", MetricName="Orders", StartTime=now - timedelta(minutes=5),
                                              EndTime=now + timedelta(minutes=1), Period=3600, Statistics=["Sum"],
                                              Dimensions=[{"Name": "Service", "Value": "orders"}])["Datapoints"]
    assert [point["Sum"] for point in points] == [1.0]
