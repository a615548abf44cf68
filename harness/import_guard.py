"""Nothing of the student's is imported into the grading process, not even by accident.

pytest puts each grader's folder (an exercise folder, where student files live) and the course root on
``sys.path`` to import the grader, so a student's ``radon/`` or ``boto3.py`` beside it would be imported
in place of the library the grader asks for, inside the process that writes the grade. This finder runs
first and looks in those folders only for grader files (``test_*.py``, ``conftest.py``) and the
harness itself; any other module found only there is refused, and libraries are found where they belong.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType

from .student_files import is_grader_file

HARNESS_PACKAGE = __name__.split(".", 1)[0]
REFUSED = (
    "The grader asked for the module {name!r} and found it only in the student's folder ({where}); "
    "the grading process never imports student files. Rename that file."
)


class StudentImportRefused(ModuleNotFoundError):
    pass


class ImportGuard(importlib.abc.MetaPathFinder):
    def __init__(self, student_folders: Iterable[Path]) -> None:
        self.folders = {os.path.normcase(os.path.realpath(folder)) for folder in student_folders}

    def _is_student_folder(self, entry: str) -> bool:
        return os.path.normcase(os.path.realpath(entry or os.getcwd())) in self.folders

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if path is not None:
            return None  # a submodule: its package was found (and judged) already
        entries = [entry for entry in sys.path if isinstance(entry, str)]
        allowed = [entry for entry in entries if not self._is_student_folder(entry)]
        spec = importlib.machinery.PathFinder.find_spec(fullname, allowed)
        if spec is not None:
            return spec
        student = importlib.machinery.PathFinder.find_spec(fullname, [e for e in entries if self._is_student_folder(e)])
        if student is None:
            return None
        origin = Path(student.origin) if student.origin and student.origin not in ("namespace", "built-in") else None
        if fullname == HARNESS_PACKAGE or (origin is not None and is_grader_file(origin)):
            return student
        where = origin.parent.name if origin is not None else "a folder of the course"
        raise StudentImportRefused(REFUSED.format(name=fullname, where=where), name=fullname)


def install(student_folders: Iterable[Path]) -> ImportGuard:
    """Put the guard first on sys.meta_path (once per process; later calls add folders)."""
    for finder in sys.meta_path:
        if isinstance(finder, ImportGuard):
            finder.folders |= ImportGuard(student_folders).folders
            return finder
    guard = ImportGuard(student_folders)
    sys.meta_path.insert(0, guard)
    return guard
