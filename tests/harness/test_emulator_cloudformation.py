"""CloudFormation on the embedded backend as on AWS: the SAM transform, every resource made for real or the
stack rolled back with a reason, change sets with Outputs, and the AWS CLI's package + deploy path."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from harness.backends import SAM_TRANSFORM, EmbeddedMoto
from harness.safety import sandboxed_process_environment

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]

SAM_TEMPLATE = """\
AWSTemplateFormatVersion: 2010-09-09
Transform: AWS::Serverless-2016-10-31
Parameters:
  CodeKey:
    Type: String
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: order_id, AttributeType: S}]
      KeySchema: [{AttributeName: order_id, KeyType: HASH}]
  Status:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      MemorySize: 256
      CodeUri:
        Bucket: code
        Key: !Ref CodeKey
      AutoPublishAlias: live
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref Orders
      Environment:
        Variables:
          TABLE_NAME: !Ref Orders
Outputs:
  FunctionName:
    Value: !Ref Status
  AliasArn:
    Value: !Ref StatusAliaslive
  TableName:
    Value: !Ref Orders
    Export:
      Name: orders-table
"""


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
    return backend


def zip_of(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def upload_code(*versions: str) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="code")
    for version in versions:
        s3.put_object(Bucket="code", Key=f"{version}.zip", Body=zip_of(f"VERSION = {version!r}\n"))


def deployed_source(function: str, qualifier: str) -> str:
    """The code a version or alias runs (moto's Lambda keeps the zip; see BACKEND_NOTES)."""
    from moto.awslambda_simple.models import lambda_simple_backends

    lambda_backend = lambda_simple_backends["123456789012"]["us-east-1"]
    code = lambda_backend.get_function(function, qualifier).code_bytes
    return zipfile.ZipFile(io.BytesIO(code)).read("app.py").decode()


def outputs(stack: str) -> dict[str, str]:
    described = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs") or []}


def status(stack: str) -> str:
    return boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]


def assert_status(stack: str, expected: str) -> None:
    """The stack's status, or its events (newest first) when it is not the one expected."""
    actual = status(stack)
    if actual != expected:
        events = boto3.client("cloudformation").describe_stack_events(StackName=stack)["StackEvents"]
        reasons = [(e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason")) for e in events]
        raise AssertionError(f"stack {stack} is {actual}, expected {expected}; events: {reasons}")


def deploy_change_set(stack: str, template: str, change_set_type: str, **parameters: str) -> dict:
    cfn = boto3.client("cloudformation")
    created = cfn.create_change_set(
        StackName=stack,
        ChangeSetName=f"deploy-{change_set_type.lower()}",
        ChangeSetType=change_set_type,
        TemplateBody=template,
        Capabilities=CAPABILITIES,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
    )
    change_set = cfn.describe_change_set(ChangeSetName=created["Id"])
    if change_set["Status"] == "CREATE_COMPLETE":
        cfn.execute_change_set(ChangeSetName=created["Id"])
    return change_set


def test_the_embedded_backend_declares_the_sam_transform() -> None:
    assert SAM_TRANSFORM in EmbeddedMoto().capabilities


def test_a_sam_stack_makes_the_function_its_version_the_alias_and_a_policy_scoped_to_the_table(
    aws: EmbeddedMoto,
) -> None:
    upload_code("v1")
    boto3.client("cloudformation").create_stack(
        StackName="lab4",
        TemplateBody=SAM_TEMPLATE,
        Capabilities=CAPABILITIES,
        Parameters=[{"ParameterKey": "CodeKey", "ParameterValue": "v1.zip"}],
    )
    assert_status("lab4", "CREATE_COMPLETE")
    events = boto3.client("cloudformation").describe_stack_events(StackName="lab4")["StackEvents"]
    done = {e["LogicalResourceId"]: e["PhysicalResourceId"] for e in events if e["ResourceStatus"] == "CREATE_COMPLETE"}
    assert {"Orders", "Status", "StatusRole", "StatusAliaslive", "lab4"} <= set(done)  # one event per resource
    out = outputs("lab4")
    assert done["StatusAliaslive"] == out["AliasArn"]
    lam = boto3.client("lambda")
    config = lam.get_function_configuration(FunctionName=out["FunctionName"])
    assert config["Runtime"] == "python3.12" and config["MemorySize"] == 256
    assert config["Environment"]["Variables"]["TABLE_NAME"] == out["TableName"]
    alias = lam.get_alias(FunctionName=out["FunctionName"], Name="live")
    assert alias["FunctionVersion"] == "1"
    assert alias["AliasArn"] == out["AliasArn"] == f"{config['FunctionArn']}:live"  # Ref of an alias: its ARN
    assert deployed_source(out["FunctionName"], "live") == "VERSION = 'v1'\n"
    iam = boto3.client("iam")
    role = config["Role"].rsplit("/", 1)[-1]
    attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]]
    assert attached == ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    [inline] = iam.list_role_policies(RoleName=role)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role, PolicyName=inline)["PolicyDocument"]
    resources = document["Statement"][0]["Resource"]
    assert f"arn:aws:dynamodb:us-east-1:123456789012:table/{out['TableName']}" in resources
    assert "dynamodb:*" not in document["Statement"][0]["Action"]
    assert boto3.client("dynamodb").describe_table(TableName=out["TableName"])["Table"]["BillingModeSummary"]


