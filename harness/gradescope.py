"""Gradescope: results.json from a grade report, and a submission's files put where the graders look.

results.json follows Gradescope's "Autograder Specifications", section "Output format"
(https://gradescope-autograders.readthedocs.io/en/latest/specs/). gradescope/run_autograder runs
`python -m harness.gradescope prepare /autograder/submission`, then
`course grade --gradescope /autograder/results/results.json`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from .integrity import is_grader_name
from .manifest import Course, load_course
from .quiz.practice import SHARED_RESULTS
from .report_types import CheckReport, ExerciseReport, GradeReport
from .results import NOT_GRADED, PASSED
from .settings import MANIFEST_FILE, REPO_ROOT

VISIBLE = "visible"
OPTIONAL_NOTE = "Optional extension: shown here, not counted in the score."
NOT_GRADED_NOTE = "Not graded on this backend, so it is left out of the maximum."
HARNESS_NOTE = (
    "The grading harness failed, so this score is not final; your instructor has been told by this message: {errors}"
)
INTEGRITY_NOTE = "Grading files differ from graders.lock: {files}."
PRACTICE_NOTE = (
    "Your shared exam practice (quizzes/results.json) is passed on to your instructor as self-reported practice; "
    "it is not part of the score."
)
NOT_STUDENT_FILES = {"README.md"}


def _test_output(check: CheckReport, optional: bool) -> str:
    if check["outcome"] == NOT_GRADED:
        lines = [NOT_GRADED_NOTE, check["message"]]
    elif check["outcome"] == PASSED:
        lines = ["Passed."]
    else:
        lines = [check["message"]]
        lines += [f"Hint: {check['hint']}"] if check.get("hint") else []
        lines += [f"Read: {check['read']}"] if check.get("read") else []
        if check.get("file"):
            lines.append(f"At: {check['file']}" + (f", line {check['line']}" if check.get("line") else ""))
    if optional:
        lines.append(OPTIONAL_NOTE)
    return "\n".join(line for line in lines if line)


def _test(exercise: ExerciseReport, check: CheckReport, number: str) -> dict[str, Any]:
    optional = bool(exercise.get("optional"))
    test: dict[str, Any] = {
        "name": f"{exercise['title']} › {check['title']}",
        "number": number,
        "score": check["points"],
        "max_score": 0.0 if check["outcome"] == NOT_GRADED else check["max"],
        "output": _test_output(check, optional),
        "output_format": "text",
        "tags": [exercise["id"], *(["optional"] if optional else [])],
        "visibility": VISIBLE,
    }
    if check["outcome"] != NOT_GRADED:  # Gradescope knows passed and failed; a check not graded is neither
        test["status"] = "passed" if check["outcome"] == PASSED else "failed"
    return test


def _overview(report: GradeReport) -> str:
    totals = report["totals"]
    course, backend = report["course"], report["backend"]["name"]
    score = f"{totals['points']:g} / {totals['max']:g} points ({totals['percent']:g}%)"
    lines = [f"{course['name']} {course['version']}: {score}, graded on the {backend} backend."]
    for exercise in report["exercises"]:
        optional = " (optional, not in the score)" if exercise.get("optional") else ""
        lines.append(
            f"- {exercise['title']}{optional}: {exercise['points']:g} / {exercise['max']:g}, {exercise['status']}"
        )
        lines += [f"  {error}" for error in exercise["errors"]]
    integrity = report.get("integrity") or {}
    if integrity.get("verdict") == "modified":
        lines.append(INTEGRITY_NOTE.format(files=", ".join(integrity["modified"])))
    if report["harness_errors"]:
        lines.append(HARNESS_NOTE.format(errors="; ".join(report["harness_errors"])))
    if report.get("practice"):
        lines.append(PRACTICE_NOTE)
    return "\n".join(lines)


def results(report: GradeReport) -> dict[str, Any]:
    """results.json: one test per check; "score" is the course total (optional extensions left out)."""
    tests = [
        _test(exercise, check, f"{exercise_number}.{check_number}")
        for exercise_number, exercise in enumerate(report["exercises"], start=1)
        for check_number, check in enumerate(exercise["checks"], start=1)
    ]
    integrity = report.get("integrity") or {}
    return {
        "score": report["totals"]["points"],
        "execution_time": round(report["duration"]),
        "output": _overview(report),
        "output_format": "text",
        "visibility": VISIBLE,
        "stdout_visibility": "hidden",  # pytest's log is for the instructor
        "extra_data": {
            "course_version": report["course"]["version"],
            "backend": report["backend"]["name"],
            "integrity": integrity.get("verdict", "unlocked"),
            "modified": integrity.get("modified", []),
            "lock_sha256": integrity.get("lock_sha256"),
            "practice": report.get("practice"),  # self-reported (course quiz --share), never in the score
        },
        "tests": tests,
    }


def write_results(report: GradeReport, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results(report), indent=2) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------------- the submission


def _is_student_file(path: Path) -> bool:
    if not path.is_file() or "__pycache__" in path.parts or is_grader_name(path.name):
        return False
    return path.name not in NOT_STUDENT_FILES and path.suffix not in (".pyc", ".zip")


def student_files(course_root: Path, course: Course) -> list[str]:
    """The files students write: everything in the exercise folders but graders and READMEs, and the exam
    practice they share (copied from a submitted repository that has it; never graded)."""
    found = {SHARED_RESULTS}
    for exercise in course.exercises:
        folder = course_root / exercise.folder
        for path in folder.rglob("*") if folder.is_dir() else ():
            if _is_student_file(path):
                found.add(path.relative_to(course_root).as_posix())
    return sorted(found)


def _submission_root(submission: Path) -> Path | None:
    """Where a submitted repository starts (GitHub submissions, or a zip of the course folder)."""
    for candidate in (submission, *sorted(p for p in submission.iterdir() if p.is_dir())):
        if (candidate / MANIFEST_FILE).is_file():
            return candidate
    return None


def prepare(submission: Path, course_root: Path, course: Course) -> list[tuple[str, str]]:
    """Copy the submitted versions of the students' files over the starter files.

    A submitted repository is matched path by path; loose uploaded files by name, where the name is
    unique in the course. Grader files in a submission are never copied. Returns (from, to) pairs.
    """
    expected = student_files(course_root, course)
    root = _submission_root(submission)
    uploaded = [p for p in submission.rglob("*") if p.is_file() and not is_grader_name(p.name)]
    by_name: dict[str, list[Path]] = {}
    for path in uploaded:
        by_name.setdefault(path.name, []).append(path)
    names = [Path(relative).name for relative in expected]
    copied = []
    for relative in expected:
        if root is not None:  # a repository: its own layout, nothing looked up by name
            source: Path | None = root / relative if (root / relative).is_file() else None
        else:
            matches = by_name.get(Path(relative).name, [])
            source = matches[0] if len(matches) == 1 and names.count(Path(relative).name) == 1 else None
        if source is not None:
            (course_root / relative).parent.mkdir(parents=True, exist_ok=True)  # quizzes/ is not in the bundle
            shutil.copyfile(source, course_root / relative)
            copied.append((source.relative_to(submission).as_posix(), relative))
    return copied


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.gradescope", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    prepare_command = commands.add_parser("prepare", help="put a submission's files in the exercise folders")
    prepare_command.add_argument("submission", type=Path)
    prepare_command.add_argument("--course-root", type=Path, default=REPO_ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    course_root = args.course_root.resolve()
    copied = prepare(args.submission, course_root, load_course(course_root))
    for source, target in copied:
        print(f"submitted {source} -> {target}")
    if not copied:
        print("No file of the submission matches an exercise file; the starter code is graded.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
