"""Where a failed check points (the report's file and line) and the GitHub annotations made from it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import jsonschema
import pytest
from support import REPO

from harness.github_actions import ANNOTATIONS_PER_KIND, Annotation, annotations, escape_data, escape_property

SCHEMA = json.loads((REPO / "harness" / "report.schema.json").read_text())

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
from harness import fail

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
    command = [sys.executable, "-m", "pytest", "-p", "harness.plugin", "-p", "no:cacheprovider", "--course-root", str(root)]
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


# ------------------------------------------------------------------------------ workflow commands


def test_message_data_escapes_percent_and_line_breaks() -> None:
    assert escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"


def test_property_values_also_escape_colon_and_comma() -> None:
    assert escape_property("Lab 1 › a, b: c%") == "Lab 1 › a%2C b%3A c%25"


def test_an_annotation_names_file_line_and_title_before_the_message() -> None:
    line = Annotation("error", "Expected 404.\nHint: check 'Item'.", "Lab › 404, not 500", "labs/x.py", 23).command()
    assert line == "::error file=labs/x.py,line=23,title=Lab › 404%2C not 500::Expected 404.%0AHint: check 'Item'."


def test_an_annotation_without_a_location_has_only_its_title() -> None:
    assert Annotation("notice", "m", "T").command() == "::notice title=T::m"
    assert Annotation("error", "m").command() == "::error::m"


WORKFLOW_COMMAND = re.compile(r"^::(error|warning|notice)( (file=[^,:]+(,line=\d+)?,)?title=[^,:]*)?::[^\r\n]*$")


def test_every_annotation_of_a_real_report_is_one_well_formed_line(located: dict) -> None:
    chosen, total, left_out = annotations(located)
    assert total == 7 and left_out == 0  # 6 failing in ex1 (the partial one included), 1 in ex2
    for annotation in chosen:
        assert WORKFLOW_COMMAND.match(annotation.command()), annotation.command()
    files = {a.file for a in chosen if a.file}
    assert files == {"labs/ex1/code.py", "labs/ex1/deploy.sh", "labs/ex2/code.py"}
    assert [a.kind for a in chosen].count("warning") == 1  # the partial check


# ------------------------------------------------------------------------------ choosing which


def fabricated(exercises: list[tuple[str, str, int]]) -> dict:
    """A report with (id, status, number of failing checks worth 1 point each) per exercise."""
    entries = []
    for exercise_id, status, failing in exercises:
        checks = [
            {"id": f"test_{n}", "title": f"check {n}", "outcome": "failed", "points": 0, "max": 1 + (n == 3),
             "message": "Expected more.", "hint": "Try harder.", "read": "README.md"}
            for n in range(failing)
        ]
        entries.append({"id": exercise_id, "title": exercise_id.title(), "status": status, "errors": [], "checks": checks})
    return {"harness_errors": [], "exercises": entries}


def test_at_most_ten_errors_are_annotated_and_a_notice_says_how_many_more() -> None:
    chosen, total, left_out = annotations(fabricated([("lab1", "in progress", 8), ("lab2", "not started", 8)]))
    errors = [a for a in chosen if a.kind == "error"]
    assert len(errors) == ANNOTATIONS_PER_KIND and (total, left_out) == (16, 6)
    notice = [a for a in chosen if a.kind == "notice"]
    assert len(notice) == 1 and notice[0].message.startswith("6 more failing check(s)")


def test_the_exercise_in_progress_comes_before_unstarted_ones_and_bigger_losses_first() -> None:
    chosen, _, _ = annotations(fabricated([("lab2", "not started", 8), ("lab1", "in progress", 4)]))
    titles = [a.title for a in chosen if a.kind == "error"]
    assert all(title.startswith("Lab1") for title in titles[:4]), titles
    assert titles[0] == "Lab1 › check 3 (0/2)"


def test_a_modified_grader_is_the_first_error_annotation() -> None:
    report = fabricated([("lab1", "in progress", 12)])
    report["integrity"] = {"verdict": "modified", "modified": ["labs/lab1/test_lab1.py"]}
    chosen, _, left_out = annotations(report)
    assert chosen[0].title == "Grader files modified" and "labs/lab1/test_lab1.py" in chosen[0].message
    assert left_out == 3
