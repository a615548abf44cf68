"""A grader marked `start_ahead(student_processes=False)` (harness/plugin.py) never loads the student's Python
into a student process. The mark only keeps the student processes' zygote from starting ahead (~0.5 s of
CPU on the other core, wasted where the code is deployed instead): a load would still work, a few hundred
milliseconds later, so no grading would notice a grader that grew a load and kept the mark. This does."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from support import REPO

from harness.manifest import load_course

LOADERS = {"load", "load_module"}  # exercise.load(...), harness.loader.load_module(...)


def grader_files() -> list[Path]:
    folders = {REPO / exercise.folder for exercise in load_course(REPO).exercises}
    return sorted(path for folder in folders for path in folder.glob("test_*.py"))


def marked(path: Path) -> bool:
    """Whether the module's pytestmark is start_ahead(student_processes=False)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", "") == "pytestmark" for target in node.targets):
            call = node.value
            if isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "start_ahead":
                return any(k.arg == "student_processes" and getattr(k.value, "value", True) is False for k in call.keywords)
    return False


def functions(tree: ast.Module) -> dict[str, ast.AST]:
    return {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def loads(node: ast.AST, module: dict[str, ast.AST], seen: set[str]) -> bool:
    """Whether ``node`` calls a loader, itself or through the module's own functions it calls."""
    for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
        function = call.func
        if isinstance(function, ast.Attribute) and function.attr in LOADERS:
            return True
        name = function.id if isinstance(function, ast.Name) else None
        if name in LOADERS:
            return True
        if name in module and name not in seen:
            seen.add(name)
            if loads(module[name], module, seen):
                return True
    return False


def loading_names(path: Path) -> list[str]:
    """The functions of ``path`` that load, and those it imports from a sibling grader that do."""
    tree = ast.parse(path.read_text())
    own = functions(tree)
    found = [name for name, node in own.items() if loads(node, own, {name})]
    for node in tree.body:
        sibling = path.parent / f"{getattr(node, 'module', '')}.py"
        if isinstance(node, ast.ImportFrom) and sibling.is_file():
            theirs = functions(ast.parse(sibling.read_text()))
            found += [f"{sibling.name}:{a.name}" for a in node.names if a.name in theirs and loads(theirs[a.name], theirs, {a.name})]
    return found


@pytest.mark.parametrize("path", [p for p in grader_files() if marked(p)], ids=lambda p: p.name)
def test_a_grader_marked_so_loads_no_student_module(path: Path) -> None:
    assert loading_names(path) == []


def test_the_marked_graders_are_found() -> None:
    assert {p.name for p in grader_files() if marked(p)} >= {"test_kata5.py", "test_lab4.py", "test_capstone.py"}


def test_the_guard_sees_a_load_directly_and_through_a_helper() -> None:
    """The guard itself: every grader that loads is seen to (Kata 2's extensions through the core grader's helpers)."""
    loading = {path.name for path in grader_files() if loading_names(path)}
    assert {"test_kata1.py", "test_lab1.py", "test_lab6.py", "test_heist.py", "test_kata2_extensions.py"} <= loading
