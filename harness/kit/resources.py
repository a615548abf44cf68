"""Whether what a student's script should have made exists on the backend."""

from __future__ import annotations

from collections.abc import Callable, Iterable


def missing(lookups: Iterable[tuple[str, Callable[[], object]]]) -> list[str]:
    """The names of the resources whose lookup (a describe/get call) fails, in order."""
    absent = []
    for what, lookup in lookups:
        try:
            lookup()
        except Exception:  # noqa: BLE001 - any answer but success means it is not there
            absent.append(what)
    return absent
