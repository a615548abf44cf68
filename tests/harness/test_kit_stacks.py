"""The grader kit's CloudFormation helpers (harness/kit/stacks.py): a template read and written back the way
`aws cloudformation package` reads and writes it, and a stack read from the backend."""

from __future__ import annotations

from typing import Any

import pytest

from harness.kit.stacks import Stack, StackResource, TemplateError, dump_template, load_template, read_stack

TEMPLATE = """AWSTemplateFormatVersion: 2010-09-09
Transform: AWS::Serverless-2016-10-31
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  Function:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          TABLE: !Ref Table
          ARN: !GetAtt Table.Arn
          INDEX: !Sub "${Table.Arn}/index/*"
"""


def test_short_form_tags_are_read_in_their_long_form_and_survive_a_dump() -> None:
    document = load_template(TEMPLATE)
    variables = document["Resources"]["Function"]["Properties"]["Environment"]["Variables"]
    assert variables == {
        "TABLE": {"Ref": "Table"},
        "ARN": {"Fn::GetAtt": ["Table", "Arn"]},
        "INDEX": {"Fn::Sub": "${Table.Arn}/index/*"},
    }
    document["Resources"]["Table"]["Properties"] = {"TableName": "renamed"}
    again = load_template(dump_template(document))
    assert again["Resources"] == document["Resources"]
    assert str(again["AWSTemplateFormatVersion"]) == "2010-09-09"  # an unquoted date stays that date


@pytest.mark.parametrize("text", ["Resources: [unclosed", "- just\n- a list\n"])
def test_what_is_not_a_template_is_a_template_error(text: str) -> None:
    with pytest.raises(TemplateError):
        load_template(text)


class FakeCloudFormation:
    def __init__(self, stacks: dict[str, dict[str, Any]]) -> None:
        self.stacks = stacks

    def describe_stacks(self, StackName: str) -> dict[str, Any]:  # noqa: N803 - boto3's names
        if StackName not in self.stacks:
            raise LookupError(f"Stack with id {StackName} does not exist")
        return {"Stacks": [self.stacks[StackName]["stack"]]}

    def describe_stack_resources(self, StackName: str) -> dict[str, Any]:  # noqa: N803
        return {"StackResources": self.stacks[StackName]["resources"]}


def test_a_stack_is_read_with_its_resources_and_a_missing_one_is_none() -> None:
    resources = [
        {"LogicalResourceId": "Table", "ResourceType": "AWS::DynamoDB::Table", "PhysicalResourceId": "s-Table-1", "ResourceStatus": "CREATE_COMPLETE"},
        {"LogicalResourceId": "Function", "ResourceType": "AWS::Lambda::Function", "PhysicalResourceId": "s-Function-1", "ResourceStatus": "CREATE_COMPLETE"},
    ]
    client = FakeCloudFormation({"s": {"stack": {"StackStatus": "UPDATE_COMPLETE"}, "resources": resources}})
    stack = read_stack(client, "s")
    assert isinstance(stack, Stack) and stack.complete and stack.reason == ""
    assert stack.of_type("AWS::Lambda::Function") == [StackResource("Function", "AWS::Lambda::Function", "s-Function-1", "CREATE_COMPLETE")]
    assert stack.logical("s-Table-1").logical_id == "Table"
    assert stack.listing() == "Table (AWS::DynamoDB::Table), Function (AWS::Lambda::Function)"
    assert read_stack(client, "missing") is None


def test_a_rolled_back_stack_is_not_complete() -> None:
    client = FakeCloudFormation({"s": {"stack": {"StackStatus": "ROLLBACK_COMPLETE", "StackStatusReason": "x"}, "resources": []}})
    stack = read_stack(client, "s")
    assert stack is not None and not stack.complete and stack.reason == "x" and stack.listing() == "no resources"
