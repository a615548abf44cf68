"""Which checks a run grades and what they are called: the exercise a grader file belongs to, the
exercises the command line names, check ids and titles, and prerequisites checked as authoring errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .grading_run import STATE, GradingState
from .manifest import Exercise

AUTHORING_ERROR_PREFIX = "Grader authoring error"
UNKNOWN_PREREQUISITE = AUTHORING_ERROR_PREFIX + " ({where}): {check} requires {name!r}, which is not a check in that file."
LATE_PREREQUISITE = (
    AUTHORING_ERROR_PREFIX + " ({where}): {check} requires {name!r}, which is defined below it and so cannot run first."
)


def exercise_of(item: pytest.Item) -> Exercise | None:
    return owning_exercise(item.config.stash[STATE], item.path)


def owning_exercise(state: GradingState, path: str | Path) -> Exercise | None:
    """The exercise a grader file belongs to, by where it sits in the course: a grader replaced by a
    symbolic link still belongs to its exercise (integrity flags the link), wherever the link points."""
    for candidate in (Path(os.path.abspath(path)), Path(path).resolve()):
        for root in (state.course_root, Path(os.path.abspath(state.course_root_as_given))):
            if candidate.is_relative_to(root):
                return state.course.owning(candidate.relative_to(root).as_posix())
    return None


def check_id(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[-1] if "::" in item.nodeid else item.name


def check_title(item: pytest.Item) -> str:
    doc = getattr(getattr(item, "function", None), "__doc__", None)
    if doc and doc.strip():
        return doc.strip().splitlines()[0].rstrip(".")
    name = getattr(item, "originalname", item.name)
    title = name.removeprefix("test_").replace("_", " ")
    params = item.name[len(name):] if item.name.startswith(name) else ""
    return f"{title}{params}".strip()





def named_by_arguments(config: pytest.Config, state: GradingState) -> list[Exercise]:
    """Exercises whose graders the run's paths include (a folder above them, their folder or a grader file)."""
    named = []
    base = Path(config.invocation_params.dir)
    paths = [Path(os.path.abspath(base / str(arg).split("::", 1)[0])) for arg in config.args]
    for exercise in state.course.exercises:
        targets = [Path(os.path.abspath(state.course_root_as_given / target)) for target in exercise.targets]
        if any(target == path or target.is_relative_to(path) for target in targets for path in paths):
            named.append(exercise)
    return named

def prerequisite_problems(item: pytest.Item) -> list[str]:
    """A ``requires=`` that names no check above this one in its file is an authoring error, never ignored."""
    marker = item.get_closest_marker("points")
    function = getattr(item, "function", None)
    if marker is None or function is None:
        return []
    line = function.__code__.co_firstlineno
    where = f"{Path(str(item.path)).name}, line {line}"
    problems = []
    for name in required_checks(marker):
        required = getattr(item.module, name, None) if hasattr(item, "module") else None
        if not (callable(required) and name.startswith("test_") and hasattr(required, "__code__")):
            problems.append(UNKNOWN_PREREQUISITE.format(where=where, check=item.name, name=name))
        elif required.__code__.co_firstlineno >= line:
            problems.append(LATE_PREREQUISITE.format(where=where, check=item.name, name=name))
    return problems


def required_checks(marker: pytest.Mark) -> list[str]:
    requires = marker.kwargs.get("requires")
    if requires is None:
        return []
    return [requires] if isinstance(requires, str) else list(requires)


def title_for(item: pytest.Item, name: str) -> str:
    function = getattr(item.module, name, None) if hasattr(item, "module") else None
    doc = getattr(function, "__doc__", None)
    if doc and doc.strip():
        return doc.strip().splitlines()[0].rstrip(".")
    return name.removeprefix("test_").replace("_", " ")


def partially_selected(config: pytest.Config, state: GradingState) -> set[str]:
    """Exercises this run grades only some checks of: a run of a few checks is not the exercise's grade.

    In one process, the counts before and after -k/-m tell; a node id (file::check) narrows collection
    itself. An xdist controller sees no deselection, so there any -k, -m, --deselect or --lf counts."""
    partial = {eid for eid, count in state.expected_checks.items() if count < state.collected_checks.get(eid, count)}
    partial |= state.deselected & state.selected
    base = Path(config.invocation_params.dir)
    whole = [Path(os.path.abspath(base / str(arg))) for arg in config.args if "::" not in str(arg)]
    for arg in config.args:
        if "::" in str(arg):
            exercise = owning_exercise(state, Path(os.path.abspath(base / str(arg).split("::", 1)[0])))
            targets = [Path(os.path.abspath(state.course_root_as_given / t)) for t in exercise.targets] if exercise else []
            if exercise is not None and not any(t == w or t.is_relative_to(w) for t in targets for w in whole):
                partial.add(exercise.id)
    option = config.option
    if getattr(option, "numprocesses", None) and (
        option.keyword or option.markexpr or getattr(option, "deselect", None) or getattr(option, "lf", False)
    ):
        partial |= state.selected
    return partial & state.selected
