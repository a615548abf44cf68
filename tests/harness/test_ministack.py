"""The MiniStack backend: its own venv, loopback only, the call log through the forwarder, a reset
between checks, Lambda code run for real (and fenced in), and no process left behind."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from support import REPO

from harness import invoke_deployed, runtime
from harness.backends import CALL_LOG, LAMBDA_SERVICE_RUNS_CODE, WEIGHTED_ALIAS_ROUTING, XRAY_TRACES, make_backend
from harness.ministack import MiniStack, free_port
from harness.safety import sandboxed_process_environment

pytestmark = pytest.mark.xdist_group("ministack")  # one worker installs it (once) and runs these


@pytest.fixture(scope="module")
def ministack() -> Iterator[MiniStack]:
    backend = MiniStack()
    backend.start()
    with sandboxed_process_environment(backend.endpoint):
        runtime.activate(backend)
        try:
            yield backend
        finally:
            runtime.deactivate()
            backend.stop()


@pytest.fixture
def aws(ministack: MiniStack) -> MiniStack:
    ministack.reset()
    return ministack


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat")
    return not (state.is_file() and state.read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X"))


def group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
                members.append(int(entry.name))
    return members


def zipped(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", textwrap.dedent(source))
    return buffer.getvalue()


def deploy(name: str, source: str) -> None:
    role = boto3.client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    client = boto3.client("lambda")
    client.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler", Code={"ZipFile": zipped(source)})
    client.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})


def test_the_course_asks_for_ministack_by_name_and_it_declares_what_it_can_grade() -> None:
    backend = make_backend("ministack")
    assert isinstance(backend, MiniStack)
    assert {CALL_LOG, LAMBDA_SERVICE_RUNS_CODE} <= backend.capabilities
    assert not {WEIGHTED_ALIAS_ROUTING, XRAY_TRACES} & backend.capabilities


def test_it_listens_on_loopback_only_and_its_state_goes_at_each_reset(aws: MiniStack) -> None:
    assert aws.endpoint.startswith("http://127.0.0.1:") and aws.private_endpoint.startswith("http://127.0.0.1:")
    listening = subprocess.run(["ss", "-ltnp"], capture_output=True, text=True).stdout if os.path.exists("/usr/bin/ss") else ""
    for line in listening.splitlines():
        if f"pid={aws.pid}," in line:
            assert "127.0.0.1:" in line, line  # never 0.0.0.0 or [::]
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    assert url.startswith(aws.endpoint), url  # the URLs it hands out lead back through the forwarder
    aws.reset()
    assert sqs.list_queues().get("QueueUrls", []) == []


def test_the_call_log_sees_every_call_and_a_reset_empties_it(aws: MiniStack) -> None:
    boto3.client("dynamodb").list_tables()
    boto3.client("sqs").list_queues()
    assert [str(call) for call in aws.call_log.calls] == ["dynamodb.ListTables", "sqs.ListQueues"]
    aws.reset()
    assert aws.call_log.calls == []


def test_a_deployed_function_runs_for_real_and_its_own_calls_reach_the_log(aws: MiniStack) -> None:
    boto3.client("sqs").create_queue(QueueName="from-test")
    deploy("lister", """
        import boto3
        def handler(event, context):
            print("listing for", event["who"])
            return {"queues": boto3.client("sqs").list_queues()["QueueUrls"], "name": context.function_name}
    """)
    aws.call_log.clear()
    result = invoke_deployed("lister", {"who": "grader"})
    assert result.ok, result.payload
    assert result.payload["name"] == "lister" and result.payload["queues"][0].endswith("/from-test")
    assert "listing for grader" in result.log_tail
    assert [str(call) for call in aws.call_log.calls] == ["lambda.Invoke", "sqs.ListQueues"]


def test_a_deployed_function_cannot_reach_beyond_this_machine(aws: MiniStack) -> None:
    deploy("escaper", """
        import socket
        def handler(event, context):
            try:
                socket.create_connection(("203.0.113.1", 80), timeout=2)  # TEST-NET-3: routed nowhere
            except Exception as error:
                return type(error).__name__ + ": " + str(error)
            return "connected"
    """)
    result = invoke_deployed("escaper", {})
    assert result.ok, result.payload
    assert result.payload.startswith("OutboundConnectionBlocked"), result.payload


def test_stop_leaves_no_process_behind() -> None:
    backend = MiniStack()
    backend.start()
    pid = backend.pid
    assert pid is not None and alive(pid)
    started = time.monotonic()
    backend.stop()
    assert time.monotonic() - started < 6
    deadline = time.monotonic() + 5  # the group's last members may take a moment to go
    while group_members(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid) and group_members(pid) == []


def test_it_ends_with_the_process_that_started_it_even_one_killed_outright(tmp_path: Path) -> None:
    code = (
        "import sys, time\n"
        "from harness.ministack import MiniStack\n"
        "backend = MiniStack(); backend.start()\n"
        "print(backend.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        pid = int(parent.stdout.readline())  # type: ignore[union-attr]
        assert alive(pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while (alive(pid) or group_members(pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(pid) and group_members(pid) == []
    finally:
        if parent.poll() is None:
            parent.kill()


def test_course_backend_up_runs_ministack_in_the_background_until_down(tmp_path: Path) -> None:
    from harness.background_control import EMULATORS, STOPPED, state_path

    course = [sys.executable, "-m", "harness.cli"]
    root = ["--course-root", str(tmp_path)]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "COURSE_BACKEND"))}
    port = free_port()
    try:
        started = subprocess.run(
            [*course, "backend", "up", "--backend", "ministack", "--port", str(port), *root],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
        )
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"MiniStack is running at http://127.0.0.1:{port}" in started.stdout
        state = json.loads(state_path(tmp_path).read_text())
        assert state["backend"] == "ministack"
        tables = boto3.client(
            "dynamodb", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
        ).list_tables()
        assert tables["TableNames"] == []
    finally:
        stopped = subprocess.run([*course, "backend", "down", *root], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert stopped.returncode == 0 and STOPPED.format(emulator=EMULATORS["ministack"], pid=state["pid"]) in stopped.stdout
    assert not alive(state["pid"])


def test_an_executed_change_sets_name_is_free_again_as_on_aws(aws: MiniStack) -> None:
    """`aws cloudformation deploy` names its change set after the current second: two deploys within
    one second reuse the name (harness/ministack_app.py). A pending change set keeps its name."""
    cloudformation = boto3.client("cloudformation")
    template = {"Resources": {"Jobs": {"Type": "AWS::SQS::Queue"}}}

    def change_set(kind: str) -> None:
        cloudformation.create_change_set(
            StackName="twice", ChangeSetName="same-second", ChangeSetType=kind, TemplateBody=json.dumps(template)
        )
        cloudformation.get_waiter("change_set_create_complete").wait(
            StackName="twice", ChangeSetName="same-second", WaiterConfig={"Delay": 0.2, "MaxAttempts": 50}
        )

    change_set("CREATE")
    cloudformation.execute_change_set(StackName="twice", ChangeSetName="same-second")
    cloudformation.get_waiter("stack_create_complete").wait(StackName="twice", WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    template["Resources"]["Dead"] = {"Type": "AWS::SQS::Queue"}
    change_set("UPDATE")  # MiniStack alone: AlreadyExistsException
    with pytest.raises(cloudformation.exceptions.AlreadyExistsException):
        change_set("UPDATE")  # not executed yet: the name is still taken, as on AWS


def test_a_topic_the_template_encrypts_is_encrypted_and_an_update_can_remove_it(aws: MiniStack) -> None:
    """MiniStack's CloudFormation dropped an AWS::SNS::Topic's KmsMasterKeyId (harness/ministack_app.py)."""
    cloudformation, sns = boto3.client("cloudformation"), boto3.client("sns")
    waiter = {"Delay": 0.2, "MaxAttempts": 50}

    def deploy(properties: dict[str, str], action: str) -> str:
        template = {"Resources": {"Notes": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "notes", **properties}}}}
        getattr(cloudformation, f"{action}_stack")(StackName="secret-notes", TemplateBody=json.dumps(template))
        cloudformation.get_waiter(f"stack_{action}_complete").wait(StackName="secret-notes", WaiterConfig=waiter)
        arn = sns.list_topics()["Topics"][0]["TopicArn"]
        return sns.get_topic_attributes(TopicArn=arn)["Attributes"].get("KmsMasterKeyId", "")

    assert deploy({"KmsMasterKeyId": "alias/aws/sns"}, "create") == "alias/aws/sns"
    assert deploy({}, "update") == ""
