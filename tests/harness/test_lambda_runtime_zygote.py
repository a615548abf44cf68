"""The Lambda runtime's zygote: environments forked with boto3 imported, otherwise what a new interpreter
running harness/lambda_runner.py is (harness/emulator/lambda_environment.py RuntimeZygote)."""

from __future__ import annotations

import io
import os
import time
import zipfile

import boto3
import pytest
from lambda_backend_kit import create_function, invoke, role_arn

from harness.backends import EmbeddedMoto
from harness.emulator import lambda_environment
from harness.emulator.lambda_environment import NO_ZYGOTE_VARIABLE, RUNTIME

WHERE_AM_I = """import os, sys, time
BOTO3_AT_INIT = "boto3" in sys.modules
def handler(event, context):
    return {"pid": os.getpid(), "ppid": os.getppid(), "sid": os.getsid(0), "boto3_at_init": BOTO3_AT_INIT,
            "colour": os.environ.get("COLOUR"), "function": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"),
            "zone": time.strftime("%Z"), "cwd_has_app": os.path.isfile("app.py"), "stdin": sys.stdin.read(),
            "argv": sys.argv[1:2]}
"""


def zygote_pid() -> int:
    assert RUNTIME._zygote is not None
    return RUNTIME._zygote.pid


def test_an_environment_is_forked_from_the_zygote_with_the_functions_own_variables(aws: EmbeddedMoto) -> None:
    create_function("forked", WHERE_AM_I, env={"COLOUR": "teal"})
    answer = invoke("forked")[1]
    assert answer["ppid"] == zygote_pid() and answer["ppid"] != os.getpid()
    assert answer["sid"] == answer["pid"]  # a session of its own: one kill reaches what it starts
    assert answer["boto3_at_init"] is True  # imported by the runtime before the module was
    assert (answer["colour"], answer["function"]) == ("teal", "forked")
    assert answer["zone"] == "UTC" and answer["cwd_has_app"] and answer["stdin"] == ""
    assert answer["argv"] == ["app.handler"]  # as the spawned runner's


def test_a_package_with_its_own_boto3_runs_its_copy_in_a_new_interpreter(aws: EmbeddedMoto) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "import os, boto3\ndef handler(event, context):\n    return {'vendored': getattr(boto3, 'VENDORED', False), 'ppid': os.getppid()}\n")
        archive.writestr("boto3/__init__.py", "VENDORED = True\n")
    boto3.client("lambda").create_function(FunctionName="vendored", Runtime="python3.12", Role=role_arn(),
                                           Handler="app.handler", Code={"ZipFile": buffer.getvalue()})
    answer = invoke("vendored")[1]
    assert answer["vendored"] is True  # /var/task comes first, as on Lambda
    assert answer["ppid"] == zygote_pid()  # the same process, exec'd: its owner still knows it


def test_an_exit_status_and_a_signal_are_told_as_a_spawned_runtime_tells_them(aws: EmbeddedMoto) -> None:
    create_function("exits", "import os, signal\ndef handler(event, context):\n    if event.get('kill'):\n        os.kill(os.getpid(), signal.SIGKILL)\n    raise SystemExit(3)\n")
    payload = invoke("exits")[1]
    assert payload["errorType"] == "Runtime.ExitError" and payload["errorMessage"].endswith("exit status 3")
    payload = invoke("exits", {"kill": True})[1]
    assert payload["errorType"] == "Runtime.ExitError" and payload["errorMessage"].endswith("signal: killed")


def test_without_the_zygote_an_environment_is_a_new_interpreter(aws: EmbeddedMoto, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NO_ZYGOTE_VARIABLE, "1")
    monkeypatch.setattr(lambda_environment, "RUNTIME", lambda_environment.RuntimeZygote())
    create_function("spawned", WHERE_AM_I, env={"COLOUR": "teal"})
    answer = invoke("spawned")[1]
    assert answer["ppid"] == os.getpid() and answer["boto3_at_init"] is False
    assert (answer["colour"], answer["zone"], answer["argv"]) == ("teal", "UTC", ["app.handler"])


def test_the_end_of_check_sweep_leaves_the_zygote_and_takes_its_environments(aws: EmbeddedMoto) -> None:
    from harness.student import reaper

    before = reaper.descendants()
    create_function("swept-fork", WHERE_AM_I)
    answer = invoke("swept-fork")[1]
    reaper.kill_new_descendants(before | {zygote_pid()})  # as the pool's sweep after a check that started it
    # The killed environment is the zygote's child: it stays listed (a zombie) until the zygote's SIGCHLD
    # handler reaps it, which a loaded machine can delay; a bounded wait, not a race.
    deadline = time.monotonic() + 10
    while answer["pid"] in reaper.descendants() and time.monotonic() < deadline:
        time.sleep(0.02)
    descendants = reaper.descendants()
    assert zygote_pid() in descendants and answer["pid"] not in descendants
    assert invoke("swept-fork")[1]["ppid"] == zygote_pid()


PARSED_AHEAD = """import sys
files = sys.modules.get("harness.botocore_files")
AHEAD = sorted(path.rsplit("/data/", 1)[-1] for path in getattr(files, "_parsed", {}) if "/dynamodb/" in path)
def handler(event, context):
    return {"ahead": AHEAD}
"""


def test_an_environment_forked_from_the_zygote_finds_the_models_of_the_courses_services_parsed(aws: EmbeddedMoto) -> None:
    """A cold start that makes a DynamoDB client parses none of its model (~45 ms, and ~55 ms of listing
    botocore's folders, each cold start): the zygote did it once (harness/lambda_runner.py WARM_MODELS)."""
    create_function("parsed-ahead", PARSED_AHEAD)
    ahead = invoke("parsed-ahead")[1]["ahead"]
    assert any(path.endswith("/service-2") for path in ahead) and any(path.endswith("/endpoint-rule-set-1") for path in ahead)


def test_creating_a_function_starts_the_zygote_before_any_invocation(aws: EmbeddedMoto) -> None:
    RUNTIME.close()  # whatever earlier tests started
    create_function("created", WHERE_AM_I)
    started = zygote_pid()  # already there: its imports run while the caller gets ready to invoke
    assert invoke("created")[1]["ppid"] == started


def test_a_grader_that_runs_functions_starts_the_zygote_with_the_backend(aws: EmbeddedMoto) -> None:
    """start_ahead(lambda_runtime=True) (harness/plugin.py): before any function exists, and the first one's
    cold start forks from it."""
    RUNTIME.close()
    aws.warm_lambda_runtime()
    started = zygote_pid()
    create_function("ahead", WHERE_AM_I)
    assert invoke("ahead")[1]["ppid"] == started
