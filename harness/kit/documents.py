"""JSON documents a student writes (policies, templates): placeholders filled in, differences located."""

from __future__ import annotations

import json
from typing import Any


def fill_in(document: Any, placeholder: str, value: str) -> Any:
    """The document with ``placeholder`` replaced in every string, as setup_iam.sh does with sed."""
    if isinstance(document, str):
        return document.replace(placeholder, value)
    if isinstance(document, list):
        return [fill_in(item, placeholder, value) for item in document]
    if isinstance(document, dict):
        return {key: fill_in(item, placeholder, value) for key, item in document.items()}
    return document


def first_difference(expected: Any, got: Any, path: str = "") -> str | None:
    """Where two JSON documents first differ, as `Statement[0].Resource: "a" versus "b"`."""
    if isinstance(expected, dict) and isinstance(got, dict):
        for key in list(expected) + [k for k in got if k not in expected]:
            inner = f"{path}.{key}" if path else key
            if key not in got:
                return f"{inner} is missing"
            if key not in expected:
                return f"{inner} is extra"
            found = first_difference(expected[key], got[key], inner)
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(got, list):
        for index, (a, b) in enumerate(zip(expected, got)):
            found = first_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        if len(expected) != len(got):
            index = min(len(expected), len(got))
            return f"{path}[{index}] is {'missing' if len(expected) > len(got) else 'extra'}"
        return None
    if expected != got:
        return f"{path or 'the document'}: {json.dumps(expected)[:120]} expected, {json.dumps(got)[:120]} found"
    return None
