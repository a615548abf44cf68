"""The exam practice lines of `course status`: best and latest per quiz, the mock exams' scaled scores,
an unfinished exam, and the weakest task statements (harness/quiz/drill.py weighs them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..progress import when
from .attempts import ATTEMPTS_JSON, Attempt, AttemptStore
from .drill import weaknesses
from .forms import EXAM, FORMS
from .model import WEEKS
from .scoring import PASS_SCALED
from .session import clock_text

NO_ATTEMPTS = "Exam practice: no quiz taken yet; `course quiz 0` is the baseline (docs/exam-practice.md)."
SHOWN_WEAK = 3


def _quiz(attempt: Attempt) -> str:
    return f"{attempt.percent:g}% ({attempt.right}/{attempt.total})"


def _exam(attempt: Attempt) -> str:
    scaled = attempt.scaled or 0
    return f"{scaled} ({'pass' if scaled >= PASS_SCALED else 'fail'})"


def _row(label: str, attempts: list[Attempt], text: Callable[[Attempt], str], key: Callable[[Attempt], float]) -> str:
    best = max(attempts, key=key)
    latest = attempts[-1]
    count = f"{len(attempts)} attempt{'s' if len(attempts) != 1 else ''}"
    return f"  {label:<18} best {text(best)}, latest {text(latest)} on {when(latest.finished_at)}, {count}"


def status_lines(directory: Path, shown_directory: str) -> list[str]:
    store = AttemptStore(directory)
    attempts = store.attempts()
    open_exam = store.open_exam()
    if not attempts and open_exam is None:
        return ["", NO_ATTEMPTS]
    lines = ["", f"Exam practice ({shown_directory}/{ATTEMPTS_JSON})"]
    quizzes = [a for a in attempts if a.kind != EXAM]
    for week in WEEKS:
        taken = [a for a in quizzes if a.week == week]
        if taken:
            lines.append(_row(f"Week {week} quiz", taken, _quiz, lambda a: a.percent))
    drills = [a for a in quizzes if a.week is None]
    if drills:
        lines.append(_row("Drill (--weak)", drills, _quiz, lambda a: a.percent))
    for form in FORMS:
        taken = [a for a in attempts if a.kind == EXAM and a.form == form]
        if taken:
            lines.append(_row(f"Mock exam, form {form}", taken, _exam, lambda a: a.scaled or 0))
    if open_exam is not None:
        questions = open_exam.get("questions", [])
        answered = sum(1 for q in questions if q.get("chosen"))
        left = max(0.0, float(open_exam.get("time_limit") or 0) - float(open_exam.get("seconds_used", 0)))
        lines.append(
            f"  Unfinished mock exam (form {open_exam.get('form')}): {answered} of {len(questions)} answered, "
            f"{clock_text(left)} left: `course exam --resume`"
        )
    untaken = [week for week in WEEKS if not any(a.week == week for a in quizzes)]
    if untaken:
        lines.append(f"  Not taken yet: {', '.join(f'week {week}' for week in untaken)} (`course quiz {untaken[0]}`)")
    weak = weaknesses(attempts)[:SHOWN_WEAK]
    if weak:
        shown = "; ".join(f"{w.task} {w.title} (missed {w.missed} of {w.answered})" for w in weak)
        lines.append(f"  Weakest task statements: {shown}. Drill them: `course quiz --weak`")
    return lines
