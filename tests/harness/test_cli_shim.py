"""The warm AWS CLI behind students' scripts answers like the installed one."""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import REPO

from harness import cli_shim
from harness.backends import EmbeddedMoto
from harness.exercise_files import ExerciseFiles
from harness.manifest import Exercise
from harness.safety import sandboxed_process_environment
from harness.settings import ENV_AWSLOCAL_NO_BANNER

SCRIPT = """#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")"
if ! awslocal sqs get-queue-url --queue-name jobs >/dev/null 2>&1; then
  awslocal sqs create-queue --queue-name jobs >/dev/null
  echo "created"
fi
url=$(awslocal sqs get-queue-url --queue-name jobs --query QueueUrl --output text)
echo "url=${url##*/}"
printf '{"k": "v"}' > body.json
awslocal sqs send-message --queue-url "$url" --message-body file://body.json --query MD5OfMessageBody --output text
awslocal dynamodb describe-table --table-name Missing
echo "never printed"
"""


@pytest.fixture(scope="module")
def backend() -> Iterator[EmbeddedMoto]:
    server = EmbeddedMoto()
    server.start()
    with sandboxed_process_environment(server.endpoint):
        yield server
    cli_shim.shutdown()
    server.stop()


def run(tmp_path: Path, backend: EmbeddedMoto, monkeypatch: pytest.MonkeyPatch, real_cli: bool, script: str = SCRIPT):
    if real_cli:
        monkeypatch.setenv(cli_shim.DISABLE_VARIABLE, "1")
    folder = tmp_path / ("real" if real_cli else "warm") / "ex"
    folder.mkdir(parents=True)
    (folder / "deploy.sh").write_text(script)
    exercise = Exercise(id="ex", title="Ex", week=0, folder="labs/ex", points=1, domain=1)
    return ExerciseFiles(exercise, folder, backend).run_script("deploy.sh", timeout=120)


def test_a_script_gets_the_same_output_and_exit_status_from_the_warm_cli(tmp_path: Path, backend: EmbeddedMoto, monkeypatch: pytest.MonkeyPatch) -> None:
    backend.reset()
    warm = run(tmp_path, backend, monkeypatch, real_cli=False)
    backend.reset()
    real = run(tmp_path, backend, monkeypatch, real_cli=True)
    body_md5 = hashlib.md5(b'{"k": "v"}').hexdigest()
    assert warm.stdout == real.stdout == f"created\nurl=jobs\n{body_md5}\n"
    assert warm.returncode == real.returncode == 255  # set -e stops at the failing describe-table
    assert "ResourceNotFoundException" in warm.stderr and "ResourceNotFoundException" in real.stderr


def test_the_warm_cli_is_what_a_script_finds_on_its_path(backend: EmbeddedMoto) -> None:
    bin_dir = cli_shim.warm_cli_bin_dir()
    assert bin_dir is not None
    found = subprocess.run(["bash", "-c", "command -v awslocal"], env={"PATH": f"{bin_dir}:/usr/bin:/bin"}, capture_output=True, text=True)
    assert found.stdout.strip() == str(bin_dir / "awslocal")


@pytest.fixture
def python_stand_ins(backend: EmbeddedMoto) -> Iterator[None]:
    """The stand-ins where /proc cannot be read (macOS): Python ones that send argv, environment and directory."""
    saved = list(cli_shim._service)
    cli_shim._service[:] = [cli_shim.WarmAwsCli(bash=None)]
    yield
    cli_shim.shutdown()
    cli_shim._service[:] = saved


def test_the_python_stand_ins_pass_any_argument_and_get_any_output_as_the_bash_ones(
    tmp_path: Path, backend: EmbeddedMoto, monkeypatch: pytest.MonkeyPatch, python_stand_ins: None
) -> None:
    assert (cli_shim.warm_cli_bin_dir() / "aws").read_text().startswith(f"#!{sys.executable} -S")
    test_a_script_passes_any_argument_and_gets_any_output_through_the_warm_cli(tmp_path, backend, monkeypatch)


@pytest.mark.skipif(not Path("/proc/self/environ").is_file(), reason="bash stand-ins need /proc (Linux)")
def test_where_proc_is_the_stand_ins_are_bash_and_refuse_a_process_that_is_no_stand_in(backend: EmbeddedMoto) -> None:
    bin_dir = cli_shim.warm_cli_bin_dir()
    assert bin_dir is not None
    assert (bin_dir / "awslocal").read_text().startswith(f"#!{shutil.which('bash')} -p\n")
    with pytest.raises(ValueError, match="is not a stand-in"):
        cli_shim.read_bash_request(os.getpid(), bin_dir)
    stand_in = (bin_dir / "aws").read_text()
    port = int(stand_in.split("/dev/tcp/127.0.0.1/")[1].split()[0])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(b"%d\n" % os.getpid())  # the grading process itself: never run as a script's command
        answer = connection.makefile("rb").read()
    assert answer.startswith(b"255 ") and b"is not a stand-in" in answer


