"""Submissions that tamper with what grades them (tests/harness/hostile/<case>/; see tests/harness/hostile/kit.py).

First in the student's own copy, with the real CLI (`python -m harness.cli grade kata1 kata2` from its root):
modules named like ones the grading process imports (tests/harness/test_hostile_escapes.py grades the other tamper
cases there). Then `course regrade` of every tamper case, one local git repository each, in one run
against an official copy of the course restricted to kata1 and kata2 (course.toml trimmed, graders.lock
regenerated): every row carries the honest score, and a row whose repository changed a grading file is
flagged as tampered, file by file.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from hostile.kit import (
    FORGER_WAIT,
    HONEST_KATA1,
    HONEST_LOSS,
    KATA1_POINTS,
    KATA2_POINTS,
    OTHER,
    TARGET,
    TARGET_GRADER,
    HostileRun,
    assert_graded,
    assert_integrity,
    assert_report_written,
    commit_all,
    forge_bytecode,
    grade,
    grade_case,
    official_course,
    processes_mentioning,
    regrade,
    student_repository,
    student_tree,
)

from instructor.gradebook import FLAG_TAMPERED, GRADED, Row
from instructor.regrade import ADDED, CHANGED, DELETED

CASES = (
    "harness_monkeypatch", "report_rewrite", "pycache_forgery", "root_argparse", "conftest_raises", "deleted_grader",
    "shadow_module", "edited_fixture",
)
CASES_FILE = "katas/kata1_clean_code/characterization_cases.json"


def drop_the_cases_the_mistake_fails(root: Path) -> None:
    """The forger's edit of the grader's truth: the tax-and-shipping cases with padded regions are gone."""
    path = root / CASES_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    data["cases"] = [case for case in data["cases"] if case["group"] != "tax_shipping" or " " not in json.dumps(case["order"].get("region", ""))]
    path.write_text(json.dumps(data), encoding="utf-8")
KATA2_CONFTEST = "katas/kata2_dynamodb/conftest.py"


# ------------------------------------------------------------------------ in the student's copy


def test_a_root_module_named_like_the_standard_librarys_argparse_does_not_stop_grading(tmp_path: Path) -> None:
    run = grade_case(tmp_path, "root_argparse")
    assert_graded(run, lost=HONEST_LOSS)


def test_a_package_in_the_exercise_folder_named_like_a_library_the_grader_imports_is_never_run_by_the_grader(
    tmp_path: Path,
) -> None:
    """katas/kata1_clean_code/radon/: the grader's `from radon.complexity import cc_visit` must get the real radon;
    the shadow would give every exercise full marks from inside the grading process."""
    run = grade_case(tmp_path, "shadow_module")
    assert_graded(run, lost=HONEST_LOSS)


def test_expected_results_edited_to_hide_a_mistake_are_flagged(tmp_path: Path) -> None:
    """characterization_cases.json is the grader's truth (a manifest fixture): editing it is tampering."""
    root = student_tree(tmp_path, "edited_fixture")
    drop_the_cases_the_mistake_fails(root)
    run = grade(root, TARGET, OTHER, report_dir=tmp_path / "reports")
    assert_integrity(assert_report_written(run), (CASES_FILE,))


# ---------------------------------------------------------------------------------- course regrade


