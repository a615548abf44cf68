"""What a grader raises: a failed check in the student's terms, or a check this backend cannot grade."""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import NoReturn

import pytest

from .locations import Location, as_location
from .student.proxy import StudentError
from .student_files import is_student_file

Where = str | Path | tuple[str | Path, int | None] | Location | None

NOT_GRADED_PREFIX = "not graded on this backend: "


class CheckFailed(AssertionError):
    """A check's verdict: expected versus got, with the input used, and optionally a sharper hint.

    ``where`` names the student's file at fault when the harness cannot tell by itself: a file name
    in the exercise folder, or a (file name, line) pair, e.g. ``where=("deploy.sh", 12)``.
    """

    def __init__(self, message: str, *, hint: str | None = None, where: Where = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.where = as_location(where)


def fail(message: str, *, hint: str | None = None, where: Where = None) -> NoReturn:
    __tracebackhide__ = True
    raise CheckFailed(message, hint=hint, where=where)


def expect(condition: object, message: str, *, hint: str | None = None, where: Where = None) -> None:
    __tracebackhide__ = True
    if not condition:
        raise CheckFailed(message, hint=hint, where=where)


def not_graded(reason: str) -> NoReturn:
    """This backend lacks what the check needs: leave it out of the maximum, never pass it."""
    __tracebackhide__ = True
    pytest.skip(NOT_GRADED_PREFIX + reason)


def raised_by_student(error: BaseException) -> bool:
    if isinstance(error, StudentError):
        return True
    return any(is_student_file(frame.filename) for frame in traceback.extract_tb(error.__traceback__))
