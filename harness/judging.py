"""What one check earned: its outcome, points, message, hint and where to look, from pytest's report.

The plugin calls judge() for every check's setup and call; everything a student reads about a check
is decided here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from . import fixtures, locations
from .checks import NOT_GRADED_PREFIX
from .limits import clip
from .manifest import Exercise
from .results import BLOCKED, ERROR, FAILED, NOT_GRADED, PARTIAL, PASSED, CheckResult
from .selection import AUTHORING_ERROR_PREFIX, check_id, check_title
from .student_files import scrub_paths
from .verdicts import explain, skip_reason

if TYPE_CHECKING:
    from .grading_run import GradingState
    from .partial import PartialCredit

BLOCKED_PREFIX = "blocked: "
MISSING_POINTS = AUTHORING_ERROR_PREFIX + ": {check} has no @pytest.mark.points(n, hint=...) marker."
BACKEND_ERROR = "The grading backend failed, so nothing could be graded: {error}"
BACKEND_ERROR_PREFIX = BACKEND_ERROR.split("{", 1)[0]


@dataclass
class Verdict:
    outcome: str
    earned: float
    message: str
    hint: str


def _skipped(report: pytest.TestReport, hint: str) -> Verdict:
    reason = skip_reason(report)
    if reason.startswith(NOT_GRADED_PREFIX):
        return Verdict(NOT_GRADED, 0.0, reason, "")
    if reason.startswith(BLOCKED_PREFIX):
        reason = reason.removeprefix(BLOCKED_PREFIX)
        return Verdict(BLOCKED, 0.0, reason[:1].upper() + reason[1:] + ".", hint)
    return Verdict(ERROR, 0.0, f"The check was skipped ({reason}); graders may not skip.", hint)


def _passed(points: float, credit: PartialCredit | None, hint: str) -> Verdict:
    if credit is None or not credit.failures:
        return Verdict(PASSED, points, "", hint)
    outcome = PARTIAL if credit.passed else FAILED
    return Verdict(outcome, round(points * credit.fraction, 2), credit.summary(), credit.hint or hint)


def _raised(
    item: pytest.Item, report: pytest.TestReport, error: BaseException | None, points: float, credit: PartialCredit | None, hint: str
) -> Verdict:
    if item.get_closest_marker("points") is None:
        return Verdict(ERROR, 0.0, MISSING_POINTS.format(check=item.nodeid), hint)
    if error is None:
        verdict = Verdict(FAILED, 0.0, str(report.longrepr), hint)
    else:
        verdict = Verdict(*_explained(error, hint))
    if credit is not None and credit.passed and verdict.outcome == FAILED:
        # Cases that passed before the one that raised keep their share of the points.
        verdict.earned = round(points * credit.fraction_of_planned(), 2)
        verdict.outcome = PARTIAL if verdict.earned else FAILED
    return verdict


def _explained(error: BaseException, hint: str) -> tuple[str, float, str, str]:
    outcome, message, hint = explain(error, hint)
    if isinstance(error, pytest.fail.Exception):  # the harness's own setup refusals, or a grader's
        message = str(error)
        harness_side = message.startswith((BACKEND_ERROR_PREFIX, AUTHORING_ERROR_PREFIX))
        outcome = ERROR if harness_side else FAILED
    return outcome, 0.0, message, hint


def judge(
    item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo[None], exercise: Exercise, state: GradingState
) -> CheckResult:
    marker = item.get_closest_marker("points")
    points = float(marker.args[0]) if marker and marker.args else 0.0
    hint = str(marker.kwargs.get("hint") or "") if marker else ""
    read = str(marker.kwargs.get("read") or exercise.readme) if marker else exercise.readme
    credit = item.stash.get(fixtures.PARTIAL_KEY, None)
    error = call.excinfo.value if call.excinfo is not None else None
    if report.skipped:
        verdict = _skipped(report, hint)
    elif report.passed:
        verdict = _passed(points, credit, hint)
    else:
        verdict = _raised(item, report, error, points, credit, hint)
    note = " ".join(item.stash.get(fixtures.NOTE_KEY, []))
    if note and verdict.outcome in (PASSED, FAILED, PARTIAL):
        verdict.message = f"{verdict.message} {note}".strip()

    where_file, where_line = "", None
    if verdict.outcome in (FAILED, PARTIAL):
        where_file, where_line = _repo_location(state, exercise, locations.for_check(error))
    if verdict.outcome in (PASSED, NOT_GRADED, ERROR, BLOCKED):
        verdict.hint = ""  # a blocked check's advice is its prerequisite's; an error is not the student's to fix
    if verdict.outcome in (PASSED, NOT_GRADED, BLOCKED):
        read = ""
    return CheckResult(
        exercise=exercise.id,
        id=check_id(item),
        title=check_title(item),
        outcome=verdict.outcome,
        points=verdict.earned if verdict.outcome != NOT_GRADED else 0.0,
        max=points,
        message=clip(scrub_paths(verdict.message)),
        hint=verdict.hint,
        read=read,
        duration=round(report.duration, 3),
        file=where_file,
        line=where_line,
    )


def _repo_location(state: GradingState, exercise: Exercise, where: locations.Location | None) -> tuple[str, int | None]:
    """(path relative to the repository, line) of a location, or ("", None) when it lies elsewhere."""
    if where is None:
        return "", None
    path = where.path if where.path.is_absolute() else state.code_root / exercise.folder / where.path
    path = path.resolve()
    for root in (state.course_root, state.code_root):
        if path.is_relative_to(root):
            return path.relative_to(root).as_posix(), where.line
    return "", None
