"""Gradescope: results.json in the documented shape, the submission put in place, the autograder zip."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from ci_support import clean_environment, copy_of_repository, course, make_tiny_course, read_report
from support import REPO

from harness.gradescope import NOT_GRADED_NOTE, OPTIONAL_NOTE, PRACTICE_NOTE, prepare, results
from harness.integrity import LOCK_FILE, check, write_lock
from harness.manifest import load_course

# Gradescope's "Autograder Specifications", "Output format": the keys results.json may hold.
TOP_LEVEL_KEYS = {"score", "execution_time", "output", "output_format", "visibility", "stdout_visibility", "extra_data", "tests"}
TEST_KEYS = {"score", "max_score", "status", "name", "number", "output", "output_format", "tags", "visibility"}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
LAB1 = "labs/lab1_inventory_status"


def assert_documented_shape(data: dict[str, Any]) -> None:
    assert set(data) <= TOP_LEVEL_KEYS, set(data) - TOP_LEVEL_KEYS
    assert isinstance(data["score"], (int, float)) and isinstance(data["execution_time"], int)
    assert data["visibility"] in VISIBILITIES and data["stdout_visibility"] in VISIBILITIES
    for test in data["tests"]:
        assert set(test) <= TEST_KEYS, set(test) - TEST_KEYS
        assert {"name", "score", "max_score", "output", "visibility"} <= set(test)
        assert isinstance(test["score"], (int, float)) and isinstance(test["max_score"], (int, float))
        assert test.get("status", "passed") in ("passed", "failed") and test["visibility"] in VISIBILITIES


def required(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [test for test in data["tests"] if "optional" not in test["tags"]]


def test_course_grade_writes_results_json_whose_tests_add_up_to_the_score(tmp_path: Path) -> None:
    root = make_tiny_course(tmp_path / "course")
    (root / "ex/two/answer.py").write_text("ANSWER = 41\n\n\ndef double(n):\n    return 2 * n\n")
    target = tmp_path / "results" / "results.json"
    done = course("grade", "--course-root", str(root), "--report-dir", str(tmp_path / "reports"), "--gradescope", str(target))
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(target.read_text())
    assert_documented_shape(data)
    report = read_report(tmp_path / "reports")
    assert report is not None
    assert data["score"] == report["totals"]["points"] == 2
    assert sum(test["score"] for test in required(data)) == data["score"]
    assert sum(test["max_score"] for test in required(data)) == report["totals"]["max"] == 3
    failed = [test for test in data["tests"] if test["status"] == "failed"]
    assert [test["name"] for test in failed] == ["Second Answer › The answer is 42"]
    assert failed[0]["output"].splitlines()[:2] == ["Expected ANSWER == 42, got 41.", "Hint: Set ANSWER to 42 in answer.py."]
    assert [test["number"] for test in data["tests"]] == ["1.1", "2.1", "2.2"]


def fabricated_report() -> dict[str, Any]:
    def check(check_id: str, outcome: str, points: float, maximum: float, message: str = "") -> dict[str, Any]:
        return {"id": check_id, "title": check_id.replace("_", " "), "outcome": outcome, "points": points, "max": maximum,
                "message": message, "hint": "", "read": "", "duration": 0.1}

    return {
        "course": {"name": "Course", "version": "1.0"},
        "backend": {"name": "moto"},
        "duration": 12.6,
        "totals": {"points": 3.5, "max": 6, "percent": 58.3},
        "harness_errors": [],
        "integrity": {"verdict": "ok", "modified": [], "hashes": {}, "lock_sha256": "0" * 64},
        "exercises": [
            {"id": "lab", "title": "Lab", "optional": False, "points": 3.5, "max": 6, "status": "in progress", "errors": [],
             "checks": [check("passes", "passed", 2, 2), check("half", "partial", 1.5, 3, "1 of 2 cases passed."),
                        check("fails", "failed", 0, 1, "Expected 1."), check("needs_docker", "not_graded", 0, 4, "lacks code")]},
            {"id": "ext", "title": "Extension", "optional": True, "points": 2, "max": 2, "status": "complete", "errors": [],
             "checks": [check("extra", "passed", 2, 2)]},
        ],
    }


def test_not_graded_checks_are_worth_nothing_and_optional_extensions_stay_out_of_the_score() -> None:
    data = results(fabricated_report())
    assert_documented_shape(data)
    assert data["score"] == 3.5 == sum(test["score"] for test in required(data))
    assert sum(test["max_score"] for test in required(data)) == 6
    not_graded = next(test for test in data["tests"] if test["name"] == "Lab › needs docker")
    assert not_graded["max_score"] == 0 and "status" not in not_graded and NOT_GRADED_NOTE in not_graded["output"]
    partial = next(test for test in data["tests"] if test["name"] == "Lab › half")
    assert (partial["score"], partial["max_score"], partial["status"]) == (1.5, 3, "failed")
    extension = next(test for test in data["tests"] if "optional" in test["tags"])
    assert extension["score"] == 2 and OPTIONAL_NOTE in extension["output"]
    assert data["execution_time"] == 13 and data["extra_data"]["integrity"] == "ok"


def test_shared_exam_practice_goes_to_extra_data_and_never_into_the_score() -> None:
    report = fabricated_report()
    plain = results(report)
    practice = {"self_reported": True, "source": "quizzes/results.json", "shared_at": "2026-10-04T18:30:00+00:00",
                "quizzes": [], "exams": [], "domains": []}
    shared = results({**report, "practice": practice})
    assert shared["extra_data"]["practice"] == practice and plain["extra_data"]["practice"] is None
    assert shared["score"] == plain["score"] and shared["tests"] == plain["tests"]
    assert PRACTICE_NOTE in shared["output"] and PRACTICE_NOTE not in plain["output"]


# --------------------------------------------------------------------------------- the submission


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return make_tiny_course(tmp_path / "course")


def test_a_submitted_repository_is_matched_path_by_path_and_its_graders_are_ignored(tiny: Path, tmp_path: Path) -> None:
    submission = tmp_path / "submission" / "my-repo"
    (submission / "ex/one").mkdir(parents=True)
    (submission / "course.toml").write_text("# the student's copy\n")
    (submission / "ex/one/answer.py").write_text("ANSWER = 7\n")
    (submission / "ex/one/test_one.py").write_text("# a loosened grader\n")
    (submission / "quizzes").mkdir()
    (submission / "quizzes/results.json").write_text("{}\n")  # shared exam practice comes along, to be reported
    copied = prepare(tmp_path / "submission", tiny, load_course(tiny))
    assert copied == [("my-repo/ex/one/answer.py", "ex/one/answer.py"), ("my-repo/quizzes/results.json", "quizzes/results.json")]
    assert (tiny / "ex/one/answer.py").read_text() == "ANSWER = 7\n" and (tiny / "quizzes/results.json").is_file()
    assert (tiny / "ex/one/test_one.py").read_text() != "# a loosened grader\n"


def test_uploaded_files_are_matched_by_a_name_unique_in_the_course(tiny: Path, tmp_path: Path) -> None:
    (tiny / "ex/one/notes.txt").write_text("starter notes\n")
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "notes.txt").write_text("my notes\n")
    (submission / "answer.py").write_text("ANSWER = 7\n")  # both exercises have an answer.py: ambiguous
    copied = prepare(submission, tiny, load_course(tiny))
    assert copied == [("notes.txt", "ex/one/notes.txt")]
    assert (tiny / "ex/one/answer.py").read_text().startswith("ANSWER = 42")


# ------------------------------------------------------------------------------ the autograder zip


@pytest.fixture(scope="module")
def lab1_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the course reduced to Lab 1 (so the run does not depend on exercises in progress), locked."""
    root = copy_of_repository(tmp_path_factory.mktemp("bundle") / "course")
    lab1 = load_course(REPO).get("lab1")
    (root / "course.toml").write_text(
        f'[course]\nname = "Cloud Developer Accelerator"\nversion = "0.1.0"\n\n[[exercise]]\nid = "lab1"\n'
        f'title = "{lab1.title}"\nweek = {lab1.week}\nfolder = "{lab1.folder}"\npoints = {lab1.points}\ndomain = {lab1.domain}\n'
    )
    write_lock(root, load_course(root))
    return root


