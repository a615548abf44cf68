"""Where a failed check points: the report's file and line, found by the harness or named by the grader."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "graders" / "report.schema.json").read_text())

MANIFEST = """
[course]
name = "Where Course"
version = "1.0"

[[exercise]]
id = "ex1"
title = "Exercise One"
week = 0
folder = "labs/ex1"
points = 8
domain = 1

[[exercise]]
id = "ex2"
title = "Exercise Two"
week = 1
folder = "labs/ex2"
points = 1
domain = 1
"""
CODE = "def answer():\n    return 41\n\n\ndef boom():\n    raise KeyError('Item')\n"
BOOM_LINE = 6
DEPLOY = "echo starting\nnot_a_command_anywhere\nexit 3\n"
GRADER = '''
import pytest
from graders import fail

@pytest.mark.points(1, hint="h")
def test_student_raises(exercise):
    exercise.load("code.py").boom()

@pytest.mark.points(1, hint="h")
def test_grader_names_the_line(exercise):
    exercise.load("code.py")
    fail("Expected 42 from answer(), got 41.", where=("code.py", 2))

@pytest.mark.points(1, hint="h")
def test_wrong_answer(exercise):
    assert exercise.load("code.py").answer() == 42, "Expected 42."

@pytest.mark.points(2, hint="h")
def test_partial(exercise, partial_credit):
    module = exercise.load("code.py")
    with partial_credit.part("first"):
        pass
    with partial_credit.part("second"):
        module.boom()

@pytest.mark.points(1, hint="h")
def test_script_fails(exercise):
    result = exercise.run_script("deploy.sh")
    assert result.ok, "Expected deploy.sh to exit 0."

@pytest.mark.points(1, hint="h")
def test_grader_only():
    fail("Nothing of the student's was involved.")

@pytest.mark.points(1, hint="h")
def test_passes(exercise):
    exercise.load("code.py")
'''
SYNTAX_GRADER = '''
import pytest

@pytest.mark.points(1, hint="h")
def test_imports(exercise):
    exercise.load("code.py")
'''


@pytest.fixture(scope="module")
def located(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One grading run of a course whose checks fail in every way a location can be found."""
    root = tmp_path_factory.mktemp("where")
    (root / "course.toml").write_text(MANIFEST)
    for folder, grader, files in (
        ("labs/ex1", GRADER, {"code.py": CODE, "deploy.sh": DEPLOY}),
        ("labs/ex2", SYNTAX_GRADER, {"code.py": "x = 1\ndef f(:\n    pass\n"}),
    ):
        path = root / folder
        path.mkdir(parents=True)
        (path / f"test_{path.name}.py").write_text(textwrap.dedent(grader))
        for name, text in files.items():
            (path / name).write_text(text)
    command = [sys.executable, "-m", "pytest", "-p", "graders.plugin", "-p", "no:cacheprovider", "--course-root", str(root)]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300)
    report_file = root / "reports" / "grade-report.json"
    assert report_file.is_file(), done.stdout + done.stderr
    return json.loads(report_file.read_text())


def check(report: dict, exercise_id: str, check_id: str) -> dict:
    exercise = next(e for e in report["exercises"] if e["id"] == exercise_id)
    return next(c for c in exercise["checks"] if c["id"] == check_id)


def test_an_exception_in_student_code_points_at_the_students_line(located: dict) -> None:
    raised = check(located, "ex1", "test_student_raises")
    assert (raised["file"], raised["line"]) == ("labs/ex1/code.py", BOOM_LINE)


def test_a_grader_can_name_the_file_and_line_itself(located: dict) -> None:
    named = check(located, "ex1", "test_grader_names_the_line")
    assert (named["file"], named["line"]) == ("labs/ex1/code.py", 2)


def test_a_wrong_answer_points_at_the_file_the_check_loaded_without_a_line(located: dict) -> None:
    wrong = check(located, "ex1", "test_wrong_answer")
    assert wrong["file"] == "labs/ex1/code.py" and "line" not in wrong


def test_a_partial_check_points_at_its_first_failing_part(located: dict) -> None:
    partial = check(located, "ex1", "test_partial")
    assert partial["outcome"] == "partial"
    assert (partial["file"], partial["line"]) == ("labs/ex1/code.py", BOOM_LINE)


def test_a_failing_script_points_at_the_line_bash_blamed(located: dict) -> None:
    script = check(located, "ex1", "test_script_fails")
    assert (script["file"], script["line"]) == ("labs/ex1/deploy.sh", 2)


def test_a_syntax_error_points_at_its_line(located: dict) -> None:
    broken = check(located, "ex2", "test_imports")
    assert (broken["file"], broken["line"]) == ("labs/ex2/code.py", 2)


def test_checks_that_touch_no_student_file_or_pass_carry_no_location(located: dict) -> None:
    for check_id in ("test_grader_only", "test_passes"):
        entry = check(located, "ex1", check_id)
        assert "file" not in entry and "line" not in entry, entry


def test_the_report_with_locations_matches_the_schema(located: dict) -> None:
    jsonschema.validate(located, SCHEMA)
