"""Deploy a SAM template from a folder as `aws cloudformation package` + `deploy` would, in the grading process.

Each local ``CodeUri`` of an ``AWS::Serverless::Function`` is zipped and put in S3, the template is sent
with ``CAPABILITY_IAM`` and ``CAPABILITY_AUTO_EXPAND``, and the stack read back. No student code runs:
CloudFormation only reads the template and the code package. For graders whose subject is not the
deploy script (the heist deploys the same way for the vulnerable app and the student's hardened one).
"""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path
from typing import Any

from .stacks import Stack, dump_template, load_template, read_stack

FUNCTION = "AWS::Serverless::Function"


class DeployError(RuntimeError):
    """The template could not be read or the stack did not complete: the message says why."""


def zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def package(template: dict[str, Any], folder: Path, s3: Any, bucket: str) -> dict[str, Any]:
    """The template with every local CodeUri uploaded and replaced by its S3 location."""
    for name, resource in (template.get("Resources") or {}).items():
        properties = resource.get("Properties") or {} if isinstance(resource, dict) else {}
        code = properties.get("CodeUri") if resource.get("Type") == FUNCTION else None
        if isinstance(code, str) and not code.startswith("s3://"):
            source = (folder / code).resolve()
            if not source.is_dir() or not source.is_relative_to(folder.resolve()):
                raise DeployError(f"{name}'s CodeUri {code!r} is not a folder beside the template.")
            s3.put_object(Bucket=bucket, Key=f"{name}.zip", Body=zipped(source))
            properties["CodeUri"] = f"s3://{bucket}/{name}.zip"
    return template


def deploy(folder: Path, template_name: str, stack_name: str, *, bucket: str = "course-grader-artifacts") -> Stack:
    """Package and create the stack; DeployError when it does not reach CREATE_COMPLETE."""
    import boto3

    try:
        template = load_template((folder / template_name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DeployError(f"{template_name} could not be read: {error}") from error
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    body = dump_template(package(template, folder, s3, bucket))
    cloudformation = boto3.client("cloudformation")
    try:
        cloudformation.create_stack(StackName=stack_name, TemplateBody=body,
                                    Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"])
    except Exception as error:  # noqa: BLE001 - a ValidationError (the SAM transform's included) is the answer
        raise DeployError(f"CloudFormation refused {template_name}: {error}") from error
    stack = read_stack(cloudformation, stack_name)
    deadline = time.monotonic() + 60
    while stack is not None and stack.status.endswith("IN_PROGRESS") and time.monotonic() < deadline:
        time.sleep(0.5)  # the embedded backend answers CREATE_COMPLETE at once; other backends take a while
        stack = read_stack(cloudformation, stack_name)
    if stack is None or not stack.complete:
        status = stack.status if stack else "missing"
        reason = f" ({stack.reason})" if stack and stack.reason else ""
        events = _failed_events(cloudformation, stack_name)
        raise DeployError(f"the stack {stack_name} is {status}{reason}{events}")
    return stack


def _failed_events(cloudformation: Any, stack_name: str) -> str:
    try:
        events = cloudformation.describe_stack_events(StackName=stack_name)["StackEvents"]
    except Exception:  # noqa: BLE001
        return ""
    failed = [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', '')}" for e in events if e.get("ResourceStatus", "").endswith("FAILED")]
    return ("; " + "; ".join(failed[:3])) if failed else ""
