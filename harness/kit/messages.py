"""The small pieces every grader's messages are made of."""

from __future__ import annotations

from typing import Any


def short(value: Any, limit: int = 160) -> str:
    """``repr(value)``, cut to ``limit`` characters with "..." (a message quotes inputs, not pages)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def readme_step(readme: str, number: int | str) -> str:
    """Where to read: "labs/lab1_inventory_status/README.md, step 3"."""
    return f"{readme}, step {number}"
