"""Hostile submissions that never return, flood the output, reach for the network, try to forge the grade from
inside student code, or change grading files in the student's own copy (tests/harness/hostile/<case>/, laid over the
reference solutions; see tests/harness/hostile/kit.py).

Each run is the real CLI, `python -m harness.cli grade kata1 kata2` from the copy's root as a student runs it:
the run finishes and writes a valid report, kata2 keeps every point, kata1 loses exactly what the case's own
mistakes cost (a forger's honest score), and the integrity record names exactly the grading files the case
changed.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hostile.kit import (
    CHECK_TIMEOUT,
    FORGER_WAIT,
    HONEST_KATA1,
    HONEST_LOSS,
    KATA1_POINTS,
    KATA2_POINTS,
    OTHER,
    TARGET,
    TARGET_FILE,
    TARGET_GRADER,
    TAX_SHIPPING,
    TIERS_COUPONS,
    HostileRun,
    assert_full_points,
    assert_graded,
    assert_integrity,
    assert_report_written,
    blocked_after_imports,
    forge_bytecode,
    grade,
    grade_case,
    network_namespace_problem,
    processes_mentioning,
    student_tree,
)
from support import copy_of_repository

from harness.integrity import check, write_lock
from harness.manifest import load_course

TIMED_OUT = f"took longer than {CHECK_TIMEOUT:g} s and was stopped"
KATA2_CONFTEST = "katas/kata2_dynamodb/conftest.py"
MAX_REPORT_BYTES = 200_000  # the report of a 12-check and an 11-check exercise, whatever was printed
MAX_OUTPUT_CHARS = 200_000


# ------------------------------------------------------------------------------------------- time


def test_a_loop_inside_c_code_times_out_only_the_check_that_reaches_it(tmp_path: Path) -> None:
    run = grade_case(tmp_path, "loop_in_c", check_timeout=CHECK_TIMEOUT)
    assert_graded(run, lost={TIERS_COUPONS: ("failed", TIMED_OUT)})
    assert run.check(TARGET, TIERS_COUPONS)["hint"].startswith("Look for a loop that never ends")


def test_an_endless_loop_at_import_times_out_the_import_check_and_blocks_the_rest(tmp_path: Path) -> None:
    run = grade_case(tmp_path, "python_loop_at_import", check_timeout=CHECK_TIMEOUT)
    assert_graded(run, lost=blocked_after_imports(TIMED_OUT))


# ----------------------------------------------------------------------------------------- output


def test_200_mb_printed_at_import_change_no_points_and_stay_out_of_the_report_and_the_terminal(tmp_path: Path) -> None:
    run = grade_case(tmp_path, "print_200mb")
    assert_graded(run, lost={})
    assert run.report_text is not None and len(run.report_text.encode()) < MAX_REPORT_BYTES
    assert len(run.output) < MAX_OUTPUT_CHARS, run.output[:2000]


# ---------------------------------------------------------------------------------------- network


@pytest.fixture
def offline() -> None:
    problem = network_namespace_problem()
    if problem is not None:
        pytest.skip(f"the network cases run only in a namespace without network: {problem}")


@pytest.mark.usefixtures("offline")
def test_a_raw_tcp_connection_to_the_internet_is_blocked_inside_the_check_that_makes_it(tmp_path: Path) -> None:
    run = grade_case(tmp_path, "tcp_connect", offline=True)
    assert_graded(run, lost={TIERS_COUPONS: ("failed", "blocked a connection to 203.0.113.1:80")})


@pytest.mark.usefixtures("offline")
def test_a_raw_udp_datagram_to_the_internet_is_blocked_inside_the_check_that_sends_it(tmp_path: Path) -> None:
    run = grade_case(tmp_path, "udp_sendto", offline=True)
    assert_graded(run, lost={TIERS_COUPONS: ("failed", "blocked a connection to 203.0.113.1:53")})


# -------------------------------------------------------------------- forging from student code


def test_patching_the_harness_from_student_code_changes_nothing_the_grade_is_honest(tmp_path: Path) -> None:
    run = grade_case(tmp_path, "harness_monkeypatch")
    assert_graded(run, lost=HONEST_LOSS)


def test_an_atexit_handler_and_daemons_that_rewrite_the_report_are_gone_before_they_write(tmp_path: Path) -> None:
    root = student_tree(tmp_path, "report_rewrite")
    run = grade(root, TARGET, OTHER, report_dir=tmp_path / "reports")
    assert_graded(run, lost=HONEST_LOSS)
    time.sleep(FORGER_WAIT)  # one forger writes 4 s after each import, another as soon as the report exists
    assert (tmp_path / "reports" / "grade-report.json").read_text(encoding="utf-8") == run.report_text
    assert not (root / "reports" / "grade-report.json").exists(), "a forger wrote the default report"
    assert processes_mentioning(str((root / TARGET_FILE).resolve())) == []


# ------------------------------------------------------------------------- grading files changed


def test_a_forged_bytecode_file_of_the_harness_never_gives_an_unflagged_dishonest_grade(tmp_path: Path) -> None:
    """harness/__pycache__/results.cpython-XY.pyc compiled (unchecked hash) from a results.py whose scores are
    always full, beside the untouched results.py: the grade is honest, or the report names the .pyc."""
    root = student_tree(tmp_path, "pycache_forgery")
    forged = forge_bytecode(root)
    run = grade(root, TARGET, OTHER, report_dir=tmp_path / "reports")
    report = assert_report_written(run)
    assert_full_points(run, OTHER, KATA2_POINTS)
    assert run.check(TARGET, TAX_SHIPPING)["outcome"] == "failed"
    points, integrity = run.exercise(TARGET)["points"], report["integrity"]
    assert points == HONEST_KATA1 or forged in integrity["modified"], (
        f"kata1 scored {points} of {KATA1_POINTS} (honestly {HONEST_KATA1}) with integrity {integrity['verdict']!r} "
        f"{integrity['modified']}: the forged {forged} went unnoticed"
    )


def test_a_student_conftest_whose_hook_raises_leaves_a_report_that_says_the_run_is_incomplete(tmp_path: Path) -> None:
    """kata1 is graded first and keeps its points; the conftest stops the run at kata2's first check."""
    run = grade_case(tmp_path, "conftest_raises")
    report = assert_report_written(run)
    assert run.returncode == 2, run.tail
    errors = report["harness_errors"]
    assert len(errors) == 1 and "incomplete: kata2" in errors[0], errors
    assert_full_points(run, TARGET, KATA1_POINTS)
    stopped = run.exercise(OTHER)
    assert stopped["max"] == KATA2_POINTS and stopped["points"] < KATA2_POINTS and stopped["errors"], stopped
    assert stopped["status"] != "complete" and report["totals"]["percent"] < 100
    assert_integrity(report, (KATA2_CONFTEST,))


