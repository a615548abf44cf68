"""What Lambda records about each invocation, written through moto's own backends.

CloudWatch Logs: the group ``/aws/lambda/<name>`` (created on first use, as Lambda does), one stream per
execution environment. CloudWatch metrics in ``AWS/Lambda``: Invocations, Errors (0 or 1: an error rate
is Errors over Invocations), Duration, Throttles and ConcurrentExecutions, each for the account, for
``FunctionName``, and when a version or alias was named for ``FunctionName`` + ``Resource`` (and the
``ExecutedVersion`` an alias ran). An invocation of an alias or version with READY provisioned concurrency
adds ProvisionedConcurrencyInvocations, ProvisionedConcurrencySpilloverInvocations (it ran on demand) and
ProvisionedConcurrentExecutions on those dimensions, and ProvisionedConcurrencyUtilization (busy over
allocated) for ``FunctionName`` + ``Resource``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from .lambda_environment import LogLine

MAX_EVENT_CHARS = 256 * 1024 - 26  # CloudWatch Logs' limit on one event
NAMESPACE = "AWS/Lambda"
_lock = threading.Lock()  # moto's backends are not written for concurrent writers


def write_log(account_id: str, region: str, group: str, stream: str, lines: list[LogLine]) -> None:
    from moto.logs.models import logs_backends

    if not lines:
        return
    backend = logs_backends[account_id][region]
    events, latest = [], 0
    for line in lines:  # CloudWatch takes a batch in time order; a line read late keeps its place
        latest = max(latest, line.timestamp_ms)
        events.append({"timestamp": latest, "message": line.message[:MAX_EVENT_CHARS] or " "})
    with _lock:
        if group not in backend.groups:
            backend.create_log_group(group, {})
        backend.ensure_log_stream(group, stream)
        backend.put_log_events(group, stream, events)


@dataclass(frozen=True)
class Measured:
    """One invocation, as the metrics see it."""

    function_name: str
    resource: str | None  # "name:alias" or "name:version" when the caller named one
    executed_version: str | None  # when an alias was named: the version that ran
    duration_ms: float = 0.0
    error: bool = False
    throttled: bool = False
    concurrent: int = 1
    provisioned: bool | None = None  # None: what was invoked has no READY provisioned concurrency
    provisioned_busy: int = 0  # its provisioned environments running an invocation, this one included
    provisioned_allocated: int = 0


def _dimension_sets(measured: Measured) -> list[list[dict[str, str]]]:
    sets: list[list[dict[str, str]]] = [[], [{"Name": "FunctionName", "Value": measured.function_name}]]
    if measured.resource:
        sets.append([*sets[1], {"Name": "Resource", "Value": measured.resource}])
        if measured.executed_version:
            sets.append([*sets[2], {"Name": "ExecutedVersion", "Value": measured.executed_version}])
    return sets


def put_metrics(account_id: str, region: str, measured: Measured) -> None:
    from moto.cloudwatch.models import cloudwatch_backends

    if measured.throttled:
        values = [("Throttles", 1.0, "Count")]
    else:
        values = [
            ("Invocations", 1.0, "Count"),
            ("Errors", 1.0 if measured.error else 0.0, "Count"),
            ("Duration", round(measured.duration_ms, 2), "Milliseconds"),
            ("ConcurrentExecutions", float(measured.concurrent), "Count"),
        ]
        if measured.provisioned is not None:
            values += [
                ("ProvisionedConcurrencyInvocations", 1.0 if measured.provisioned else 0.0, "Count"),
                ("ProvisionedConcurrencySpilloverInvocations", 0.0 if measured.provisioned else 1.0, "Count"),
                ("ProvisionedConcurrentExecutions", float(measured.provisioned_busy), "Count"),
            ]
    data = [
        {"MetricName": name, "Value": value, "Unit": unit, "Dimensions": dimensions}
        for dimensions in _dimension_sets(measured)
        for name, value, unit in values
    ]
    if measured.provisioned is not None and measured.provisioned_allocated and measured.resource:
        utilization = measured.provisioned_busy / measured.provisioned_allocated
        data += [{"MetricName": "ProvisionedConcurrencyUtilization", "Value": round(utilization, 4), "Unit": "None",
                  "Dimensions": dimensions} for dimensions in _dimension_sets(measured)[2:3]]
    with _lock:
        cloudwatch_backends[account_id][region].put_metric_data(NAMESPACE, data)
