"""lambda.invoke on the embedded backend runs the deployed code and answers as Lambda does (harness/emulator/lambda_invoke.py)."""

from __future__ import annotations

import base64
import json
import time

import boto3
import pytest
from botocore.exceptions import ClientError
from lambda_backend_kit import COUNTER_SOURCE, create_function, invoke, package

from harness import invoke_deployed
from harness.backends import EmbeddedMoto


def test_invoke_through_boto3_runs_the_stored_package(aws: EmbeddedMoto) -> None:
    create_function("adder", "import os\ndef handler(event, context):\n    return {'sum': event['a'] + event['b'], 'table': os.environ['TABLE']}\n",
                    env={"TABLE": "Orders"})
    answer, payload = invoke("adder", {"a": 2, "b": 3})
    assert answer["StatusCode"] == 200 and "FunctionError" not in answer
    assert payload == {"sum": 5, "table": "Orders"}
    assert answer["ExecutedVersion"] == "$LATEST"


def test_an_unhandled_exception_comes_back_with_lambdas_error_json(aws: EmbeddedMoto) -> None:
    create_function("broken", "def handler(event, context):\n    raise KeyError('Item')\n")
    answer, payload = invoke("broken", {})
    assert answer["StatusCode"] == 200 and answer["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "KeyError" and payload["errorMessage"] == "'Item'"
    assert payload["requestId"] and any("/var/task/app.py" in frame for frame in payload["stackTrace"])


def test_log_type_tail_returns_the_invocations_log_in_base64(aws: EmbeddedMoto) -> None:
    create_function("talker", "def handler(event, context):\n    print('hello from the handler')\n    return 1\n")
    answer, _ = invoke("talker", {}, LogType="Tail")
    log = base64.b64decode(answer["LogResult"]).decode()
    lines = log.splitlines()
    assert lines[0].startswith("INIT_START ")
    assert lines[1].startswith("START RequestId: ") and lines[1].endswith(" Version: $LATEST")
    assert "hello from the handler" in lines
    request_id = lines[1].split()[2]
    assert f"END RequestId: {request_id}" in lines
    assert lines[-1].startswith(f"REPORT RequestId: {request_id}\tDuration: ")
    plain, _ = invoke("talker", {})
    assert "LogResult" not in plain


def test_the_log_tail_is_the_last_4_kb(aws: EmbeddedMoto) -> None:
    create_function("chatty", "def handler(event, context):\n    for n in range(2000):\n        print('line', n)\n")
    answer, _ = invoke("chatty", {}, LogType="Tail")
    log = base64.b64decode(answer["LogResult"])
    assert 4000 <= len(log) <= 4096
    assert b"line 1999" in log and b"line 0\n" not in log and b"REPORT RequestId" in log


def test_versions_and_aliases_report_the_version_that_ran(aws: EmbeddedMoto) -> None:
    client = boto3.client("lambda")
    create_function("versioned", "def handler(event, context):\n    return ['one', context.function_version, context.invoked_function_arn]\n", publish=True)
    client.update_function_code(FunctionName="versioned", ZipFile=package("def handler(event, context):\n    return ['two', context.function_version]\n"))
    client.get_waiter("function_updated_v2").wait(FunctionName="versioned")  # as on AWS: the update must finish first
    client.publish_version(FunctionName="versioned")
    client.create_alias(FunctionName="versioned", Name="live", FunctionVersion="1")
    answer, payload = invoke("versioned", {}, Qualifier="live")
    assert answer["ExecutedVersion"] == "1" and payload[:2] == ["one", "1"] and payload[2].endswith(":function:versioned:live")
    answer, payload = invoke("versioned:2", {})
    assert answer["ExecutedVersion"] == "2" and payload == ["two", "2"]
    arn = client.get_function(FunctionName="versioned")["Configuration"]["FunctionArn"]
    answer, payload = invoke(f"{arn}:1", {})
    assert answer["ExecutedVersion"] == "1" and payload[0] == "one"
    answer, payload = invoke("versioned", {}, Qualifier="$LATEST")
    assert answer["ExecutedVersion"] == "$LATEST" and payload == ["two", "$LATEST"]


@pytest.mark.parametrize(("name", "qualifier"), [("missing", None), ("there", "7"), ("there", "nosuchalias")])
def test_an_unknown_function_or_qualifier_is_resource_not_found(aws: EmbeddedMoto, name: str, qualifier: str | None) -> None:
    create_function("there", "def handler(event, context):\n    return 1\n")
    extra = {"Qualifier": qualifier} if qualifier else {}
    with pytest.raises(ClientError) as refused:
        boto3.client("lambda").invoke(FunctionName=name, Payload=b"{}", **extra)
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert f":function:{name}" in refused.value.response["Error"]["Message"]


def test_a_payload_that_is_not_json_is_refused_as_lambda_does(aws: EmbeddedMoto) -> None:
    create_function("strict", "def handler(event, context):\n    return 1\n")
    with pytest.raises(ClientError) as refused:
        boto3.client("lambda").invoke(FunctionName="strict", Payload=b"not json")
    assert refused.value.response["Error"]["Code"] == "InvalidRequestContentException"


def test_dry_run_checks_without_running(aws: EmbeddedMoto) -> None:
    create_function("dry", COUNTER_SOURCE)
    answer = boto3.client("lambda").invoke(FunctionName="dry", InvocationType="DryRun")
    assert answer["StatusCode"] == 204
    _, payload = invoke("dry", {})
    assert payload["calls"] == 1  # the dry run did not run it


def test_an_event_invocation_answers_202_and_runs_in_the_background(aws: EmbeddedMoto) -> None:
    create_function("writer", "import boto3\ndef handler(event, context):\n    boto3.client('sqs').create_queue(QueueName=event['queue'])\n")
    answer = boto3.client("lambda").invoke(FunctionName="writer", InvocationType="Event", Payload=json.dumps({"queue": "made-async"}).encode())
    assert answer["StatusCode"] == 202
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not boto3.client("sqs").list_queues().get("QueueUrls"):
        time.sleep(0.05)
    assert boto3.client("sqs").list_queues()["QueueUrls"][0].endswith("/made-async")


def test_the_aws_cli_invokes_the_same_way(aws: EmbeddedMoto, tmp_path) -> None:
    from awscli.clidriver import create_clidriver

    create_function("cli", "def handler(event, context):\n    return {'got': event}\n")
    out = tmp_path / "out.json"
    status = create_clidriver().main(["lambda", "invoke", "--function-name", "cli", "--qualifier", "$LATEST",
                                      "--payload", '{"n": 1}', str(out)])
    assert status == 0 and json.loads(out.read_text()) == {"got": {"n": 1}}


def test_invoke_deployed_goes_through_the_same_invoke(aws: EmbeddedMoto) -> None:
    create_function("shared", COUNTER_SOURCE, publish=True)
    aws.call_log.clear()
    first, second = invoke_deployed("shared", {}), invoke_deployed("shared", {}, qualifier="1")
    assert [call.operation for call in aws.call_log.calls] == ["Invoke", "Invoke"]
    assert first.executed_version == "$LATEST" and second.executed_version == "1"
    assert "call 1 in" in first.log_tail and "START RequestId" not in first.log_tail  # the function's own output


def test_the_functions_own_variables_cannot_widen_the_sandbox(aws: EmbeddedMoto) -> None:
    source = ("import os, socket\ndef handler(event, context):\n    try:\n"
              "        socket.create_connection(('203.0.113.1', 9), timeout=0.5)\n    except OSError as error:\n"
              "        return [str(error), os.environ['AWS_ENDPOINT_URL'], os.environ['AWS_ACCESS_KEY_ID']]\n")
    create_function("sneaky", source, env={"COURSE_ALLOWED_HOSTS": "203.0.113.1", "AWS_ENDPOINT_URL": "https://lambda.us-east-1.amazonaws.com",
                                           "AWS_ACCESS_KEY_ID": "AKIAREALKEY"})
    _, (error, endpoint, key) = invoke("sneaky", {})
    assert "blocked a connection to 203.0.113.1:9" in error
    assert endpoint == aws.endpoint and key == "test"


def test_a_large_payload_travels_whole_both_ways(aws: EmbeddedMoto) -> None:
    create_function("big", "def handler(event, context):\n    print('x' * 300000)\n    return {'echo': event['data'], 'more': 'y' * 2000000}\n")
    data = "z" * 1_000_000
    answer, payload = invoke("big", {"data": data})
    assert "FunctionError" not in answer and payload["echo"] == data and len(payload["more"]) == 2000000
