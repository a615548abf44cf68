"""A cohort's gradebook: one row per student, built from grade reports, written as CSV and a summary.

`course gradebook` (reports fetched from GitHub) and `course regrade` (reports made here) both end in
`build_row`: every report is checked against the official graders.lock, every exercise's points are
compared with the state at its week's due date, and the row says, in flags, what an instructor must
look at. The HTML heat map is drawn from the same rows (gradebook_html.py). Beside the grade, a row
carries the exam practice the student shared (gradebook_practice.py): self-reported, never in the points.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from harness.integrity import OK, in_scope
from harness.manifest import Course
from harness.report_types import ExerciseReport, GradeReport
from harness.results import percent

from .due_dates import DueDates, iso
from .gradebook_practice import PRACTICE_COLUMNS, practice_of, practice_record
from .roster import Student

# A row's status: whether there is a grade at all, and if not, why.
GRADED = "graded"
MISSING = "missing"  # no such repository, or not visible with this token
EMPTY = "empty"  # the repository has no commits
NO_RUN = "no-run"  # no completed grading run on the default branch
NO_REPORT = "no-report"  # a run without a readable grade-report artifact (expired, or grading broke early)
TIMEOUT = "timeout"  # regrade: grading did not finish in time
FAILED = "failed"  # regrade: grading wrote no report
STATUSES = (GRADED, MISSING, EMPTY, NO_RUN, NO_REPORT, TIMEOUT, FAILED)

# Flags: what to look at. A row may carry several.
FLAG_TAMPERED = "tampered"  # a report's grading files differ from the official lock
FLAG_MISSING = "missing"  # no grade (the status says why)
FLAG_LATE = "late"  # points earned after an exercise's due date
FLAG_NOT_GRADED = "not-graded"  # checks the backend could not grade (left out of the maximum)
FLAG_HARNESS = "harness-error"  # the harness failed, or the run left exercises out: the grade is incomplete
FLAGS = (FLAG_TAMPERED, FLAG_MISSING, FLAG_LATE, FLAG_NOT_GRADED, FLAG_HARNESS)

INTEGRITY_VERIFIED = "verified"
INTEGRITY_TAMPERED = "tampered"
NO_INTEGRITY = "the report carries no integrity record"
VERDICT_NOT_OK = "the run's own verdict is {verdict!r}"
NOT_OFFICIAL = "{path} is not an official grading file"
DIFFERS = "{path} differs from the official graders.lock"
NOT_USED = "{path} (official) was not used"
MAX_PROBLEMS = 20
SLACK = 1e-9  # points are rounded to 2 decimals; compare with a margin

CSV_LEADING = ("student", "repository", "status", "points", "max", "percent")
CSV_TRAILING = ("late", "not_graded", "integrity", "flags", "commit", "graded_at", "source", "detail")


@dataclass
class Snapshot:
    """One grade report and where it came from."""

    report: GradeReport
    commit: str | None
    at: datetime | None  # when this state was pushed (GitHub run) or committed (regrade)
    source: str  # a run's URL, or what was regraded


@dataclass
class Cell:
    points: float
    max: float
    status: str
    not_graded: int = 0
    late: bool = False
    on_time: float | None = None  # points at the due date, when the due date has passed


@dataclass
class Row:
    student: str
    repository: str
    status: str
    detail: str = ""
    commit: str = ""
    graded_at: str = ""
    source: str = ""
    backend: str = ""
    integrity: str = ""  # verified | tampered | "" (no grade)
    problems: list[str] = field(default_factory=list)  # why tampered, file by file
    cells: dict[str, Cell] = field(default_factory=dict)  # exercise id -> its cell; absent: not graded
    points: float = 0.0
    max: float = 0.0
    flags: list[str] = field(default_factory=list)
    # Self-reported exam practice, beside the grade and never in it (gradebook_practice.py): "" without a grade.
    practice_state: str = ""
    practice: dict[str, Any] | None = None  # the report's practice section, checked again

    @property
    def percent(self) -> float:
        return percent(self.points, self.max)

    @property
    def late(self) -> list[str]:
        return [exercise for exercise, cell in self.cells.items() if cell.late]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Row:
        values = dict(data)
        values["cells"] = {key: Cell(**cell) for key, cell in data.get("cells", {}).items()}
        return cls(**values)


def verify_report(report: GradeReport, lock: dict[str, str], course: Course) -> list[str]:
    """What, in this report, differs from the official lock (empty: the official graders graded it)."""
    integrity = report.get("integrity")
    if not isinstance(integrity, dict) or not isinstance(integrity.get("hashes"), dict):
        return [NO_INTEGRITY]
    problems = [] if integrity.get("verdict") == OK else [VERDICT_NOT_OK.format(verdict=integrity.get("verdict"))]
    hashes: dict[str, str] = integrity["hashes"]
    for path in sorted(hashes):
        if path not in lock:
            problems.append(NOT_OFFICIAL.format(path=path))
        elif lock[path] != hashes[path]:
            problems.append(DIFFERS.format(path=path))
    graded_ids = {exercise.get("id") for exercise in report.get("exercises", [])}
    graded = [exercise for exercise in course.exercises if exercise.id in graded_ids]
    problems += [NOT_USED.format(path=path) for path in sorted(lock) if path not in hashes and in_scope(path, course, graded)]
    return problems[:MAX_PROBLEMS]


def _exercises_by_id(report: GradeReport) -> dict[str, ExerciseReport]:
    return {exercise["id"]: exercise for exercise in report.get("exercises", []) if "id" in exercise}


def build_row(
    *,
    name: str,
    repository: str,
    course: Course,
    lock: dict[str, str],
    latest: Snapshot | None,
    on_time: dict[int, Snapshot | None] | None = None,
    due: DueDates | None = None,
    status: str = GRADED,
    detail: str = "",
    problems: list[str] | None = None,
) -> Row:
    """A student's row. ``on_time[week]`` is the state at that week's due date (None: nothing graded
    by then); it is needed only for weeks whose due date is before ``latest.at``. ``problems``: grading
    files found changed before the report was made (regrade: restored by the overlay), flagged too."""
    if latest is None:
        return Row(name, repository, status if status != GRADED else FAILED, detail, flags=[FLAG_MISSING])
    due, on_time = due or {}, on_time or {}
    report = latest.report
    row = Row(
        name,
        repository,
        GRADED,
        detail,
        commit=latest.commit or report.get("git_commit") or "",
        graded_at=iso(latest.at),
        source=latest.source,
        backend=str((report.get("backend") or {}).get("name", "")),
    )
    row.practice_state, practice = practice_of(report)
    row.practice = dict(practice) if practice is not None else None
    snapshots = [latest, *(snapshot for snapshot in on_time.values() if snapshot is not None)]
    row.problems = list(problems or []) + [problem for snapshot in snapshots for problem in verify_report(snapshot.report, lock, course)]
    row.integrity = INTEGRITY_TAMPERED if row.problems else INTEGRITY_VERIFIED
    graded = _exercises_by_id(report)
    for exercise in course.exercises:
        entry = graded.get(exercise.id)
        if entry is None:
            continue
        cell = Cell(float(entry["points"]), float(entry["max"]), str(entry.get("status", "")), int(entry.get("not_graded", 0)))
        deadline = due.get(exercise.week)
        if deadline is not None and latest.at is not None and latest.at > deadline:
            earlier = on_time.get(exercise.week)
            before = _exercises_by_id(earlier.report).get(exercise.id) if earlier else None
            cell.on_time = float(before["points"]) if before else 0.0
            cell.late = cell.points > cell.on_time + SLACK
        row.cells[exercise.id] = cell
        if not exercise.optional:
            row.points += cell.points
            row.max += cell.max
    # A run that stopped early left exercises out: they count as 0 of their points, never as a smaller course.
    missing = [exercise for exercise in course.exercises if not exercise.optional and exercise.id not in graded]
    row.max += sum(exercise.points for exercise in missing)
    row.points, row.max = round(row.points, 2), round(row.max, 2)
    row.flags = [
        flag
        for flag, raised in (
            (FLAG_TAMPERED, bool(row.problems)),
            (FLAG_LATE, bool(row.late)),
            (FLAG_NOT_GRADED, any(cell.not_graded for cell in row.cells.values())),
            (FLAG_HARNESS, bool(report.get("harness_errors") or missing)),
        )
        if raised
    ]
    return row


def csv_columns(course: Course) -> list[str]:
    """Stable columns: the same for every cohort of a course release, whatever the rows hold."""
    return [*CSV_LEADING, *(exercise.id for exercise in course.exercises), *CSV_TRAILING, *PRACTICE_COLUMNS]


def _number(value: float) -> str:
    return f"{value:g}"


def csv_record(row: Row, course: Course) -> dict[str, str]:
    graded = row.status == GRADED
    record = {
        "student": row.student,
        "repository": row.repository,
        "status": row.status,
        "points": _number(row.points) if graded else "",
        "max": _number(row.max) if graded else "",
        "percent": _number(row.percent) if graded else "",
        "late": " ".join(row.late),
        "not_graded": " ".join(exercise for exercise, cell in row.cells.items() if cell.not_graded),
        "integrity": row.integrity,
        "flags": " ".join(row.flags),
        "commit": row.commit,
        "graded_at": row.graded_at,
        "source": row.source,
        "detail": "; ".join(filter(None, [row.detail, *row.problems])),
    }
    for exercise in course.exercises:
        cell = row.cells.get(exercise.id)
        record[exercise.id] = _number(cell.points) if cell else ""
    record.update(practice_record(row.practice_state, row.practice))  # type: ignore[arg-type]
    return record


def write_csv(rows: Iterable[Row], course: Course, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=csv_columns(course))
        writer.writeheader()
        for row in rows:
            writer.writerow(csv_record(row, course))
    return path


def write_rows(rows: Iterable[Row], directory: Path) -> list[Path]:
    """One JSON file per student: what `course gradebook --rows` merges (the regrade workflow's jobs)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for row in rows:
        path = directory / f"{Student(row.student, row.repository).slug}.json"
        path.write_text(json.dumps(row.to_json(), indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


def read_rows(directories: Iterable[Path]) -> list[Row]:
    rows = []
    for directory in directories:
        for path in sorted(Path(directory).rglob("*.json")):
            rows.append(Row.from_json(json.loads(path.read_text(encoding="utf-8"))))
    return sorted(rows, key=lambda row: row.student.lower())


SUMMARY_HEADER = "{count} students: {graded} graded, {missing} without a grade, {tampered} tampered, {late} late"


def print_summary(rows: list[Row], out: TextIO) -> None:
    """The terminal view: one line per student, then the counts."""
    width = max([len(row.student) for row in rows] + [7])
    for row in rows:
        score = f"{row.points:g} / {row.max:g} ({row.percent:g}%)" if row.status == GRADED else row.status
        flags = ", ".join(row.flags)
        print(f"  {row.student:<{width}}  {score:<24} {flags}".rstrip(), file=out)
    print(
        SUMMARY_HEADER.format(
            count=len(rows),
            graded=sum(1 for row in rows if row.status == GRADED),
            missing=sum(1 for row in rows if row.status != GRADED),
            tampered=sum(1 for row in rows if FLAG_TAMPERED in row.flags),
            late=sum(1 for row in rows if FLAG_LATE in row.flags),
        ),
        file=out,
    )
