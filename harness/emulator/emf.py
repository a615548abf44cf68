"""Embedded Metric Format: a JSON log event with an ``_aws.CloudWatchMetrics`` directive is also metrics.

As CloudWatch Logs does for any event it ingests (the ``x-amzn-logs-format: json/emf`` header is
optional): for each directive, each metric it names and each of its dimension sets, one datapoint in
the directive's Namespace, with the dimension values read from the event's root members, the Unit the
directive gives, and ``_aws.Timestamp`` (milliseconds) as its time; a member holding a list of numbers
gives one datapoint per number. An event that breaks the specification (no Timestamp, a dimension
without a string value, more than 30 dimensions in a set ...) stays a log event and gives no metrics
from that directive; a metric whose value is missing or not a number, or whose unit is unknown, is
left out.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

MAX_DIMENSIONS = 30
MAX_VALUES = 100
UNITS = frozenset(
    {
        "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
        "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
        "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
        "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Datapoint:
    namespace: str
    name: str
    value: float
    dimensions: dict[str, str]
    unit: str | None
    timestamp_millis: int


def datapoints(message: str) -> list[Datapoint]:
    """The metrics one log event carries; [] when it is not EMF."""
    if "_aws" not in message:  # most log lines: skip the JSON parse
        return []
    try:
        event = json.loads(message)
    except ValueError:
        return []
    metadata = event.get("_aws") if isinstance(event, dict) else None
    if not isinstance(metadata, dict) or not isinstance(metadata.get("CloudWatchMetrics"), list):
        return []
    timestamp = metadata.get("Timestamp")
    if not _is_number(timestamp):
        return []
    found: list[Datapoint] = []
    for directive in metadata["CloudWatchMetrics"]:
        found.extend(_directive(event, directive, int(timestamp)))
    return found


def _directive(event: dict[str, Any], directive: Any, timestamp: int) -> list[Datapoint]:
    if not isinstance(directive, dict):
        return []
    namespace, metrics = directive.get("Namespace"), directive.get("Metrics")
    dimension_sets = directive.get("Dimensions", [[]])
    if not isinstance(namespace, str) or not 0 < len(namespace) <= 255 or not isinstance(metrics, list):
        return []
    if not isinstance(dimension_sets, list) or not all(isinstance(names, list) for names in dimension_sets):
        return []
    resolved = []
    for names in dimension_sets or [[]]:
        if len(names) > MAX_DIMENSIONS or not all(isinstance(event.get(name), str) for name in names):
            return []
        resolved.append({name: event[name] for name in names})
    found = []
    for metric in metrics:
        if not isinstance(metric, dict) or not isinstance(metric.get("Name"), str):
            return []
        unit = metric.get("Unit")
        values = event.get(metric["Name"])
        values = values if isinstance(values, list) else [values]
        if unit is not None and unit not in UNITS:
            continue
        if not values or len(values) > MAX_VALUES or not all(_is_number(value) for value in values):
            continue
        for dimensions in resolved:
            found.extend(
                Datapoint(namespace, metric["Name"], float(value), dimensions, unit, timestamp) for value in values
            )
    return found


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
