"""Load a student's module by path so that any way it can break becomes one clear, contained failure."""

from __future__ import annotations

import importlib.util
import itertools
import os
import re
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from .limits import StudentExit, StudentTimeout

_student_files: set[str] = set()
_display_roots: list[Path] = []
_counter = itertools.count(1)


class StudentCodeError(Exception):
    """The student's file is missing or cannot be imported; the message says why in their terms.

    ``where`` (a graders.locations.Location) names the file and line at fault, when known.
    """

    def __init__(self, message: str, *, where: object = None) -> None:
        super().__init__(message)
        self.where = where


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
    return path.name == "conftest.py" or (path.name.startswith("test_") and path.suffix == ".py")


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


def _forget_modules_from(folder: Path) -> None:
    """A module the student's file imported from its own folder is reloaded fresh next time."""
    prefixes = tuple({str(folder) + os.sep, str(folder.resolve()) + os.sep})
    for name, module in list(sys.modules.items()):
        source = getattr(module, "__file__", None) or ""
        if source.startswith(prefixes) and not is_grader_file(Path(source)):
            del sys.modules[name]


def load_module(path: Path) -> ModuleType:
    """Import ``path`` as a fresh module (module-level code runs again, as in a Lambda cold start)."""
    from . import locations

    shown = shown_path(path)
    locations.touched(path)
    if not path.is_file():
        raise StudentCodeError(f"{shown} is missing; the exercise expects your code in that file.")
    folder = path.parent.resolve()
    for source in folder.rglob("*.py"):
        if not is_grader_file(source):
            _student_files.add(os.path.realpath(source))
    _forget_modules_from(folder)
    name = f"student_{path.stem}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(folder))
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        broken = Path(error.filename) if error.filename else path
        raise StudentCodeError(
            f"{shown} has a syntax error on line {error.lineno}: {error.msg}. "
            f"Run `python {shown}` to see it.",
            where=locations.Location(broken, error.lineno),
        ) from None
    except SystemExit as error:
        raise StudentCodeError(
            f"{shown} called sys.exit({error.code!r}) while being imported; "
            "module-level code must define things, not end the program.",
            where=locations.of_error(error) or locations.Location(path),
        ) from None
    except (StudentTimeout, StudentExit):
        raise
    except Exception as error:  # any import-time failure is the student's to see
        from .checks import student_error_summary

        raise StudentCodeError(
            f"Importing {shown} raised {student_error_summary(error)}.", where=locations.of_error(error) or locations.Location(path)
        ) from None
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop(name, None)
    return module
