"""The circuit breaker Lab 6's README specifies, as the grader's model, and the sequences it is judged on.

The grader plays each sequence on the student's breaker (harness/kit/breaker_probe, in the student
process) and on this model, and compares every observation: whether the function was called, what the
call did ("returned", "raised" the function's error, "failed fast" with CircuitOpenError) and the state
after it. Random sequences come from a seeded generator, so a failure names a seed that replays it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

CLOSED, OPEN, HALF_OPEN = "CLOSED", "OPEN", "HALF_OPEN"


@dataclass
class ModelBreaker:
    failure_threshold: int
    reset_timeout: float
    now: float = 1000.0
    state_value: str = CLOSED
    failures: int = 0
    opened_at: float = 0.0
    trial_running: bool = False
    log: list[Any] = field(default_factory=list)

    def state(self) -> str:
        if self.state_value == OPEN and self.now - self.opened_at >= self.reset_timeout:
            self.state_value = HALF_OPEN
        return self.state_value

    def attempt(self, ok: bool, nested: bool = False) -> dict[str, Any]:
        state = self.state()
        if state == OPEN or (state == HALF_OPEN and self.trial_running):
            return {"called": 0, "outcome": "failed fast", "state": self.state()}
        self.trial_running = state == HALF_OPEN
        answer: dict[str, Any] = {"called": 1}
        if nested:
            answer["nested"] = self.attempt(True)
        self.trial_running = False
        if ok:
            self.state_value, self.failures = CLOSED, 0
            answer["outcome"] = "returned"
        else:
            self.failures += 1
            if state == HALF_OPEN or self.failures >= self.failure_threshold:
                self.state_value, self.opened_at = OPEN, self.now
            answer["outcome"] = "raised"
        answer["state"] = self.state()
        return {key: answer[key] for key in ("called", "outcome", "state", "nested") if key in answer}

    def play(self, step: dict[str, Any]) -> dict[str, Any]:
        if step["op"] == "advance":
            self.now += float(step["seconds"])
            return {"state": self.state()}
        if step["op"] == "trial_with_nested_call":
            return self.attempt(True, nested=True)
        return self.attempt(bool(step["ok"]))


def expected(failure_threshold: int, reset_timeout: float, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    model = ModelBreaker(failure_threshold, reset_timeout)
    return [{"state": model.state()}, *(model.play(step) for step in steps)]


def call(ok: bool) -> dict[str, Any]:
    return {"op": "call", "ok": ok}


def advance(seconds: float) -> dict[str, Any]:
    return {"op": "advance", "seconds": seconds}


def random_sequence(rng: random.Random, reset_timeout: float, length: int) -> list[dict[str, Any]]:
    """Mostly failures and short waits, so that sequences reach OPEN and HALF_OPEN often; waits cluster
    around the reset timeout (just before, exactly at, after it)."""
    steps: list[dict[str, Any]] = []
    for _ in range(length):
        roll = rng.random()
        if roll < 0.2:
            steps.append(advance(rng.choice([1.0, reset_timeout / 2, reset_timeout - 0.5, reset_timeout, reset_timeout + 3])))
        else:
            steps.append(call(rng.random() < 0.4))
    return steps


def describe_step(step: dict[str, Any]) -> str:
    if step["op"] == "advance":
        return f"clock +{step['seconds']:g} s"
    if step["op"] == "trial_with_nested_call":
        return "a succeeding call that makes another call while it runs"
    return "a call that succeeds" if step["ok"] else "a call that fails"


def describe_observation(observed: dict[str, Any]) -> str:
    parts = []
    if "outcome" in observed:
        called = "the function called" if observed["called"] == 1 else f"the function called {observed['called']} times"
        parts.append(f"{observed['outcome']} ({'the function not called' if observed['called'] == 0 else called})")
    if "nested" in observed:
        parts.append(f"the call made meanwhile {describe_observation(observed['nested'])}")
    parts.append(f"state {observed['state']}")
    return ", ".join(parts)


def first_difference(steps: list[dict[str, Any]], got: list[dict[str, Any]], want: list[dict[str, Any]]) -> str | None:
    """Where the student's breaker first parts from the model: the steps up to there, expected and got."""
    for index, (mine, theirs) in enumerate(zip(want, got)):
        if mine != theirs:
            before = "; ".join(describe_step(step) for step in steps[: index - 1]) if index > 1 else ""
            if index == 0:
                where = "A new breaker"
            else:
                where = (f"After {before}, then " if before else "On ") + describe_step(steps[index - 1])
            return f"{where}: expected {describe_observation(mine)}; got {describe_observation(theirs)}."
    if len(got) != len(want):
        return f"Expected {len(want)} observations, got {len(got)}."
    return None
