"""The gradebook's exam practice columns: what a student shared of their quizzes and mock exams.

A report's `practice` section (schema version 2, harness/quiz/practice.py) is self-reported: the student
wrote the file it comes from, and may have written the report too. So it is checked again here with the
harness's own rules, shown apart from the grade with its own label, and never read by anything that
computes points: gradebook.build_row takes the points from the exercises alone.
"""

from __future__ import annotations

from typing import Any

from harness.manifest import EXAM_DOMAINS
from harness.quiz.model import WEEKS
from harness.quiz.practice import MAX_TEXT, PracticeError, practice_section, unusable
from harness.report_types import GradeReport, PracticeReport

# What a graded row's report says of practice.
SHARED = "shared"
NOT_SHARED = "not-shared"  # a report of schema version 2 with nothing shared
UNUSABLE = "unusable"  # shared, but the file (or the report's section) could not be used
NOT_RECORDED = "not-recorded"  # a report from before practice existed (schema version 1)
PRACTICE_STATES = (SHARED, NOT_SHARED, UNUSABLE, NOT_RECORDED)
BAD_SECTION = "the report's practice section cannot be used: {error}"

QUIZ_COLUMN = "practice_quiz_w{week}"
EXAM_COLUMN = "practice_exam_scaled"
READY_COLUMN = "practice_ready_d{domain}"
PRACTICE_COLUMNS = (
    "practice",
    "practice_shared_at",
    *(QUIZ_COLUMN.format(week=week) for week in WEEKS),
    EXAM_COLUMN,
    *(READY_COLUMN.format(domain=domain) for domain in EXAM_DOMAINS),
)


def practice_of(report: GradeReport) -> tuple[str, PracticeReport | None]:
    """(state, the section checked again); the section is None unless something was shared."""
    if "practice" not in report:
        return NOT_RECORDED, None
    section: Any = report.get("practice")
    if section is None:
        return NOT_SHARED, None
    if not isinstance(section, dict):
        return UNUSABLE, unusable("", BAD_SECTION.format(error="it is not an object"))
    source = str(section.get("source", ""))[:MAX_TEXT]
    if section.get("problem") is not None:
        return UNUSABLE, unusable(source, str(section["problem"]))
    try:
        return SHARED, practice_section(section, source=source)
    except PracticeError as error:
        return UNUSABLE, unusable(source, BAD_SECTION.format(error=error))


def best_exam(practice: PracticeReport | None) -> dict[str, Any] | None:
    """The best mock exam attempt over the forms, with its form: {"form", "attempts", **score}."""
    if not practice or not practice["exams"]:
        return None
    exam = max(practice["exams"], key=lambda entry: (entry["best"]["scaled"], -entry["form"]))
    return {"form": exam["form"], "attempts": exam["attempts"], **exam["best"]}


def _number(value: float) -> str:
    return f"{value:g}"


def practice_record(state: str, practice: PracticeReport | None) -> dict[str, str]:
    """The CSV's practice columns: best quiz percentages, the best scaled score, readiness percentages."""
    record = dict.fromkeys(PRACTICE_COLUMNS, "")
    record["practice"] = state
    if practice is None:
        return record
    record["practice_shared_at"] = practice["shared_at"] or ""
    for quiz in practice["quizzes"]:
        record[QUIZ_COLUMN.format(week=quiz["week"])] = _number(quiz["best"]["percent"])
    exam = best_exam(practice)
    if exam is not None:
        record[EXAM_COLUMN] = str(exam["scaled"])
    for domain in practice["domains"]:
        record[READY_COLUMN.format(domain=domain["domain"])] = _number(domain["percent"])
    return record
