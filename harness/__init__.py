"""The course's grading harness: a pytest plugin, the `course` CLI and the helpers graders use.

Graders import helpers from here (``from harness import fail, invoke_deployed``); they load on
first use so that a child process such as the Lambda runner starts without pytest or moto.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

# `python -m harness.cli` from a course checkout puts the checkout first on sys.path, where a student's
# argparse.py or json.py would stand in for the standard library: the harness is imported, so drop it.
if sys.path and os.path.realpath(sys.path[0] or os.getcwd()) == os.path.dirname(os.path.dirname(os.path.realpath(__file__))):
    del sys.path[0]

__version__ = "0.1.0"

_EXPORTS = {
    "CheckFailed": "checks",
    "expect": "checks",
    "fail": "checks",
    "not_graded": "checks",
    "student_error_summary": "loader",
    "PartialCredit": "partial",
    "FakeContext": "lambda_tools",
    "InvokeResult": "lambda_tools",
    "api_gateway_event": "lambda_tools",
    "dynamodb_stream_event": "lambda_tools",
    "invoke_deployed": "lambda_tools",
    "sqs_event": "lambda_tools",
    "StudentCodeError": "loader",
    "scrub_paths": "student_files",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'harness' has no attribute {name!r}")