def test_get_template_answers_the_template_as_written_or_processed(aws: EmbeddedMoto) -> None:
    upload_code("v1")
    cfn = boto3.client("cloudformation")
    deploy_change_set("lab4", SAM_TEMPLATE, "CREATE", CodeKey="v1.zip")
    assert cfn.get_template(StackName="lab4")["TemplateBody"] == SAM_TEMPLATE
    processed = cfn.get_template(StackName="lab4", TemplateStage="Processed")["TemplateBody"]
    assert "Transform" not in processed
    assert processed["Resources"]["StatusAliaslive"]["Type"] == "AWS::Lambda::Alias"
    validated = cfn.validate_template(TemplateBody=SAM_TEMPLATE)
    assert validated["DeclaredTransforms"] == ["AWS::Serverless-2016-10-31"]


def test_create_stack_with_a_transform_needs_capability_auto_expand(aws: EmbeddedMoto) -> None:
    with pytest.raises(ClientError) as refused:
        boto3.client("cloudformation").create_stack(
            StackName="lab4",
            TemplateBody=SAM_TEMPLATE,
            Capabilities=["CAPABILITY_IAM"],
            Parameters=[{"ParameterKey": "CodeKey", "ParameterValue": "v1.zip"}],
        )
    assert refused.value.response["Error"]["Code"] == "InsufficientCapabilitiesException"


ROLE = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": []}}}


@pytest.mark.parametrize(
    ("properties", "acknowledged", "needed"),
    [
        ({}, [], "CAPABILITY_IAM"),
        ({"RoleName": "fixed"}, ["CAPABILITY_IAM"], "CAPABILITY_NAMED_IAM"),
        ({}, ["CAPABILITY_IAM"], None),
        ({"RoleName": "fixed"}, ["CAPABILITY_NAMED_IAM"], None),
        ({}, ["CAPABILITY_NAMED_IAM"], None),
    ],
)
def test_iam_resources_need_the_iam_capabilities_as_on_aws(
    aws: EmbeddedMoto, properties: dict, acknowledged: list[str], needed: str | None
) -> None:
    role = {**ROLE, "Properties": {**ROLE["Properties"], **properties}}
    body = json.dumps({"Resources": {"Role": role}})
    cfn = boto3.client("cloudformation")
    calls = [
        lambda: cfn.create_stack(StackName="iam", TemplateBody=body, Capabilities=acknowledged),
        lambda: cfn.create_change_set(
            StackName="iam-cs", ChangeSetName="c", ChangeSetType="CREATE", TemplateBody=body, Capabilities=acknowledged
        ),
    ]
    for call in calls:
        if needed is None:
            call()
            continue
        with pytest.raises(ClientError) as refused:
            call()
        assert refused.value.response["Error"]["Code"] == "InsufficientCapabilitiesException"
        assert refused.value.response["Error"]["Message"] == f"Requires capabilities : [{needed}]"
    if needed is None:
        assert_status("iam", "CREATE_COMPLETE")
    else:
        assert boto3.client("iam").list_roles()["Roles"] == []  # nothing was made
        assert cfn.list_stacks()["StackSummaries"] == []


