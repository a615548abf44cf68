"""Small deployed functions and how to call them, for the tests of the Lambda execution model (fixtures: conftest.py)."""

from __future__ import annotations

import io
import json
import os
import zipfile

import boto3


def package(source: str, module: str = "app") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{module}.py", source)
    return buffer.getvalue()


def role_arn() -> str:
    iam = boto3.client("iam")
    try:
        return iam.create_role(RoleName="runner", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        return iam.get_role(RoleName="runner")["Role"]["Arn"]


def create_function(name: str, source: str, *, timeout: int = 3, env: dict | None = None, publish: bool = False, memory: int = 128) -> dict:
    return boto3.client("lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role=role_arn(), Handler="app.handler", Code={"ZipFile": package(source)},
        Timeout=timeout, MemorySize=memory, Environment={"Variables": env or {}}, Publish=publish,
    )


def invoke(name: str, payload: object = None, **kwargs: object) -> tuple[dict, object]:
    """(the Invoke answer, its payload decoded)."""
    answer = boto3.client("lambda").invoke(FunctionName=name, Payload=json.dumps(payload or {}).encode(), **kwargs)
    raw = answer["Payload"].read()
    return answer, json.loads(raw) if raw else None


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is not alive
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
    return True


# Module-level state counts cold starts; the pid tells environments apart.
COUNTER_SOURCE = """import os, time
STARTS = 0
CALLS = 0
STARTS += 1
def handler(event, context):
    global CALLS
    CALLS += 1
    time.sleep(event.get('sleep', 0))
    print('call', CALLS, 'in', os.getpid())
    return {'pid': os.getpid(), 'calls': CALLS, 'starts': STARTS, 'version': context.function_version,
            'arn': context.invoked_function_arn, 'env': os.environ.get('COLOUR')}
"""
