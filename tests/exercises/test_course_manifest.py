"""course.toml and the exercise folders agree: every exercise is complete and every check has points."""

from __future__ import annotations

from pathlib import Path

import pytest
from grader_tests import exercise_tests_folder
from support import REPO

from harness.manifest import load_course

COURSE = load_course(REPO)
EXERCISES = {exercise.id: exercise for exercise in COURSE.exercises}


def grader_checks(pytester: pytest.Pytester, exercise_id: str) -> list[pytest.Item]:
    targets = [str(REPO / target) for target in EXERCISES[exercise_id].targets]
    items, _ = pytester.inline_genitems("-p", "no:cacheprovider", "-p", "harness.plugin", "--course-root", str(REPO), *targets)
    return [item for item in items if COURSE.owning(Path(item.path).relative_to(REPO).as_posix()) == EXERCISES[exercise_id]]


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_every_exercise_folder_has_readme_starter_grader_and_solution(exercise_id: str) -> None:
    exercise = EXERCISES[exercise_id]
    folder = REPO / exercise.folder
    assert (folder / "README.md").is_file()
    graders = sorted(folder.glob("test_*.py"))
    assert graders, f"{exercise.folder} has no test_*.py grader"
    starters = [p.name for p in folder.iterdir() if p.is_file() and p.suffix in (".py", ".sh", ".json", ".yaml") and p not in graders]
    assert starters, f"{exercise.folder} has no starter files"
    solution = REPO / "solutions" / exercise.folder
    missing = [name for name in starters if not (solution / name).is_file()]
    assert not missing, f"solutions/{exercise.folder} lacks {missing}"


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_every_check_declares_points_with_a_hint_and_they_sum_to_the_manifest(pytester: pytest.Pytester, exercise_id: str) -> None:
    exercise = EXERCISES[exercise_id]
    items = grader_checks(pytester, exercise_id)
    assert items, f"no checks collected in {exercise.folder}"
    total = 0.0
    for item in items:
        marker = item.get_closest_marker("points")
        assert marker is not None and marker.args, f"{item.nodeid} has no @pytest.mark.points(n, hint=...)"
        assert marker.kwargs.get("hint"), f"{item.nodeid} has no hint"
        total += float(marker.args[0])
    assert total == exercise.points, f"{exercise_id}: checks sum to {total:g}, course.toml says {exercise.points}"


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_every_exercise_is_in_every_place_a_new_exercise_touches(exercise_id: str) -> None:
    """docs/maintainers.md, "Adding an exercise", lists these places in order."""
    exercise = EXERCISES[exercise_id]
    readme_link = f"]({exercise.folder}/README.md)"
    week_link = f"](../{exercise.folder}/README.md)"
    folder_name = Path(exercise.folder).name
    tests = exercise_tests_folder(exercise)  # kata2-ext is tested beside kata2
    shown = tests.relative_to(REPO).as_posix()
    assert (tests / f"test_{tests.name}_grader.py").is_file(), f"{shown}/test_{tests.name}_grader.py is missing"
    correct = [path for path in (tests / "correct").glob("*") if path.is_dir()]
    assert correct, f"{shown}/correct/ holds no correct solution written differently from the reference"
    assert (tests / "correct" / "README.md").is_file(), f"{shown}/correct/README.md (how each solution differs) is missing"
    assert readme_link in (REPO / "README.md").read_text(encoding="utf-8"), f"README.md's course table has no link to {folder_name}"
    week_guide = REPO / "docs" / f"week{exercise.week}.md"
    assert week_guide.is_file() and week_link in week_guide.read_text(encoding="utf-8"), (
        f"docs/week{exercise.week}.md has no row linking to {folder_name}"
    )
    lock = (REPO / "graders.lock").read_text(encoding="utf-8")
    assert f"  {exercise.folder}/" in lock, f"graders.lock lists no grader of {exercise.folder}: run `course lock`"
    # Parallel workers start the longest exercises first, and small runs stay in one process (harness/grade.py).
    assert exercise.grading_seconds > 0, f"course.toml gives {exercise_id} no grading_seconds (its time in `make bench`)"


def test_exercise_ids_and_graded_files_are_unique() -> None:
    # Two exercises may share a folder (Kata 2 and its optional extensions), each through its own
    # grader files; load_course refuses a shared folder without distinct `graders`.
    ids = [exercise.id for exercise in COURSE.exercises]
    targets = [target for exercise in COURSE.exercises for target in exercise.targets]
    assert len(set(ids)) == len(ids)
    assert len(set(targets)) == len(targets)


def test_starters_lock_holds_the_digest_of_every_untouched_starter() -> None:
    """The scoreboard's "not started" line compares a student's files with starters.lock: it must be current."""
    from harness.progress import STARTERS_LOCK, starters_text

    assert (REPO / STARTERS_LOCK).read_text(encoding="utf-8") == starters_text(REPO, COURSE), (
        f"{STARTERS_LOCK} is stale: a starter changed. Run `course lock` and commit {STARTERS_LOCK}."
    )