def test_a_sam_function_needs_capability_iam_for_the_role_sam_makes(aws: EmbeddedMoto) -> None:
    upload_code("v1")
    cfn = boto3.client("cloudformation")
    with pytest.raises(ClientError) as refused:
        cfn.create_change_set(
            StackName="lab4",
            ChangeSetName="no-consent",
            ChangeSetType="CREATE",
            TemplateBody=SAM_TEMPLATE,
            Parameters=[{"ParameterKey": "CodeKey", "ParameterValue": "v1.zip"}],
        )
    assert refused.value.response["Error"]["Message"] == "Requires capabilities : [CAPABILITY_IAM]"
    deploy_change_set("lab4", SAM_TEMPLATE, "CREATE", CodeKey="v1.zip")  # with CAPABILITY_IAM: made
    assert_status("lab4", "CREATE_COMPLETE")
    with pytest.raises(ClientError) as refused:
        cfn.update_stack(
            StackName="lab4",
            TemplateBody=SAM_TEMPLATE,
            Capabilities=["CAPABILITY_AUTO_EXPAND"],
            Parameters=[{"ParameterKey": "CodeKey", "ParameterValue": "v1.zip"}],
        )
    assert refused.value.response["Error"]["Message"] == "Requires capabilities : [CAPABILITY_IAM]"


def test_a_template_the_sam_translator_refuses_is_cloudformations_own_error(aws: EmbeddedMoto) -> None:
    cfn = boto3.client("cloudformation")
    broken = SAM_TEMPLATE.replace("      Handler: app.handler\n", "")
    with pytest.raises(ClientError) as refused:
        cfn.create_stack(
            StackName="lab4",
            TemplateBody=broken,
            Capabilities=CAPABILITIES,
            Parameters=[{"ParameterKey": "CodeKey", "ParameterValue": "v1.zip"}],
        )
    assert refused.value.response["Error"]["Code"] == "ValidationError"
    message = refused.value.response["Error"]["Message"]
    assert message.startswith("Transform AWS::Serverless-2016-10-31 failed with: Invalid Serverless Application")
    assert "[Status]" in message and "Handler" in message
    change_set = deploy_change_set("lab4", broken, "CREATE", CodeKey="v1.zip")  # AWS: the change set FAILED
    assert change_set["Status"] == "FAILED"
    assert change_set["StatusReason"].startswith("Transform AWS::Serverless-2016-10-31 failed with:")
    with pytest.raises(ClientError) as not_executable:
        cfn.execute_change_set(ChangeSetName=change_set["ChangeSetId"])
    assert not_executable.value.response["Error"]["Code"] == "InvalidChangeSetStatus"
    upload_code("v1")
    deploy_change_set("lab4", SAM_TEMPLATE, "CREATE", CodeKey="v1.zip")  # fixed: the same stack is created
    assert [s["StackStatus"] for s in cfn.describe_stacks()["Stacks"]] == ["CREATE_COMPLETE"]


