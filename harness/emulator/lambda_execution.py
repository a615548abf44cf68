"""One invocation, as Lambda runs and records it: an environment (warm, or started and initialised), the
handler, and the log Lambda writes around it (INIT_START, START, the function's output, END, REPORT),
sent to CloudWatch Logs; the answer carries the payload, FunctionError and the log's last 4 KB.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from . import lambda_telemetry, lambda_tracing
from .lambda_environment import FunctionSpec, LogLine, Phase, now_ms
from .lambda_environments import POOL

LOG_TAIL_BYTES = 4096  # what LogType=Tail returns
MAX_RESPONSE_BYTES = 6 * 1024 * 1024
RUNTIME_VERSION = "python:3.12.v1"  # stands for the managed runtime's version in INIT_START


@dataclass
class Invocation:
    """What the Invoke API answers."""

    body: bytes
    function_error: str | None  # "Unhandled", as Lambda says for any error of the function
    log: str  # this invocation's whole log, START to REPORT
    executed_version: str

    @property
    def log_tail(self) -> str:
        data = self.log.encode("utf-8")[-LOG_TAIL_BYTES:]
        return data.decode("utf-8", "ignore")


@dataclass(frozen=True)
class Target:
    """The version to run and how the caller named it."""

    spec: FunctionSpec
    invoked_arn: str
    resource: str | None  # "name:qualifier" when the caller named a version or an alias
    alias: str | None
    reserved_concurrency: int | None
    provisioned: tuple[str, ...] | None = None  # the alias or version invoked has READY provisioned concurrency


def _error_body(message: str, error_type: str) -> dict[str, str]:
    return {"errorMessage": message, "errorType": error_type}


def _line(text: str) -> LogLine:
    return LogLine(now_ms(), text)


def init_start_line(spec: FunctionSpec) -> LogLine:
    """The line Lambda writes when an environment's init begins (a cold start, or a provisioned allocation)."""
    return _line(f"INIT_START Runtime Version: {RUNTIME_VERSION}\tRuntime Version ARN: "
                 f"arn:aws:lambda:{spec.region}::runtime:{spec.runtime or 'python3.12'}")


@dataclass
class _Outcome:
    payload: Any
    error: bool
    duration_ms: float = 0.0
    memory_mb: int = 0
    status: str = ""  # what REPORT adds after a failure: "Status: timeout"


def run(target: Target, event: str, endpoint: str) -> Invocation:
    """Run one invocation to its end (raises lambda_environments.Throttled when none may start)."""
    spec = target.spec
    generation = POOL.generation
    request_id = str(uuid.uuid4())
    trace = lambda_tracing.new_trace(spec)
    lines: list[LogLine] = []
    with POOL.environment(spec, endpoint, target.reserved_concurrency, target.provisioned) as (environment, init):
        concurrent = POOL.running(spec.name)
        allocated, provisioned_busy = POOL.provisioned(target.provisioned) if target.provisioned else (0, 0)
        if init is not None:
            lines.append(init_start_line(spec))
            lines += init.log
        if init is not None and (init.reply is None or init.reply.get("error")):
            outcome = _init_failure(init, spec, request_id, environment.init_ms)
            lines.append(_line(f"INIT_REPORT Init Duration: {environment.init_ms:.2f} ms\tPhase: init\t{outcome.status}"))
            lines.append(_line(f"START RequestId: {request_id} Version: {spec.version}"))
            started = ended = time.time()
        else:
            lines.append(_line(f"START RequestId: {request_id} Version: {spec.version}"))
            started = time.time()
            phase = environment.invoke(request_id, event, target.invoked_arn, trace.header)
            ended = time.time()
            lines += phase.log
            outcome = _outcome(phase, spec, request_id, lines)
            outcome.memory_mb = outcome.memory_mb or environment.max_memory_mb
    lines.append(_line(f"END RequestId: {request_id}"))
    report = (f"REPORT RequestId: {request_id}\tDuration: {outcome.duration_ms:.2f} ms\t"
              f"Billed Duration: {math.ceil(outcome.duration_ms)} ms\tMemory Size: {spec.memory_mb} MB\t"
              f"Max Memory Used: {outcome.memory_mb} MB\t")
    if init is not None:
        report += f"Init Duration: {environment.init_ms:.2f} ms\t"
    lines.append(_line(report + outcome.status))
    body = json.dumps(outcome.payload).encode()
    if len(body) > MAX_RESPONSE_BYTES:
        message = f"Response payload size ({len(body)} bytes) exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."
        body, outcome.error = json.dumps(_error_body(message, "Function.ResponseSizeTooLarge")).encode(), True
    if POOL.generation == generation:  # after a reset, nothing of this invocation may appear in the new state
        lambda_telemetry.write_log(spec.account_id, spec.region, spec.log_group, environment.log_stream, lines)
        lambda_tracing.record(spec, trace, started, ended, environment.init_ms if init is not None else None, outcome.error)
        lambda_telemetry.put_metrics(
            spec.account_id, spec.region,
            lambda_telemetry.Measured(spec.name, target.resource, spec.version if target.alias else None,
                                      duration_ms=outcome.duration_ms, error=outcome.error, concurrent=concurrent,
                                      provisioned=bool(environment.provisioned_for) if target.provisioned else None,
                                      provisioned_busy=provisioned_busy, provisioned_allocated=allocated),
        )
    return Invocation(body, "Unhandled" if outcome.error else None, "".join(f"{line.message}\n" for line in lines), spec.version)


def _init_failure(init: Phase, spec: FunctionSpec, request_id: str, init_ms: float) -> _Outcome:
    if init.reply is not None:
        error = init.reply["error"]
        payload = {**error, "requestId": request_id} if "stackTrace" in error else error
        return _Outcome(payload, True, status=f"Status: error\tError Type: {error['errorType']}")
    if init.timed_out:
        message = f"RequestId: {request_id} Error: Task timed out after {spec.timeout_seconds:.2f} seconds"
        return _Outcome(_error_body(message, "Sandbox.Timedout"), True, init_ms, status="Status: timeout")
    message = f"RequestId: {request_id} Error: Runtime exited with error: {init.exit_status}"
    return _Outcome(_error_body(message, "Runtime.ExitError"), True, status="Status: error\tError Type: Runtime.ExitError")


def _outcome(phase: Phase, spec: FunctionSpec, request_id: str, lines: list[LogLine]) -> _Outcome:
    """What an invocation that got to run answered; a timeout or an exit adds Lambda's line to the log."""
    reply = phase.reply
    if reply is not None:
        return _Outcome(reply["payload"], bool(reply["error"]), float(reply["duration_ms"]), int(reply["max_memory_mb"]))
    if phase.timed_out:
        stamp = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        lines.append(_line(f"{stamp} {request_id} Task timed out after {spec.timeout_seconds:.2f} seconds"))
        message = f"RequestId: {request_id} Error: Task timed out after {spec.timeout_seconds:.2f} seconds"
        return _Outcome(_error_body(message, "Sandbox.Timedout"), True, spec.timeout_seconds * 1000, status="Status: timeout")
    message = f"RequestId: {request_id} Error: Runtime exited with error: {phase.exit_status}"
    lines.append(_line(f"{message}\nRuntime.ExitError"))
    return _Outcome(_error_body(message, "Runtime.ExitError"), True, status="Status: error\tError Type: Runtime.ExitError")