@pytest.fixture(scope="module")
def autograder_zip(lab1_course: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("zip") / "autograder.zip"
    done = subprocess.run([sys.executable, str(lab1_course / "scripts/gradescope_bundle.py"), str(target)],
                          capture_output=True, text=True, env=clean_environment(), timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return target


def test_the_zip_has_setup_and_run_autograder_at_its_root_and_no_solutions(autograder_zip: Path) -> None:
    with zipfile.ZipFile(autograder_zip) as archive:
        names = archive.namelist()
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    assert {"setup.sh", "run_autograder", LOCK_FILE, "course.toml", f"{LAB1}/test_lab1.py"} <= set(names)
    assert all(modes[name] & stat.S_IXUSR for name in ("setup.sh", "run_autograder"))
    assert not [name for name in names if name.startswith(("solutions/", "tests/", ".venv/")) or "__pycache__" in name]


def test_the_bundle_refuses_a_stale_lock(lab1_course: Path, tmp_path: Path) -> None:
    stale = Path(shutil.copytree(lab1_course, tmp_path / "stale"))
    (stale / f"{LAB1}/test_lab1.py").write_text("# edited after locking\n")
    done = subprocess.run([sys.executable, str(stale / "scripts/gradescope_bundle.py"), str(tmp_path / "x.zip")],
                          capture_output=True, text=True, env=clean_environment(), timeout=120)
    assert done.returncode == 2 and "run `course lock` first" in done.stderr


def test_run_autograder_grades_a_submitted_repository_into_results_json(autograder_zip: Path, tmp_path: Path) -> None:
    """Gradescope's layout in a temp dir: the zip in source/, the student's repository in submission/."""
    autograder = tmp_path / "autograder"
    source = autograder / "source"
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(source)
    python = source / ".venv/bin/python"  # setup.sh makes a venv; this run borrows the test's interpreter
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    submission = autograder / "submission"
    shutil.copytree(REPO / "solutions" / LAB1, submission / LAB1, ignore=shutil.ignore_patterns("__pycache__", "*.zip"))
    (submission / "course.toml").write_text("# the student's repository\n")
    (submission / LAB1 / "test_lab1.py").write_text("# a student's grader: never used\n")
    (autograder / "results").mkdir()

    done = subprocess.run(["bash", str(source / "run_autograder")], cwd=autograder, capture_output=True, text=True,
                          env=clean_environment(AUTOGRADER_DIR=str(autograder)), timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"submitted {LAB1}/inventory_status_lambda.py -> {LAB1}/inventory_status_lambda.py" in done.stdout
    data = json.loads((autograder / "results" / "results.json").read_text())
    assert_documented_shape(data)
    assert data["extra_data"]["integrity"] == "ok"
    assert all(test.get("status", "passed") == "passed" for test in data["tests"]), data["output"]
    assert data["score"] == sum(test["max_score"] for test in data["tests"]) > 0
    assert check(source, load_course(source)).verdict == "ok"
