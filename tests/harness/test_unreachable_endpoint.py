"""A graded script whose AWS calls reach nothing: its failure says where they went and how to run it by hand."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import cli_shim
from harness.exercise_files import ExerciseFiles, ScriptResult
from harness.manifest import Exercise
from harness.safety import sandboxed_process_environment
from harness.terminal_env import START_AND_POINT
from harness.unreachable_endpoint import (
    ELSEWHERE_THAN_THE_GRADER,
    GRADERS_EMULATOR_SILENT,
    same_server,
    unreachable_endpoint_note,
)


@pytest.fixture
def two_closed_ports() -> Iterator[tuple[int, int]]:
    """Two different ports on 127.0.0.1 where nothing listens: the grader's, and the one a script names."""
    with socket.socket() as first, socket.socket() as second:
        first.bind(("127.0.0.1", 0))
        second.bind(("127.0.0.1", 0))
        ports = first.getsockname()[1], second.getsockname()[1]
    yield ports
    cli_shim.shutdown()


def run_graded(tmp_path: Path, grader_endpoint: str, script: str) -> ScriptResult:
    folder = tmp_path / "ex"
    folder.mkdir()
    (folder / "deploy.sh").write_text("set -e\n" + script)
    exercise = Exercise(id="ex", title="Ex", week=0, folder="labs/ex", points=1, domain=1)
    with sandboxed_process_environment(grader_endpoint):
        return ExerciseFiles(exercise, folder, backend=None).run_script("deploy.sh", timeout=60)


def test_a_script_that_names_an_endpoint_of_its_own_is_told_to_leave_it_to_the_grader(
    tmp_path: Path, two_closed_ports: tuple[int, int]
) -> None:
    grader, elsewhere = two_closed_ports
    result = run_graded(
        tmp_path, f"http://127.0.0.1:{grader}", f"aws --endpoint-url http://localhost:{elsewhere} dynamodb list-tables\n"
    )
    assert not result.ok
    described = result.describe()
    note = ELSEWHERE_THAN_THE_GRADER.format(url=f"http://localhost:{elsewhere}/", start=START_AND_POINT)
    assert described.endswith("\n" + note), described
    assert "start the emulator first: `course backend up`, then `eval \"$(course backend env)\"`" in described


def test_a_script_that_cannot_reach_the_graders_own_emulator_is_not_blamed_for_it(
    tmp_path: Path, two_closed_ports: tuple[int, int]
) -> None:
    grader = f"http://127.0.0.1:{two_closed_ports[0]}"
    result = run_graded(tmp_path, grader, "awslocal dynamodb list-tables\n")
    assert not result.ok
    assert result.describe().endswith("\n" + GRADERS_EMULATOR_SILENT.format(url=grader)), result.describe()


def test_a_script_that_fails_for_another_reason_gets_no_note() -> None:
    result = ScriptResult("bash deploy.sh", 1, "", "deploy.sh: line 3: zip: command not found\n", 0.1, "http://127.0.0.1:9")
    assert result.describe() == "`bash deploy.sh` exited with status 1; its last output:\ndeploy.sh: line 3: zip: command not found"


@pytest.mark.parametrize(
    ("url", "endpoint", "same"),
    [
        ("http://localhost:4566/", "http://127.0.0.1:4566", True),
        ("http://127.0.0.1:4566/123/queue", "http://127.0.0.1:4566", True),
        ("http://localhost:4566/", "http://127.0.0.1:40123", False),
        ("https://dynamodb.us-east-1.amazonaws.com/", "http://127.0.0.1:443", False),
        ("http://localhost:notaport/", "http://127.0.0.1:4566", False),
    ],
)
def test_same_server_compares_port_and_this_machine(url: str, endpoint: str, same: bool) -> None:
    assert same_server(url, endpoint) is same


def test_the_note_quotes_the_url_boto3_names_too() -> None:
    output = 'botocore.exceptions.EndpointConnectionError: Could not connect to the endpoint URL: "http://localhost:4566/"'
    assert "http://localhost:4566/" in unreachable_endpoint_note(output, "http://127.0.0.1:39999")
    assert unreachable_endpoint_note("An error occurred (ResourceNotFoundException)", "http://127.0.0.1:1") == ""
