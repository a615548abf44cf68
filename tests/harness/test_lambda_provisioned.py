"""Provisioned concurrency on the embedded backend: the API with AWS's validation, READY at the first read,
invocations through a provisioned alias or version without a cold start, spillover, metrics and the CLI
(harness/emulator/lambda_provisioned.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import boto3
import pytest
from botocore.exceptions import ClientError
from lambda_backend_kit import COUNTER_SOURCE, create_function, invoke, process_alive

from harness.backends import EmbeddedMoto
from harness.emulator.lambda_environments import POOL

INIT_TYPE_SOURCE = COUNTER_SOURCE.replace(
    "'env': os.environ.get('COLOUR')}", "'env': os.environ.get('COLOUR'), 'init': os.environ['AWS_LAMBDA_INITIALIZATION_TYPE']}"
)


def lambda_client():
    return boto3.client("lambda")


def published_with_alias(name: str, source: str = INIT_TYPE_SOURCE) -> None:
    create_function(name, source, publish=True)
    lambda_client().create_alias(FunctionName=name, Name="live", FunctionVersion="1")


def report_lines(name: str) -> list[str]:
    events = boto3.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    return [event["message"] for event in events if event["message"].startswith("REPORT ")]


def error_of(call, **kwargs) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def test_put_answers_in_progress_and_the_first_read_answers_ready(aws: EmbeddedMoto) -> None:
    published_with_alias("pc")
    client = lambda_client()
    put = client.put_provisioned_concurrency_config(FunctionName="pc", Qualifier="live", ProvisionedConcurrentExecutions=2)
    assert (put["Status"], put["RequestedProvisionedConcurrentExecutions"], put["AllocatedProvisionedConcurrentExecutions"]) == ("IN_PROGRESS", 2, 0)
    got = client.get_provisioned_concurrency_config(FunctionName="pc", Qualifier="live")
    assert (got["Status"], got["AllocatedProvisionedConcurrentExecutions"], got["AvailableProvisionedConcurrentExecutions"]) == ("READY", 2, 2)
    listed = client.list_provisioned_concurrency_configs(FunctionName="pc")["ProvisionedConcurrencyConfigs"]
    assert [(item["FunctionArn"].rsplit(":", 1)[-1], item["Status"]) for item in listed] == [("live", "READY")]
    client.delete_provisioned_concurrency_config(FunctionName="pc", Qualifier="live")
    assert error_of(client.get_provisioned_concurrency_config, FunctionName="pc", Qualifier="live")[0] == "ProvisionedConcurrencyConfigNotFoundException"
    assert client.list_provisioned_concurrency_configs(FunctionName="pc")["ProvisionedConcurrencyConfigs"] == []


def test_invocations_through_a_ready_alias_have_no_cold_start(aws: EmbeddedMoto) -> None:
    published_with_alias("warm")
    client = lambda_client()
    client.put_provisioned_concurrency_config(FunctionName="warm", Qualifier="live", ProvisionedConcurrentExecutions=1)
    client.get_provisioned_concurrency_config(FunctionName="warm", Qualifier="live")
    init_starts = [e["message"] for e in boto3.client("logs").filter_log_events(logGroupName="/aws/lambda/warm")["events"]]
    assert any(line.startswith("INIT_START") for line in init_starts)  # the module ran at allocation
    answers = [invoke("warm", {}, Qualifier="live")[1] for _ in range(3)]
    assert [answer["calls"] for answer in answers] == [1, 2, 3] and {answer["starts"] for answer in answers} == {1}
    assert {answer["init"] for answer in answers} == {"provisioned-concurrency"}
    assert not any("Init Duration" in line for line in report_lines("warm"))
    # $LATEST and the version itself are not provisioned: on demand, a cold start
    assert invoke("warm", {})[1]["init"] == "on-demand"
    assert "Init Duration" in report_lines("warm")[-1]


def test_an_invocation_before_the_allocation_is_read_runs_on_demand(aws: EmbeddedMoto) -> None:
    published_with_alias("early")
    lambda_client().put_provisioned_concurrency_config(FunctionName="early", Qualifier="live", ProvisionedConcurrentExecutions=1)
    assert invoke("early", {}, Qualifier="live")[1]["init"] == "on-demand"
    assert "Init Duration" in report_lines("early")[-1]


def test_beyond_the_provisioned_count_invocations_spill_over(aws: EmbeddedMoto) -> None:
    published_with_alias("spill")
    client = lambda_client()
    client.put_provisioned_concurrency_config(FunctionName="spill", Qualifier="live", ProvisionedConcurrentExecutions=1)
    client.get_provisioned_concurrency_config(FunctionName="spill", Qualifier="live")
    answers: list[dict] = []
    threads = [threading.Thread(target=lambda: answers.append(invoke("spill", {"sleep": 0.6}, Qualifier="live")[1])) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answer["init"] for answer in answers) == ["on-demand", "provisioned-concurrency"]
    assert len([line for line in report_lines("spill") if "Init Duration" in line]) == 1
    cloudwatch = boto3.client("cloudwatch")

    def total(metric: str) -> float:
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/Lambda", MetricName=metric, Statistics=["Sum"], Period=60,
            Dimensions=[{"Name": "FunctionName", "Value": "spill"}, {"Name": "Resource", "Value": "spill:live"}],
            StartTime="2000-01-01T00:00:00Z", EndTime="2100-01-01T00:00:00Z",
        )["Datapoints"]
        return sum(point["Sum"] for point in points)

    assert (total("ProvisionedConcurrencyInvocations"), total("ProvisionedConcurrencySpilloverInvocations")) == (1.0, 1.0)
    assert total("ProvisionedConcurrencyUtilization") > 0


def test_a_version_can_be_provisioned_and_a_moved_alias_is_allocated_again(aws: EmbeddedMoto) -> None:
    published_with_alias("moving")
    client = lambda_client()
    client.put_provisioned_concurrency_config(FunctionName="moving", Qualifier="1", ProvisionedConcurrentExecutions=1)
    assert client.get_provisioned_concurrency_config(FunctionName="moving", Qualifier="1")["Status"] == "READY"
    assert invoke("moving", {}, Qualifier="1")[1]["init"] == "provisioned-concurrency"
    client.delete_provisioned_concurrency_config(FunctionName="moving", Qualifier="1")
    client.put_provisioned_concurrency_config(FunctionName="moving", Qualifier="live", ProvisionedConcurrentExecutions=1)
    client.get_provisioned_concurrency_config(FunctionName="moving", Qualifier="live")
    client.update_function_configuration(FunctionName="moving", Environment={"Variables": {"COLOUR": "red"}})
    client.get_function_configuration(FunctionName="moving")
    client.publish_version(FunctionName="moving")
    client.update_alias(FunctionName="moving", Name="live", FunctionVersion="2")
    moved = invoke("moving", {}, Qualifier="live")[1]
    assert (moved["env"], moved["init"]) == ("red", "on-demand")  # not allocated to version 2 yet
    assert client.get_provisioned_concurrency_config(FunctionName="moving", Qualifier="live")["Status"] == "READY"
    assert invoke("moving", {}, Qualifier="live")[1]["init"] == "provisioned-concurrency"


def test_a_provisioned_environment_that_ends_is_replaced(aws: EmbeddedMoto) -> None:
    exits = INIT_TYPE_SOURCE.replace("    global CALLS\n", "    global CALLS\n    if event.get('exit'):\n        os._exit(1)\n")
    published_with_alias("replaced", exits)
    client = lambda_client()
    client.put_provisioned_concurrency_config(FunctionName="replaced", Qualifier="live", ProvisionedConcurrentExecutions=1)
    client.get_provisioned_concurrency_config(FunctionName="replaced", Qualifier="live")
    first = invoke("replaced", {}, Qualifier="live")[1]
    assert invoke("replaced", {"exit": True}, Qualifier="live")[1]["errorType"] == "Runtime.ExitError"
    key = (aws.account_id, client.meta.region_name, "replaced", "live")
    deadline = time.monotonic() + 20
    while POOL.provisioned(key) != (1, 0):  # the replacement starts in the background
        assert time.monotonic() < deadline, "the ended provisioned environment was not replaced"
        time.sleep(0.05)
    after = invoke("replaced", {}, Qualifier="live")[1]
    assert after["pid"] != first["pid"] and (after["init"], after["calls"]) == ("provisioned-concurrency", 1)
    assert not any("Init Duration" in line for line in report_lines("replaced"))
    messages = [e["message"] for e in boto3.client("logs").filter_log_events(logGroupName="/aws/lambda/replaced")["events"]]
    assert len([m for m in messages if m.startswith("INIT_START")]) == 2  # the allocation's init, then the replacement's


def test_aws_validation_errors(aws: EmbeddedMoto) -> None:
    published_with_alias("rules")
    client = lambda_client()
    client.create_alias(FunctionName="rules", Name="head", FunctionVersion="$LATEST")
    put = client.put_provisioned_concurrency_config
    unpublished = ("InvalidParameterValueException", "Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
    assert error_of(put, FunctionName="rules", Qualifier="$LATEST", ProvisionedConcurrentExecutions=1) == unpublished
    assert error_of(put, FunctionName="rules", Qualifier="head", ProvisionedConcurrentExecutions=1) == unpublished
    code, message = error_of(put, FunctionName="rules", Qualifier="nope", ProvisionedConcurrentExecutions=1)
    assert code == "ResourceNotFoundException" and message.startswith("Cannot find alias arn: ") and message.endswith(":function:rules:nope")
    code, message = error_of(put, FunctionName="rules", Qualifier="7", ProvisionedConcurrentExecutions=1)
    assert code == "ResourceNotFoundException" and message.endswith(":function:rules:7")
    assert error_of(put, FunctionName="absent", Qualifier="1", ProvisionedConcurrentExecutions=1)[0] == "ResourceNotFoundException"
    client.put_function_concurrency(FunctionName="rules", ReservedConcurrentExecutions=1)
    assert error_of(put, FunctionName="rules", Qualifier="live", ProvisionedConcurrentExecutions=2) == (
        "InvalidParameterValueException",
        "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function")
    put(FunctionName="rules", Qualifier="live", ProvisionedConcurrentExecutions=1)
    assert error_of(put, FunctionName="rules", Qualifier="1", ProvisionedConcurrentExecutions=1)[0] == "ResourceConflictException"
    get = client.get_provisioned_concurrency_config
    assert error_of(get, FunctionName="rules", Qualifier="$LATEST")[0] == "InvalidParameterValueException"
    assert error_of(get, FunctionName="rules", Qualifier="1") == (
        "ProvisionedConcurrencyConfigNotFoundException", "No Provisioned Concurrency Config found for this function")


def test_a_failing_init_makes_the_configuration_failed(aws: EmbeddedMoto) -> None:
    published_with_alias("broken", "raise RuntimeError('no config')\ndef handler(event, context):\n    return 1\n")
    client = lambda_client()
    client.put_provisioned_concurrency_config(FunctionName="broken", Qualifier="live", ProvisionedConcurrentExecutions=1)
    got = client.get_provisioned_concurrency_config(FunctionName="broken", Qualifier="live")
    assert got["Status"] == "FAILED" and "no config" in got["StatusReason"] and got["AllocatedProvisionedConcurrentExecutions"] == 0


def test_a_reset_ends_provisioned_environments_and_configurations(aws: EmbeddedMoto) -> None:
    published_with_alias("resetting")
    client = lambda_client()
    client.put_provisioned_concurrency_config(FunctionName="resetting", Qualifier="live", ProvisionedConcurrentExecutions=1)
    client.get_provisioned_concurrency_config(FunctionName="resetting", Qualifier="live")
    pid = invoke("resetting", {}, Qualifier="live")[1]["pid"]
    key = (aws.account_id, boto3.client("lambda").meta.region_name, "resetting", "live")
    assert POOL.provisioned(key) == (1, 0)
    aws.reset()
    assert not process_alive(pid) and POOL.provisioned(key) == (0, 0)
    published_with_alias("resetting")  # the same names again: no configuration survived the reset
    assert client.list_provisioned_concurrency_configs(FunctionName="resetting")["ProvisionedConcurrencyConfigs"] == []


def aws_cli(*arguments: str) -> dict:
    """The aws CLI as a student runs it: its own process, the environment pointing at the backend."""
    done = subprocess.run([sys.executable, "-m", "awscli", *arguments], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_aws_cli_puts_and_reads_a_configuration(aws: EmbeddedMoto) -> None:
    published_with_alias("cli")
    put = aws_cli("lambda", "put-provisioned-concurrency-config", "--function-name", "cli", "--qualifier", "live",
                  "--provisioned-concurrent-executions", "1")
    assert put["Status"] == "IN_PROGRESS"
    assert aws_cli("lambda", "get-provisioned-concurrency-config", "--function-name", "cli", "--qualifier", "live")["Status"] == "READY"
    listed = aws_cli("lambda", "list-provisioned-concurrency-configs", "--function-name", "cli")
    assert [item["Status"] for item in listed["ProvisionedConcurrencyConfigs"]] == ["READY"]


SAM_PROVISIONED = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: {Bucket: code, Key: app.zip}
      AutoPublishAlias: live
      ProvisionedConcurrencyConfig:
        ProvisionedConcurrentExecutions: 1
Outputs:
  FunctionName:
    Value: !Ref Fn
"""


def test_a_sam_function_with_provisioned_concurrency_is_ready_when_its_stack_is(aws: EmbeddedMoto) -> None:
    from lambda_backend_kit import package

    boto3.client("s3").create_bucket(Bucket="code")
    boto3.client("s3").put_object(Bucket="code", Key="app.zip", Body=package(INIT_TYPE_SOURCE))
    cfn = boto3.client("cloudformation")
    cfn.create_stack(StackName="pc", TemplateBody=SAM_PROVISIONED, Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
    stack = cfn.describe_stacks(StackName="pc")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", cfn.describe_stack_events(StackName="pc")["StackEvents"]
    name = stack["Outputs"][0]["OutputValue"]
    answer = invoke(name, {}, Qualifier="live")[1]  # no read of the configuration first: CloudFormation waited for READY
    assert answer["init"] == "provisioned-concurrency" and not any("Init Duration" in line for line in report_lines(name))
    without = SAM_PROVISIONED.replace("      ProvisionedConcurrencyConfig:\n        ProvisionedConcurrentExecutions: 1\n", "")
    cfn.update_stack(StackName="pc", TemplateBody=without, Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
    assert cfn.describe_stacks(StackName="pc")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    assert lambda_client().list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"] == []
