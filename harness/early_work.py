"""Work a grader starts before the backend does: its module's ``before_backend(folder, selected)``.

The first check's setup starts the backend (moto's import and server: 1-2 s of CPU in the grading
process) before any fixture runs. Work that needs neither the backend nor student code, such as Lab 4's
cfn-lint in a child process (harness/kit/template_lint.py), started here runs on the other core
meanwhile instead of after it. A grader defines the function at module level; it is called once per
grader module, with the folder of the student's files and the names of its checks this run grades.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

import pytest

from .selection import exercise_of

HOOK = "before_backend"
_started: set[str] = set()  # grader modules whose early work ran (one grading session per process)


def start(items: Iterable[pytest.Item], code_root: Path) -> None:
    """Call ``before_backend`` of each grader module among ``items`` that has one and was not called yet."""
    by_module: dict[ModuleType, tuple[Path, set[str]]] = {}
    for item in items:
        module, exercise = getattr(item, "module", None), exercise_of(item)
        if module is None or exercise is None or module.__name__ in _started or not callable(getattr(module, HOOK, None)):
            continue
        by_module.setdefault(module, (code_root / exercise.folder, set()))[1].add(item.name)
    for module, (folder, selected) in by_module.items():
        _started.add(module.__name__)
        try:
            getattr(module, HOOK)(folder, selected)
        except Exception:  # noqa: BLE001 - only a head start: the grader's fixture does the work when this did not
            pass


def forget() -> None:
    """A new grading session (pytest run in the same process) starts its early work again."""
    _started.clear()