CHANGED_SHELL = r"""
printf 'echo sourced >&2\n' > startup.sh
export BASH_ENV="$PWD/startup.sh"
cat() { echo "not cat"; }
export -f cat
export PATH="$(dirname "$(command -v awslocal)")"
awslocal sqs create-queue --queue-name plain --query QueueUrl --output text
"""


def test_a_script_that_changes_path_bash_env_or_exported_functions_gets_the_same_answers(
    tmp_path: Path, backend: EmbeddedMoto, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stand-ins need nothing from the script's PATH, and run none of its startup files or functions."""
    backend.reset()
    result = run(tmp_path, backend, monkeypatch, False, CHANGED_SHELL)
    assert result.ok, result.describe()
    assert result.stdout.strip().endswith("/plain") and result.stderr == "", result.describe()


@pytest.mark.parametrize("real_cli", [False, True], ids=["warm-cli", "real-cli"])
def test_awslocal_in_a_graded_script_never_prints_its_deprecation_banner(
    tmp_path: Path, backend: EmbeddedMoto, monkeypatch: pytest.MonkeyPatch, real_cli: bool
) -> None:
    monkeypatch.delenv(ENV_AWSLOCAL_NO_BANNER)  # even when the grading process's environment lacks the variable
    script = 'awslocal sqs list-queues >/dev/null\necho "quiet=$DISABLE_DEPRECATION_NOTICE"\n'
    result = run(tmp_path, backend, monkeypatch, real_cli, script)
    assert result.ok, result.describe()
    assert result.stdout == "quiet=1\n"
    assert "deprecated" not in result.stderr and result.stderr == ""


def _sleeps_of_one_retry(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The sleeps of a 5-second waiter that matches on its second look."""
    from botocore import waiter

    answers = iter([{"Done": False}, {"Done": True}])
    config = waiter.SingleWaiterConfig(
        {"delay": 5, "maxAttempts": 3, "operation": "Look",
         "acceptors": [{"matcher": "path", "argument": "Done", "expected": True, "state": "success"}]}
    )
    sleeps: list[float] = []
    monkeypatch.setattr(waiter.time, "sleep", sleeps.append)
    waiter.Waiter("Slow", config, lambda **_: next(answers)).wait()
    return sleeps


def test_a_waiter_run_by_a_script_looks_every_second_as_the_v2_waiters_do(monkeypatch: pytest.MonkeyPatch) -> None:
    cli_shim._cap_waiter_delays()
    monkeypatch.setattr(cli_shim._in_cli, "active", True, raising=False)
    assert _sleeps_of_one_retry(monkeypatch) == [cli_shim.WAITER_DELAY_CAP]


def test_a_graders_own_waiter_keeps_its_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    cli_shim._cap_waiter_delays()
    monkeypatch.setattr(cli_shim._in_cli, "active", False, raising=False)
    assert _sleeps_of_one_retry(monkeypatch) == [5]


def test_a_script_waiting_for_a_table_made_later_ends_soon_after(tmp_path: Path, backend: EmbeddedMoto, monkeypatch: pytest.MonkeyPatch) -> None:
    """dynamodb table-exists waits 20 s between looks; in a graded script a look comes every second."""
    import threading
    import time

    import boto3

    backend.reset()
    dynamodb = boto3.client("dynamodb")
    later = threading.Timer(0.5, lambda: dynamodb.create_table(
        TableName="Late", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST"))
    started = time.monotonic()
    later.start()
    result = run(tmp_path, backend, monkeypatch, False, "awslocal dynamodb wait table-exists --table-name Late\necho ready\n")
    later.join()
    assert result.ok and result.stdout == "ready\n", result.describe()
    assert time.monotonic() - started < 6


def test_a_script_passes_any_argument_and_gets_any_output_through_the_warm_cli(
    tmp_path: Path, backend: EmbeddedMoto, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Quotes, newlines, non-ASCII and bytes that are not UTF-8 reach the CLI and come back unchanged."""
    backend.reset()
    script = (
        "awslocal sqs create-queue --queue-name odd >/dev/null\n"
        'url=$(awslocal sqs get-queue-url --queue-name odd --query QueueUrl --output text)\n'
        """awslocal sqs send-message --queue-url "$url" --message-body $'caf\\xc3\\xa9 "q" \\\\ line\\nnext' >/dev/null\n"""
        'awslocal sqs receive-message --queue-url "$url" --query "Messages[0].Body" --output text\n'
        """awslocal sqs get-queue-url --queue-name $'bad\\xff' >/dev/null 2>&1 || echo "rc=$?"\n"""
    )
    warm = run(tmp_path, backend, monkeypatch, real_cli=False, script=script)
    backend.reset()
    real = run(tmp_path, backend, monkeypatch, real_cli=True, script=script)
    assert warm.ok, warm.describe()
    assert warm.stdout.startswith('café "q" \\ line\nnext\nrc=')
    assert (warm.stdout, warm.stderr) == (real.stdout, real.stderr)


def test_the_remembered_handler_checks_answer_as_botocores_own() -> None:
    from botocore import compat, hooks

    cli_shim._memoize_handler_checks()
    cli_shim._memoize_handler_checks()  # a second call changes nothing

    def with_kwargs(event_name: str, **kwargs: object) -> None: ...

    def without_kwargs(event_name: str) -> None: ...

    class Handler:
        def method(self, **kwargs: object) -> None: ...

        def __call__(self, event_name: str) -> None: ...

    def closure(takes_kwargs: bool) -> object:
        if takes_kwargs:
            return lambda event_name, **kwargs: None
        return lambda event_name: None

    handlers = [with_kwargs, without_kwargs, Handler().method, Handler(), Handler().method, len, Handler]
    handlers += [functools.partial(with_kwargs, "e"), functools.partial(without_kwargs), closure(True), closure(False)]
    for handler in handlers:
        assert bool(hooks.accepts_kwargs(handler)) == bool(compat.accepts_kwargs(handler)), handler
    emitter = hooks.EventAliaser(hooks.HierarchicalEmitter())
    assert emitter._alias_event_name("before-call.autoscaling.Foo") == "before-call.auto-scaling.Foo"
    assert emitter._alias_event_name("before-call.sqs.Foo") == "before-call.sqs.Foo"
    custom = hooks.EventAliaser(hooks.HierarchicalEmitter(), {"sqs": "queues"})
    assert custom._alias_event_name("before-call.sqs.Foo") == "before-call.queues.Foo"


def test_every_handler_a_command_registers_gets_botocores_own_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The AWS CLI registers new closures, partials and objects for every command: each is checked."""
    from botocore import compat, hooks

    cli_shim._memoize_handler_checks()
    remembered, differences, seen = hooks.accepts_kwargs, [], []

    def compared(handler: object) -> object:
        answer = remembered(handler)
        seen.append(handler)
        if bool(answer) != bool(compat.accepts_kwargs(handler)):
            differences.append(handler)
        return answer

    compared.course_memoized = True  # type: ignore[attr-defined]
    monkeypatch.setattr(hooks, "accepts_kwargs", compared)
    env = {**os.environ, "AWS_MAX_ATTEMPTS": "1", "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing"}
    env["AWS_SECRET_ACCESS_KEY"] = "testing"
    for _ in range(2):  # the second command's handlers are answered from memory; nothing listens on port 9
        cli_shim.run_cli("aws", ["sqs", "list-queues", "--endpoint-url", "http://127.0.0.1:9"], os.getcwd(), env)
    assert len(seen) > 100 and not differences, differences


def test_the_cli_finds_its_own_data_whatever_environment_imported_it() -> None:
    """`import awscli` adds its data folder to the environment of that moment only; a grading run's
    environment is put back afterwards, so the warm CLI must not rely on this process's environment
    (it failed with "Unable to load data for: cli" when the first command came after such an import)."""
    code = (
        "import os, sys\n"
        "os.environ.pop('AWS_DATA_PATH', None)\n"
        "from harness.safety import sandboxed_process_environment\n"
        "from harness import cli_shim\n"
        "with sandboxed_process_environment('http://127.0.0.1:9'):\n"
        "    import awscli\n"
        "env = {**os.environ, 'AWS_MAX_ATTEMPTS': '1', 'AWS_DEFAULT_REGION': 'us-east-1',\n"
        "       'AWS_ACCESS_KEY_ID': 'testing', 'AWS_SECRET_ACCESS_KEY': 'testing', 'AWS_DATA_PATH': '/nowhere'}\n"
        "for _ in range(2):\n"
        "    rc, out, err = cli_shim.run_cli('aws', ['sqs', 'list-queues', '--endpoint-url', 'http://127.0.0.1:9'], os.getcwd(), env)\n"
        "    sys.stdout.write(err.decode())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Unable to load data" not in done.stdout
    assert done.stdout.count("Could not connect to the endpoint URL") == 2  # got as far as the request, twice
