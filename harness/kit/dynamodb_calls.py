"""The DynamoDB requests student code sends, as the emulator receives them, and a second writer racing them.

``DynamoSpy`` watches the ``aws_calls`` log (harness/call_log.py) while a grader calls student code:
each request's operation and parameters, in order, as DynamoDB's JSON request
(``{"TableName": ..., "Key": {"order_id": {"S": "ORD-1"}}, "ConsistentRead": true, "IndexName": ...}``).
Its hook runs inside the emulator, before the emulator answers a request, so it can also

- play a second writer: an action that runs just before the student's first write is answered, after
  any read the student made first (which is how a read-then-write race shows itself), and
- stop a runaway loop (a pagination loop that never passes ExclusiveStartKey): past ``limit`` requests
  in one watched call it ends the check's student processes, and the pending call raises StudentExited.

The call log exists on the embedded backend only; elsewhere the ``aws_calls`` fixture reports the check
as not graded on this backend.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .. import runtime
from ..call_log import ApiCall, CallLog

READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
RUNAWAY_LIMIT = 60  # DynamoDB requests in one watched call of the student's code


@dataclass(frozen=True)
class DynamoCall:
    operation: str  # "GetItem", "Query" ...
    params: dict[str, Any]  # the JSON request: {"TableName": ..., "ConsistentRead": true, ...}

    def __str__(self) -> str:
        shown = [f"{key}={self.params[key]}" for key in ("IndexName", "ConsistentRead") if key in self.params]
        return f"{self.operation}({', '.join(shown)})" if shown else self.operation

    @property
    def is_read(self) -> bool:
        return self.operation in READS

    @property
    def is_write(self) -> bool:
        if self.operation == "ExecuteStatement":  # PartiQL: INSERT, UPDATE and DELETE write
            return str(self.params.get("Statement", "")).lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        return self.operation in WRITES


class DynamoSpy:
    """The student's DynamoDB requests inside ``with spy.watching():``, from the emulator's call log."""

    def __init__(self, log: CallLog, *, limit: int = RUNAWAY_LIMIT) -> None:
        self.calls: list[DynamoCall] = []
        self.interfered = False  # the second writer's action ran
        self.runaway = False  # more than ``limit`` requests: the student's processes were ended
        self.limit = limit
        self._log = log
        self._lock = threading.Lock()  # the hook runs in the emulator's request threads
        self._watching = False
        self._before_write: Callable[[], None] | None = None
        log.before(self._is_students, self._observe, once=False)

    @contextmanager
    def watching(self) -> Iterator[None]:
        """Record the student's requests made inside the block (and play the second writer, if one is set).

        An action of the grader's that failed in the emulator is raised here: that is the grader's error."""
        with self._lock:
            self.calls.clear()
            self.runaway = False
            self._watching = True
        try:
            yield
        finally:
            with self._lock:
                self._watching = False
                self._before_write = None
        if self._log.hook_errors:
            raise self._log.hook_errors[0]

    def interfere_before_first_write(self, action: Callable[[], None]) -> None:
        """Run ``action`` (the grader's own boto3 calls) just before the emulator answers the student's
        first write in the next ``watching()`` block."""
        with self._lock:
            self._before_write = action
            self.interfered = False

    @staticmethod
    def _is_students(call: ApiCall) -> bool:
        return call.by_student and call.service == "dynamodb"

    def _observe(self, request: ApiCall) -> None:
        with self._lock:
            if not self._watching:
                return
            call = DynamoCall(request.operation, request.params)
            self.calls.append(call)
            runaway = len(self.calls) > self.limit
            action = self._before_write if call.is_write and not runaway else None
            if runaway:
                self._watching = False
                self.runaway = True
            elif action is not None:
                self._before_write = None
                self.interfered = True
        if runaway:
            runtime.student_pool().kill_check_processes()
        elif action is not None:
            action()

    def read_before_first_write(self) -> bool:
        for call in self.calls:
            if call.is_write:
                return False
            if call.is_read:
                return True
        return False

    def operations(self) -> list[str]:
        return [call.operation for call in self.calls]

    def describe(self) -> str:
        """The calls in order, repeats counted: "GetItem(ConsistentRead=True), Query(IndexName=...) x3"."""
        runs: list[list[Any]] = []
        for call in map(str, self.calls):
            if runs and runs[-1][0] == call:
                runs[-1][1] += 1
            else:
                runs.append([call, 1])
        return ", ".join(call if count == 1 else f"{call} x{count}" for call, count in runs) or "no DynamoDB calls"
