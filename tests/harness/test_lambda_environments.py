"""Warm execution environments: one per function version, cold and warm starts, concurrency, idle
timeout, timeouts and crashes, reserved concurrency (harness/emulator/lambda_environments.py)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from lambda_backend_kit import COUNTER_SOURCE, create_function, invoke, package, process_alive

from harness.backends import EmbeddedMoto
from harness.emulator.lambda_environments import POOL


def report_lines(name: str) -> list[str]:
    events = boto3.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    return [event["message"] for event in events if event["message"].startswith("REPORT ")]


def test_module_level_code_runs_once_and_later_invocations_are_warm(aws: EmbeddedMoto) -> None:
    create_function("counter", COUNTER_SOURCE)
    answers = [invoke("counter", {})[1] for _ in range(3)]
    assert [answer["calls"] for answer in answers] == [1, 2, 3]
    assert {answer["starts"] for answer in answers} == {1} and len({answer["pid"] for answer in answers}) == 1
    reports = report_lines("counter")
    assert len(reports) == 3 and "Init Duration: " in reports[0]
    assert not any("Init Duration" in report for report in reports[1:])


def test_a_code_or_configuration_change_starts_a_new_environment(aws: EmbeddedMoto) -> None:
    client = boto3.client("lambda")
    create_function("changing", COUNTER_SOURCE)
    first = invoke("changing", {})[1]
    client.update_function_code(FunctionName="changing", ZipFile=package(COUNTER_SOURCE + "\n# changed\n"))
    client.get_waiter("function_updated_v2").wait(FunctionName="changing")  # as on AWS: the update must finish first
    after_code = invoke("changing", {})[1]
    assert after_code["calls"] == 1 and after_code["pid"] != first["pid"]
    assert not process_alive(first["pid"])  # the old one ended
    client.update_function_configuration(FunctionName="changing", Environment={"Variables": {"COLOUR": "blue"}})
    after_config = invoke("changing", {})[1]
    assert after_config["calls"] == 1 and after_config["env"] == "blue" and after_config["pid"] != after_code["pid"]


def test_each_version_has_its_own_environment(aws: EmbeddedMoto) -> None:
    create_function("versions", COUNTER_SOURCE, publish=True)
    latest, one = invoke("versions", {})[1], invoke("versions", {}, Qualifier="1")[1]
    assert latest["pid"] != one["pid"] and (latest["version"], one["version"]) == ("$LATEST", "1")
    assert invoke("versions", {}, Qualifier="1")[1]["pid"] == one["pid"]


def test_concurrent_invocations_get_separate_environments(aws: EmbeddedMoto) -> None:
    create_function("parallel", COUNTER_SOURCE)
    answers: list[dict] = []
    threads = [threading.Thread(target=lambda: answers.append(invoke("parallel", {"sleep": 0.5})[1])) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({answer["pid"] for answer in answers}) == 2
    assert len([report for report in report_lines("parallel") if "Init Duration" in report]) == 2
    assert invoke("parallel", {})[1]["pid"] in {answer["pid"] for answer in answers}  # then one of them is reused
    streams = boto3.client("logs").describe_log_streams(logGroupName="/aws/lambda/parallel")["logStreams"]
    assert len(streams) == 2  # a log stream per environment


@pytest.fixture
def short_idle_timeout() -> Iterator[None]:
    saved = POOL.idle_seconds
    POOL.idle_seconds = 0.3
    try:
        yield
    finally:
        POOL.idle_seconds = saved


def test_an_idle_environment_ends_after_the_idle_timeout(aws: EmbeddedMoto, short_idle_timeout: None) -> None:
    create_function("sleepy", COUNTER_SOURCE)
    first = invoke("sleepy", {})[1]
    deadline = time.monotonic() + 5
    while process_alive(first["pid"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not process_alive(first["pid"])
    again = invoke("sleepy", {})[1]
    assert again["calls"] == 1 and again["pid"] != first["pid"]


def test_a_timeout_kills_the_environment_and_the_next_invocation_is_cold(aws: EmbeddedMoto) -> None:
    create_function("slow", COUNTER_SOURCE, timeout=1)
    warm = invoke("slow", {})[1]
    started = time.monotonic()
    answer, payload = invoke("slow", {"sleep": 30}, LogType="Tail")
    assert time.monotonic() - started < 5
    assert answer["FunctionError"] == "Unhandled" and payload["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in payload["errorMessage"]
    assert not process_alive(warm["pid"])
    assert invoke("slow", {})[1]["calls"] == 1


def test_a_runaway_loop_is_ended_by_the_timeout(aws: EmbeddedMoto) -> None:
    create_function("loop", "def handler(event, context):\n    while True:\n        try:\n            pass\n        except BaseException:\n            pass\n", timeout=1)
    answer, payload = invoke("loop", {})
    assert payload["errorType"] == "Sandbox.Timedout"


def test_sys_exit_is_a_runtime_exit_error_and_the_next_invocation_is_cold(aws: EmbeddedMoto) -> None:
    create_function("quitter", COUNTER_SOURCE.replace("    time.sleep(", "    if event.get('exit'):\n        raise SystemExit(2)\n    time.sleep("))
    first = invoke("quitter", {})[1]
    answer, payload = invoke("quitter", {"exit": True})
    assert answer["FunctionError"] == "Unhandled" and payload["errorType"] == "Runtime.ExitError"
    assert payload["errorMessage"].endswith("Runtime exited with error: exit status 2")
    after = invoke("quitter", {})[1]
    assert after["calls"] == 1 and after["pid"] != first["pid"]


def test_an_exception_keeps_the_environment_warm(aws: EmbeddedMoto) -> None:
    create_function("flaky", COUNTER_SOURCE.replace("    time.sleep(", "    if event.get('fail'):\n        raise ValueError('bad order')\n    time.sleep("))
    first = invoke("flaky", {})[1]
    answer, payload = invoke("flaky", {"fail": True})
    assert payload["errorType"] == "ValueError"
    assert invoke("flaky", {})[1] == {**first, "calls": 3}


def test_a_reset_ends_every_environment(aws: EmbeddedMoto) -> None:
    create_function("doomed", COUNTER_SOURCE)
    pid = invoke("doomed", {})[1]["pid"]
    aws.reset()
    assert not process_alive(pid)


def test_start_end_and_report_lines_reach_cloudwatch_logs(aws: EmbeddedMoto) -> None:
    create_function("logged", "import logging\nlogging.basicConfig(level=logging.INFO)\ndef handler(event, context):\n"
                              "    print('plain print')\n    logging.getLogger().warning('a warning')\n    logging.info('not shown')\n",
                    memory=256)
    invoke("logged", {})
    logs = boto3.client("logs")
    (stream,) = logs.describe_log_streams(logGroupName="/aws/lambda/logged")["logStreams"]
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", stream["logStreamName"])
    messages = [event["message"] for event in logs.get_log_events(logGroupName="/aws/lambda/logged", logStreamName=stream["logStreamName"])["events"]]
    start = next(message for message in messages if message.startswith("START "))
    request_id = re.fullmatch(r"START RequestId: ([0-9a-f-]{36}) Version: \$LATEST", start).group(1)
    assert "plain print" in messages
    # Lambda's root handler was there first: basicConfig does nothing, the level stays WARNING.
    assert any(re.fullmatch(rf"\[WARNING\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{request_id}\ta warning", m) for m in messages)
    assert not any("not shown" in message for message in messages)
    assert f"END RequestId: {request_id}" in messages
    report = messages[-1]
    assert re.fullmatch(
        rf"REPORT RequestId: {request_id}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\t"
        r"Max Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t", report), report


def test_reserved_concurrency_throttles_what_it_does_not_allow(aws: EmbeddedMoto) -> None:
    client = boto3.client("lambda")
    create_function("limited", COUNTER_SOURCE)
    client.put_function_concurrency(FunctionName="limited", ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as refused:
        invoke("limited", {})
    assert refused.value.response["Error"]["Code"] == "TooManyRequestsException"
    client.put_function_concurrency(FunctionName="limited", ReservedConcurrentExecutions=1)
    outcomes: list[str] = []

    def call() -> None:
        try:
            invoke("limited", {"sleep": 0.5})
            outcomes.append("ran")
        except ClientError as error:
            outcomes.append(error.response["Error"]["Code"])

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
        time.sleep(0.2)
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["TooManyRequestsException", "ran"]


def test_the_end_of_check_sweep_reaches_environments_and_the_next_invocation_recovers(aws: EmbeddedMoto) -> None:
    from harness.student import reaper

    before = reaper.descendants()
    create_function("swept", COUNTER_SOURCE)
    pid = invoke("swept", {})[1]["pid"]
    assert pid in reaper.descendants() - before  # a child of the grading process, like a student process
    reaper.kill_new_descendants(before)
    assert not process_alive(pid)
    again = invoke("swept", {})[1]
    assert again["calls"] == 1 and again["pid"] != pid


def test_environments_end_when_the_backend_stops(aws: EmbeddedMoto) -> None:
    other = EmbeddedMoto()
    other.start()
    try:
        create_function("stopping", COUNTER_SOURCE)
        answer = boto3.client("lambda", endpoint_url=other.endpoint).invoke(FunctionName="stopping", Payload=b"{}")
        pid = json.loads(answer["Payload"].read())["pid"]
        assert process_alive(pid)
    finally:
        other.stop()
    assert not process_alive(pid)
