"""A circuit breaker: stop calling a dependency that keeps failing, and try it again later.

    breaker = CircuitBreaker(failure_threshold=3, reset_timeout=30.0)
    price = breaker.call(pricing_client.get_price, "PU-1001")   # CircuitOpenError while the circuit is open

README steps 4-6 say what each state does; the grader plays call sequences with a clock it moves by hand.
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
        # TODO 4: keep the settings and the clock; a new breaker is CLOSED (README step 4).
        raise NotImplementedError("TODO 4")

    @property
    def state(self) -> str:
        # TODO 6: OPEN becomes HALF_OPEN once reset_timeout seconds have passed on self.clock (README step 6).
        raise NotImplementedError("TODO 6")

    def call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        # TODO 5: call through while CLOSED, count failures in a row, fail fast while OPEN (README step 5);
        # TODO 6: one trial call while HALF_OPEN, then CLOSED or OPEN again (README step 6).
        raise NotImplementedError("TODO 5")
