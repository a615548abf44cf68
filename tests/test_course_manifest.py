"""course.toml and the exercise folders agree: every exercise is complete and every check has points."""

from __future__ import annotations

from pathlib import Path

import pytest

from graders.manifest import load_course
from support import REPO

COURSE = load_course(REPO)
EXERCISES = {exercise.id: exercise for exercise in COURSE.exercises}


def grader_checks(pytester: pytest.Pytester, exercise_id: str) -> list[pytest.Item]:
    targets = [str(REPO / target) for target in EXERCISES[exercise_id].targets]
    items, _ = pytester.inline_genitems("-p", "no:cacheprovider", "-p", "graders.plugin", "--course-root", str(REPO), *targets)
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


def test_exercise_ids_and_graded_files_are_unique() -> None:
    # Two exercises may share a folder (Kata 2 and its optional extensions), each through its own
    # grader files; load_course refuses a shared folder without distinct `graders`.
    ids = [exercise.id for exercise in COURSE.exercises]
    targets = [target for exercise in COURSE.exercises for target in exercise.targets]
    assert len(set(ids)) == len(ids)
    assert len(set(targets)) == len(targets)
