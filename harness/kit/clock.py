"""The embedded backend's clock, for graders: jump ahead instead of waiting for CloudWatch's periods.

    from harness.kit import clock

    clock.start_of_period(60)   # a scenario's datapoints now all fall in one 60 s period
    ...drive failures through the deployed function...
    clock.advance(60)           # that period is over: alarms are evaluated, actions published
    cloudwatch.describe_alarms(AlarmNames=[name])  -> ALARM, the SNS topic's queue has the notification

The backend's time is the wall clock plus an offset (harness/emulator/clock.py): datapoints and log
events keep the sender's wall-clock time shifted by the offset, so send them as usual. A check starts
with the offset at 0 (the reset before every check sets it back). Only the embedded backend has this
clock: mark checks that use it ``@pytest.mark.needs(VIRTUAL_CLOCK)`` (harness.backends).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..backends import VIRTUAL_CLOCK
from .course_endpoints import backend_endpoint, call

NO_CLOCK = "The backend {name} has no clock a grader can advance; mark the check @pytest.mark.needs(VIRTUAL_CLOCK)."


@dataclass(frozen=True)
class ClockReading:
    now: float  # the backend's time, seconds since the epoch
    iso: str
    offset_seconds: float


def now(endpoint: str | None = None) -> ClockReading:
    return _call("GET", _endpoint(endpoint) + "/_course/clock")


def advance(seconds: float, endpoint: str | None = None) -> ClockReading:
    """Moves the backend's time forward by ``seconds``; alarms whose period boundaries it crosses are
    evaluated at each of them before this returns."""
    return _call("POST", _endpoint(endpoint) + "/_course/clock/advance", {"seconds": seconds})


def start_of_period(period: float, endpoint: str | None = None) -> ClockReading:
    """Jumps to the start of the next ``period``-second period (a multiple of it since the epoch)."""
    return _call("POST", _endpoint(endpoint) + "/_course/clock/advance", {"to_period_start": period})


def _endpoint(endpoint: str | None) -> str:
    return backend_endpoint(VIRTUAL_CLOCK, NO_CLOCK, endpoint)


def _call(method: str, url: str, payload: dict | None = None) -> ClockReading:
    body = call(method, url, payload)
    return ClockReading(now=body["now"], iso=body["iso"], offset_seconds=body["offset_seconds"])
