"""A circuit breaker: stop calling a dependency that keeps failing, and try it again later.

    breaker = CircuitBreaker(failure_threshold=3, reset_timeout=30.0)
    price = breaker.call(pricing_client.get_price, "PU-1001")   # CircuitOpenError while the circuit is open

CLOSED: calls go through; failure_threshold failures in a row open the circuit (a success resets the
count). OPEN: calls fail fast with CircuitOpenError, the function is not called. After reset_timeout
seconds on the breaker's clock the circuit is HALF_OPEN: one trial call goes through (any other call
meanwhile fails fast); its success closes the circuit, its failure opens it again for reset_timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

CLOSED, OPEN, HALF_OPEN = "CLOSED", "OPEN", "HALF_OPEN"


class CircuitOpenError(Exception):
    """The circuit is open: the call was refused without calling the function."""


class CircuitBreaker:
    def __init__(self, failure_threshold: int = 5, reset_timeout: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self.clock = clock
        self._state = CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial_running = False

    @property
    def state(self) -> str:
        if self._state == OPEN and self.clock() - self._opened_at >= self.reset_timeout:
            self._state = HALF_OPEN
        return self._state

    def call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        state = self.state
        if state == OPEN or (state == HALF_OPEN and self._trial_running):
            raise CircuitOpenError(f"circuit open: {getattr(function, '__name__', 'the call')} not attempted")
        self._trial_running = state == HALF_OPEN
        try:
            result = function(*args, **kwargs)
        except Exception:
            self._on_failure(trial=state == HALF_OPEN)
            raise
        finally:
            if state == HALF_OPEN:
                self._trial_running = False
        self._state, self._failures = CLOSED, 0
        return result

    def _on_failure(self, *, trial: bool) -> None:
        self._failures += 1
        if trial or self._failures >= self.failure_threshold:
            self._state, self._opened_at = OPEN, self.clock()
