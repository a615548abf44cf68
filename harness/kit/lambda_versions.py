"""What the week 3 deployment graders share (Kata 4, Lab 5): a function to deploy to, releases of its
code written into a copy of the student's folder, the backend's versions and aliases, and why a
deploy script was refused while an update was in progress.

The code a grader deploys is its own (a handler that answers its release), so that which version ran
is told by the answer, whatever the student left in the folder. Every zip and file the grader writes
has a fixed date: the same release is the same bytes in every check, so a student's packaging of it
has the same CodeSha256 each time, and a script's run from the same state can be replayed.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import boto3

from harness.call_log import ApiCall, CallLog
from harness.exercise_files import ExerciseFiles

FIXED_DATE = (2026, 1, 1, 0, 0, 0)
FIXED_MTIME = 1767225600  # 2026-01-01T00:00:00Z
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
STATUS_READS = {"GetFunction", "GetFunctionConfiguration"}  # what `wait function-updated` polls
UPDATES = {"UpdateFunctionCode", "UpdateFunctionConfiguration"}
WAIT_HINT = (
    "Until an update has finished, Lambda refuses to publish a version or to update the function again "
    "(ResourceConflictException): after update-function-code, run `awslocal lambda wait function-updated-v2 "
    '--function-name "$FUNCTION"` (or poll get-function-configuration until LastUpdateStatus is Successful).'
)
NEVER_WAITED = (
    "Your script called {publish} after {update} without reading the function's status in between: "
    "nothing waited for the update to finish."
)


def release_source(release: str) -> str:
    """The grader's handler: it answers the release it was built from."""
    return f'RELEASE = "{release}"\n\n\ndef lambda_handler(event, context):\n    return {{"release": RELEASE}}\n'


def module_zip(module: str, source: str) -> bytes:
    """A deployment package of one module written by the grader; fixed dates, so the same source zips alike."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        entry = zipfile.ZipInfo(f"{module}.py", FIXED_DATE)
        entry.external_attr = 0o644 << 16
        archive.writestr(entry, source)
    return buffer.getvalue()


def release_zip(module: str, release: str) -> bytes:
    return module_zip(module, release_source(release))


def create_function(name: str, handler: str, release: str, *, timeout: int = 10) -> dict[str, Any]:
    """The function as a first deploy leaves it: its role, code of the given release, no version, no alias."""
    role = boto3.client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    client = boto3.client("lambda")
    client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Handler=handler,
        Role=role["Role"]["Arn"],
        Code={"ZipFile": release_zip(handler.split(".")[0], release)},
        Timeout=timeout,
        MemorySize=128,
    )
    client.get_waiter("function_active_v2").wait(FunctionName=name)
    return client.get_function_configuration(FunctionName=name)


def with_release(exercise: ExerciseFiles, directory: Path, code_file: str, release: str) -> ExerciseFiles:
    """A copy of the student's folder whose code_file is the grader's handler of ``release``, every file
    of that code folder dated FIXED_MTIME (zip stores dates: the same release zips the same each time)."""
    copy = exercise.copy_to(directory / release)
    target = copy.path(code_file)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(release_source(release), encoding="utf-8")
    code_folder = target.parent
    for path in sorted(code_folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        os.utime(path, (FIXED_MTIME, FIXED_MTIME))
    os.utime(code_folder, (FIXED_MTIME, FIXED_MTIME))
    return copy


def versions(name: str) -> list[dict[str, Any]]:
    """The function's published versions, oldest first ($LATEST left out)."""
    found: list[dict[str, Any]] = []
    for page in boto3.client("lambda").get_paginator("list_versions_by_function").paginate(FunctionName=name):
        found += [v for v in page["Versions"] if v["Version"] != "$LATEST"]
    return sorted(found, key=lambda v: int(v["Version"]))


def alias(name: str, alias_name: str) -> dict[str, Any] | None:
    client = boto3.client("lambda")
    try:
        return client.get_alias(FunctionName=name, Name=alias_name)
    except client.exceptions.ResourceNotFoundException:
        return None


def weights(found_alias: dict[str, Any] | None) -> dict[str, float]:
    """The alias's AdditionalVersionWeights ({} when it splits no traffic)."""
    return dict(((found_alias or {}).get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {})


def lambda_calls(log: CallLog | None, operations: Iterable[str] | None = None) -> list[ApiCall]:
    """The Lambda calls the backend received, in order (all of them, or those of the given operations)."""
    if log is None:
        return []
    wanted = set(operations) if operations is not None else None
    return [c for c in log.calls if c.service == "lambda" and (wanted is None or c.operation in wanted)]


def never_waited(log: CallLog | None) -> str:
    """Why a script met ResourceConflictException: the call after an update that no status read preceded."""
    since_update: str | None = None
    for call in lambda_calls(log):
        if call.operation in UPDATES and since_update is None:
            since_update = call.operation
        elif call.operation in STATUS_READS and call.params.get("Qualifier") in (None, "", "$LATEST"):
            since_update = None
        elif since_update and call.operation in UPDATES | {"PublishVersion"}:
            return NEVER_WAITED.format(publish=call.operation, update=since_update)
    return ""


def refused_while_updating(output: str, log: CallLog | None) -> str | None:
    """None unless a script's output shows Lambda's "update in progress" refusal; then why, when the call
    log tells (the call that came after an update with no status read between), else ""."""
    if "ResourceConflictException" not in output or "update is in progress" not in output:
        return None
    return never_waited(log)
