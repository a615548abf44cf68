"""The embedded backend's clock: wall-clock time plus an offset that only moves forward.

CloudWatch judges alarms period by period, so a grader that waited for real minutes would be slow and
would depend on where the wall clock's minute boundaries fall. Here the backend's time is the wall
clock plus an offset a grader moves forward (``POST /_course/clock/advance``, ``harness.kit.clock``):
time keeps flowing, and jumping ahead crosses period boundaries at once.

What enters the backend is read as the sender's wall-clock time and shifted by the offset: a metric
datapoint's or a log event's timestamp, the start and end of a query. A datapoint sent without a
timestamp is stamped with the backend's time. What the backend reports (datapoints, log events, alarm
times) is in its own time. With no advance the offset is 0 and both are the wall clock. A reset of the
backend sets the offset back to 0, so one check's advances never reach the next.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

_lock = threading.Lock()
_offset = 0.0  # seconds the backend's time is ahead of the wall clock
_listeners: list[Callable[[], None]] = []


def now() -> float:
    """The backend's time, in seconds since the epoch."""
    return time.time() + _offset


def offset() -> float:
    return _offset


def utcnow() -> datetime:
    """The backend's time as moto keeps times: a naive UTC datetime."""
    return datetime.fromtimestamp(now(), tz=timezone.utc).replace(tzinfo=None)


def shift(when: datetime) -> datetime:
    """A time a client sent (its wall clock), in the backend's time."""
    return when + timedelta(seconds=_offset)


def shift_millis(millis: int | float) -> int:
    return int(millis + round(_offset * 1000))


def advance(seconds: float) -> float:
    """Moves the backend's time forward, then lets the listeners (alarm evaluation) catch up."""
    global _offset
    if not seconds >= 0 or math.isinf(seconds):  # also refuses NaN
        raise ValueError(f"the clock only moves forward by a finite number of seconds, not {seconds!r}")
    with _lock:
        _offset += seconds
    _notify()
    return now()


def advance_to_period_start(period: float) -> float:
    """Jumps to the next multiple of ``period`` seconds since the epoch (CloudWatch's period boundaries).

    Everything sent after the jump lands in one period until ``period`` seconds of wall time pass, so a
    grader that starts a scenario here knows which period each datapoint falls in."""
    if not period > 0 or math.isinf(period):
        raise ValueError(f"a period is a positive number of seconds, not {period!r}")
    current = now()
    return advance((math.floor(current / period) + 1) * period - current)


def reset() -> None:
    global _offset
    with _lock:
        _offset = 0.0


def on_advance(listener: Callable[[], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def _notify() -> None:
    for listener in list(_listeners):
        listener()


def apply() -> None:
    """A reset of moto's state (``POST /moto-api/reset``) also sets the clock back to the wall clock."""
    from moto.moto_api._internal.models import MotoAPIBackend

    moto_reset = MotoAPIBackend.reset
    if getattr(moto_reset, "resets_clock", False):
        return

    def reset_with_clock(self: object) -> None:
        moto_reset(self)  # type: ignore[arg-type]
        reset()

    reset_with_clock.resets_clock = True  # type: ignore[attr-defined]
    MotoAPIBackend.reset = reset_with_clock  # type: ignore[method-assign]
