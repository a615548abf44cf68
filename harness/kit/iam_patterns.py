"""IAM's matching rules for one policy element: wildcards, ARN segments, principals.

Used by the policy evaluator (iam.py) and the condition evaluator (iam_conditions.py).
"""

from __future__ import annotations

import re
from typing import Any

ANYONE = ("*", "*")  # the principal "*": anybody at all


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def string_list(value: Any) -> tuple[str, ...] | None:
    """A policy element as a tuple of strings, or None when it is something else (a number, {})."""
    values = as_list(value)
    if not values or not all(isinstance(item, str) for item in values):
        return None
    return tuple(values)


def glob_match(pattern: str, text: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcards: `*` any run of characters (none included), `?` exactly one."""
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.fullmatch(regex, text, re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None


def action_matches(pattern: str, action: str) -> bool:
    return glob_match(pattern, action, ignore_case=True)


def resource_matches(pattern: str, arn: str) -> bool:
    """`*` matches every resource; otherwise the six ARN segments match one by one."""
    if pattern == "*":
        return True
    pattern_parts, arn_parts = pattern.split(":", 5), arn.split(":", 5)
    if len(pattern_parts) < 6 or len(arn_parts) < 6:
        return glob_match(pattern, arn)
    return all(glob_match(p, a) for p, a in zip(pattern_parts, arn_parts))


def _principal_value(kind: str, value: str) -> str:
    if kind == "AWS" and re.fullmatch(r"\d{12}", value):
        return f"arn:aws:iam::{value}:root"  # an account id stands for the account's root
    return value


def principal_matches(kind: str, pattern: str, principal: tuple[str, str]) -> bool:
    if kind == "*":
        return True
    wanted_kind, wanted = principal
    if pattern == "*" and kind == "AWS":
        return True  # "AWS": "*" is anybody, signed in or not
    return kind == wanted_kind and glob_match(_principal_value(kind, pattern), _principal_value(kind, wanted))
