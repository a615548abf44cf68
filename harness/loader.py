"""Load a student's module, in a process of its own, so that any way it can break becomes one clear failure."""

from __future__ import annotations

import os
import traceback
from pathlib import Path

from . import locations, runtime
from .student.proxy import Session, StudentError, StudentExited, StudentModule
from .student_files import is_student_file, register_student_files, shown_path


class StudentCodeError(Exception):
    """The student's file is missing or cannot be imported; the message says why in their terms.

    ``where`` (a harness.locations.Location) names the file and line at fault, when known.
    """

    def __init__(self, message: str, *, where: object = None) -> None:
        super().__init__(message)
        self.where = where


def load_module(path: Path, *, log_level: str | None = None) -> StudentModule:
    """Import ``path`` fresh in a student process of its own (module-level code runs, as in a cold start).

    Nothing of the student's runs in this process: the module is a proxy (harness.student.proxy).
    ``log_level`` sets the root logger's level first, as Lambda's AWS_LAMBDA_LOG_LEVEL does (default WARNING).
    """
    shown = shown_path(path)
    locations.touched(path)
    if not path.is_file():
        raise StudentCodeError(f"{shown} is missing; the exercise expects your code in that file.")
    register_student_files(path.parent.resolve())
    log = runtime.check_log()
    session = Session(runtime.student_pool().take(), on_output=log.add)
    request = {"op": "load", "path": str(path.resolve()), "env": dict(os.environ), "log_level": log_level}
    try:
        reply = session.request(request)
    except StudentExited as ended:
        if ended.exit_code is not None:
            message = (
                f"{shown} called sys.exit({ended.exit_code}) while being imported; "
                "module-level code must define things, not end the program."
            )
        else:
            message = (
                f"{shown} ended its process while being imported ({str(ended).removeprefix('your code ended its process: ')}); "
                "module-level code must define things, not end the program."
            )
        raise StudentCodeError(message, where=locations.Location(path)) from None
    except StudentError as error:
        if error.syntax is not None and error.type_name in ("SyntaxError", "IndentationError", "TabError"):
            line = error.syntax.get("line") if isinstance(error.syntax.get("line"), int) else None
            broken = Path(str(error.syntax.get("file") or path))
            raise StudentCodeError(
                f"{shown_path(broken) if broken.is_absolute() else shown} has a syntax error on line {line}: "
                f"{error.syntax.get('msg')}. Run `python {shown}` to see it.",
                where=locations.Location(broken, line),
            ) from None
        raise StudentCodeError(
            f"Importing {shown} raised {student_error_summary(error)}.",
            where=locations.of_error(error) or locations.Location(path),
        ) from None
    info = reply.get("value")
    if not isinstance(info, dict) or "$ref" not in info:
        raise StudentCodeError(f"Importing {shown} gave no module (the student process answered {short_repr(info)}).")
    return StudentModule(session, info, path)


def short_repr(value: object, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def student_error_summary(error: BaseException) -> str:
    """``KeyError: 'Item' (inventory_status_lambda.py, line 23)``: the error and the student's own line."""
    if isinstance(error, StudentError):
        name, detail = error.type_name, error.message
        frames = [(frame.file, frame.line) for frame in error.frames]
    else:
        name, detail = type(error).__name__, str(error)
        frames = [(frame.filename, frame.lineno) for frame in traceback.extract_tb(error.__traceback__)]
    where = ""
    for filename, line in reversed(frames):
        if is_student_file(filename):
            where = f" ({shown_path(filename)}, line {line})"
            break
    return f"{name}: {detail}{where}" if detail else f"{name}{where}"
