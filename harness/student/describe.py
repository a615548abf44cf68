"""Describing untrusted objects safely: a repr, str or signature that raises or never ends is described,
not propagated. Loaded by host.py inside the student process (standard library only).
"""

from __future__ import annotations

import collections
from typing import Any

MAX_REPR = 300
MAX_MESSAGE = 4000


def describe_callable(target: Any) -> dict[str, Any]:
    import inspect

    described: dict[str, Any] = {"doc": inspect.getdoc(target) or ""}
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return {**described, "signature": None, "parameters": []}
    parameters = [
        {
            "name": name,
            "kind": parameter.kind.name,
            "default": None if parameter.default is inspect.Parameter.empty else safe_repr(parameter.default),
            "has_default": parameter.default is not inspect.Parameter.empty,
        }
        for name, parameter in signature.parameters.items()
    ]
    return {**described, "signature": str(signature)[:MAX_REPR], "parameters": parameters}


def last_entries(tb: Any, keep: int) -> Any:
    """The traceback entry ``keep`` entries before its end: extract_tb from there sees only the innermost."""
    last: collections.deque[Any] = collections.deque(maxlen=keep)
    while tb is not None:
        last.append(tb)
        tb = tb.tb_next
    return last[0] if last else None


def qualified(kind: type) -> str:
    return f"{getattr(kind, '__module__', '?')}.{getattr(kind, '__qualname__', getattr(kind, '__name__', '?'))}"


def safe_repr(value: Any, limit: int = MAX_REPR) -> str:
    try:
        text = repr(value)
    except Exception as error:  # a student __repr__ that raises
        text = f"<{type(value).__name__} whose repr raised {type(error).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def safe_text(value: Any) -> str:
    try:
        return str(value)[:MAX_MESSAGE]
    except Exception as error:
        return f"<{type(value).__name__} whose str raised {type(error).__name__}>"


def plain_attributes(error: BaseException) -> dict[str, Any]:
    """An exception's own attributes that are plain scalars (``error.status = 503``), as data."""
    try:
        own = vars(error)
    except TypeError:
        return {}
    return {
        str(key): value if not isinstance(value, str) else value[:MAX_MESSAGE]
        for key, value in list(own.items())[:50]
        if not str(key).startswith("_") and (value is None or isinstance(value, (bool, int, float, str)))
    }


def safe_str(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:
        return safe_repr(error)