def test_a_grader_replaced_by_a_symlink_to_a_copy_elsewhere_is_flagged(tmp_path: Path) -> None:
    """The copy is identical: the grade is the honest one, and the link is flagged."""
    root = student_tree(tmp_path, "symlinked_grader")
    elsewhere = tmp_path / "elsewhere" / "test_kata1.py"
    elsewhere.parent.mkdir()
    (root / TARGET_GRADER).rename(elsewhere)
    (root / TARGET_GRADER).symlink_to(elsewhere)
    run = grade(root, TARGET, OTHER, report_dir=tmp_path / "reports")
    assert_graded(run, lost=HONEST_LOSS, modified=(TARGET_GRADER,))


@pytest.fixture(scope="module")
def deleted_grader(tmp_path_factory: pytest.TempPathFactory) -> HostileRun:
    """kata1's grader deleted, kata1 and kata2 graded in one run."""
    tmp_path = tmp_path_factory.mktemp("deleted-grader")
    root = student_tree(tmp_path, "deleted_grader")
    (root / TARGET_GRADER).unlink()
    return grade(root, TARGET, OTHER, report_dir=tmp_path / "reports")


def test_a_deleted_grader_is_flagged_by_name(deleted_grader: HostileRun) -> None:
    report = assert_report_written(deleted_grader)
    assert_full_points(deleted_grader, OTHER, KATA2_POINTS)
    assert_integrity(report, (TARGET_GRADER,))


def test_an_exercise_whose_grader_was_deleted_still_counts_its_points_as_not_earned(deleted_grader: HostileRun) -> None:
    """kata1 was asked for: the report must not leave it out and total kata2 alone as 100 %."""
    report = assert_report_written(deleted_grader)
    ids = [exercise["id"] for exercise in report["exercises"]]
    assert TARGET in ids, f"kata1 is left out of the report ({ids}); totals {report['totals']}"
    exercise = deleted_grader.exercise(TARGET)
    assert (exercise["points"], exercise["max"]) == (0, KATA1_POINTS) and exercise["errors"], exercise
    assert (report["totals"]["points"], report["totals"]["max"]) == (KATA2_POINTS, KATA1_POINTS + KATA2_POINTS)


def test_grading_one_of_two_exercises_that_share_a_folder_flags_no_file_of_an_untouched_course(tmp_path: Path) -> None:
    """The full course, untouched and locked: kata2 and kata2-ext share katas/kata2_dynamodb, and grading kata2
    alone must not count the extension's grader (locked, present, unchanged, just not kata2's) as missing."""
    root = tmp_path / "course"
    root.mkdir()
    copy_of_repository(root)
    course = load_course(root)
    write_lock(root, course)
    result = check(root, course, [course.get(OTHER)])
    assert (result.verdict, result.modified) == ("ok", [])
