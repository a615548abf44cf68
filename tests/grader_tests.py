"""What every test of an exercise's grader needs, written once: the grader module itself (for its hints
and markers), grading a tree of files as a student would, copies of the reference solution with edits,
and the assertion that a mistake loses exactly the checks about that mistake.

    LAB = ExerciseUnderTest("lab1")
    run = LAB.grade(LAB.mutant(tmp_path, "handler.py", ("<", "<=")), tmp_path, "-k", "not deploy")
    LAB.assert_only_failures(run, "test_the_stock_status_is_right_at_every_boundary")

Other solutions of an exercise live beside its tests: `tests/exercises/<id>/correct/<name>/` are
correct ones (tests/exercises/test_every_exercise.py expects full marks for each), `wrong/<name>/`
whole-folder mistakes an exercise's own tests grade.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from support import REPO, GradeRun, copy_exercise, run_graders

from harness.manifest import Exercise, load_course

COURSE = load_course(REPO)
EXERCISE_TESTS = REPO / "tests" / "exercises"


def exercise_tests_folder(exercise: Exercise) -> Path:
    """tests/exercises/<id>/: an optional part graded apart (kata2-ext) is tested beside its kata."""
    return EXERCISE_TESTS / exercise.id.split("-")[0]


def readme_text(text: str) -> str:
    """README text with whitespace and table escapes evened out, to find a check's row or hint in."""
    return re.sub(r"\s+", " ", text.replace("\\|", "|"))


def points_marker(check: Callable[..., Any]) -> Any:
    return next(mark for mark in check.pytestmark if mark.name == "points")  # type: ignore[attr-defined]


def check_title(check: Callable[..., Any]) -> str:
    return (check.__doc__ or "").strip().splitlines()[0].rstrip(".")  # as the report titles it


@cache
def _load_grader(path: Path) -> ModuleType:
    """A grader file as a module, for its constants, helpers and markers (its checks never run here)."""
    name = f"grader_under_test_{path.parent.name}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file runs
    sys.path.insert(0, str(path.parent))  # a grader may import helpers from its sibling (Kata 2's extensions)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


class ExerciseUnderTest:
    """One exercise of course.toml, as its grader's tests see it."""

    def __init__(self, exercise_id: str) -> None:
        self.exercise = COURSE.get(exercise_id)
        self.id = exercise_id
        self.folder = self.exercise.folder
        self.tests_folder = exercise_tests_folder(self.exercise)

    # ------------------------------------------------------------------------- the grader itself

    @property
    def grader_files(self) -> list[Path]:
        return [REPO / target for target in self.exercise.targets] if self.exercise.graders else sorted(
            (REPO / self.folder).glob("test_*.py")
        )

    def grader(self, filename: str | None = None) -> ModuleType:
        path = REPO / self.folder / filename if filename else self.grader_files[0]
        return _load_grader(path)

    def checks(self) -> list[Callable[..., Any]]:
        """Every check of the exercise's grader files, in file order."""
        found = []
        for path in self.grader_files:
            module = _load_grader(path)
            found += [value for name, value in vars(module).items() if name.startswith("test_") and callable(value)]
        return found

    # ------------------------------------------------------------------------------- grading

    def grade(self, code_root: Path, tmp_path: Path, *selection: str) -> GradeRun:
        """Grade the exercise's folder under code_root; selection is extra pytest arguments (-k ...)."""
        return run_graders(self.folder, "--code-root", str(code_root), *selection, report_dir=tmp_path / "reports")

    def grade_only(self, code_root: Path, tmp_path: Path, *check_names: str) -> GradeRun:
        """Grade only the named checks (all of them when none is named)."""
        if not check_names:
            return self.grade(code_root, tmp_path)
        where = {check.__name__: Path(check.__code__.co_filename) for check in self.checks()}
        targets = [f"{where[name].relative_to(REPO).as_posix()}::{name}" for name in check_names]
        return run_graders(*targets, "--code-root", str(code_root), report_dir=tmp_path / "reports")

    def grade_reference(self, tmp_path: Path, *selection: str) -> GradeRun:
        return run_graders(self.folder, "--solutions", *selection, report_dir=tmp_path / "reports")

    def grade_starter(self, tmp_path: Path, *selection: str) -> GradeRun:
        return run_graders(self.folder, *selection, report_dir=tmp_path / "reports")

    # ------------------------------------------------------------------- trees of files to grade

    def _reference_copy(self, tmp_path: Path) -> Path:
        """tmp_path/code/<folder>, a copy of the reference solution made on first use."""
        folder = tmp_path / "code" / self.folder
        return folder if folder.is_dir() else copy_exercise(self.folder, tmp_path / "code")

    def mutant(self, tmp_path: Path, filename: str, *edits: tuple[str, str], count: int = 1) -> Path:
        """The reference solution with text edits (old, new) to one file, each old found `count` times;
        edits add up over calls in one test. Returns the code root to grade."""
        path = self._reference_copy(tmp_path) / filename
        text = path.read_text(encoding="utf-8")
        for old, new in edits:
            found = text.count(old)
            assert found == count, f"the reference {filename} changed: {old!r} found {found} times"
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
        return tmp_path / "code"

    def json_mutant(self, tmp_path: Path, filename: str, edit: Callable[[Any], None]) -> Path:
        """The reference solution with one JSON file changed in place by `edit`."""
        path = self._reference_copy(tmp_path) / filename
        document = json.loads(path.read_text(encoding="utf-8"))
        edit(document)
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        return tmp_path / "code"

    def other_solution(self, tmp_path: Path, kind: str, name: str) -> Path:
        """tests/exercises/<id>/<kind>/<name>/ (kind: "correct" or "wrong") as the exercise folder."""
        root = tmp_path / "code"
        shutil.copytree(self.tests_folder / kind / name, root / self.folder)
        return root

    # -------------------------------------------------------------------------- what a run says

    def assert_sane(self, run: GradeRun) -> None:
        """No harness error, and every check that did not pass tells the student what and why."""
        run.assert_sane(self.id)

    def assert_only_failures(self, run: GradeRun, *failing: str, blocked: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """Exactly these checks lose points (failed or partial), the `blocked` ones wait for them, every
        other check passes. Returns the failing checks' report entries."""
        self.assert_sane(run)
        assert sorted(run.failed_checks(self.id)) == sorted([*failing, *blocked]), run.output[-5000:]
        for check_id in blocked:
            assert run.check(self.id, check_id)["outcome"] == "blocked", run.check(self.id, check_id)
        if failing or blocked:
            graded = run.exercise(self.id)
            assert graded["points"] < graded["max"], graded
        return [run.check(self.id, check_id) for check_id in failing]

    def assert_only_failure(self, run: GradeRun, check_id: str) -> dict[str, Any]:
        return self.assert_only_failures(run, check_id)[0]


def exercise_folders() -> dict[str, list[ExerciseUnderTest]]:
    """The exercises of course.toml by their test folder's name (kata2 holds kata2 and kata2-ext)."""
    folders: dict[str, list[ExerciseUnderTest]] = {}
    for exercise in COURSE.exercises:
        folders.setdefault(exercise_tests_folder(exercise).name, []).append(ExerciseUnderTest(exercise.id))
    return folders


def correct_solutions() -> list[tuple[str, str]]:
    """(test folder, solution) for every correct solution in tests/exercises/*/correct/."""
    return [
        (name, solution.name)
        for name in exercise_folders()
        for solution in sorted((EXERCISE_TESTS / name / "correct").iterdir())
        if solution.is_dir()
    ]
