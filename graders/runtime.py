"""The backend of the grading run in progress, for helpers that graders call directly."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .backends import Backend

_active: list[Backend] = []


def activate(backend: Backend) -> None:
    _active[:] = [backend]


def deactivate() -> None:
    _active.clear()


def active_backend() -> Backend:
    if not _active:
        raise RuntimeError("No grading backend is running: use this helper inside a grader test.")
    return _active[0]
