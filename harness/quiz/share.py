"""`course quiz --share`: a summary of the stored attempts written to quizzes/results.json, for the student
to commit. Only what the gradebook shows goes in (no question, no answer), so sharing stays small and
gives nothing of the bank away; harness/quiz/practice.py reads it back into the grade report.

Only attempts answered in the terminal count: an answers file is for scripts and instructors, and with
`--key` it scores every question right without anyone answering.

Readiness per domain: of the distinct questions of the domain the student has answered (in quizzes, drills
and exams), how many were right the last time they were answered. A question answered wrong and drilled
until right counts as right; one right once and wrong later counts as wrong.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .attempts import TERMINAL, Attempt, now
from .forms import EXAM, FORMS
from .model import WEEKS
from .practice import RESULTS_FORMAT, RESULTS_VERSION, SHARED_RESULTS

ABOUT = (
    "Exam practice shared with your instructor by `course quiz --share`: self-reported, never part of a grade. "
    "Commit it to share it; delete it to stop sharing."
)


def _score(attempt: Attempt) -> dict[str, Any]:
    return {"right": attempt.right, "questions": attempt.total, "finished_at": attempt.finished_at}


def _entry(key: str, value: int, taken: list[Attempt]) -> dict[str, Any]:
    best = max(taken, key=lambda attempt: attempt.right / attempt.total)  # the first of equals: the earliest
    return {key: value, "attempts": len(taken), "best": _score(best), "latest": _score(taken[-1])}


def in_terminal(attempts: Sequence[Attempt]) -> list[Attempt]:
    return [attempt for attempt in attempts if attempt.how == TERMINAL and attempt.total]


def summary(attempts: Sequence[Attempt], *, shared_at: str) -> dict[str, Any]:
    """The results file's content (quizzes/README.md, "Shared results"), from attempts oldest first."""
    taken = in_terminal(attempts)
    quizzes = [
        _entry("week", week, weekly)
        for week in WEEKS
        if (weekly := [a for a in taken if a.kind != EXAM and a.week == week])
    ]
    exams = [_entry("form", form, sat) for form in FORMS if (sat := [a for a in taken if a.kind == EXAM and a.form == form])]
    latest: dict[str, tuple[int, bool]] = {}
    for attempt in taken:
        for question in attempt.questions:
            latest[question.id] = (question.domain, question.right)
    domains = [
        {"domain": domain, "questions": len(answers), "right": sum(answers)}
        for domain in sorted({domain for domain, _ in latest.values()})
        if (answers := [right for d, right in latest.values() if d == domain])
    ]
    return {
        "format": RESULTS_FORMAT, "version": RESULTS_VERSION, "about": ABOUT, "shared_at": shared_at,
        "quizzes": quizzes, "exams": exams, "domains": domains,
    }


def share(course_root: Path, attempts: Sequence[Attempt]) -> Path | None:
    """Write the results file; None (and nothing written) when no attempt was answered in the terminal."""
    if not in_terminal(attempts):
        return None
    path = course_root / SHARED_RESULTS
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(summary(attempts, shared_at=now()), indent=1) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return path
