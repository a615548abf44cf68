"""CloudWatch ``GetMetricStatistics``: each combination of dimensions is a metric of its own.

CloudWatch treats every unique set of dimensions as a separate metric, so asking for
``FunctionName=orders`` returns the datapoints published with exactly that set. moto returns every
datapoint whose dimensions include the ones asked for (and, asked for none, every datapoint), so Lambda's
metrics, published per function and again per function and alias (lambda_telemetry.py), would be
counted twice, and an account-wide sum would add them all.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_lock = threading.Lock()


def _dimension_set(dimensions: Any) -> list[tuple[str, str]]:
    return sorted((str(d.name), str(d.value)) if hasattr(d, "name") else (d["Name"], d.get("Value")) for d in dimensions or [])


def apply() -> None:
    from moto.cloudwatch.models import CloudWatchBackend

    statistics = CloudWatchBackend.get_metric_statistics

    @functools.wraps(statistics)
    def exactly_these_dimensions(self: CloudWatchBackend, *args: Any, **kwargs: Any) -> Any:
        dimensions = kwargs["dimensions"] if "dimensions" in kwargs else args[6]
        wanted = _dimension_set(dimensions)
        every_metric = self.get_all_metrics
        with _lock:  # the narrowed view below is this call's alone
            self.get_all_metrics = lambda: [md for md in every_metric() if _dimension_set(md.dimensions) == wanted]  # type: ignore[method-assign]
            try:
                return statistics(self, *args, **kwargs)
            finally:
                del self.get_all_metrics

    CloudWatchBackend.get_metric_statistics = exactly_these_dimensions  # type: ignore[method-assign]
