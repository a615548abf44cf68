"""Condition blocks evaluated against a request's context, for the condition keys a grader supplies.

A grader that knows what a request would carry (Lab 2: a message from the order-events topic carries
`aws:SourceArn`) passes it as `context`; a statement's Condition then either holds, does not hold,
or cannot be told (an operator or key this module does not evaluate), which stays "conditional".

The operators: String(Not)Equals, String(Not)EqualsIgnoreCase, String(Not)Like, Arn(Not)Equals,
Arn(Not)Like and Bool, each also with `IfExists`. IAM's rules: operators in a block and keys in an
operator must all hold, one of a key's values is enough; a key missing from the request fails a
positive operator, satisfies a negated one, and satisfies any operator with `IfExists`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .iam_patterns import as_list, glob_match, resource_matches

UNKNOWN = None  # a condition this module cannot decide


def _string_equals(pattern: str, value: str) -> bool:
    return pattern == value


def _string_equals_ignore_case(pattern: str, value: str) -> bool:
    return pattern.lower() == value.lower()


def _bool(pattern: str, value: str) -> bool:
    return pattern.lower() == value.lower()


MATCHERS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": _string_equals,
    "StringEqualsIgnoreCase": _string_equals_ignore_case,
    "StringLike": glob_match,
    "ArnEquals": resource_matches,  # IAM compares ARNs segment by segment, wildcards allowed, in both
    "ArnLike": resource_matches,
    "Bool": _bool,
}


def _split(operator: str) -> tuple[Callable[[str, str], bool], bool, bool] | None:
    """(matcher, negated, if_exists) of an operator such as "StringNotLikeIfExists", or None."""
    if ":" in operator:  # ForAnyValue:/ForAllValues: are for multi-valued keys, none of which we supply
        return None
    if_exists = operator.endswith("IfExists")
    name = operator.removesuffix("IfExists")
    negated = "Not" in name
    matcher = MATCHERS.get(name.replace("Not", "", 1))
    return (matcher, negated, if_exists) if matcher else None


def _one_key(operator: str, values: Any, value: str | None) -> bool | None:
    parts = _split(operator)
    patterns = [str(item) for item in as_list(values)]
    if parts is None:
        return UNKNOWN
    matcher, negated, if_exists = parts
    if value is None:
        return if_exists or negated
    matched = any(matcher(pattern, value) for pattern in patterns)
    return not matched if negated else matched


def condition_holds(condition: Any, context: Mapping[str, str]) -> bool | None:
    """Whether a Condition block holds for a request with these keys: True, False, or None (cannot tell).

    A key the grader did not supply is unknown unless the grader supplied none of that name on
    purpose: pass it with the value None to say "this request does not carry it"."""
    if not condition:
        return True
    if not isinstance(condition, dict):
        return UNKNOWN
    known = {key.lower(): value for key, value in context.items()}
    verdicts: list[bool | None] = []
    for operator, keys in condition.items():
        if not isinstance(keys, dict):
            return UNKNOWN
        for key, values in keys.items():
            if str(key).lower() not in known:
                verdicts.append(UNKNOWN)
                continue
            verdicts.append(_one_key(str(operator), values, known[str(key).lower()]))
    if False in verdicts:
        return False
    return UNKNOWN if UNKNOWN in verdicts else True
