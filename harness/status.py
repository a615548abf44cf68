"""`course status`: progress per week, and the command to run next.

It reads progress.json (every exercise's latest full result across runs, harness/progress.py) and,
where there is none yet, the last grade report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from . import progress
from .manifest import Course, Exercise
from .report_types import GradeReport
from .settings import REPORT_JSON, REPORT_MARKDOWN, resolve_report_dir

NOT_GRADED_YET = "not graded yet"
NO_REPORT = (
    "No grade report yet ({path}). Run `course grade` to grade every exercise, or `course grade {first}` for one."
)
UNREADABLE_REPORT = "The grade report {path} cannot be read ({reason}). Run `course grade` to write a fresh one."
NEXT_EXERCISE = "Next: `course grade {id}` ({title}; read {readme})."
ALL_COMPLETE = "Every exercise is complete. Run `course grade` to re-check them all."


def report_directory(course_root: Path, cli_value: str | None) -> Path:
    return resolve_report_dir(cli_value, course_root)


def shown(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def read_report(path: Path) -> GradeReport:
    """The report as a dict; ValueError (with the reason) if it is not a grade report."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(str(error)) from None
    if not isinstance(data, dict) or not isinstance(data.get("exercises"), list) or "totals" not in data:
        raise ValueError("it is not a grade report")
    return data


def _bar(points: float, maximum: float) -> str:
    from .scoreboard import bar  # rich loads only for commands that draw

    return bar(points, maximum)


def render_status(course: Course, report: GradeReport, *, report_name: str, across_runs: bool = False) -> list[str]:
    graded = {entry["id"]: entry for entry in report["exercises"] if isinstance(entry, dict) and "id" in entry}
    finished = progress.when(str(report.get("finished_at", "?")))
    backend = report.get("backend", {}).get("name", "?")
    if across_runs:
        lines = [f"{course.name}: the latest result of each exercise, across your grading runs ({report_name})"]
    else:
        lines = [f"{course.name}: progress from the last grading ({finished}, backend {backend}, {report_name})"]
    width = max((len(f"{e.title} ({e.id})") for e in course.exercises), default=0)
    for week in sorted({e.week for e in course.exercises}):
        lines.append(f"\nWeek {week}")
        for exercise in (e for e in course.exercises if e.week == week):
            name = f"{exercise.title} ({exercise.id})".ljust(width)
            entry = graded.get(exercise.id)
            if entry is None:
                lines.append(f"  {_bar(0, 0)}  {name}  {'-':>5}/{exercise.points:<5g} {NOT_GRADED_YET}")
            else:
                points = progress.number(entry["points"]).rjust(5)
                lines.append(
                    f"  {_bar(entry['points'], entry['max'])}  {name}  {points}/{progress.number(entry['max']):<5} "
                    f"{progress.status_text(entry)}"
                )
    totals = report["totals"]
    complete = sum(1 for e in course.exercises if graded.get(e.id, {}).get("status") == "complete")
    missing = sum(1 for e in course.exercises if e.id not in graded)
    lines.append(
        f"\nTotal: {progress.number(totals['points'])} / {progress.number(totals['max'])} points in the graded "
        f"exercises ({totals['percent']:g}%); "
        f"{complete} of {len(course.exercises)} exercises complete"
        + (f", {missing} {NOT_GRADED_YET}." if missing else ".")
    )
    lines.append(next_step(course, graded))
    return lines


def next_step(course: Course, graded: dict[str, dict[str, Any]]) -> str:
    for exercise in course.exercises:  # the manifest lists exercises in the order the course teaches them
        entry = graded.get(exercise.id, {})
        if entry.get("status") != "complete" or entry.get("partial_run"):
            return NEXT_EXERCISE.format(id=exercise.id, title=exercise.title, readme=exercise.readme)
    return ALL_COMPLETE


def _code_root(shown_root: object, course_root: Path) -> Path | None:
    """The folder a run graded, from the report's code_root ("." or a relative path; else unknown)."""
    if not isinstance(shown_root, str) or shown_root.startswith("("):
        return None
    return course_root / shown_root


def status(*, course: Course, course_root: Path, report_dir: str | None, out: TextIO) -> int:
    directory = report_directory(course_root, report_dir)
    code = _grades(course=course, course_root=course_root, directory=directory, out=out)
    from .quiz.summary import status_lines  # exam practice: quizzes/README.md

    for line in status_lines(directory, shown(directory, course_root), course_root):
        print(line, file=out)
    return code


def _grades(*, course: Course, course_root: Path, directory: Path, out: TextIO) -> int:
    remembered = progress.load(directory)
    view = progress.merged_view(course, remembered, code_root=_code_root(remembered.get("code_root"), course_root))
    if view is not None:
        name = shown(directory / progress.PROGRESS_JSON, course_root)
        for line in render_status(course, view, report_name=name, across_runs=True):
            print(line, file=out)
        print(f"Details of every failing check: {shown(directory / REPORT_MARKDOWN, course_root)}", file=out)
        return 0
    path = directory / REPORT_JSON
    first: Exercise | None = course.exercises[0] if course.exercises else None
    if not path.is_file():
        print(NO_REPORT.format(path=shown(path, course_root), first=first.id if first else "EXERCISE"), file=out)
        return 0
    try:
        report = read_report(path)
    except ValueError as error:
        print(UNREADABLE_REPORT.format(path=shown(path, course_root), reason=error), file=out)
        return 0
    for line in render_status(course, report, report_name=shown(path, course_root)):
        print(line, file=out)
    print(f"Details of every failing check: {shown(path.with_name(REPORT_MARKDOWN), course_root)}", file=out)
    return 0