@pytest.fixture(scope="module")
def regraded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One `course regrade --jobs 2` of a repository per case."""
    base = tmp_path_factory.mktemp("regrade")
    official = official_course(base / "official")
    repositories = {case: student_repository(official, base / "students" / case, case) for case in CASES}
    forged = forge_bytecode(repositories["pycache_forgery"])
    (repositories["deleted_grader"] / TARGET_GRADER).unlink()
    drop_the_cases_the_mistake_fails(repositories["edited_fixture"])
    for case, folder in repositories.items():
        commit_all(folder, forced=(forged,) if case == "pycache_forgery" else ())
    out = base / "out"
    rows, run = regrade(official, repositories, out)
    time.sleep(FORGER_WAIT)  # a forger that outlived its check would have written by now
    return {"rows": rows, "run": run, "out": out}


def graded_row(regraded: dict[str, Any], case: str) -> Row:
    run: HostileRun = regraded["run"]
    assert run.returncode == 0, run.tail
    row = regraded["rows"].get(case)
    assert row is not None, f"no row for {case}: {sorted(regraded['rows'])}\n{run.tail}"
    log = regraded["out"] / "reports" / case / "grade.log"
    assert row.status == GRADED, (row.status, row.detail, log.read_text()[-3000:] if log.is_file() else "")
    return row


def assert_honest(row: Row, *, kata1: float) -> None:
    assert (row.cells[TARGET].points, row.cells[OTHER].points) == (kata1, KATA2_POINTS), row.cells
    assert (row.points, row.max) == (kata1 + KATA2_POINTS, KATA1_POINTS + KATA2_POINTS), row


def test_harness_patched_from_student_code_gives_an_honest_row_without_flags(regraded: dict[str, Any]) -> None:
    row = graded_row(regraded, "harness_monkeypatch")
    assert_honest(row, kata1=HONEST_KATA1)
    assert row.flags == [] and row.problems == []


def test_report_rewriters_are_gone_and_the_row_and_its_report_are_honest(regraded: dict[str, Any]) -> None:
    row = graded_row(regraded, "report_rewrite")
    assert_honest(row, kata1=HONEST_KATA1)
    assert row.flags == [] and row.problems == []
    kept = json.loads((regraded["out"] / "reports" / "report_rewrite" / "grade-report.json").read_text())
    assert {exercise["id"]: exercise["points"] for exercise in kept["exercises"]} == {
        TARGET: HONEST_KATA1, OTHER: KATA2_POINTS
    }
    assert processes_mentioning(str(regraded["out"] / "work")) == []


def test_forged_bytecode_is_removed_and_flagged_and_the_row_is_honest(regraded: dict[str, Any]) -> None:
    row = graded_row(regraded, "pycache_forgery")
    assert_honest(row, kata1=HONEST_KATA1)
    assert row.flags == [FLAG_TAMPERED] and row.problems == [ADDED.format(path="harness/__pycache__")], row.problems


def test_a_root_argparse_does_not_stop_grading_and_the_row_is_honest(regraded: dict[str, Any]) -> None:
    row = graded_row(regraded, "root_argparse")
    assert_honest(row, kata1=HONEST_KATA1)


def test_a_student_conftest_is_removed_and_flagged_and_the_row_is_honest(regraded: dict[str, Any]) -> None:
    row = graded_row(regraded, "conftest_raises")
    assert_honest(row, kata1=KATA1_POINTS)
    assert row.flags == [FLAG_TAMPERED] and row.problems == [ADDED.format(path=KATA2_CONFTEST)], row.problems


def test_a_deleted_grader_is_restored_and_flagged_and_the_row_is_honest(regraded: dict[str, Any]) -> None:
    row = graded_row(regraded, "deleted_grader")
    assert_honest(row, kata1=HONEST_KATA1)
    assert row.flags == [FLAG_TAMPERED] and row.problems == [DELETED.format(path=TARGET_GRADER)], row.problems


def test_edited_expected_results_are_restored_and_flagged_and_the_row_is_honest(regraded: dict[str, Any]) -> None:
    row = graded_row(regraded, "edited_fixture")
    assert_honest(row, kata1=HONEST_KATA1)
    assert row.flags == [FLAG_TAMPERED] and row.problems == [CHANGED.format(path=CASES_FILE)], row.problems


def test_a_package_shadowing_a_library_the_grader_imports_gives_an_honest_row(regraded: dict[str, Any]) -> None:
    row = graded_row(regraded, "shadow_module")
    assert_honest(row, kata1=HONEST_KATA1)
