"""Pointing a student's terminal at the background emulator: `course backend env`, and `course doctor`'s check of it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from ci_support import clean_environment
from ci_support import course as run_course
from support import REPO, free_port

from harness.background_control import NOT_RUNNING, NOTHING_TO_POINT_AT, is_our_server, read_state, state_path
from harness.doctor import (
    NOTE,
    OK,
    POINT_AT_RUNNING,
    START_THEN_POINT,
    TERMINAL_NOT_POINTED,
    TERMINAL_NOTHING_ANSWERS,
    terminal_endpoint,
)
from harness.served_apis import NO_APIS
from harness.settings import ACCOUNT_ID, BACKGROUND_PORT
from harness.terminal_env import EVAL_COMMAND, OTHER_SHELLS, one_line_export, shell_lines, terminal_variables

TIMEOUT = 120
VENV_BIN = str(Path(sys.executable).parent)
AWSLOCAL_BANNER = "'awslocal' is deprecated"
VARIABLES = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")


def course(*args: str) -> subprocess.CompletedProcess[str]:
    return run_course(*args, env=clean_environment(), timeout=TIMEOUT)


def bash(script: str) -> subprocess.CompletedProcess[str]:
    """A student's bash terminal with the course's environment active and none of the AWS variables set."""
    env = {key: value for key, value in clean_environment().items() if not key.startswith("AWS_")}
    env["PATH"] = os.pathsep.join([VENV_BIN, "/usr/bin", "/bin"])
    env.pop("DISABLE_DEPRECATION_NOTICE", None)
    return subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=TIMEOUT)


@dataclass(frozen=True)
class Running:
    root: Path
    endpoint: str
    up_output: str

    @property
    def root_option(self) -> str:
        return f"--course-root {self.root}"

    @property
    def xray_daemon_address(self) -> str:
        state = read_state(state_path(self.root))
        return (state or {}).get("xray_daemon_address", "")


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A background emulator on a free port (never 4566) for the module's tests; stopped whatever happens."""
    root = tmp_path_factory.mktemp("course")
    port = free_port()
    started = course("backend", "up", "--port", str(port), "--course-root", str(root))
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        yield Running(root, f"http://127.0.0.1:{port}", started.stdout)
    finally:
        course("backend", "down", "--course-root", str(root))
        state = read_state(state_path(root))
        if state is not None and is_our_server(state["pid"]):  # `down` failed: end the process this fixture started
            os.kill(state["pid"], signal.SIGKILL)


def test_backend_up_tells_the_student_to_eval_backend_env_or_paste_the_same_line(running: Running) -> None:
    assert f"\n    {EVAL_COMMAND}\n" in running.up_output
    assert f"\n    {one_line_export(running.endpoint)}\n" in running.up_output
    assert OTHER_SHELLS in running.up_output


def test_the_export_line_the_exercise_readmes_show_is_the_one_backend_up_prints() -> None:
    pasted = {
        line.removeprefix("$ ")
        for readme in REPO.glob("*/*/README.md")
        for line in readme.read_text(encoding="utf-8").splitlines()
        if line.startswith("$ export AWS_ENDPOINT_URL=")
    }
    assert pasted <= {one_line_export(f"http://127.0.0.1:{BACKGROUND_PORT}")}


