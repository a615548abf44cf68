"""Circuit breaker guarded by a lock, so one trial call holds even across threads."""

from __future__ import annotations

import threading
import time


class CircuitOpenError(Exception):
    pass


class CircuitBreaker:
    def __init__(self, failure_threshold: int = 5, reset_timeout: float = 30.0, clock=time.monotonic) -> None:
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self.clock = clock
        self.failures = 0
        self.opened_at: float | None = None
        self.trial = threading.Lock()

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "CLOSED"
        return "HALF_OPEN" if self.clock() - self.opened_at >= self.reset_timeout else "OPEN"

    def call(self, function, *args, **kwargs):
        state = self.state
        if state == "OPEN":
            raise CircuitOpenError(f"open for {self.reset_timeout - (self.clock() - self.opened_at):.1f} s more")
        if state == "HALF_OPEN" and not self.trial.acquire(blocking=False):
            raise CircuitOpenError("trial call in progress")
        try:
            result = function(*args, **kwargs)
        except Exception:
            self.failures += 1
            if state == "HALF_OPEN" or self.failures >= self.failure_threshold:
                self.opened_at = self.clock()
            raise
        else:
            self.failures, self.opened_at = 0, None
            return result
        finally:
            if state == "HALF_OPEN":
                self.trial.release()
