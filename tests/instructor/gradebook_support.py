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
DUE_WEEK_1 = datetime(2026, 10, 11, 23, 59, 59, tzinfo=timezone.utc)
POINTS_PER_NOT_GRADED_CHECK = 2  # what a check the backend cannot grade takes out of an exercise's max


def report(
    points: dict[str, float],
    *,
    hashes: dict[str, str] | None = None,
    verdict: str = "ok",
    not_graded: dict[str, int] | None = None,
    harness_errors: list[str] | None = None,
) -> dict[str, Any]:
    """A report of the exercises named (checks left out: the gradebook does not read them)."""
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
    return {
        "schema_version": 1,
        "course": {"name": COURSE.name, "version": COURSE.version},
        "git_commit": "f" * 40,
        "backend": {"name": "moto"},
        "harness_errors": harness_errors or [],
        "exercises": exercises,
        "integrity": {"verdict": verdict, "modified": [], "hashes": dict(LOCK) if hashes is None else hashes,
                      "lock_sha256": "0" * 64},
    }
