"""Runs call sequences on a student's CircuitBreaker, inside the student process (Lab 6).

A grader cannot hand a clock or a function to student code over the student process's pipe (it carries
data only), so this module, loaded there with ``exercise``-style isolation (harness.loader.load_module),
imports the student's circuit_breaker.py, builds the breaker with a manual clock, plays the steps and
answers what happened as plain data. The grading process compares that with its model
(harness/kit/breaker_model.py); nothing here decides a grade. Standard library only.

A step is {"op": "call", "ok": bool}, {"op": "advance", "seconds": float}, or {"op": "trial_with_nested_call"}
(a succeeding call that, while it runs, makes one more call through the same breaker).
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from typing import Any

START = 1000.0  # the manual clock's first reading: not 0, so a breaker that reads another clock shows


class ManualClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


class ServiceDown(Exception):
    """What the protected function raises when a step says it fails."""


def load(path: str) -> Any:
    spec = importlib.util.spec_from_file_location("circuit_breaker", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path} cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules["circuit_breaker"] = module
    spec.loader.exec_module(module)
    return module


def state_name(state: Any) -> str:
    """"CLOSED", "OPEN", "HALF_OPEN" from a string or an Enum member (its name or value)."""
    for candidate in (state, getattr(state, "value", None), getattr(state, "name", None)):
        if isinstance(candidate, str) and candidate.upper().replace("-", "_") in ("CLOSED", "OPEN", "HALF_OPEN"):
            return candidate.upper().replace("-", "_")
    return f"unknown ({state!r})"[:80]


def describe_error(error: BaseException) -> str:
    frame = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
    where = f" ({frame[0].filename.rsplit('/', 1)[-1]}, line {frame[0].lineno})" if frame else ""
    return f"{type(error).__name__}: {error}"[:200] + where


class Probe:
    def __init__(self, module: Any, failure_threshold: int, reset_timeout: float) -> None:
        self.module = module
        self.clock = ManualClock()
        self.breaker = module.CircuitBreaker(failure_threshold=failure_threshold, reset_timeout=reset_timeout, clock=self.clock)

    def state(self) -> str:
        return state_name(self.breaker.state)

    def attempt(self, ok: bool, nested: bool = False) -> dict[str, Any]:
        seen: dict[str, Any] = {"called": 0}

        def protected() -> str:
            seen["called"] += 1
            if nested:
                seen["nested"] = self.attempt(True)
            if not ok:
                raise ServiceDown("the pricing service is down")
            return "price: 12.50"

        try:
            result = self.breaker.call(protected)
            outcome = "returned" if result == "price: 12.50" else f"returned {result!r}"[:80]
        except ServiceDown:
            outcome = "raised"
        except self.module.CircuitOpenError:
            outcome = "failed fast"
        except Exception as error:  # noqa: BLE001 - the student's own error, reported as data
            outcome = f"error {describe_error(error)}"
        answer = {"called": seen["called"], "outcome": outcome, "state": self.state()}
        if "nested" in seen:
            answer["nested"] = seen["nested"]
        return answer

    def play(self, step: dict[str, Any]) -> dict[str, Any]:
        if step["op"] == "advance":
            self.clock.now += float(step["seconds"])
            return {"state": self.state()}
        if step["op"] == "trial_with_nested_call":
            return self.attempt(True, nested=True)
        return self.attempt(bool(step["ok"]))


def run(path: str, failure_threshold: int, reset_timeout: float, sequences: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    """Each sequence on a new breaker; the observations of each step. Stops a sequence at its first
    error of the student's code other than the expected ones (the observation says it)."""
    module = load(path)
    results = []
    for steps in sequences:
        probe = Probe(module, failure_threshold, reset_timeout)
        observed = [{"state": probe.state()}]
        for step in steps:
            observed.append(probe.play(step))
        results.append(observed)
    return results
