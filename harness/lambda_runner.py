"""Runs one invocation of a deployed handler in a child process, the way the Python runtime would.

Usage: python -m harness.lambda_runner HANDLER TIMEOUT_SECONDS RESULT_FILE  (event JSON on stdin)
Writes {"payload": ..., "error": bool} to RESULT_FILE; everything printed is the function's log.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import traceback
import uuid
from typing import Any

from .lambda_tools import FakeContext
from .student import clienttag, netguard


class _TimedOut(BaseException):
    """BaseException so that a handler's `except Exception` cannot swallow the timeout."""


def _error(message: str, error_type: str, stack: list[str] | None = None) -> dict[str, Any]:
    return {"errorMessage": message, "errorType": error_type, "requestId": str(uuid.uuid4()), "stackTrace": stack or []}


def _invoke(handler_spec: str, event: Any, timeout: float) -> tuple[Any, bool]:
    module_name, _, function_name = handler_spec.rpartition(".")
    sys.path.insert(0, os.getcwd())  # the package root, as /var/task is on Lambda
    try:
        module = importlib.import_module(module_name)
    except Exception as error:
        return _error(f"Unable to import module '{module_name}': {error}", "Runtime.ImportModuleError"), True
    handler = getattr(module, function_name, None)
    if not callable(handler):
        return _error(f"Handler '{function_name}' missing on module '{module_name}'", "Runtime.HandlerNotFound"), True
    context = FakeContext(
        function_name=os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "function"),
        function_version=os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        memory_limit_in_mb=int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")),
        timeout_seconds=timeout,
    )
    try:
        payload = handler(event, context)
    except _TimedOut:
        raise
    except Exception as error:
        print(f"[ERROR] {type(error).__name__}: {error}", file=sys.stderr)
        traceback.print_exc()
        stack = traceback.format_tb(error.__traceback__)
        return _error(str(error), type(error).__name__, stack), True
    try:
        json.dumps(payload)
    except (TypeError, ValueError) as error:
        return _error(f"Unable to marshal response: {error}", "Runtime.MarshalError"), True
    return payload, False


def main(argv: list[str]) -> int:
    handler_spec, timeout, result_file = argv[0], float(argv[1]), argv[2]
    if netguard.install_from_environment():  # -I ignores PYTHONPATH, so sitecustomize does not run here
        clienttag.install()
    event = json.loads(sys.stdin.read() or "null")

    def on_alarm(signum: int, frame: object) -> None:
        raise _TimedOut

    if hasattr(signal, "setitimer"):
        signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        payload, failed = _invoke(handler_spec, event, timeout)
    except _TimedOut:
        payload, failed = _error(f"Task timed out after {timeout:.2f} seconds", "Sandbox.Timedout"), True
    except SystemExit as exit_request:
        sys.stdout.flush()
        print(f"Runtime exited with error: exit status {exit_request.code}", file=sys.stderr)
        return 1
    with open(result_file, "w", encoding="utf-8") as handle:
        json.dump({"payload": payload, "error": failed}, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
