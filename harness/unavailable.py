"""Services a backend cannot provide (LocalStack without Docker: Lambda code, DynamoDB), and the checks
that touched them: those are "not graded on this backend", whatever happened, never a waiter failure
or a pass that the service could not have earned."""

from __future__ import annotations

from .call_log import ApiCall, CallLog


class TouchLog(CallLog):
    """A call log that also remembers which services were called since the last reset (the aws_calls
    fixture clears the calls themselves when a check asks for them)."""

    def __init__(self) -> None:
        super().__init__()
        self.touched: set[str] = set()

    def record(self, call: ApiCall) -> None:
        self.touched.add(call.service)
        super().record(call)

    def forget_touched(self) -> None:
        self.touched = set()


def reason_not_graded(backend: object) -> str | None:
    """Why the check just run cannot be graded here: the reasons of the unavailable services it called."""
    unavailable: dict[str, str] = getattr(backend, "unavailable", None) or {}
    log = getattr(backend, "call_log", None)
    if not unavailable or not isinstance(log, TouchLog):
        return None
    reasons = [unavailable[service] for service in sorted(log.touched) if service in unavailable]
    return "; ".join(dict.fromkeys(reasons)) or None
