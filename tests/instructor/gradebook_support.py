"""A tiny course, its official lock and grade reports in harness/report.py's shape, for the gradebook's tests."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from harness.manifest import Course, Exercise

COURSE = Course(
    name="Tiny",
    version="1.2",
    exercises=(
        Exercise("one", "First", 1, "ex/one", 4, 1),
        Exercise("two", "Second", 2, "ex/two", 6, 1),
        Exercise("extra", "Extension", 2, "ex/extra", 2, 1, optional=True),
    ),
)
MAXIMA = {"one": 4, "two": 6, "extra": 2}
LOCK = {
    "course.toml": "a" * 64,
    "harness/plugin.py": "b" * 64,
    "ex/one/test_one.py": "c" * 64,
    "ex/two/test_two.py": "d" * 64,
    "ex/extra/test_extra.py": "e" * 64,
}
# A report's practice section as harness/quiz/practice.py writes it (schema version 2): self-reported.
SHARED_PRACTICE: dict[str, Any] = {
    "self_reported": True, "source": "quizzes/results.json", "shared_at": "2026-10-09T20:15:00+00:00",
    "quizzes": [
        {"week": 0, "attempts": 1,
         "best": {"right": 9, "questions": 12, "percent": 75.0, "finished_at": "2026-10-01T10:00:00+00:00"},
         "latest": {"right": 9, "questions": 12, "percent": 75.0, "finished_at": "2026-10-01T10:00:00+00:00"}},
        {"week": 2, "attempts": 3,
         "best": {"right": 11, "questions": 12, "percent": 91.7, "finished_at": "2026-10-08T10:00:00+00:00"},
         "latest": {"right": 10, "questions": 12, "percent": 83.3, "finished_at": "2026-10-09T10:00:00+00:00"}},
    ],
    "exams": [
        {"form": 1, "attempts": 2,
         "best": {"right": 44, "questions": 65, "percent": 67.7, "finished_at": "2026-10-09T12:00:00+00:00", "scaled": 709, "passed": False},
         "latest": {"right": 44, "questions": 65, "percent": 67.7, "finished_at": "2026-10-09T12:00:00+00:00", "scaled": 709, "passed": False}},
        {"form": 2, "attempts": 1,
         "best": {"right": 47, "questions": 65, "percent": 72.3, "finished_at": "2026-10-09T18:00:00+00:00", "scaled": 751, "passed": True},
         "latest": {"right": 47, "questions": 65, "percent": 72.3, "finished_at": "2026-10-09T18:00:00+00:00", "scaled": 751, "passed": True}},
    ],
    "domains": [
        {"domain": 1, "name": "Development with AWS Services", "questions": 40, "right": 30, "percent": 75.0, "meets": True},
        {"domain": 2, "name": "Security", "questions": 30, "right": 18, "percent": 60.0, "meets": False},
    ],
}
BEFORE_PRACTICE = object()  # report(): a schema version 1 report, from before practice was reported
DUE_WEEK_1 = datetime(2026, 10, 11, 23, 59, 59, tzinfo=timezone.utc)
POINTS_PER_NOT_GRADED_CHECK = 2  # what a check the backend cannot grade takes out of an exercise's max


def report(
    points: dict[str, float],
    *,
    hashes: dict[str, str] | None = None,
    verdict: str = "ok",
    not_graded: dict[str, int] | None = None,
    harness_errors: list[str] | None = None,
    practice: Any = BEFORE_PRACTICE,
) -> dict[str, Any]:
    """A report of the exercises named (checks left out: the gradebook does not read them); with ``practice``
    (a section, or None for nothing shared) a schema version 2 report, without it a version 1 report."""
    not_graded = not_graded or {}
    exercises = []
    for exercise in COURSE.exercises:
        if exercise.id not in points:
            continue
        maximum = MAXIMA[exercise.id] - POINTS_PER_NOT_GRADED_CHECK * not_graded.get(exercise.id, 0)
        earned = points[exercise.id]
        exercises.append({
            "id": exercise.id, "title": exercise.title, "week": exercise.week, "folder": exercise.folder,
            "domain": exercise.domain_name, "optional": exercise.optional, "declared_points": exercise.points,
            "points": earned, "max": maximum, "percent": round(100 * earned / maximum, 1),
            "status": "passed" if earned == maximum else "partial" if earned else "failed",
            "not_graded": not_graded.get(exercise.id, 0), "errors": [], "checks": [],
        })
    shape: dict[str, Any] = {"schema_version": 1} if practice is BEFORE_PRACTICE else {"schema_version": 2, "practice": practice}
    return {
        **shape,
        "course": {"name": COURSE.name, "version": COURSE.version},
        "git_commit": "f" * 40,
        "backend": {"name": "moto"},
        "harness_errors": harness_errors or [],
        "exercises": exercises,
        "integrity": {"verdict": verdict, "modified": [], "hashes": dict(LOCK) if hashes is None else hashes,
                      "lock_sha256": "0" * 64},
    }
