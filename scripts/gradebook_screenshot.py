#!/usr/bin/env python3
"""The gradebook picture in the docs: a demo cohort, rendered as gradebook.html, shot in headless Chromium.

    python scripts/gradebook_screenshot.py [PNG]      (default: docs/images/gradebook.png)

The students are fictional and cover every status and flag, and every state of shared exam practice; the
exercises are the real course.toml's.
Needs Chromium (see scripts/headless_chromium.py for where it is looked for).
"""

from __future__ import annotations

import io
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

COURSE_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(COURSE_ROOT))  # this copy's harness package
sys.path.insert(1, str(Path(__file__).resolve().parent))

from headless_chromium import ChromiumError, find_chromium, screenshot

from harness.manifest import Course, load_course
from harness.quiz.practice import SHARED_RESULTS, practice_section, unusable
from harness.settings import GRADEBOOK_HTML
from instructor.gradebook import (
    EMPTY,
    FAILED,
    MISSING,
    NO_REPORT,
    NO_RUN,
    TIMEOUT,
    Row,
    Snapshot,
    build_row,
)
from instructor.gradebook_files import write_gradebook

DEFAULT_PNG = "docs/images/gradebook.png"
GENERATED_AT = datetime(2026, 10, 26, 9, 0, tzinfo=timezone.utc)
DUE_WEEK_0 = datetime(2026, 10, 11, 23, 59, 59, tzinfo=timezone.utc)
SORT = "sort=total:desc"  # as an instructor reads it first: best totals on top, no grade last
TITLE = "Cohort 2026-10: gradebook (demo)"
WINDOW = (1400, 1250)  # the grades, then the exam practice table under them
SHARED_AT = "2026-10-23T18:00:00+00:00"
OLD_REPORT = object()  # demo_report(): a schema version 1 report, from before practice was reported
RUN_URL = "https://github.com/{repository}/actions/runs/{run}"


def demo_lock(course: Course) -> dict[str, str]:
    """A stand-in official lock: one grader per exercise, with made-up digests."""
    return {f"{exercise.folder}/test_{exercise.id}.py": f"{index:064x}" for index, exercise in enumerate(course.exercises, start=1)}


def demo_practice(quizzes: dict[int, tuple[int, int]], exams: dict[int, tuple[int, int]], ready: dict[int, tuple[int, int]]) -> dict[str, Any]:
    """A practice section as a grading run writes it: quizzes {week: (best, latest) of 12 right}, exams
    {form: (best, latest) of 65 right}, readiness {domain: (right, questions)}."""

    def scores(best: int, latest: int, questions: int) -> dict[str, Any]:
        return {"best": {"right": best, "questions": questions, "finished_at": SHARED_AT},
                "latest": {"right": latest, "questions": questions, "finished_at": SHARED_AT}}

    return dict(practice_section({
        "shared_at": SHARED_AT,
        "quizzes": [{"week": week, "attempts": 2, **scores(*pair, 12)} for week, pair in quizzes.items()],
        "exams": [{"form": form, "attempts": 1, **scores(*pair, 65)} for form, pair in exams.items()],
        "domains": [{"domain": domain, "right": right, "questions": questions} for domain, (right, questions) in ready.items()],
    }, source=SHARED_RESULTS))


def demo_report(course: Course, lock: dict[str, str], fractions: dict[str, float], **extra: Any) -> dict[str, Any]:
    """A report in harness/report.py's shape: each exercise at its fraction of the points (absent: 0)."""
    not_graded: dict[str, int] = extra.get("not_graded", {})
    exercises = []
    for exercise in course.exercises:
        maximum = exercise.points - 3 * not_graded.get(exercise.id, 0)  # a not-graded check leaves the maximum
        points = round(maximum * fractions.get(exercise.id, 0.0))
        exercises.append({
            "id": exercise.id, "title": exercise.title, "week": exercise.week, "optional": exercise.optional,
            "declared_points": exercise.points, "points": points, "max": maximum,
            "status": "passed" if points == maximum else "failed" if points == 0 else "partial",
            "not_graded": not_graded.get(exercise.id, 0), "errors": [], "checks": [],
        })
    practice = extra.get("practice")
    shape: dict[str, Any] = {"schema_version": 1} if practice is OLD_REPORT else {"schema_version": 2, "practice": practice}
    return {
        **shape,
        "course": {"name": course.name, "version": course.version},
        "backend": {"name": "moto"},
        "harness_errors": extra.get("harness_errors", []),
        "exercises": exercises,
        "integrity": {"verdict": "ok", "modified": [], "hashes": extra.get("hashes", dict(lock)), "lock_sha256": "0" * 64},
    }


