"""The grade report's `practice` section: the exam practice a student chose to share, read from the results
file `course quiz --share` writes (quizzes/results.json, committed by the student, so a fork's CI and the
instructor's regrade see it; reports/quiz-attempts.json never leaves the student's machine).

It is self-reported: the student can write any numbers into that file. So the section is marked so, never
counts in a grade, and holds only what is checked here: whole numbers in range, dates, one entry per week,
form and domain. Every percentage and scaled score is computed here from the counts, with the exam's own
scoring, so a hand-edited percentage changes nothing. The gradebook checks a report's section again
(a student can upload a report of their own making) with ``practice_section``.

The file is read without following a symbolic link and without blocking on anything but a regular file:
the grading process reads it from a checkout the student controls.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from ..manifest import EXAM_DOMAINS
from ..report_types import DomainReadiness, ExamPractice, ExamScore, PracticeReport, PracticeScore, QuizPractice
from .forms import FORMS
from .model import WEEKS
from .scoring import PASS_SCALED, PASS_SHARE, scaled_score

SHARED_RESULTS = "quizzes/results.json"  # relative to the course root, committed by the student
RESULTS_FORMAT, RESULTS_VERSION = "course-quiz-results", 1
MAX_BYTES = 64 * 1024  # a shared file is about 2 kB
MAX_ATTEMPTS = 100_000
MAX_QUESTIONS = 1_000  # in one attempt (an exam form has 65)
MAX_DOMAIN_QUESTIONS = 100_000
MAX_TEXT = 300  # a problem or a source carried over from a report


class PracticeError(ValueError):
    """The shared results cannot be used; the message says why, without repeating the file's text."""


def unusable(source: str, problem: str) -> PracticeReport:
    return {
        "self_reported": True, "source": source, "shared_at": None, "problem": problem[:MAX_TEXT],
        "quizzes": [], "exams": [], "domains": [],
    }


def _whole(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PracticeError(f"{where} must be a whole number from {low} to {high}")
    return value


def _moment(value: Any, where: str) -> str:
    """An ISO 8601 date and time with its offset, as `course quiz --share` writes them."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) and len(value) <= 40 else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise PracticeError(f"{where} must be a date and time with its offset, such as 2026-10-04T18:30:00+00:00")
    return moment.isoformat(timespec="seconds")


def _entries(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise PracticeError(f"{key} must be a list of objects")
    return value


def _score(entry: Any, where: str) -> PracticeScore:
    if not isinstance(entry, dict):
        raise PracticeError(f"{where} must be an object")
    questions = _whole(entry.get("questions"), f"{where}.questions", 1, MAX_QUESTIONS)
    right = _whole(entry.get("right"), f"{where}.right", 0, questions)
    return {
        "right": right, "questions": questions, "percent": round(100 * right / questions, 1),
        "finished_at": _moment(entry.get("finished_at"), f"{where}.finished_at"),
    }


def _exam_score(entry: Any, where: str) -> ExamScore:
    score = _score(entry, where)
    scaled = scaled_score(score["right"], score["questions"])
    return {**score, "scaled": scaled, "passed": scaled >= PASS_SCALED}


def _best_and_latest(entry: Mapping[str, Any], where: str, read: Any) -> tuple[Any, Any]:
    best, latest = read(entry.get("best"), f"{where}.best"), read(entry.get("latest"), f"{where}.latest")
    if best["right"] * latest["questions"] < latest["right"] * best["questions"]:
        raise PracticeError(f"{where}.best scores lower than {where}.latest")
    return best, latest


def _one_each(entries: list[Any], key: str, what: str) -> None:
    seen = [entry[key] for entry in entries]
    if len(set(seen)) != len(seen):
        raise PracticeError(f"{what} {sorted(k for k in seen if seen.count(k) > 1)[0]} is listed twice")


def practice_section(data: Mapping[str, Any], *, source: str) -> PracticeReport:
    """The report's section from a results file, or from a report's own section; PracticeError if unusable."""
    quizzes: list[QuizPractice] = []
    for number, entry in enumerate(_entries(data, "quizzes")):
        where = f"quizzes[{number}]"
        week = _whole(entry.get("week"), f"{where}.week", WEEKS[0], WEEKS[-1])
        best, latest = _best_and_latest(entry, where, _score)
        attempts = _whole(entry.get("attempts"), f"{where}.attempts", 1, MAX_ATTEMPTS)
        quizzes.append({"week": week, "attempts": attempts, "best": best, "latest": latest})
    exams: list[ExamPractice] = []
    for number, entry in enumerate(_entries(data, "exams")):
        where = f"exams[{number}]"
        form = _whole(entry.get("form"), f"{where}.form", min(FORMS), max(FORMS))
        best, latest = _best_and_latest(entry, where, _exam_score)
        attempts = _whole(entry.get("attempts"), f"{where}.attempts", 1, MAX_ATTEMPTS)
        exams.append({"form": form, "attempts": attempts, "best": best, "latest": latest})
    domains: list[DomainReadiness] = []
    for number, entry in enumerate(_entries(data, "domains")):
        where = f"domains[{number}]"
        domain = _whole(entry.get("domain"), f"{where}.domain", min(EXAM_DOMAINS), max(EXAM_DOMAINS))
        questions = _whole(entry.get("questions"), f"{where}.questions", 1, MAX_DOMAIN_QUESTIONS)
        right = _whole(entry.get("right"), f"{where}.right", 0, questions)
        domains.append({
            "domain": domain, "name": EXAM_DOMAINS[domain], "questions": questions, "right": right,
            "percent": round(100 * right / questions, 1), "meets": right / questions >= PASS_SHARE,
        })
    _one_each(quizzes, "week", "week")
    _one_each(exams, "form", "form")
    _one_each(domains, "domain", "domain")
    return {
        "self_reported": True, "source": source, "shared_at": _moment(data.get("shared_at"), "shared_at"),
        "quizzes": sorted(quizzes, key=lambda q: q["week"]), "exams": sorted(exams, key=lambda e: e["form"]),
        "domains": sorted(domains, key=lambda d: d["domain"]),
    }


def _load(course_root: Path, path: Path) -> Any:
    if path.is_symlink() or not path.resolve().is_relative_to(course_root.resolve()):
        raise PracticeError("it is a symbolic link or lies outside the repository; share the file itself")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        raise PracticeError(f"it cannot be opened ({error.strerror})") from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise PracticeError("it is not a regular file")
    with os.fdopen(descriptor, "rb") as handle:
        raw = handle.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise PracticeError(f"it is larger than {MAX_BYTES // 1024} kB")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PracticeError("it is not JSON") from None


def read_practice(course_root: Path) -> PracticeReport | None:
    """The report's `practice` section: None when nothing is shared, a section with `problem` when the
    file cannot be used (the run and its grade go on either way)."""
    path = course_root / SHARED_RESULTS
    if not os.path.lexists(path):
        return None
    try:
        data = _load(course_root, path)
        if not isinstance(data, dict) or data.get("format") != RESULTS_FORMAT or data.get("version") != RESULTS_VERSION:
            raise PracticeError(f"it is not version {RESULTS_VERSION} of the {RESULTS_FORMAT!r} format")
        return practice_section(data, source=SHARED_RESULTS)
    except PracticeError as error:
        return unusable(SHARED_RESULTS, f"{error}; `course quiz --share` writes it again")