def test_eval_of_backend_env_points_a_bash_terminal_at_the_running_emulator_with_no_banner(running: Running) -> None:
    done = bash(
        f'eval "$(course backend env {running.root_option})"\n'
        'echo "endpoint=$AWS_ENDPOINT_URL key=$AWS_ACCESS_KEY_ID region=$AWS_DEFAULT_REGION"\n'
        "awslocal sqs create-queue --queue-name typed-by-hand --query QueueUrl --output text\n"
        "aws dynamodb list-tables --query 'length(TableNames)'\n"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"endpoint={running.endpoint} key=test region=us-east-1"
    assert lines[1] == f"{running.endpoint}/{ACCOUNT_ID}/typed-by-hand" and lines[2] == "0"
    assert AWSLOCAL_BANNER not in done.stderr


def test_without_backend_env_awslocal_prints_its_deprecation_banner(running: Running) -> None:
    """The control for the test above: the banner is real, and only the variable keeps it away."""
    done = bash(f"export AWS_ENDPOINT_URL={running.endpoint}\nawslocal sqs list-queues")
    assert AWSLOCAL_BANNER in done.stderr


def test_backend_env_prints_one_export_per_variable_then_a_note_for_fish_and_powershell(running: Running) -> None:
    done = course("backend", "env", "--course-root", str(running.root))
    assert done.returncode == 0, done.stderr
    *exports, note = done.stdout.splitlines()
    assert exports == [
        f"export AWS_ENDPOINT_URL={running.endpoint}",
        "export AWS_ACCESS_KEY_ID=test",
        "export AWS_SECRET_ACCESS_KEY=test",
        "export AWS_DEFAULT_REGION=us-east-1",
        "export DISABLE_DEPRECATION_NOTICE=1",
        f"export AWS_XRAY_DAEMON_ADDRESS={running.xray_daemon_address}",  # the embedded backend's daemon
    ]
    assert re.fullmatch(r"127\.0\.0\.1:\d+", running.xray_daemon_address)
    assert note == f"# {OTHER_SHELLS}"
    assert "--shell fish" in note and "--shell powershell" in note


def test_backend_env_speaks_fish_and_powershell_on_request(running: Running) -> None:
    fish = course("backend", "env", "--shell", "fish", "--course-root", str(running.root)).stdout.splitlines()
    powershell = course("backend", "env", "--shell", "powershell", "--course-root", str(running.root)).stdout
    assert fish[0] == f"set -gx AWS_ENDPOINT_URL {running.endpoint};"
    assert fish[-1] == f"set -gx AWS_XRAY_DAEMON_ADDRESS {running.xray_daemon_address};" and len(fish) == 6
    assert powershell.splitlines() == [
        f'$env:AWS_ENDPOINT_URL = "{running.endpoint}"',
        '$env:AWS_ACCESS_KEY_ID = "test"',
        '$env:AWS_SECRET_ACCESS_KEY = "test"',
        '$env:AWS_DEFAULT_REGION = "us-east-1"',
        '$env:DISABLE_DEPRECATION_NOTICE = "1"',
        f'$env:AWS_XRAY_DAEMON_ADDRESS = "{running.xray_daemon_address}"',
    ]


def test_backend_env_with_nothing_running_prints_nothing_to_eval_and_exits_1(tmp_path: Path) -> None:
    done = course("backend", "env", "--course-root", str(tmp_path))
    assert done.returncode == 1
    assert done.stdout == ""
    assert NOTHING_TO_POINT_AT in done.stderr and "`course backend up`" in done.stderr


def test_a_value_bash_would_split_or_expand_arrives_unchanged() -> None:
    odd = {"AWS_ENDPOINT_URL": "http://127.0.0.1:1/it's $HOME `x`"}
    done = bash("\n".join(shell_lines(odd, "bash")) + '\nprintf "%s" "$AWS_ENDPOINT_URL"')
    assert done.stdout == odd["AWS_ENDPOINT_URL"]
    assert shell_lines(odd, "fish") == ["set -gx AWS_ENDPOINT_URL 'http://127.0.0.1:1/it\\'s $HOME `x`';"]
    assert shell_lines(odd, "powershell") == ['$env:AWS_ENDPOINT_URL = "http://127.0.0.1:1/it\'s `$HOME ``x``"']


def test_the_variables_are_the_dummy_key_the_region_and_a_quiet_awslocal() -> None:
    variables = terminal_variables("http://127.0.0.1:4566")
    assert tuple(variables)[: len(VARIABLES)] == VARIABLES
    assert variables["DISABLE_DEPRECATION_NOTICE"] == "1"
    assert variables["AWS_ACCESS_KEY_ID"] == variables["AWS_SECRET_ACCESS_KEY"] == "test"


# ------------------------------------------------------------------------------------------- doctor


def test_doctor_tells_a_terminal_without_the_variables_to_eval_backend_env(running: Running, tmp_path: Path) -> None:
    env = clean_environment(HOME=str(tmp_path), PATH=os.pathsep.join([VENV_BIN, "/usr/bin", "/bin"]))
    done = run_course("doctor", "--course-root", str(running.root), env=env, timeout=TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    at = lines.index(f"[note]    {TERMINAL_NOT_POINTED}")
    fix = lines[at + 1].strip()
    assert fix == "Fix: " + POINT_AT_RUNNING.format(endpoint=running.endpoint)
    assert fix.startswith(f"Fix: Run `{EVAL_COMMAND}` in this terminal") and running.endpoint in fix


def test_doctor_finds_the_emulator_answering_where_the_terminal_points(running: Running) -> None:
    (finding,) = terminal_endpoint({"AWS_ENDPOINT_URL": running.endpoint + "/"}, running.endpoint)
    assert finding.level == OK and finding.what.endswith("the embedded emulator answers there")


def test_doctor_tells_a_terminal_pointed_at_nothing_to_start_the_emulator() -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    (finding,) = terminal_endpoint({"AWS_ENDPOINT_URL": closed}, None)
    assert finding.level == NOTE and finding.what == TERMINAL_NOTHING_ANSWERS.format(endpoint=closed)
    assert "Could not connect to the endpoint URL" in finding.what
    assert finding.fix == START_THEN_POINT
    assert finding.fix.startswith("Start the emulator with `course backend up`, then `eval \"$(course backend env)\"`")


def test_doctor_tells_a_terminal_with_no_endpoint_and_no_emulator_to_start_one() -> None:
    (finding,) = terminal_endpoint({}, None)
    assert finding.level == NOTE and finding.what == TERMINAL_NOT_POINTED and finding.fix == START_THEN_POINT


def test_doctor_leaves_an_endpoint_off_this_machine_to_its_localstack_check() -> None:
    assert terminal_endpoint({"AWS_ENDPOINT_URL": "https://dynamodb.us-east-1.amazonaws.com"}, None) == []


def test_backend_apis_lists_the_running_emulators_deployed_stages(running: Running, tmp_path: Path) -> None:
    done = course("backend", "apis", "--course-root", str(running.root))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == NO_APIS  # the module's emulator has no API; the harness tests list some
    nothing = course("backend", "apis", "--course-root", str(tmp_path))
    assert nothing.returncode == 1 and NOT_RUNNING in nothing.stderr
