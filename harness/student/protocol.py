"""The data-only language between the grading process and a student process.

One JSON document per line. Values JSON lacks travel tagged (``{"$decimal": "1.50"}``); anything
else stays in the process that owns it and travels as a reference (``{"$ref": 7, ...}``). Nothing
is ever pickled: the grading process must never run what a student process sends it.
Standard library only: the student process loads this file by path, before any student code.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

# The student processes' environment names a run whose exercises call no AWS: they then skip boto3's warm-up.
# pool.py sets it, host.py reads and removes it; a load gives student code the check's environment anyway.
NO_AWS = "COURSE_STUDENT_NO_AWS"
MAX_LINE_BYTES = 32 * 1024 * 1024  # one message; more is the student's runaway output, not data
MAX_DEPTH = 64
TAG = "$"

Other = Callable[[Any], Any]  # how a side encodes what has no tag (a reference, a context)
Resolve = Callable[[str, Any], Any]  # how a side decodes the tags it alone knows ($ref, $exception, $context)


class ProtocolError(ValueError):
    """A message that is not what the protocol allows (too deep, too big, malformed)."""


def encode(value: Any, other: Other, depth: int = 0) -> Any:
    """``value`` as JSON-ready data; ``other`` handles whatever has no tag of its own."""
    if depth > MAX_DEPTH:
        return other(value)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if type(value) is list:
        return [encode(item, other, depth + 1) for item in value]
    if type(value) is tuple:
        return {"$tuple": [encode(item, other, depth + 1) for item in value]}
    if type(value) in (set, frozenset):
        return {"$set": [encode(item, other, depth + 1) for item in value]}
    if type(value) is dict:
        if all(isinstance(key, str) and not key.startswith(TAG) for key in value):
            return {key: encode(item, other, depth + 1) for key, item in value.items()}
        return {"$dict": [[encode(key, other, depth + 1), encode(item, other, depth + 1)] for key, item in value.items()]}
    return other(value)


def decode(data: Any, resolve: Resolve, depth: int = 0) -> Any:
    """The value ``data`` stands for; ``resolve(tag, payload)`` decodes the side-specific tags."""
    if depth > MAX_DEPTH + 2:
        raise ProtocolError("message nested too deeply")
    if data is None or isinstance(data, (bool, str, int, float)):
        return data
    if isinstance(data, list):
        return [decode(item, resolve, depth + 1) for item in data]
    if not isinstance(data, dict):
        raise ProtocolError(f"unexpected {type(data).__name__} in a message")
    if len(data) == 1 or "$ref" in data:
        tag = next(iter(data)) if "$ref" not in data else "$ref"
        if tag.startswith(TAG):
            return _decode_tagged(tag, data, resolve, depth)
    return {key: decode(item, resolve, depth + 1) for key, item in data.items()}


def _decode_tagged(tag: str, data: dict[str, Any], resolve: Resolve, depth: int) -> Any:
    payload = data[tag]
    try:
        if tag == "$decimal":
            return Decimal(payload)
        if tag == "$float":
            return float(payload)
        if tag == "$bytes":
            return base64.b64decode(payload, validate=True)
        if tag == "$datetime":
            return dt.datetime.fromisoformat(payload)
        if tag == "$date":
            return dt.date.fromisoformat(payload)
        if tag == "$tuple":
            return tuple(decode(item, resolve, depth + 1) for item in payload)
        if tag == "$set":
            return {decode(item, resolve, depth + 1) for item in payload}
        if tag == "$dict":
            return {decode(key, resolve, depth + 1): decode(item, resolve, depth + 1) for key, item in payload}
    except (TypeError, ValueError, ArithmeticError) as error:
        raise ProtocolError(f"malformed {tag} value: {error}") from None
    return resolve(tag, data)


def dumps(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":"), allow_nan=False).encode("utf-8") + b"\n"


def loads(line: bytes) -> dict[str, Any]:
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError(f"message of {len(line):,} bytes")
    try:
        message = json.loads(line)
    except (ValueError, RecursionError) as error:  # RecursionError: nested beyond the parser's depth
        raise ProtocolError(f"not JSON: {error}") from None
    if not isinstance(message, dict):
        raise ProtocolError("a message must be a JSON object")
    return message
