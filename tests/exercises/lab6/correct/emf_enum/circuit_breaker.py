"""Circuit breaker with an Enum state and the deadline kept instead of the opening time."""

import enum
import time


class State(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitOpenError(RuntimeError):
    pass


class CircuitBreaker:
    def __init__(self, failure_threshold=5, reset_timeout=30.0, clock=time.monotonic):
        self._threshold = failure_threshold
        self._timeout = reset_timeout
        self._now = clock
        self._current = State.CLOSED
        self._consecutive_failures = 0
        self._retry_at = None
        self._probing = False

    @property
    def state(self):
        if self._current is State.OPEN and self._now() >= self._retry_at:
            self._current = State.HALF_OPEN
        return self._current

    def _trip(self):
        self._current = State.OPEN
        self._retry_at = self._now() + self._timeout

    def call(self, function, *args, **kwargs):
        current = self.state
        if current is State.OPEN:
            raise CircuitOpenError("open")
        if current is State.HALF_OPEN:
            if self._probing:
                raise CircuitOpenError("a trial call is running")
            self._probing = True
            try:
                result = function(*args, **kwargs)
            except Exception:
                self._trip()
                raise
            finally:
                self._probing = False
            self._current, self._consecutive_failures = State.CLOSED, 0
            return result
        try:
            result = function(*args, **kwargs)
        except Exception:
            self._consecutive_failures += 1
            if self._consecutive_failures == self._threshold:
                self._trip()
            raise
        self._consecutive_failures = 0
        return result
