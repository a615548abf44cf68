"""CodeDeploy's Lambda traffic shift on the embedded backend's clock: a SAM DeploymentPreference canary
shifts the alias step by step, completes when the clock passes its interval, and rolls back when one of
its alarms goes into ALARM (harness/emulator/codedeploy_traffic.py)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import boto3
import pytest

from harness.backends import EmbeddedMoto
from harness.emulator.codedeploy_traffic import plan
from harness.kit import clock
from harness.safety import sandboxed_process_environment

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
STACK = "canary"

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Parameters:
  CodeKey:
    Type: String
Resources:
  Quote:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: quote
      Runtime: python3.12
      Handler: app.handler
      CodeUri:
        Bucket: code
        Key: !Ref CodeKey
      AutoPublishAlias: live
      DeploymentPreference:
        Type: {type}
        Alarms:
          - !Ref QuoteErrors
  QuoteErrors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/Lambda
      MetricName: Errors
      Dimensions:
        - Name: FunctionName
          Value: !Ref Quote
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 0
      ComparisonOperator: GreaterThanThreshold
      TreatMissingData: notBreaching
"""

HEALTHY = "def handler(event, context):\n    return {release!r}\n"
BROKEN = "def handler(event, context):\n    raise ValueError('the bulk discount divides by zero')\n"


@pytest.fixture(scope="module")
def backend() -> Iterator[EmbeddedMoto]:
    backend = EmbeddedMoto()
    backend.start()
    with sandboxed_process_environment(backend.endpoint):
        try:
            yield backend
        finally:
            backend.stop()


@pytest.fixture
def aws(backend: EmbeddedMoto) -> EmbeddedMoto:
    backend.reset()
    boto3.client("s3").create_bucket(Bucket="code")
    return backend


def upload(key: str, source: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    boto3.client("s3").put_object(Bucket="code", Key=key, Body=buffer.getvalue())


def deploy(key: str, preference: str = "Canary10Percent5Minutes", create: bool = False) -> None:
    cfn = boto3.client("cloudformation")
    action = cfn.create_stack if create else cfn.update_stack
    action(
        StackName=STACK,
        TemplateBody=TEMPLATE.replace("{type}", preference),
        Capabilities=CAPABILITIES,
        Parameters=[{"ParameterKey": "CodeKey", "ParameterValue": key}],
    )
    stack = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), stack


def advance(backend: EmbeddedMoto, seconds: float) -> None:
    clock.advance(seconds, backend.endpoint)


def live() -> tuple[str, dict]:
    alias = boto3.client("lambda").get_alias(FunctionName="quote", Name="live")
    return alias["FunctionVersion"], (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}


def deployments() -> list[dict]:
    codedeploy = boto3.client("codedeploy")
    [application] = codedeploy.list_applications()["applications"]
    [group] = codedeploy.list_deployment_groups(applicationName=application)["deploymentGroups"]
    ids = codedeploy.list_deployments(applicationName=application, deploymentGroupName=group)["deployments"]
    return [codedeploy.get_deployment(deploymentId=i)["deploymentInfo"] for i in ids]


def first_release() -> None:
    upload("v1.zip", HEALTHY.format(release="v1"))
    deploy("v1.zip", create=True)
    assert live() == ("1", {})
    assert deployments() == []  # the first deploy creates the alias: nothing to shift


def test_the_deployment_configurations_cannot_be_mistaken() -> None:
    assert plan("CodeDeployDefault.LambdaCanary10Percent5Minutes") == [(0.0, 0.1), (300.0, 1.0)]
    assert plan("CodeDeployDefault.LambdaAllAtOnce") == [(0.0, 1.0)]
    linear = plan("CodeDeployDefault.LambdaLinear10PercentEvery1Minute")
    assert linear[:2] == [(0.0, 0.1), (60.0, 0.2)] and linear[-1] == (540.0, 1.0) and len(linear) == 10
    for unknown in ("MyOwnConfig", "CodeDeployDefault.LambdaLinear0PercentEvery1Minute"):
        with pytest.raises(ValueError, match="predefined"):
            plan(unknown)


def test_a_canary_sends_10_percent_then_all_traffic_when_the_clock_passes_5_minutes(aws: EmbeddedMoto) -> None:
    first_release()
    upload("v2.zip", HEALTHY.format(release="v2"))
    deploy("v2.zip")
    assert live() == ("1", {"2": 0.1})
    [deployment] = deployments()
    assert deployment["status"] == "InProgress"
    assert deployment["deploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    answers = [boto3.client("lambda").invoke(FunctionName="quote", Qualifier="live") for _ in range(40)]
    assert {a["ExecutedVersion"] for a in answers} == {"1", "2"}  # the canary's share runs version 2
    advance(aws, 290)
    assert live() == ("1", {"2": 0.1})
    advance(aws, 15)
    assert live() == ("2", {})
    [deployment] = deployments()
    assert deployment["status"] == "Succeeded" and deployment["errorInformation"] == {}


def test_an_alarm_in_alarm_during_the_canary_rolls_back_and_stops_the_deployment(aws: EmbeddedMoto) -> None:
    first_release()
    upload("v2.zip", BROKEN)
    deploy("v2.zip")
    clock.start_of_period(60, aws.endpoint)
    lam = boto3.client("lambda")
    answers = [lam.invoke(FunctionName="quote", Qualifier="live", Payload=b"{}") for _ in range(40)]
    assert any(a.get("FunctionError") for a in answers)
    advance(aws, 60)
    assert live() == ("1", {})
    [deployment] = deployments()
    assert deployment["status"] == "Stopped"
    assert deployment["errorInformation"]["code"] == "ALARM_ACTIVE"
    assert "QuoteErrors" in deployment["errorInformation"]["message"]
    advance(aws, 600)
    assert live() == ("1", {})  # a stopped deployment never resumes


def test_all_at_once_moves_the_alias_at_once_and_linear_steps_each_interval(aws: EmbeddedMoto) -> None:
    first_release()
    upload("v2.zip", HEALTHY.format(release="v2"))
    deploy("v2.zip", preference="AllAtOnce")
    assert live() == ("2", {})
    assert [d["status"] for d in deployments()] == ["Succeeded"]
    upload("v3.zip", HEALTHY.format(release="v3"))
    deploy("v3.zip", preference="Linear10PercentEvery1Minute")
    assert live() == ("2", {"3": 0.1})
    advance(aws, 61)
    assert live() == ("2", {"3": 0.2})
    advance(aws, 600)
    assert live() == ("3", {})
