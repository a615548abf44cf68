"""The same graders on every backend: each exercise of course.toml, reference solution and untouched
starter, graded on moto and on MiniStack, gives the same verdict for every check, or a backend says
why it cannot grade it; docs/harness.md shows the table these gradings give (tests/backend_agreement.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from backend_agreement import (
    BACKENDS,
    DOC,
    KINDS,
    Grading,
    changed_rows,
    committed_section,
    grade_everywhere,
    render,
    undeclared_differences,
)
from support import REPO, GradeRun

from harness.manifest import load_course

# One worker grades everything once (module scope); MiniStack's venv is installed there on first use.
pytestmark = pytest.mark.xdist_group("backend-agreement")
EXERCISES = [exercise.id for exercise in load_course(REPO).exercises]
REWRITE = "Rewrite it: .venv/bin/python tests/backend_agreement.py --write"


@pytest.fixture(scope="module")
def gradings(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Grading]:
    return grade_everywhere(tmp_path_factory.mktemp("agreement"))


def test_every_grading_ran_without_a_harness_error(gradings: dict[tuple[str, str], Grading]) -> None:
    assert set(gradings) == {(backend, kind) for backend in BACKENDS for kind in KINDS}
    errors = [error for grading in gradings.values() for error in grading.harness_errors()]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("exercise", EXERCISES)
def test_every_backend_gives_each_check_the_same_verdict_or_says_why_not(
    gradings: dict[tuple[str, str], Grading], exercise: str
) -> None:
    differences = [line for line in undeclared_differences(gradings) if f" {exercise} › " in line]
    assert not differences, "\n".join(differences)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_reference_solutions_get_every_point_a_backend_can_grade(
    gradings: dict[tuple[str, str], Grading], backend: str
) -> None:
    report = gradings[(backend, "solution")].run.report
    assert report is not None
    short = [
        f"{exercise['id']} › {check['title']}: {check['outcome']} {check['message'][:300]}"
        for exercise in report["exercises"]
        for check in exercise["checks"]
        if check["outcome"] not in ("passed", "not_graded")
    ]
    assert not short, "\n".join(short)


def test_the_table_in_docs_harness_md_is_the_one_these_gradings_give(gradings: dict[tuple[str, str], Grading]) -> None:
    committed = committed_section(DOC.read_text(encoding="utf-8"))
    fresh = render(gradings)
    assert committed, f"{Path(DOC).relative_to(REPO)} has no generated agreement section. {REWRITE}"
    assert committed == fresh, (
        f"The agreement table in {Path(DOC).relative_to(REPO)} is out of date. {REWRITE}\n{changed_rows(committed, fresh)}"
    )


# ------------------------------------------------------------------ the comparison itself, on made-up reports


def made_up(backend: str, kind: str, *checks: tuple[str, str, float, str]) -> Grading:
    """A grading whose report holds one exercise "ex" with checks (id, outcome, points, message)."""
    rows = [{"id": i, "title": i.upper(), "outcome": o, "points": p, "max": 1.0, "message": m} for i, o, p, m in checks]
    report = {"harness_errors": [], "exercises": [{"id": "ex", "errors": [], "checks": rows}]}
    return Grading(backend, kind, GradeRun(0, "", report))


def both(moto: list[tuple[str, str, float, str]], ministack: list[tuple[str, str, float, str]]) -> dict[tuple[str, str], Grading]:
    gradings = {("moto", kind): made_up("moto", kind, *moto) for kind in KINDS}
    gradings.update({("ministack", kind): made_up("ministack", kind, *ministack) for kind in KINDS})
    return gradings


def test_a_verdict_that_differs_without_a_reason_is_a_difference() -> None:
    gradings = both([("a", "passed", 1.0, "")], [("a", "failed", 0.0, "Expected 404, got 500.")])
    differences = undeclared_differences(gradings)
    assert len(differences) == len(KINDS) and "moto passed 1/1, ministack failed 0/1" in differences[0]


def test_not_graded_with_its_reason_on_one_side_is_no_difference_and_the_table_numbers_the_reason() -> None:
    reason = "not graded on this backend: moto lacks calling a deployed API Gateway stage over HTTP"
    gradings = both([("a", "not_graded", 0.0, reason)], [("a", "passed", 1.0, "")])
    assert undeclared_differences(gradings) == []
    table = render(gradings)
    assert "| ex | A | not graded (1) | passed | not graded (1) | passed |" in table and f"- (1) {reason}" in table


def test_partial_credit_counts_its_points() -> None:
    gradings = both([("a", "partial", 0.5, "1 of 2 cases")], [("a", "partial", 0.25, "3 of 4 cases")])
    assert len(undeclared_differences(gradings)) == len(KINDS)


def test_a_stale_table_says_which_rows_moved() -> None:
    committed = "| a | passed |\n| b | passed |\n| c | failed |"
    fresh = "| a | passed |\n| b | not graded (1) |\n| c | failed |"
    assert changed_rows(committed, fresh).splitlines() == [
        "--- committed", "+++ this run", "-| b | passed |", "+| b | not graded (1) |",
    ]
    assert changed_rows(committed, committed) == ""
