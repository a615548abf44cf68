"""What the emulator keeps beside moto's state ends with moto's reset, however the reset is asked for
(the harness between checks, ``POST /moto-api/reset`` by hand)."""

from __future__ import annotations

import functools
from typing import Any, Callable

_callbacks: list[Callable[[], None]] = []


def on_reset(callback: Callable[[], None]) -> None:
    if callback not in _callbacks:
        _callbacks.append(callback)


def run_callbacks() -> None:
    for callback in _callbacks:
        callback()


def apply() -> None:
    from moto.moto_api._internal.models import MotoAPIBackend

    reset = MotoAPIBackend.reset

    @functools.wraps(reset)
    def reset_and_clear(self: Any) -> None:
        reset(self)
        run_callbacks()

    MotoAPIBackend.reset = reset_and_clear  # type: ignore[method-assign]
