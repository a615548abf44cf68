"""The exam practice lines of `course status`: best and latest per quiz, the mock exams' scaled scores,
an unfinished exam, the weakest task statements (harness/quiz/drill.py weighs them), and whether the
results are shared with the instructor (harness/quiz/share.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from ..progress import when
from .attempts import ATTEMPTS_JSON, Attempt, AttemptStore
from .drill import weaknesses
from .forms import EXAM, FORMS
from .model import WEEKS
from .practice import SHARED_RESULTS, read_practice
from .scoring import PASS_SCALED
from .session import clock_text
from .share import in_terminal

NO_ATTEMPTS = "Exam practice: no quiz taken yet; `course quiz 0` is the baseline (docs/exam-practice.md)."
SHOWN_WEAK = 3
NOT_SHARED = (
    "  Not shared with your instructor: `course quiz --share` writes {path}; commit and push it to share "
    "(self-reported, never part of your grade)."
)
SHARED_ON = "  Shared with your instructor: {path}, on {when}"
NEWER = "; {count} attempt(s) since: `course quiz --share` again, then commit and push"
SHARE_UNUSABLE = "  {path} cannot be used: {problem}."


def _after(moment: str, then: datetime) -> bool:
    try:
        return datetime.fromisoformat(moment) > then
    except (TypeError, ValueError):  # an attempt stored by hand, without an offset: not counted
        return False


def share_line(course_root: Path, attempts: list[Attempt]) -> str:
    practice = read_practice(course_root)
    if practice is None:
        return NOT_SHARED.format(path=SHARED_RESULTS)
    if practice.get("problem") or not practice["shared_at"]:
        return SHARE_UNUSABLE.format(path=SHARED_RESULTS, problem=practice.get("problem", "?"))
    shared_at = datetime.fromisoformat(practice["shared_at"])
    newer = sum(1 for attempt in in_terminal(attempts) if _after(attempt.finished_at, shared_at))
    return SHARED_ON.format(path=SHARED_RESULTS, when=when(practice["shared_at"])) + (NEWER.format(count=newer) if newer else ".")


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


def status_lines(directory: Path, shown_directory: str, course_root: Path) -> list[str]:
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
    lines.append(share_line(course_root, attempts))
    return lines
