"""Lambda and X-Ray: the trace header of each invocation, the daemon's address, and Lambda's own segments.

Lambda gives every execution environment ``AWS_XRAY_DAEMON_ADDRESS`` and ``AWS_XRAY_CONTEXT_MISSING=LOG_ERROR``
(here: the embedded backend's daemon, xray.py), and the runtime sets ``_X_AMZN_TRACE_ID`` for each
invocation (``Root=1-<time>-<24 hex>;Parent=<16 hex>;Sampled=1`` when the function's TracingConfig is
Active, ``Sampled=0`` otherwise): a new trace per invocation. aws-xray-sdk inside the function then sends
its subsegments, with the Parent as their parent, to the daemon. For an Active function Lambda itself
records two segments: the ``AWS::Lambda`` service segment, and the ``AWS::Lambda::Function`` segment whose
id is that Parent, with an ``Initialization`` subsegment on a cold start, an ``Invocation`` subsegment, and
``fault`` when the function failed. X-Ray assembles the SDK's subsegments into it (xray.py).
UpdateFunctionConfiguration's TracingConfig is kept (moto drops it). Not simulated: a trace header sent
with the Invoke request (a traced caller) is not continued.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import xray

if TYPE_CHECKING:
    from .lambda_environment import FunctionSpec

ACTIVE = "Active"


@dataclass(frozen=True)
class Trace:
    trace_id: str
    parent_id: str  # the function segment's id: the SDK's subsegments hang under it
    sampled: bool

    @property
    def header(self) -> str:
        return f"Root={self.trace_id};Parent={self.parent_id};Sampled={1 if self.sampled else 0}"


def new_trace(spec: FunctionSpec) -> Trace:
    trace_id = f"1-{int(time.time()):08x}-{os.urandom(12).hex()}"
    return Trace(trace_id, _segment_id(), spec.tracing == ACTIVE)


def environment_variables() -> dict[str, str]:
    """What Lambda sets for the X-Ray SDK in every environment, when a daemon runs here."""
    address = xray.daemon_address()
    return {"AWS_XRAY_DAEMON_ADDRESS": address, "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR"} if address else {}


def record(spec: FunctionSpec, trace: Trace, started: float, ended: float, init_ms: float | None, failed: bool) -> None:
    """Lambda's segments of one sampled invocation (times in epoch seconds), stored as X-Ray stores them."""
    if not trace.sampled:
        return
    from moto.xray.models import xray_backends  # here: importing it costs 0.3 s of CPU (on_import.py)

    init_start = started - (init_ms or 0.0) / 1000
    arn = f"arn:aws:lambda:{spec.region}:{spec.account_id}:function:{spec.name}"
    service_id = _segment_id()
    service = {
        "trace_id": trace.trace_id, "id": service_id, "name": spec.name, "origin": "AWS::Lambda",
        "start_time": init_start, "end_time": ended, "http": {"response": {"status": 200}},
        "aws": {"request_id": "", "function_arn": arn}, "resource_arn": arn,
    }
    subsegments = []
    if init_ms is not None:
        subsegments.append({"id": _segment_id(), "name": "Initialization", "start_time": init_start, "end_time": started})
    subsegments.append({"id": _segment_id(), "name": "Invocation", "start_time": started, "end_time": ended})
    function = {
        "trace_id": trace.trace_id, "id": trace.parent_id, "parent_id": service_id, "name": spec.name,
        "origin": "AWS::Lambda::Function", "start_time": init_start, "end_time": ended,
        "aws": {"function_arn": f"{arn}:{spec.version}" if spec.version != "$LATEST" else arn},
        "subsegments": subsegments,
    }
    if failed:
        function["fault"] = True
    backend = xray_backends[spec.account_id][spec.region]
    for document in (service, function):
        backend.process_segment(json.dumps(document))


def _segment_id() -> str:
    return os.urandom(8).hex()


def apply() -> None:
    """UpdateFunctionConfiguration keeps a new TracingConfig (moto drops it: only CreateFunction sets it)."""
    import functools

    from moto.awslambda.models import LambdaFunction

    update_configuration = LambdaFunction.update_configuration

    @functools.wraps(update_configuration)
    def with_tracing(self: LambdaFunction, config_updates: dict) -> dict:
        mode = (config_updates.get("TracingConfig") or {}).get("Mode")
        if mode:
            self.tracing_config = {"Mode": mode}
        return update_configuration(self, config_updates)

    LambdaFunction.update_configuration = with_tracing  # type: ignore[method-assign]
