"""What a student has achieved across grading runs: the latest full result of every exercise.

grade-report.json is one run's grade (CI and the regrade read it, and it stays a fresh, full grade
there). progress.json, beside it, remembers each exercise's latest full result, and apart from it the
latest partial run (`-k`, `--check`, one node id), so grading one exercise never forgets the others
and a few selected checks never pass for the whole exercise. `course status`, grade-summary.md and
the scoreboard show the view built here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .manifest import Course, Exercise
from .report_types import SCHEMA_VERSION, ExerciseReport, GradeReport
from .results import percent, totals_of
from .student_files import folder_digest, is_grader_file

PROGRESS_JSON = "progress.json"
STARTERS_LOCK = "starters.lock"
PROGRESS_VERSION = 1


def _the_students(path: Path, relative: Path) -> bool:
    """Graders, READMEs (the course's) and hidden files are not the student's work; links are not followed."""
    return not (is_grader_file(path) or path.is_symlink() or relative.parts[0].startswith(".") or path.suffix == ".md")


def files_digest(folder: Path) -> str | None:
    """sha256 over the student's files of an exercise folder: graders, READMEs and build output left out."""
    return folder_digest(folder, _the_students)


def starters_text(root: Path, course: Course) -> str:
    """starters.lock: each exercise's untouched starter files as one digest, written by `course lock`
    beside graders.lock, so a run can tell an exercise nobody has started from one in progress."""
    lines = [f"{files_digest(root / e.folder)}  {e.id}\n" for e in course.exercises if (root / e.folder).is_dir()]
    return "".join(lines)


def read_starters(root: Path) -> dict[str, str]:
    try:
        text = (root / STARTERS_LOCK).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    return {name: digest for digest, _, name in (line.partition("  ") for line in text.splitlines()) if name}


def untouched(root: Path, code_root: Path, course: Course) -> set[str]:
    """Exercises whose files under code_root are still the starter's (no starters.lock: none)."""
    starters = read_starters(root)
    return {e.id for e in course.exercises if e.id in starters and files_digest(code_root / e.folder) == starters[e.id]}


def load(directory: Path) -> dict[str, Any]:
    """progress.json as a dict; an empty record when there is none or it cannot be read (never fatal)."""
    try:
        data = json.loads((directory / PROGRESS_JSON).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        data = None
    if not isinstance(data, dict) or data.get("version") != PROGRESS_VERSION or not isinstance(data.get("exercises"), dict):
        return {"version": PROGRESS_VERSION, "code_root": None, "exercises": {}}
    return data


def _entry(report: GradeReport, exercise: ExerciseReport, digest: str | None) -> dict[str, Any]:
    return {
        "graded_at": report["finished_at"],
        "git_commit": report["git_commit"],
        "backend": report["backend"]["name"],
        "files_sha256": digest,
        "result": exercise,
    }


def record(report: GradeReport, directory: Path, *, code_root: Path, course: Course) -> dict[str, Any]:
    """Add a run to progress.json and return the record. A run from another code root (the reference
    solutions, say) starts a new record instead of mixing with the student's."""
    progress = load(directory)
    if progress.get("code_root") != report["code_root"]:
        progress = {"version": PROGRESS_VERSION, "code_root": report["code_root"], "exercises": {}}
    folders = {exercise.id: exercise.folder for exercise in course.exercises}
    for exercise in report["exercises"]:
        if exercise["errors"] and not exercise["checks"]:
            continue  # nothing was graded: the last real result stands
        remembered = progress["exercises"].setdefault(exercise["id"], {})
        entry = _entry(report, exercise, files_digest(code_root / folders.get(exercise["id"], exercise["folder"])))
        if exercise.get("partial_run"):
            remembered["partial"] = entry
        else:
            remembered["full"] = entry
            remembered.pop("partial", None)  # a full grade supersedes the partial runs before it
    directory.mkdir(parents=True, exist_ok=True)
    (directory / PROGRESS_JSON).write_text(json.dumps(progress, indent=1) + "\n", encoding="utf-8")
    return progress


def changed_since(entry: dict[str, Any], exercise: Exercise, code_root: Path) -> bool:
    return entry.get("files_sha256") is not None and entry["files_sha256"] != files_digest(code_root / exercise.folder)


def merged_view(
    course: Course, progress: dict[str, Any], *, this_run: Iterable[str] = (), code_root: Path | None = None
) -> GradeReport | None:
    """A report-shaped view of every exercise's latest result (the full one where there is one).
    A result that is not from ``this_run`` carries ``earlier_run`` (when, which commit, whether the
    files changed since); a partial run after it is summed up there. None when nothing was graded."""
    exercises: list[ExerciseReport] = []
    fresh = set(this_run)
    last: dict[str, Any] | None = None
    for exercise in course.exercises:
        remembered = progress.get("exercises", {}).get(exercise.id) or {}
        full, partial = remembered.get("full"), remembered.get("partial")
        entry = full or partial
        if entry is None:
            continue
        result: ExerciseReport = dict(entry["result"])  # type: ignore[assignment]
        # a partial run never replaces a full result: when both exist, the partial one is the newer
        from_this_run = exercise.id in fresh and not (full and partial)
        if not from_this_run:
            earlier: dict[str, Any] = {
                "graded_at": entry["graded_at"],
                "git_commit": entry["git_commit"],
                "files_changed": code_root is not None and changed_since(entry, exercise, code_root),
            }
            if full and partial:
                earlier["later_partial"] = {
                    "graded_at": partial["graded_at"],
                    "points": partial["result"]["points"],
                    "max": partial["result"]["max"],
                    "checks": len(partial["result"]["checks"]),
                }
            result["earlier_run"] = earlier  # type: ignore[typeddict-unknown-key]
        exercises.append(result)
        newest = partial or full
        if last is None or newest["graded_at"] > last["graded_at"]:
            last = newest
    if last is None:
        return None
    return _with_totals(course, exercises, last)


def _with_totals(course: Course, exercises: list[ExerciseReport], last: dict[str, Any]) -> GradeReport:
    return {
        "schema_version": SCHEMA_VERSION,
        "course": {"name": course.name, "version": course.version},
        "git_commit": last["git_commit"],
        "backend": {"name": last["backend"], "chosen_by": "the runs remembered in progress.json"},
        "code_root": "",
        "started_at": last["graded_at"],
        "finished_at": last["graded_at"],
        "duration": 0.0,
        "totals": totals_of([e for e in exercises if not e.get("partial_run")]),  # a partial run is no grade
        "harness_errors": [],
        "exercises": exercises,
        "practice": None,  # the run's own report carries what the student shared (plugin.py puts it here)
    }


def number(value: float) -> str:
    """Points as people write them: 19.67 -> '19.7', 31.0 -> '31'."""
    return f"{round(value, 1):g}"


def when(timestamp: str) -> str:
    """'2026-12-05T10:20:31+00:00' -> '2026-12-05 10:20 UTC'."""
    return timestamp[:16].replace("T", " ") + (" UTC" if timestamp.endswith("+00:00") else "")


def status_text(exercise: ExerciseReport) -> str:
    """The status column: the status, then whether this is a partial run or an earlier one."""
    text = "not started (the starter as given)" if exercise.get("starter_untouched") else str(exercise["status"])
    if exercise.get("partial_run"):
        count = len(exercise["checks"])
        text = f"partial run ({count} check{'s' if count != 1 else ''}), not a grade: {text}"
    earlier = exercise.get("earlier_run")  # type: ignore[typeddict-item]
    if earlier:
        text += f"; graded {when(earlier['graded_at'])}"
        if earlier.get("files_changed"):
            text += ", files changed since"
        later = earlier.get("later_partial")
        if later:
            checks = f"{later['checks']} check{'s' if later['checks'] != 1 else ''}"
            text += f"; later partial run {number(later['points'])}/{number(later['max'])} ({checks})"
    return text


def headline(name: str, totals: dict[str, Any]) -> str:
    """The title line; a run of optional extensions only is titled by them, not by '0 / 0 points'."""
    if not totals["max"] and totals.get("optional_max"):
        points, maximum = totals["optional_points"], totals["optional_max"]
        return f"{name}: optional extensions {number(points)} / {number(maximum)} points ({percent(points, maximum):g}%)"
    return f"{name}: {number(totals['points'])} / {number(totals['max'])} points ({totals['percent']:g}%)"
