"""A deployed function's CloudWatch Logs, read back invocation by invocation (week 4: Kata 5, Lab 6).

Lambda brackets each invocation's output with its own lines: ``START RequestId: X``, then what the
function wrote, ``END RequestId: X`` and ``REPORT RequestId: X ... [Init Duration: ...]``; what the
module wrote at import (a cold start's init) comes before START. A grader that judges what the
function logged reads the log group this way, on any backend that writes Lambda's log, never the
function's source.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from harness.kit.lambda_versions import FIXED_DATE, LAMBDA_TRUST

START, END, REPORT = "START RequestId: ", "END RequestId: ", "REPORT RequestId: "
PLATFORM = ("INIT_START ", "INIT_REPORT ", START, END, REPORT)


@dataclass(frozen=True)
class LogEvent:
    timestamp_ms: int
    message: str  # one CloudWatch event: one line, or several when the writer kept newlines in one record


@dataclass
class InvocationLog:
    """One invocation as its function's log shows it."""

    request_id: str
    lines: list[LogEvent] = field(default_factory=list)  # the function's own, between START and END
    init_lines: list[LogEvent] = field(default_factory=list)  # written at import, before START (cold start)
    report: str = ""

    @property
    def cold(self) -> bool:
        """Lambda's own word for it: only a cold start's REPORT carries Init Duration."""
        return "Init Duration" in self.report


def package(folder: Path, *, leave_out: str = "test_") -> bytes:
    """A zip of the folder's top-level .py files (all but the grader's), at the zip's root, fixed dates."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.glob("*.py")):
            if path.name.startswith(leave_out):
                continue
            entry = zipfile.ZipInfo(path.name, FIXED_DATE)
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, path.read_bytes())
    return buffer.getvalue()


def deploy(name: str, handler: str, code: bytes, variables: dict[str, str], *, timeout: int = 10) -> dict[str, Any]:
    """The function (and its role, once) as a deploy script would create it; waits until it is Active."""
    iam = boto3.client("iam")
    try:
        role = iam.get_role(RoleName=f"{name}-role")
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    client = boto3.client("lambda")
    client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Handler=handler,
        Role=role["Role"]["Arn"],
        Code={"ZipFile": code},
        Timeout=timeout,
        MemorySize=128,
        Environment={"Variables": variables},
    )
    client.get_waiter("function_active_v2").wait(FunctionName=name)
    return client.get_function_configuration(FunctionName=name)


def log_events(function_name: str) -> list[list[LogEvent]]:
    """Every event of /aws/lambda/<name>, stream by stream (one per execution environment), in order."""
    logs = boto3.client("logs")
    group = f"/aws/lambda/{function_name}"
    streams: list[dict[str, Any]] = []
    try:
        for page in logs.get_paginator("describe_log_streams").paginate(logGroupName=group):
            streams += page["logStreams"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    found = []
    for stream in sorted(streams, key=lambda s: (s.get("firstEventTimestamp") or 0, s["logStreamName"])):
        events: list[LogEvent] = []
        token = None
        while True:
            extra = {"nextToken": token} if token else {}
            page = logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=True, **extra)
            events += [LogEvent(e["timestamp"], e["message"]) for e in page["events"]]
            if not page["events"] or page.get("nextForwardToken") in (None, token):
                break
            token = page["nextForwardToken"]
        found.append(events)
    return found


def invocations(function_name: str) -> list[InvocationLog]:
    """The function's invocations in the order they started, each with its lines, init lines and REPORT."""
    found: list[tuple[int, InvocationLog]] = []
    for events in log_events(function_name):
        pending_init: list[LogEvent] = []
        current: InvocationLog | None = None
        by_id: dict[str, InvocationLog] = {}
        for event in events:
            text = event.message.rstrip("\n")
            if text.startswith(START):
                request_id = text[len(START):].split()[0]
                current = InvocationLog(request_id, init_lines=pending_init)
                by_id[request_id] = current
                pending_init = []
                found.append((event.timestamp_ms, current))
            elif text.startswith(END):
                current = None
            elif text.startswith(REPORT):
                request_id = text[len(REPORT):].split()[0]
                if request_id in by_id:
                    by_id[request_id].report = text
            elif text.startswith(PLATFORM):
                continue
            elif current is not None:
                current.lines.append(event)
            else:
                pending_init.append(event)
    return [invocation for _, invocation in sorted(found, key=lambda pair: pair[0])]
