"""What the end of a check means for the student: an exception becomes an outcome, a message, a hint."""

from __future__ import annotations

from typing import Any

from .backends import BackendUnavailable
from .checks import CheckFailed, raised_by_student
from .limits import StudentTimeout
from .loader import StudentCodeError, student_error_summary
from .results import ERROR, FAILED
from .safety import OutboundConnectionBlocked
from .student.proxy import StudentError, StudentExited

TIMEOUT_HINT = "Look for a loop that never ends or a call that waits forever (a missing timeout)."
NETWORK_HINT = "Create clients with plain boto3.client(...): the harness points them at the emulator."
EXIT_HINT = "A handler returns a response or raises; it never calls sys.exit() or os._exit()."


def blocked_connection(error: BaseException | None) -> BaseException | None:
    """SDKs wrap socket errors in their own; the guard's refusal is what the student needs to see."""
    seen = 0
    while error is not None and seen < 20:
        if isinstance(error, OutboundConnectionBlocked):
            return error
        if isinstance(error, StudentError) and error.type_name == OutboundConnectionBlocked.__name__:
            return error
        error = error.__cause__ or error.__context__ or getattr(error, "kwargs", {}).get("error")
        seen += 1
    return None


def explain(error: BaseException, marker_hint: str) -> tuple[str, str, str]:
    """(outcome, message, hint) for an exception that ended a check."""
    if isinstance(error, CheckFailed):
        return FAILED, error.message, error.hint or marker_hint
    if isinstance(error, StudentCodeError):
        return FAILED, str(error), marker_hint
    if isinstance(error, StudentTimeout):
        return FAILED, f"{error}.", TIMEOUT_HINT
    if isinstance(error, SystemExit):
        return FAILED, f"Your code called sys.exit({error.code!r}).", EXIT_HINT
    if isinstance(error, StudentExited):
        return FAILED, f"{error.message[:1].upper()}{error.message[1:]}.", EXIT_HINT
    if isinstance(error, BackendUnavailable):
        return ERROR, str(error), ""
    blocked = blocked_connection(error)
    if blocked is not None:
        return FAILED, str(blocked), NETWORK_HINT
    if isinstance(error, AssertionError):
        text = str(error).split("\nassert ", 1)[0].strip() or "A check failed."
        return FAILED, text, marker_hint
    if raised_by_student(error):
        return FAILED, f"Your code raised {student_error_summary(error)}.", marker_hint
    return FAILED, f"The check stopped on {student_error_summary(error)}.", marker_hint


def skip_reason(report: Any) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)
