"""Short CloudWatch Logs pages on the embedded backend, for graders: a reader must follow nextToken.

    from harness.kit.log_pages import short_log_pages

    with short_log_pages(10):                  # @pytest.mark.needs(PAGED_LOG_READS)
        summary = module.summarize("order-processor-load-test")   # its FilterLogEvents pages hold 10 events

CloudWatch Logs may answer any FilterLogEvents page short, or empty, with a nextToken; moto answers up to
10,000 events at once, so a reader that takes the first page only is right there by luck. While this is on,
each page holds at most that many events (harness/emulator/logs.py). The reset before each check ends it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..backends import PAGED_LOG_READS
from .course_endpoints import backend_endpoint, call

NO_SHORT_PAGES = "The backend {name} cannot shorten its log pages; mark the check @pytest.mark.needs(PAGED_LOG_READS)."


def set_page_events(events: int | None, endpoint: str | None = None) -> int | None:
    """At most ``events`` events a FilterLogEvents page (None: the backend's own pages); answers the setting."""
    return call("POST", _endpoint(endpoint) + "/_course/log-pages", {"events": events})["events"]


@contextmanager
def short_log_pages(events: int, endpoint: str | None = None) -> Iterator[None]:
    set_page_events(events, endpoint)
    try:
        yield
    finally:
        set_page_events(None, endpoint)


def _endpoint(endpoint: str | None) -> str:
    return backend_endpoint(PAGED_LOG_READS, NO_SHORT_PAGES, endpoint)
