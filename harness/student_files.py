"""Which files are the student's, and how a path reads in a message a student sees (never absolute)."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

_student_files: set[str] = set()
_display_roots: list[Path] = []


def is_grader_name(name: str) -> bool:
    """The one rule: graders are test_*.py, with any conftest.py; both are the course's, never the student's."""
    return name == "conftest.py" or (name.startswith("test_") and name.endswith(".py"))


def set_display_roots(*roots: Path) -> None:
    """Paths shown to students are relative to these (the code root first), never absolute."""
    _display_roots[:] = [Path(root).resolve() for root in roots]


def shown_path(filename: str | os.PathLike[str]) -> str:
    path = Path(filename).resolve()
    for root in _display_roots:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            continue
    return path.name


def is_grader_file(path: Path) -> bool:
    """Graders and their conftest live beside the student's files but are never the student's."""
    return is_grader_name(path.name)


def scrub_paths(text: str) -> str:
    """Directories of the grading machine cut from text a student reads; file names remain."""
    return _machine_path_pattern().sub("", text)


def _machine_path_pattern() -> re.Pattern[str]:
    roots = {str(root) for root in _display_roots}
    temp = Path(tempfile.gettempdir())
    roots |= {str(temp), str(temp.resolve()), str(Path.home())}
    alternatives = "|".join(re.escape(root) for root in sorted(roots - {"/", ""}, key=len, reverse=True))
    return re.compile(rf"(?:{alternatives})[^\s\"':]*[\\/]")


def is_student_file(filename: str) -> bool:
    return os.path.realpath(filename) in _student_files


def register_student_files(folder: Path) -> None:
    """Frames in these files are the student's: messages point at them."""
    for source in folder.rglob("*.py"):
        if not is_grader_file(source):
            _student_files.add(os.path.realpath(source))


BUILD_OUTPUT = {"__pycache__", ".pytest_cache", ".venv", "node_modules", ".aws-sam"}


def folder_digest(folder: Path, keep: Callable[[Path, Path], bool] = lambda path, relative: True) -> str | None:
    """sha256 over a folder's files (relative names and contents; a link by its target), build output
    and compiled or zipped files left out, and whatever ``keep(path, relative)`` refuses; None: no folder."""
    if not folder.is_dir():
        return None
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if BUILD_OUTPUT & set(relative.parts) or path.suffix in (".pyc", ".zip") or not keep(path, relative):
            continue
        if path.is_symlink():
            digest.update(relative.as_posix().encode() + b"\0" + os.readlink(path).encode())
        elif path.is_file():
            try:
                digest.update(relative.as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
            except OSError:
                continue
    return digest.hexdigest()
