"""The four tests every exercise's grader must pass, written once for every exercise in course.toml: a
new exercise gets them from its manifest entry, its README and tests/exercises/<id>/correct/.

- the reference solution gets full marks;
- every correct solution in tests/exercises/<id>/correct/ (written differently) gets full marks;
- the untouched starter scores below half, and every check it loses says what, why and a hint;
- the README shows every check with its points and its hint.

An exercise's own tests (tests/exercises/<id>/test_<id>_grader.py) then grade plausible mistakes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from grader_tests import ExerciseUnderTest, check_title, correct_solutions, exercise_folders, points_marker, readme_text
from support import REPO

FOLDERS = exercise_folders()
EXERCISES = [exercise for exercises in FOLDERS.values() for exercise in exercises]


@pytest.mark.parametrize("name", FOLDERS)
def test_the_reference_solution_gets_full_marks(name: str, tmp_path: Path) -> None:
    exercises = FOLDERS[name]
    run = exercises[0].grade_reference(tmp_path)
    assert run.returncode == 0, run.output[-4000:]
    for exercise in exercises:
        graded = run.exercise(exercise.id)
        assert not graded["errors"], graded["errors"]
        assert graded["points"] == graded["max"] > 0, run.output[-4000:]
        assert len(graded["checks"]) == len(exercise.checks())
        for check in graded["checks"]:
            # A check this backend cannot run says so, and is left out of the maximum (not passed).
            assert check["outcome"] in ("passed", "not_graded"), check
            assert check["outcome"] == "passed" or check["message"].strip(), check
        left_out = {check["id"] for check in graded["checks"] if check["outcome"] == "not_graded"}
        not_graded = sum(points_marker(c).args[0] for c in exercise.checks() if c.__name__ in left_out)
        assert graded["max"] + not_graded == graded["declared_points"] == exercise.exercise.points


@pytest.mark.parametrize(("name", "solution"), correct_solutions())
def test_a_differently_written_correct_solution_gets_full_marks(name: str, solution: str, tmp_path: Path) -> None:
    exercises = FOLDERS[name]
    run = exercises[0].grade(exercises[0].other_solution(tmp_path, "correct", solution), tmp_path)
    for exercise in exercises:
        graded = run.exercise(exercise.id)
        exercise.assert_sane(run)
        assert graded["points"] == graded["max"] > 0, run.output[-4000:]


@pytest.mark.parametrize("name", FOLDERS)
def test_the_untouched_starter_scores_below_half_and_explains_every_lost_check(name: str, tmp_path: Path) -> None:
    exercises = FOLDERS[name]
    run = exercises[0].grade_starter(tmp_path)
    for exercise in exercises:
        exercise.assert_sane(run)  # a message for every check not passed, a hint for every failure
        graded = run.exercise(exercise.id)
        assert graded["points"] < graded["max"] / 2, (exercise.id, graded["points"], graded["max"])


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.id)
def test_the_readme_shows_every_check_with_its_points_and_hint(exercise: ExerciseUnderTest) -> None:
    readme = readme_text((REPO / exercise.exercise.readme).read_text(encoding="utf-8"))
    checks = exercise.checks()
    assert checks, f"{exercise.folder} has no checks"
    for check in checks:
        marker = points_marker(check)
        row = readme_text(f"| {check_title(check)} | {marker.args[0]} |")
        assert row in readme, f"{exercise.exercise.readme} has no row {row!r} for {check.__name__}"
        assert readme_text(marker.kwargs["hint"]) in readme, f"{exercise.exercise.readme} lacks the hint of {check.__name__}"


def test_every_exercise_has_at_least_one_correct_solution_written_differently() -> None:
    have = {name for name, _ in correct_solutions()}
    assert have == set(FOLDERS), f"no tests/exercises/<id>/correct/ solution for {sorted(set(FOLDERS) - have)}"
