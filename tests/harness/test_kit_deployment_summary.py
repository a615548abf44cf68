"""harness/kit/deployment_summary.py on the embedded backend: a stack the capstone's reference does not look
like (an SQS-fed function, no API, an alarm made by hand outside the stack), and no stack at all."""

from __future__ import annotations

from pathlib import Path

import boto3

from harness.backends import EmbeddedMoto
from harness.kit import sam_deploy
from harness.kit.deployment_summary import NO_STACK, read_showcase

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Results:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      BillingMode: PAY_PER_REQUEST
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Policies:
        - Statement:
            - Effect: Allow
              Action: ["dynamodb:*"]
              Resource: "*"
      Events:
        FromJobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 5
"""


def test_a_queue_fed_function_its_wildcard_role_and_an_alarm_outside_the_stack(aws: EmbeddedMoto, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return None\n")
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    stack = sam_deploy.deploy(tmp_path, "template.yaml", "jobs")
    (worker,) = stack.of_type("AWS::Lambda::Function")
    boto3.client("cloudwatch").put_metric_alarm(
        AlarmName="by-hand", Namespace="AWS/Lambda", MetricName="Throttles", Statistic="Sum", Period=300,
        EvaluationPeriods=2, DatapointsToAlarm=1, Threshold=0, ComparisonOperator="GreaterThanThreshold",
        Dimensions=[{"Name": "FunctionName", "Value": worker.physical_id}])
    showcase = read_showcase("jobs", aws.endpoint)
    assert showcase["deployed"] and not showcase["problem"], showcase["problem"]
    assert showcase["endpoints"] == []
    (function,) = showcase["functions"]
    # dynamodb:* on "*": every item action on the stack's table, as the evaluator reads the role
    assert function["tables"] == [{"table": "Results", "actions": ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query",
                                                                     "Scan", "BatchGetItem", "BatchWriteItem"]}]
    assert {"effect": "Allow", "actions": ["dynamodb:*"], "resources": ["*"], "conditional": False}.items() <= next(
        s for s in function["statements"] if s["actions"] == ["dynamodb:*"]).items()
    (mapping,) = showcase["event_sources"]
    assert (mapping["source"], mapping["kind"], mapping["function"], mapping["batch_size"]) == ("Jobs", "SQS queue", "Worker", 5)
    (alarm,) = showcase["alarms"]
    assert (alarm["name"], alarm["logical_id"], alarm["function"]) == ("by-hand", None, "Worker")
    assert alarm["condition"] == "Sum > 0 in 1 of 2 period(s) of 300 s"


def test_no_stack_means_nothing_was_deployed(aws: EmbeddedMoto) -> None:
    showcase = read_showcase("never-deployed", aws.endpoint)
    assert showcase["deployed"] is False and showcase["status"] is None and showcase["resources"] == []
    assert showcase["problem"] == NO_STACK.format(stack="never-deployed")
