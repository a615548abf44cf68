"""The backend of the grading run in progress, for helpers that graders call directly."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .backends import EmbeddedMoto, LocalStack

_active: list[EmbeddedMoto | LocalStack] = []


def activate(backend: EmbeddedMoto | LocalStack) -> None:
    _active[:] = [backend]


def deactivate() -> None:
    _active.clear()


def active_backend() -> EmbeddedMoto | LocalStack:
    if not _active:
        raise RuntimeError("No grading backend is running: use this helper inside a grader test.")
    return _active[0]