def demo_rows(course: Course) -> list[Row]:
    """Fictional students, one per situation an instructor meets."""
    lock = demo_lock(course)
    ids = [exercise.id for exercise in course.exercises]
    due = {0: DUE_WEEK_0}
    later = GENERATED_AT - timedelta(days=2)

    def graded(name: str, fractions: dict[str, float], run: int, *, on_time: dict[str, float] | None = None, **extra: Any) -> Row:
        repository = f"{name.split()[0].lower()}/cloud-developer-accelerator"
        latest = Snapshot(demo_report(course, lock, fractions, **extra), f"{run:07x}" + "0" * 33, later, RUN_URL.format(repository=repository, run=run))
        # The state at week 0's due date: the same points unless told (then the difference is late).
        before = {0: Snapshot(demo_report(course, lock, fractions if on_time is None else on_time, **extra), "1" * 40, DUE_WEEK_0, "")}
        return build_row(name=name, repository=repository, course=course, lock=lock, latest=latest, on_time=before, due=due)

    def without(name: str, status: str, detail: str) -> Row:
        return build_row(name=name, repository=f"{name.split()[0].lower()}/cloud-developer-accelerator", course=course,
                         lock=lock, latest=None, status=status, detail=detail)

    everything = dict.fromkeys(ids, 1.0)
    tampered = dict(lock, **{next(iter(lock)): "f" * 64})
    return [
        graded("Ada Lovelace", everything, 0xA1D, practice=demo_practice(
            {0: (10, 9), 1: (11, 11), 2: (12, 10)}, {1: (49, 49), 2: (44, 44)}, {1: (48, 60), 2: (35, 46), 3: (30, 41), 4: (22, 30)})),
        graded("Grace Hopper", dict(everything, lab3b=0.6, **{"kata2-ext": 0.3}), 0xB2E, on_time=dict.fromkeys(ids[:1], 1.0),
               practice=demo_practice({0: (8, 8), 1: (9, 7)}, {}, {1: (13, 17), 2: (5, 7)})),
        graded("Alan Turing", dict(zip(ids, (1.0, 0.9, 0.8, 0.0, 0.7, 0.5, 0.3, 0.1))), 0xC3F, not_graded={"lab2": 2, "lab3b": 1}),
        graded("Katherine Johnson", dict(zip(ids, (0.55, 0.35, 0.2, 0.0, 0.1))), 0xD40, practice=OLD_REPORT),
        graded("Mallory Example", everything, 0xE51, hashes=tampered,
               practice=demo_practice({week: (12, 12) for week in range(6)}, {1: (65, 65)}, {d: (40, 40) for d in range(1, 5)})),
        graded("Edsger Dijkstra", dict(zip(ids, (1.0, 1.0, 0.65, 0.0, 0.45))), 0xF62,
               harness_errors=["the emulator stopped answering during lab2"],
               practice=dict(unusable(SHARED_RESULTS, "quizzes[0].best scores lower than quizzes[0].latest"))),
        without("Barbara Liskov", MISSING, "no such repository, or not visible with this token"),
        without("Donald Knuth", EMPTY, "the repository has no commits"),
        without("Frances Allen", NO_RUN, "no completed grading run on the default branch"),
        without("John Backus", NO_REPORT, "the latest run has no grade-report artifact (expired after 90 days?)"),
        without("Radia Perlman", TIMEOUT, "grading did not finish in 600 s"),
        without("Ken Thompson", FAILED, "grading wrote no report"),
    ]


def main(argv: list[str]) -> int:
    target = Path(argv[0] if argv else COURSE_ROOT / DEFAULT_PNG).resolve()
    try:
        browser = find_chromium()
    except ChromiumError as error:
        print(error, file=sys.stderr)
        return 2
    course = load_course(COURSE_ROOT)
    with tempfile.TemporaryDirectory(prefix="gradebook-demo-") as folder:
        write_gradebook(demo_rows(course), course=course, out_dir=Path(folder), title=TITLE, generated_at=GENERATED_AT, out=io.StringIO())
        screenshot(Path(folder) / GRADEBOOK_HTML, target, browser=browser, fragment=SORT, window=WINDOW)
    print(f"Wrote {target}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
