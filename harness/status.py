"""`course status`: progress per week from the last grade report, and the command to run next."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

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


def render_status(course: Course, report: GradeReport, *, report_name: str) -> list[str]:
    graded = {entry["id"]: entry for entry in report["exercises"] if isinstance(entry, dict) and "id" in entry}
    finished = str(report.get("finished_at", "?")).replace("T", " ").replace("+00:00", " UTC")
    backend = report.get("backend", {}).get("name", "?")
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
                points = f"{entry['points']:g}".rjust(5)
                lines.append(
                    f"  {_bar(entry['points'], entry['max'])}  {name}  {points}/{entry['max']:<5g} {entry['status']}"
                )
    totals = report["totals"]
    complete = sum(1 for e in course.exercises if graded.get(e.id, {}).get("status") == "complete")
    missing = sum(1 for e in course.exercises if e.id not in graded)
    lines.append(
        f"\nTotal: {totals['points']:g} / {totals['max']:g} points in the graded exercises ({totals['percent']:g}%); "
        f"{complete} of {len(course.exercises)} exercises complete"
        + (f", {missing} {NOT_GRADED_YET}." if missing else ".")
    )
    lines.append(next_step(course, graded))
    return lines


def next_step(course: Course, graded: dict[str, dict[str, Any]]) -> str:
    for exercise in course.exercises:  # the manifest lists exercises in the order the course teaches them
        if graded.get(exercise.id, {}).get("status") != "complete":
            return NEXT_EXERCISE.format(id=exercise.id, title=exercise.title, readme=exercise.readme)
    return ALL_COMPLETE


def status(*, course: Course, course_root: Path, report_dir: str | None, out: TextIO) -> int:
    path = report_directory(course_root, report_dir) / REPORT_JSON
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