def test_a_redeploy_with_new_code_moves_the_alias_and_keeps_the_table_and_its_items(aws: EmbeddedMoto) -> None:
    upload_code("v1", "v2")
    deploy_change_set("lab4", SAM_TEMPLATE, "CREATE", CodeKey="v1.zip")
    before = outputs("lab4")
    assert before["TableName"] in [e["Value"] for e in boto3.client("cloudformation").list_exports()["Exports"]]
    dynamodb = boto3.client("dynamodb")
    dynamodb.put_item(TableName=before["TableName"], Item={"order_id": {"S": "o-1"}})
    change_set = deploy_change_set("lab4", SAM_TEMPLATE, "UPDATE", CodeKey="v2.zip")
    changes = {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"]["Action"] for c in change_set["Changes"]}
    assert changes["Status"] == "Modify" and changes["StatusAliaslive"] == "Modify" and "Orders" not in changes
    assert_status("lab4", "UPDATE_COMPLETE")
    after = outputs("lab4")
    assert after == before
    function = after["FunctionName"]
    assert boto3.client("lambda").get_alias(FunctionName=function, Name="live")["FunctionVersion"] == "2"
    assert deployed_source(function, "live") == "VERSION = 'v2'\n"
    assert deployed_source(function, "1") == "VERSION = 'v1'\n"  # SAM retains old versions: a rollback target
    assert dynamodb.get_item(TableName=after["TableName"], Key={"order_id": {"S": "o-1"}})["Item"]
    unchanged = deploy_change_set("lab4", SAM_TEMPLATE, "UPDATE", CodeKey="v2.zip")
    assert unchanged["Status"] == "FAILED" and "didn't contain changes" in unchanged["StatusReason"]


def table_template(key: str, billing: str = "PAY_PER_REQUEST", name: str | None = None) -> str:
    properties = {
        "BillingMode": billing,
        "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
    }
    if billing == "PROVISIONED":
        properties["ProvisionedThroughput"] = {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}
    if name:
        properties["TableName"] = name
    return json.dumps(
        {
            "Resources": {"Orders": {"Type": "AWS::DynamoDB::Table", "Properties": properties}},
            "Outputs": {"Table": {"Value": {"Ref": "Orders"}}},
        }
    )


def test_a_table_update_changes_it_in_place_or_replaces_it_as_aws_does(aws: EmbeddedMoto) -> None:
    cfn, dynamodb = boto3.client("cloudformation"), boto3.client("dynamodb")
    cfn.create_stack(StackName="orders", TemplateBody=table_template("order_id"))
    table = outputs("orders")["Table"]
    dynamodb.put_item(TableName=table, Item={"order_id": {"S": "o-1"}})
    cfn.update_stack(StackName="orders", TemplateBody=table_template("order_id", "PROVISIONED"))
    assert_status("orders", "UPDATE_COMPLETE")
    assert outputs("orders")["Table"] == table  # in place: the same table, its items kept
    assert dynamodb.describe_table(TableName=table)["Table"]["ProvisionedThroughput"]["ReadCapacityUnits"] == 2
    assert dynamodb.get_item(TableName=table, Key={"order_id": {"S": "o-1"}})["Item"]
    cfn.update_stack(StackName="orders", TemplateBody=table_template("id", "PROVISIONED"))
    assert_status("orders", "UPDATE_COMPLETE")
    replaced = outputs("orders")["Table"]
    assert replaced != table and table not in dynamodb.list_tables()["TableNames"]  # a new key: a new table
    assert dynamodb.scan(TableName=replaced)["Items"] == []
    cfn.create_stack(StackName="named", TemplateBody=table_template("order_id", name="orders-fixed"))
    cfn.update_stack(StackName="named", TemplateBody=table_template("id", name="orders-fixed"))
    assert status("named") == "UPDATE_ROLLBACK_FAILED"
    events = cfn.describe_stack_events(StackName="named")["StackEvents"]
    [failed] = [e for e in events if e["ResourceStatus"] == "UPDATE_FAILED"]
    assert (
        failed["LogicalResourceId"] == "Orders"
        and "custom-named resource requires replacing" in failed["ResourceStatusReason"]
    )


NAMED_BY_PARAMETER = {
    "Parameters": {"TableName": {"Type": "String", "Default": "orders-a"}},
    "Resources": {
        "Orders": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "TableName": {"Ref": "TableName"},
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
            },
        }
    },
    "Outputs": {"Table": {"Value": {"Ref": "Orders"}}},
}


def test_a_table_name_changed_through_its_parameter_alone_replaces_the_table(aws: EmbeddedMoto) -> None:
    """The resource's definition is the same; the parameter's value is not (a new Default, or a new value)."""
    cfn = boto3.client("cloudformation")
    dynamodb = boto3.client("dynamodb")
    cfn.create_stack(StackName="named", TemplateBody=json.dumps(NAMED_BY_PARAMETER))
    dynamodb.put_item(TableName="orders-a", Item={"k": {"S": "kept-with-the-old-table"}})
    new_default = json.loads(json.dumps(NAMED_BY_PARAMETER))
    new_default["Parameters"]["TableName"]["Default"] = "orders-b"
    cfn.update_stack(StackName="named", TemplateBody=json.dumps(new_default))
    assert_status("named", "UPDATE_COMPLETE")
    assert dynamodb.list_tables()["TableNames"] == ["orders-b"]  # a new, empty table; the old one deleted
    assert dynamodb.scan(TableName="orders-b")["Items"] == []
    assert outputs("named") == {"Table": "orders-b"}
    deploy_change_set("named", json.dumps(new_default), "UPDATE", TableName="orders-c")
    assert dynamodb.list_tables()["TableNames"] == ["orders-c"] and outputs("named") == {"Table": "orders-c"}


def test_deleting_the_stack_removes_what_it_made(aws: EmbeddedMoto) -> None:
    upload_code("v1")
    deploy_change_set("lab4", SAM_TEMPLATE, "CREATE", CodeKey="v1.zip")
    out = outputs("lab4")
    boto3.client("cloudformation").delete_stack(StackName="lab4")
    assert boto3.client("lambda").list_functions()["Functions"] == []
    assert out["TableName"] not in boto3.client("dynamodb").list_tables()["TableNames"]
    assert boto3.client("iam").list_roles()["Roles"] == []


