"""CloudWatch metrics: datapoints on the backend's clock, and a metric named by its exact dimensions.

On CloudWatch a metric is its namespace, name and full set of dimensions: a datapoint sent with
{FunctionName=f, Version=1} is not one of the metric {FunctionName=f}, and ``GetMetricStatistics``
with no dimensions finds only datapoints sent with none. moto matches any datapoint whose dimensions
include the ones asked for (or all datapoints when none are asked for); here ``GetMetricStatistics``
and alarms match exactly. Times follow harness/emulator/clock.py.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from . import clock


def apply() -> None:
    from moto.cloudwatch import models

    models.utcnow = clock.utcnow  # default timestamps, alarm times: the backend's time
    backend_class = models.CloudWatchBackend
    put_metric_data = backend_class.put_metric_data

    @functools.wraps(put_metric_data)
    def put_metric_data_on_the_clock(self: Any, namespace: str, metric_data: list[dict[str, Any]]) -> None:
        shifted = [
            {**member, "Timestamp": clock.shift(member["Timestamp"])} if member.get("Timestamp") else member
            for member in metric_data
        ]
        put_metric_data(self, namespace, shifted)

    get_metric_data = backend_class.get_metric_data

    @functools.wraps(get_metric_data)
    def get_metric_data_on_the_clock(
        self: Any, queries: Any, start_time: datetime, end_time: datetime, *args: Any, **kwargs: Any
    ) -> Any:
        return get_metric_data(self, queries, clock.shift(start_time), clock.shift(end_time), *args, **kwargs)

    backend_class.put_metric_data = put_metric_data_on_the_clock
    backend_class.get_metric_data = get_metric_data_on_the_clock
    backend_class.get_metric_statistics = get_metric_statistics


def get_metric_statistics(
    self: Any,
    namespace: str,
    metric_name: str,
    start_time: datetime,
    end_time: datetime,
    period: int,
    stats: list[str],
    dimensions: list[dict[str, str]],
    unit: str | None = None,
) -> list[Any]:
    """moto's GetMetricStatistics with exact dimensions, periods aligned on multiples of Period."""
    from moto.cloudwatch.exceptions import InvalidParameterValue
    from moto.cloudwatch.models import Statistics

    start, end = clock.shift(start_time.replace(microsecond=0)), clock.shift(end_time.replace(microsecond=0))
    if start >= end:
        raise InvalidParameterValue("The parameter StartTime must be less than the parameter EndTime.")
    matching = sorted(
        (
            datum
            for datum in datapoints_of(self, namespace, metric_name, dimensions, unit)
            if start <= datum.timestamp < end
        ),
        key=lambda datum: datum.timestamp,
    )
    by_period: dict[int, Any] = {}
    for datum in matching:
        index = math.floor(epoch(datum.timestamp) / period)
        if index not in by_period:
            moment = datetime.fromtimestamp(index * period, tz=timezone.utc).replace(tzinfo=None)
            by_period[index] = Statistics(stats, moment)
        by_period[index].metric_data.append(datum)
        by_period[index].unit = datum.unit
    return list(by_period.values())


def dimension_key(dimensions: Iterable[Any]) -> frozenset[tuple[str, str]]:
    """A metric's identity within its name: moto Dimension objects or {"Name", "Value"} dicts."""
    pairs = set()
    for dimension in dimensions:
        if isinstance(dimension, dict):
            pairs.add((dimension.get("Name"), dimension.get("Value")))
        else:
            pairs.add((dimension.name, dimension.value))
    return frozenset(pairs)


MetricKey = tuple[str, str, frozenset[tuple[str, str]]]


def metric_key(datum: Any) -> MetricKey:
    """(namespace, name, dimensions) of a stored datapoint, worked out once per datapoint."""
    key = getattr(datum, "course_metric_key", None)
    if key is None:
        key = (datum.namespace, datum.name, dimension_key(datum.dimensions))
        datum.course_metric_key = key
    return key


def metrics_index(backend: Any) -> dict[MetricKey, list[Any]]:
    """Every datapoint of the backend by metric: one pass, however many alarms read it."""
    index: dict[MetricKey, list[Any]] = {}
    for datum in list(backend.get_all_metrics()):
        index.setdefault(metric_key(datum), []).append(datum)
    return index


def datapoints_of(
    backend: Any,
    namespace: str,
    name: str,
    dimensions: Iterable[Any],
    unit: str | None = None,
    index: dict[MetricKey, list[Any]] | None = None,
) -> list[Any]:
    """The datapoints of one metric (exact dimensions), with ``unit`` only when one is given."""
    found = (index if index is not None else metrics_index(backend)).get(
        (namespace, name, dimension_key(dimensions)), []
    )
    return [datum for datum in found if not unit or datum.unit == unit]


def record(
    account_id: str,
    region: str,
    namespace: str,
    name: str,
    value: float,
    dimensions: dict[str, str],
    unit: str | None,
    when: datetime,
) -> None:
    """Stores one datapoint already in the backend's time (EMF lines, metric filters)."""
    from moto.cloudwatch.models import MetricDatum, cloudwatch_backends

    backend = cloudwatch_backends[account_id][region]
    pairs = [{"Name": key, "Value": str(dimension_value)} for key, dimension_value in dimensions.items()]
    backend.metric_data.append(MetricDatum(namespace, name, float(value), pairs, when, unit))


def epoch(moment: datetime) -> float:
    """moto's naive UTC datetime, in seconds since the epoch."""
    return (moment - _EPOCH).total_seconds()


_EPOCH = datetime(1970, 1, 1)


def from_millis(millis: float) -> datetime:
    return datetime(1970, 1, 1) + timedelta(milliseconds=millis)
