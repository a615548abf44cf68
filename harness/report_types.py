"""The grade report's shape as Python types: what harness/report.schema.json says, for the modules that
write it (report.py) and read it (status, scoreboard, Gradescope, GitHub Actions, the gradebook).

tests/harness/test_harness_grading.py checks that these keys and the schema's stay the same.
"""

from __future__ import annotations

from typing import Literal, TypedDict

# 2: `practice` (self-reported exam practice, harness/quiz/practice.py) added, present in every report.
SCHEMA_VERSION = 2

Outcome = Literal["passed", "partial", "failed", "blocked", "not_graded", "error"]


# Optional keys live in a total=False base: typing.NotRequired needs Python 3.11, the course runs on 3.10.
class _CheckWhere(TypedDict, total=False):
    file: str  # where in the student's files the failure is, when a grader said
    line: int


class CheckReport(_CheckWhere):
    id: str
    title: str
    outcome: Outcome
    points: float
    max: float
    message: str
    hint: str
    read: str
    duration: float


class _ExerciseRun(TypedDict, total=False):
    partial_run: bool  # only some of its checks were selected (-k, --check, a node id): not its grade
    starter_untouched: bool  # its files are still the starter's (starters.lock): not started


class ExerciseReport(_ExerciseRun):
    id: str
    title: str
    week: int
    folder: str
    domain: str
    optional: bool
    declared_points: int
    points: float
    max: float
    percent: float
    status: Literal["complete", "in progress", "not started", "error"]
    not_graded: int
    errors: list[str]
    checks: list[CheckReport]


class Totals(TypedDict):
    points: float
    max: float
    percent: float
    checks: int
    passed: int
    not_graded: int
    optional_points: float
    optional_max: float


class IntegrityReport(TypedDict):
    verdict: Literal["ok", "modified", "unlocked"]
    modified: list[str]
    hashes: dict[str, str]
    lock_sha256: str | None


class CourseName(TypedDict):
    name: str
    version: str


class _BackendWhere(TypedDict, total=False):
    endpoint: str  # empty when no check reached the backend; parallel workers' own emulators, comma-separated


class BackendUsed(_BackendWhere):
    name: Literal["moto", "localstack"]
    chosen_by: str


class PracticeScore(TypedDict):
    right: int
    questions: int
    percent: float
    finished_at: str


class ExamScore(PracticeScore):
    scaled: int
    passed: bool


class QuizPractice(TypedDict):
    week: int
    attempts: int
    best: PracticeScore
    latest: PracticeScore


class ExamPractice(TypedDict):
    form: int
    attempts: int
    best: ExamScore
    latest: ExamScore


class DomainReadiness(TypedDict):
    domain: int
    name: str
    questions: int  # distinct questions of the domain answered
    right: int  # of them, those whose latest answer was right
    percent: float
    meets: bool  # percent reaches the pass mark's share (68.9 %)


class _PracticeProblem(TypedDict, total=False):
    problem: str  # the shared file could not be used: why (the lists are then empty)


class PracticeReport(_PracticeProblem):
    """What the student shared of their quizzes and mock exams: self-reported, never part of a grade."""

    self_reported: Literal[True]
    source: str
    shared_at: str | None
    quizzes: list[QuizPractice]
    exams: list[ExamPractice]
    domains: list[DomainReadiness]


class _ReportIntegrity(TypedDict, total=False):
    integrity: IntegrityReport  # absent when the run compared nothing (collect-only, --no-report)


class GradeReport(_ReportIntegrity):
    schema_version: Literal[2]
    course: CourseName
    git_commit: str | None
    backend: BackendUsed
    code_root: str
    started_at: str
    finished_at: str
    duration: float
    totals: Totals
    harness_errors: list[str]
    exercises: list[ExerciseReport]
    practice: PracticeReport | None  # None: the student shared no practice results
