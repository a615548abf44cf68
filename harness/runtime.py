"""The grading run in progress, for helpers that graders call directly: backend, student processes, log."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .backends import Backend
    from .kit.logs import StudentLog
    from .student.pool import StudentPool

_active: list[Backend] = []
_pool: list[StudentPool] = []
_log: list[StudentLog] = []


def activate(backend: Backend | None, pool: StudentPool | None = None) -> None:
    """None: a run without emulator (its exercises call no AWS), student processes only."""
    _active[:] = [backend] if backend is not None else []
    _pool[:] = [pool] if pool is not None else []


def deactivate() -> None:
    _active.clear()
    _pool.clear()


def active_backend() -> Backend:
    if not _active:
        raise RuntimeError("No grading backend is running: use this helper inside a grader test.")
    return _active[0]


def student_pool() -> StudentPool:
    if not _pool:
        raise RuntimeError("No grading run is in progress: student code is loaded only inside a grader check.")
    return _pool[0]


def start_check_log() -> StudentLog:
    """A new, empty record of what student code prints and logs: one per check."""
    from .kit.logs import StudentLog

    _log[:] = [StudentLog()]
    return _log[0]


def check_log() -> StudentLog:
    return _log[0] if _log else start_check_log()
