"""Where in the student's files a check failed: the file and line an annotation on GitHub points at.

A check rarely says where by itself, so the harness works it out, most specific first:
a location the grader names (``fail(..., where=("deploy.sh", 12))``), the line a student's import
broke on, the student's deepest frame in the exception, the first failing part of a partial-credit
check, and last the student file the check loaded or ran most recently.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from pathlib import Path

from .student_files import is_student_file

# bash names the failing line of a script as "deploy.sh: line 12: awslocal: command not found".
BASH_ERROR_LINE = r"^(?:.*/)?{name}: line (\d+): "
MAX_CHAINED = 10


@dataclass(frozen=True)
class Location:
    path: Path  # as given: absolute, or relative to the exercise folder when a grader names it
    line: int | None = None


@dataclass
class _CheckTrail:
    touched: list[Location]
    first_failure: Location | None = None


_trail = _CheckTrail(touched=[])


def start_check() -> None:
    """Forget the previous check's files (one check runs at a time in a process)."""
    _trail.touched = []
    _trail.first_failure = None


def touched(path: Path, line: int | None = None) -> None:
    """The check loaded or ran this student file (loader and run_script call it)."""
    _trail.touched.append(Location(Path(path), line))


def script_error_line(script_name: str, stderr: str) -> int | None:
    """The last line bash blamed in a script's error output, if any."""
    pattern = re.compile(BASH_ERROR_LINE.format(name=re.escape(script_name)), re.MULTILINE)
    lines = pattern.findall(stderr)
    return int(lines[-1]) if lines else None


def part_failed(error: BaseException) -> None:
    """A partial-credit part failed; the first such failure is the one to point at."""
    if _trail.first_failure is None:
        _trail.first_failure = of_error(error) or _last_touched()


def of_error(error: BaseException | None) -> Location | None:
    """The location an exception carries: named by the grader, by the loader, or a student frame."""
    seen = 0
    while error is not None and seen < MAX_CHAINED:
        named = getattr(error, "where", None)
        if isinstance(named, Location):
            return named
        frame = _deepest_student_frame(error)
        if frame is not None:
            return frame
        error = error.__cause__ or error.__context__
        seen += 1
    return None


def for_check(error: BaseException | None) -> Location | None:
    """The best location for a check that did not pass (None when nothing points anywhere)."""
    return of_error(error) or _trail.first_failure or _last_touched()


def as_location(where: object) -> Location | None:
    """A grader's ``where=``: a path, or a (path, line) pair."""
    if where is None:
        return None
    if isinstance(where, Location):
        return where
    if isinstance(where, tuple) and len(where) == 2:
        path, line = where
        return Location(Path(path), int(line) if line is not None else None)
    return Location(Path(str(where)))


def _deepest_student_frame(error: BaseException) -> Location | None:
    frames = getattr(error, "frames", None)  # a StudentError: the frames the student process reported
    if frames is None:
        frames = [(frame.filename, frame.lineno) for frame in traceback.extract_tb(error.__traceback__)]
    else:
        frames = [(frame.file, frame.line) for frame in frames]
    for filename, line in reversed(frames):
        if is_student_file(filename):
            return Location(Path(filename), line)
    return None


def _last_touched() -> Location | None:
    return _trail.touched[-1] if _trail.touched else None