FORMERLY_SKIPPED = """\
Resources:
  Topic:
    Type: AWS::SNS::Topic
  Queue:
    Type: AWS::SQS::Queue
  Subscription:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Topic
      Protocol: sqs
      Endpoint: !GetAtt Queue.Arn
      RawMessageDelivery: true
  QueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: sns.amazonaws.com}
            Action: sqs:SendMessage
            Resource: !GetAtt Queue.Arn
  Errors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: status-errors
      Namespace: AWS/Lambda
      MetricName: Errors
      Dimensions: [{Name: FunctionName, Value: status}]
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
      AlarmActions: [!Ref Topic]
  Secret:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: orders/db
      GenerateSecretString:
        SecretStringTemplate: '{"username": "orders"}'
        GenerateStringKey: password
        PasswordLength: 20
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: orders
  Method:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: GET
      AuthorizationType: NONE
      Integration: {Type: MOCK, IntegrationHttpMethod: GET, Uri: none}  # moto needs both even for MOCK
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: Method
    Properties:
      RestApiId: !Ref Api
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      DeploymentId: !Ref Deployment
      StageName: prod
      Variables: {table: orders}
  App:
    Type: AWS::CodeDeploy::Application
    Properties:
      ComputePlatform: Lambda
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: codedeploy.amazonaws.com}, Action: sts:AssumeRole}]
      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambda]
  Group:
    Type: AWS::CodeDeploy::DeploymentGroup
    Properties:
      ApplicationName: !Ref App
      ServiceRoleArn: !GetAtt DeployRole.Arn
      DeploymentConfigName: CodeDeployDefault.LambdaCanary10Percent5Minutes
      DeploymentStyle: {DeploymentType: BLUE_GREEN, DeploymentOption: WITH_TRAFFIC_CONTROL}
      AlarmConfiguration: {Enabled: true, Alarms: [{Name: !Ref Errors}]}
Outputs:
  Subscription: {Value: !Ref Subscription}
  Alarm: {Value: !Ref Errors}
  AlarmArn: {Value: !GetAtt Errors.Arn}
  Secret: {Value: !Ref Secret}
  Stage: {Value: !Ref Stage}
  Api: {Value: !Ref Api}
  App: {Value: !Ref App}
  Group: {Value: !Ref Group}
"""


