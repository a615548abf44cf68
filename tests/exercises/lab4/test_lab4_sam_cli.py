"""Lab 4's reference solution with the real AWS SAM CLI against the embedded backend, installed the way the
week 3 guide tells students: `course sam-cli install` (harness/sam_cli.py), never into .venv.

The install (~340 MB, 30 s to 2 min) happens once per checkout: it lands in .course/tools/ (or
$COURSE_SAM_CLI_HOME), which every later run, the docs test's fresh copy included, reuses.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from support import REPO

from harness import sam_cli
from harness.backends import EmbeddedMoto
from harness.kit.stacks import read_stack

STACK = "parts-unlimited-inventory"
SOLUTION = REPO / "solutions" / "labs" / "lab4_sam"


@pytest.fixture(scope="module")
def sam() -> str:
    """The course's `sam`, installed by the course's own command."""
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "sam-cli", "install"], cwd=REPO, capture_output=True, text=True,
        timeout=sam_cli.INSTALL_TIMEOUT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    command = Path(sys.executable).parent / "sam"
    assert sam_cli.version_of(command) == sam_cli.VERSION
    return str(command)


@pytest.fixture(scope="module")
def backend() -> Iterator[EmbeddedMoto]:
    server = EmbeddedMoto()
    server.start()
    yield server
    server.stop()


def sam_environment(endpoint: str) -> dict[str, str]:
    """A student's terminal after `eval "$(course backend env)"`, with SAM CLI's state kept out of ~."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "PYTEST_", "SAM_CLI_"))}
    return env | {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


def run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"`{' '.join(command)}` exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def test_sam_validates_builds_and_deploys_the_reference_solution_twice(
    sam: str, backend: EmbeddedMoto, tmp_path: Path
) -> None:
    backend.reset()
    folder = tmp_path / "lab4_sam"
    shutil.copytree(SOLUTION, folder)
    env = sam_environment(backend.endpoint)
    clients = {"region_name": "us-east-1", "endpoint_url": backend.endpoint, "aws_access_key_id": "test", "aws_secret_access_key": "test"}

    assert "is a valid SAM Template" in run([sam, "validate", "--lint"], folder, env)
    run([sam, "build"], folder, env)
    assert (folder / ".aws-sam" / "build" / "InventoryStatusFunction" / "inventory_status_lambda.py").is_file()
    # samconfig.toml's resolve_s3: SAM CLI makes its own bucket in the stack aws-sam-cli-managed-default.
    assert "Successfully created/updated stack - parts-unlimited-inventory" in run([sam, "deploy"], folder, env)

    cloudformation = boto3.client("cloudformation", **clients)
    stack = read_stack(cloudformation, STACK)
    assert stack is not None and stack.status == "CREATE_COMPLETE", stack
    assert sorted(r.type for r in stack.resources) == [
        "AWS::DynamoDB::Table", "AWS::DynamoDB::Table", "AWS::IAM::Role", "AWS::Lambda::Function",
    ]
    (function,) = stack.of_type("AWS::Lambda::Function")
    lambda_client = boto3.client("lambda", **clients)
    first = lambda_client.get_function_configuration(FunctionName=function.physical_id)
    inventory = next(r for r in stack.resources if r.logical_id == "InventoryTable")
    assert first["Environment"]["Variables"] == {"INVENTORY_TABLE": inventory.physical_id}

    # Changed code, built and deployed again: an update in place, the tables kept.
    with (folder / "src" / "inventory_status_lambda.py").open("a", encoding="utf-8") as handler:
        handler.write("\n# changed before the second deploy\n")
    run([sam, "build"], folder, env)
    run([sam, "deploy"], folder, env)
    again = read_stack(cloudformation, STACK)
    assert again is not None and again.status == "UPDATE_COMPLETE", again
    assert {r.physical_id for r in again.of_type("AWS::DynamoDB::Table")} == {r.physical_id for r in stack.of_type("AWS::DynamoDB::Table")}
    assert lambda_client.get_function_configuration(FunctionName=function.physical_id)["CodeSha256"] != first["CodeSha256"]


SAM_DEPLOY_SH = """#!/usr/bin/env bash
# Lab 4 deployed with SAM CLI: samconfig.toml holds the stack, the capabilities and resolve_s3.
set -euo pipefail
cd "$(dirname "$0")"
sam build
sam deploy
"""


def test_a_deploy_sh_that_calls_sam_gets_full_marks_when_sam_cli_is_installed(sam: str, tmp_path: Path) -> None:
    """The README's promise: the grader runs a deploy.sh that uses `sam` with the course's `sam` on its PATH."""
    from grader_tests import ExerciseUnderTest

    lab = ExerciseUnderTest("lab4")
    reference = (SOLUTION / "deploy.sh").read_text(encoding="utf-8")
    run = lab.grade(lab.mutant(tmp_path, "deploy.sh", (reference, SAM_DEPLOY_SH)), tmp_path)
    lab.assert_only_failures(run)
    graded = run.exercise("lab4")
    assert graded["points"] == graded["max"] == 30, run.output[-3000:]
