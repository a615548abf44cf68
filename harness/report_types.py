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


class ShowcaseResource(TypedDict):
    logical_id: str
    type: str
    physical_id: str
    status: str


class ShowcaseEndpoint(TypedDict):
    api: str  # the REST API's logical id in the stack
    stage: str
    method: str
    path: str
    authorization: str  # AWS_IAM, NONE, CUSTOM ...
    function: str | None  # the Lambda proxy integration's function, None for another integration
    url: str  # where the grading run's backend served it (gone when the run ended)


class ShowcaseStatement(TypedDict):
    policy: str  # "the inline policy X", "the AWS managed policy arn:..."
    effect: str
    actions: list[str]
    resources: list[str]
    conditional: bool


class ShowcaseTableAccess(TypedDict):
    table: str  # logical id
    actions: list[str]  # DynamoDB item actions the role allows on the table or its indexes


class ShowcaseFunction(TypedDict):
    logical_id: str
    name: str
    role: str  # the execution role's name
    statements: list[ShowcaseStatement]
    tables: list[ShowcaseTableAccess]


class ShowcaseEventSource(TypedDict):
    source: str  # the table's logical id, or the queue's or stream's name
    kind: str  # "DynamoDB stream", "SQS queue", ...
    function: str  # logical id
    batch_size: int | None
    starting_position: str | None
    state: str


class ShowcaseAlarm(TypedDict):
    name: str
    logical_id: str | None  # None: an alarm outside the stack, on one of its functions
    metric: str  # "AWS/Lambda Errors"
    dimensions: list[str]  # "FunctionName=orders-api"
    function: str | None  # the stack function it watches (logical id), if any
    condition: str  # "Sum >= 1 in 1 of 1 periods of 60 s"


class Showcase(TypedDict):
    """What an exercise's deploy check found deployed (harness/kit/deployment_summary.py), read from the
    backend only: the report's showcase page (harness/showcase.py) is rendered from it."""

    stack: str
    deployed: bool  # the stack exists and is CREATE_COMPLETE or UPDATE_COMPLETE
    status: str | None  # the stack's status, None when there is no stack
    problem: str  # why nothing (or not everything) is shown; "" when all was read
    resources: list[ShowcaseResource]
    endpoints: list[ShowcaseEndpoint]
    functions: list[ShowcaseFunction]
    event_sources: list[ShowcaseEventSource]
    alarms: list[ShowcaseAlarm]


class _ExerciseRun(TypedDict, total=False):
    partial_run: bool  # only some of its checks were selected (-k, --check, a node id): not its grade
    starter_untouched: bool  # its files are still the starter's (starters.lock): not started
    showcase: Showcase  # what its deploy check found deployed (the capstone's), for reports/<id>-showcase.md


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