def test_types_moto_skipped_are_made_for_real_and_ref_answers_as_on_aws(aws: EmbeddedMoto) -> None:
    cfn = boto3.client("cloudformation")
    cfn.create_stack(StackName="infra", TemplateBody=FORMERLY_SKIPPED, Capabilities=CAPABILITIES)
    assert_status("infra", "CREATE_COMPLETE")
    out = outputs("infra")
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    [subscription] = sns.list_subscriptions()["Subscriptions"]
    assert subscription["SubscriptionArn"] == out["Subscription"]
    queue_url = sqs.list_queues()["QueueUrls"][0]
    assert json.loads(sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    sns.publish(TopicArn=subscription["TopicArn"], Message="order placed")
    [message] = sqs.receive_message(QueueUrl=queue_url)["Messages"]
    assert message["Body"] == "order placed"  # delivered, raw
    [alarm] = boto3.client("cloudwatch").describe_alarms(AlarmNames=[out["Alarm"]])["MetricAlarms"]
    assert alarm["AlarmArn"] == out["AlarmArn"] and alarm["AlarmActions"] == [subscription["TopicArn"]]
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": "status"}] and alarm["Threshold"] == 1.0
    secrets = boto3.client("secretsmanager")
    value = json.loads(secrets.get_secret_value(SecretId="orders/db")["SecretString"])
    assert value["username"] == "orders" and len(value["password"]) == 20
    assert secrets.describe_secret(SecretId="orders/db")["ARN"] == out["Secret"]  # Ref of a secret: its ARN
    stage = boto3.client("apigateway").get_stage(restApiId=out["Api"], stageName=out["Stage"])
    assert out["Stage"] == "prod" and stage["variables"] == {"table": "orders"} and stage["deploymentId"]
    codedeploy = boto3.client("codedeploy")
    assert codedeploy.get_application(applicationName=out["App"])["application"]["computePlatform"] == "Lambda"
    group = codedeploy.get_deployment_group(applicationName=out["App"], deploymentGroupName=out["Group"])
    assert group["deploymentGroupInfo"]["deploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    cfn.delete_stack(StackName="infra")
    assert sns.list_subscriptions()["Subscriptions"] == []
    assert boto3.client("cloudwatch").describe_alarms()["MetricAlarms"] == []
    assert codedeploy.list_applications()["applications"] == []


def test_an_alias_in_a_plain_template_keeps_its_routing_config_and_an_update_changes_it(aws: EmbeddedMoto) -> None:
    upload_code("v1")
    template = {
        "Parameters": {"Weight": {"Type": "String"}},
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "app.handler",
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Code": {"S3Bucket": "code", "S3Key": "v1.zip"},
                },
            },
            "V1": {
                "Type": "AWS::Lambda::Version",
                "Properties": {"FunctionName": {"Ref": "Fn"}, "Description": "first"},
            },
            "Live": {
                "Type": "AWS::Lambda::Alias",
                "Properties": {
                    "FunctionName": {"Ref": "Fn"},
                    "Name": "live",
                    "FunctionVersion": "$LATEST",
                    "Description": "canary",
                    "RoutingConfig": {
                        "AdditionalVersionWeights": [
                            {"FunctionVersion": {"Fn::GetAtt": ["V1", "Version"]}, "FunctionWeight": {"Ref": "Weight"}}
                        ]
                    },
                },
            },
        },
        "Outputs": {"Version": {"Value": {"Ref": "V1"}}, "Alias": {"Value": {"Ref": "Live"}}},
    }
    cfn = boto3.client("cloudformation")
    cfn.create_stack(
        StackName="alias",
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": "Weight", "ParameterValue": "0.1"}],
        Capabilities=["CAPABILITY_IAM"],
    )
    out = outputs("alias")
    function = out["Alias"].split(":")[6]
    assert out["Version"].endswith(f":{function}:1")  # Ref of a version: its ARN
    alias = boto3.client("lambda").get_alias(FunctionName=function, Name="live")
    assert alias["Description"] == "canary" and alias["RoutingConfig"] == {"AdditionalVersionWeights": {"1": 0.1}}
    cfn.update_stack(
        StackName="alias",
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": "Weight", "ParameterValue": "0.5"}],
        Capabilities=["CAPABILITY_IAM"],
    )
    alias = boto3.client("lambda").get_alias(FunctionName=function, Name="live")
    assert_status("alias", "UPDATE_COMPLETE")
    assert alias["RoutingConfig"] == {"AdditionalVersionWeights": {"1": 0.5}}
    cfn.delete_stack(StackName="alias")
    assert boto3.client("lambda").list_functions()["Functions"] == []


def test_a_type_the_backend_cannot_make_fails_the_stack_which_rolls_back(aws: EmbeddedMoto) -> None:
    template = {
        "Resources": {
            "Table": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "TableName": "kept-until-rollback",
                    "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
                },
            },
            "Cert": {
                "Type": "AWS::CertificateManager::Certificate",
                "DependsOn": "Table",
                "Properties": {"DomainName": "example.com"},
            },
        },
        "Outputs": {"Table": {"Value": {"Ref": "Table"}}},
    }
    cfn = boto3.client("cloudformation")
    cfn.create_stack(StackName="broken", TemplateBody=json.dumps(template))
    described = cfn.describe_stacks(StackName="broken")["Stacks"][0]
    assert described["StackStatus"] == "ROLLBACK_COMPLETE" and "Outputs" not in described
    events = cfn.describe_stack_events(StackName="broken")["StackEvents"]
    [failed] = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    assert failed["LogicalResourceId"] == "Cert"
    assert "AWS::CertificateManager::Certificate" in failed["ResourceStatusReason"]
    assert "kept-until-rollback" not in boto3.client("dynamodb").list_tables()["TableNames"]
    with pytest.raises(ClientError) as refused:  # AWS: a ROLLBACK_COMPLETE stack can only be deleted
        deploy_change_set("broken", json.dumps(template), "UPDATE")
    assert "ROLLBACK_COMPLETE state and can not be updated" in refused.value.response["Error"]["Message"]


def aws_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "AWS_MAX_ATTEMPTS": "1"}
    cli = Path(sys.executable).with_name("aws")
    return subprocess.run([str(cli), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_aws_cloudformation_package_then_deploy_through_127_0_0_1(aws: EmbeddedMoto, tmp_path: Path) -> None:
    assert aws.endpoint.startswith("http://127.0.0.1:")
    boto3.client("s3").create_bucket(Bucket="artifacts")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("VERSION = 'packaged'\n")
    template = SAM_TEMPLATE.replace("Parameters:\n  CodeKey:\n    Type: String\n", "").replace(
        "      CodeUri:\n        Bucket: code\n        Key: !Ref CodeKey\n", "      CodeUri: src/\n"
    )
    (tmp_path / "template.yaml").write_text(template)
    packaged = aws_cli(
        "cloudformation",
        "package",
        "--template-file",
        "template.yaml",
        "--s3-bucket",
        "artifacts",
        "--output-template-file",
        "packaged.yaml",
        cwd=tmp_path,
    )
    assert packaged.returncode == 0, packaged.stderr
    assert "s3://artifacts/" in (tmp_path / "packaged.yaml").read_text()
    deployed = aws_cli(
        "cloudformation",
        "deploy",
        "--template-file",
        "packaged.yaml",
        "--stack-name",
        "lab4",
        "--capabilities",
        "CAPABILITY_IAM",
        "--s3-bucket",
        "artifacts",
        cwd=tmp_path,
    )  # TemplateURL
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert_status("lab4", "CREATE_COMPLETE")
    out = outputs("lab4")
    assert deployed_source(out["FunctionName"], "live") == "VERSION = 'packaged'\n"
    again = aws_cli(
        "cloudformation",
        "deploy",
        "--template-file",
        "packaged.yaml",
        "--stack-name",
        "lab4",
        "--capabilities",
        "CAPABILITY_IAM",
        "--no-fail-on-empty-changeset",
        cwd=tmp_path,
    )
    assert again.returncode == 0 and "No changes to deploy" in again.stdout, again.stdout + again.stderr


def test_a_bucket_policy_is_set_and_deny_unless_tls_does_not_deny_the_emulators_requests(aws: EmbeddedMoto) -> None:
    def statement(effect: str, action: str, condition: dict | None = None) -> dict:
        arn = {"Fn::Sub": "arn:aws:s3:::${Bucket}/*"}
        found = {"Effect": effect, "Principal": "*", "Action": action, "Resource": arn}
        return {**found, "Condition": condition} if condition else found

    def template(*statements: dict) -> str:
        return json.dumps(
            {
                "Resources": {
                    "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "managed"}},
                    "Policy": {
                        "Type": "AWS::S3::BucketPolicy",
                        "Properties": {
                            "Bucket": {"Ref": "Bucket"},
                            "PolicyDocument": {"Version": "2012-10-17", "Statement": list(statements)},
                        },
                    },
                }
            }
        )

    cfn, s3 = boto3.client("cloudformation"), boto3.client("s3")
    insecure = {"Bool": {"aws:SecureTransport": "false"}}  # what sam deploy --resolve-s3's bucket has
    cfn.create_stack(StackName="bucket", TemplateBody=template(statement("Deny", "s3:*", insecure)))
    assert json.loads(s3.get_bucket_policy(Bucket="managed")["Policy"])["Statement"][0]["Effect"] == "Deny"
    s3.put_object(Bucket="managed", Key="artifact.zip", Body=b"zip")  # a request here counts as TLS
    cfn.update_stack(StackName="bucket", TemplateBody=template(statement("Deny", "s3:PutObject")))
    with pytest.raises(ClientError) as denied:  # an unconditional Deny still denies
        s3.put_object(Bucket="managed", Key="other.zip", Body=b"zip")
    assert denied.value.response["Error"]["Code"] in ("AccessDenied", "403")


def test_a_sam_api_event_makes_the_rest_api_its_route_proxy_integration_and_prod_stage(aws: EmbeddedMoto) -> None:
    upload_code("v1")
    event = (
        '      Events:\n        Get:\n          Type: Api\n          Properties: {Path: "/orders/{id}", Method: get}\n'
    )
    template = SAM_TEMPLATE.replace("      Environment:\n", event + "      Environment:\n")
    deploy_change_set("api", template, "CREATE", CodeKey="v1.zip")
    assert_status("api", "CREATE_COMPLETE")
    apigateway = boto3.client("apigateway")
    [api] = apigateway.get_rest_apis()["items"]
    assert api["name"] == "api"  # SAM titles its implicit API after the stack
    routes = {r["path"]: r for r in apigateway.get_resources(restApiId=api["id"])["items"]}
    assert list(routes["/orders/{id}"]["resourceMethods"]) == ["GET"]
    integration = apigateway.get_integration(
        restApiId=api["id"], resourceId=routes["/orders/{id}"]["id"], httpMethod="GET"
    )
    assert integration["type"] == "AWS_PROXY" and outputs("api")["AliasArn"] in integration["uri"]
    assert {s["stageName"] for s in apigateway.get_stages(restApiId=api["id"])["item"]} == {"Prod", "Stage"}


def role_policy_resources(stack: str) -> list[str]:
    """The Resource of the first statement of the inline policy SAM gave the stack's function's role."""
    function = outputs(stack)["FunctionName"]
    role = boto3.client("lambda").get_function_configuration(FunctionName=function)["Role"].rsplit("/", 1)[-1]
    iam = boto3.client("iam")
    [inline] = iam.list_role_policies(RoleName=role)["PolicyNames"]
    return iam.get_role_policy(RoleName=role, PolicyName=inline)["PolicyDocument"]["Statement"][0]["Resource"]


def test_sam_policy_templates_are_read_once_and_each_stack_gets_statements_of_its_own(
    aws: EmbeddedMoto, monkeypatch: pytest.MonkeyPatch
) -> None:
    """samtranslator read its policy templates and validated them against their schema at every
    translation: sam_transform.py shares one processor, and each stack's policy still names its own table."""
    from samtranslator.policy_template_processor.processor import PolicyTemplatesProcessor

    from harness.emulator import sam_transform

    sam_transform.policy_templates.cache_clear()
    validations: list[int] = []
    validate = PolicyTemplatesProcessor._is_valid_templates_dict
    monkeypatch.setattr(PolicyTemplatesProcessor, "_is_valid_templates_dict",
                        staticmethod(lambda *args: validations.append(1) or validate(*args)))
    upload_code("v1")
    template = SAM_TEMPLATE.split("\n    Export:")[0] + "\n"  # an export name is the account's: one stack only
    for stack in ("templates-a", "templates-b"):
        boto3.client("cloudformation").create_stack(
            StackName=stack, TemplateBody=template, Capabilities=CAPABILITIES,
            Parameters=[{"ParameterKey": "CodeKey", "ParameterValue": "v1.zip"}],
        )
        assert_status(stack, "CREATE_COMPLETE")
    assert len(validations) == 1
    for stack in ("templates-a", "templates-b"):
        table = outputs(stack)["TableName"]
        assert stack in table
        assert [r for r in role_policy_resources(stack) if "/index/" not in r] == [
            f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}"
        ]


def counted_yaml_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts PyYAML loads from now on (moto's parse of a template is yaml.load)."""
    import yaml

    texts: list[str] = []
    real = yaml.load

    def load(stream: Any, Loader: Any) -> Any:  # noqa: N803 - PyYAML's own name
        texts.append(stream)
        return real(stream, Loader=Loader)

    monkeypatch.setattr(yaml, "load", load)
    return texts


def test_a_template_text_is_parsed_once_by_every_step_and_stack_that_reads_it(aws: EmbeddedMoto, monkeypatch: pytest.MonkeyPatch) -> None:
    """moto parsed a template at each step (its transforms, the capabilities check, the stack, a change set):
    harness/emulator/cfn_parse.py parses a text once, and gives each reader a copy of its own."""
    from moto.cloudformation.models import Stack

    template = f"Description: parsed once {uuid.uuid4()}\nResources:\n  Updates:\n    Type: AWS::SNS::Topic\n"
    loads = counted_yaml_loads(monkeypatch)
    cfn = boto3.client("cloudformation")
    for name in ("parsed-once-a", "parsed-once-b"):
        cfn.create_stack(StackName=name, TemplateBody=template)
        assert_status(name, "CREATE_COMPLETE")
    deploy_change_set("parsed-once-c", template, "CREATE")
    assert_status("parsed-once-c", "CREATE_COMPLETE")
    assert loads.count(template) == 1
    mine = Stack.parse_template(template)
    mine["Resources"]["Updates"]["Type"] = "changed by one reader"
    assert Stack.parse_template(template)["Resources"]["Updates"]["Type"] == "AWS::SNS::Topic"


def test_a_template_that_does_not_parse_is_refused_at_every_deploy(aws: EmbeddedMoto) -> None:
    broken = f"Description: broken {uuid.uuid4()}\nResources: [unclosed\n"
    for name in ("broken-a", "broken-b"):
        with pytest.raises(ClientError) as refused:
            boto3.client("cloudformation").create_stack(StackName=name, TemplateBody=broken)
        assert refused.value.response["Error"]["Code"] == "ValidationError"
