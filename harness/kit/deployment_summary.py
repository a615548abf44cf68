"""What a deployed stack holds, read back from the backend for the report's showcase page: its resources,
the routes its REST APIs serve (with the local URL of each), each function's role in brief and the tables
it may use, its event source mappings and its alarms.

Only AWS API calls, made by the grading process: no student code is imported or run, and any template
(SAM or plain CloudFormation, one function or many) reads the same. A deploy check asks for it with the
``report_showcase`` fixture, which reads the stack after the check, whether the deploy worked or not, so
the page says honestly what was there:

    report_showcase.stack = STACK
    service = deploy_and_read(exercise)

The grading run renders it as reports/<exercise>-showcase.md (harness/showcase.py).
"""

from __future__ import annotations

import re
from typing import Any

from ..report_types import (
    Showcase,
    ShowcaseAlarm,
    ShowcaseEndpoint,
    ShowcaseEventSource,
    ShowcaseFunction,
    ShowcaseResource,
    ShowcaseStatement,
    ShowcaseTableAccess,
)
from ..served_apis import stage_url
from .role_permissions import read_role_permissions, role_name_of
from .stacks import Stack, read_stack

FUNCTION_TYPE = "AWS::Lambda::Function"
TABLE_TYPE = "AWS::DynamoDB::Table"
API_TYPE = "AWS::ApiGateway::RestApi"
ALARM_TYPE = "AWS::CloudWatch::Alarm"
# The item actions a diagram's arrow from a function to a table names (what the role allows there).
TABLE_ACTIONS = ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem")
NO_STACK = "There is no stack {stack}: nothing was deployed."
NOT_COMPLETE = "The stack {stack} is {status}{reason}, not CREATE_COMPLETE or UPDATE_COMPLETE: what it holds may not work."
UNREADABLE = "Could not read {what} from the backend ({error})."


def read_showcase(stack_name: str, endpoint: str) -> Showcase:
    """The stack as the backend holds it now; a missing stack says nothing was deployed."""
    import boto3

    stack = read_stack(boto3.client("cloudformation"), stack_name)
    if stack is None:
        return empty_showcase(stack_name, NO_STACK.format(stack=stack_name))
    problems: list[str] = []
    if not stack.complete:
        reason = f" ({stack.reason})" if stack.reason else ""
        problems.append(NOT_COMPLETE.format(stack=stack_name, status=stack.status, reason=reason))
    tables = _read(problems, "the tables", lambda: _tables(stack), {})
    functions = _read(problems, "the functions' roles", lambda: _functions(stack, tables), [])
    endpoints = _read(problems, "the REST APIs", lambda: _endpoints(stack, endpoint), [])
    event_sources = _read(problems, "the event source mappings", lambda: _event_sources(stack, tables), [])
    alarms = _read(problems, "the alarms", lambda: _alarms(stack), [])
    return {"stack": stack_name, "deployed": stack.complete, "status": stack.status, "problem": " ".join(problems),
            "resources": [_resource(r) for r in stack.resources], "endpoints": endpoints, "functions": functions,
            "event_sources": event_sources, "alarms": alarms}


def empty_showcase(stack_name: str, problem: str) -> Showcase:
    return {"stack": stack_name, "deployed": False, "status": None, "problem": problem, "resources": [],
            "endpoints": [], "functions": [], "event_sources": [], "alarms": []}


# --------------------------------------------------------------------------------------- reading


def _read(problems: list[str], what: str, read: Any, default: Any) -> Any:
    try:
        return read()
    except Exception as error:  # noqa: BLE001 - one part that cannot be read leaves the others shown
        problems.append(UNREADABLE.format(what=what, error=_short(error)))
        return default


def _short(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _resource(resource: Any) -> ShowcaseResource:
    return {"logical_id": resource.logical_id, "type": resource.type, "physical_id": resource.physical_id,
            "status": resource.status}


def _logical(stack: Stack, physical_id: str) -> str:
    found = stack.logical(physical_id)
    return found.logical_id if found else physical_id


def _tables(stack: Stack) -> dict[str, dict[str, Any]]:
    """logical id -> describe_table's Table, for the stack's tables."""
    import boto3

    dynamodb = boto3.client("dynamodb")
    return {t.logical_id: dynamodb.describe_table(TableName=t.physical_id)["Table"] for t in stack.of_type(TABLE_TYPE)}


def function_of(uri: str) -> str | None:
    """The function name in an AWS_PROXY integration URI (.../functions/arn:aws:lambda:...:function:NAME/invocations)."""
    match = re.search(r":function:([^/:]+)", uri or "")
    return match.group(1) if match else None


def _endpoints(stack: Stack, endpoint: str) -> list[ShowcaseEndpoint]:
    import boto3

    client = boto3.client("apigateway")
    found: list[ShowcaseEndpoint] = []
    for api in stack.of_type(API_TYPE):
        stages = sorted(s["stageName"] for s in client.get_stages(restApiId=api.physical_id).get("item", []))
        declared = {r.physical_id for r in stack.of_type("AWS::ApiGateway::Stage")}
        # SAM's implicit "Stage" stage sits beside the one the template names: show the named one.
        shown = [s for s in stages if s in declared] or [s for s in stages if s != "Stage"] or stages
        resources = client.get_resources(restApiId=api.physical_id, limit=500).get("items", [])
        for resource in sorted(resources, key=lambda r: r["path"]):
            for method in sorted(resource.get("resourceMethods") or {}):
                described = client.get_method(restApiId=api.physical_id, resourceId=resource["id"], httpMethod=method)
                function = function_of((described.get("methodIntegration") or {}).get("uri", ""))
                for stage in shown:
                    found.append({
                        "api": api.logical_id, "stage": stage, "method": method, "path": resource["path"],
                        "authorization": described.get("authorizationType") or "NONE",
                        "function": _logical(stack, function) if function else None,
                        "url": stage_url(endpoint, api.physical_id, stage, resource["path"]),
                    })
    return found


def _functions(stack: Stack, tables: dict[str, dict[str, Any]]) -> list[ShowcaseFunction]:
    import boto3

    lam, iam = boto3.client("lambda"), boto3.client("iam")
    found: list[ShowcaseFunction] = []
    for resource in stack.of_type(FUNCTION_TYPE):
        role_arn = lam.get_function_configuration(FunctionName=resource.physical_id).get("Role", "")
        permissions = read_role_permissions(iam, role_name_of(role_arn))
        statements: list[ShowcaseStatement] = [
            {"policy": policy.described.removeprefix("the "), "effect": s.effect, "actions": list(s.actions),
             "resources": list(s.resources), "conditional": s.conditional}
            for policy in permissions.policies for s in policy.policy.statements
        ]
        access: list[ShowcaseTableAccess] = []
        for logical_id, table in tables.items():
            arns = [table["TableArn"]] + [f"{table['TableArn']}/index/{i['IndexName']}" for i in table.get("GlobalSecondaryIndexes", [])]
            allowed = [a for a in TABLE_ACTIONS if any(permissions.decide(f"dynamodb:{a}", arn).possibly_allowed for arn in arns)]
            if allowed:
                access.append({"table": logical_id, "actions": allowed})
        found.append({"logical_id": resource.logical_id, "name": resource.physical_id, "role": permissions.role_name,
                      "statements": statements, "tables": access})
    return found


def _source_of(arn: str, stack: Stack, tables: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """(what the mapping reads, its kind) for an event source ARN."""
    for logical_id, table in tables.items():
        if table.get("LatestStreamArn") == arn:
            return logical_id, "DynamoDB stream"
    service = arn.split(":")[2] if arn.count(":") >= 5 else ""
    name = arn.rsplit(":", 1)[-1].split("/")[-1]
    kinds = {"sqs": "SQS queue", "kinesis": "Kinesis stream", "dynamodb": "DynamoDB stream", "kafka": "Kafka topic"}
    if service == "sqs":  # a queue's physical id is its URL, which ends with its name
        name = next((q.logical_id for q in stack.of_type("AWS::SQS::Queue") if q.physical_id.rsplit("/", 1)[-1] == name), name)
    return name, kinds.get(service, service or "event source")


def _event_sources(stack: Stack, tables: dict[str, dict[str, Any]]) -> list[ShowcaseEventSource]:
    import boto3

    lam = boto3.client("lambda")
    found: list[ShowcaseEventSource] = []
    for function in stack.of_type(FUNCTION_TYPE):
        for mapping in lam.list_event_source_mappings(FunctionName=function.physical_id).get("EventSourceMappings", []):
            source, kind = _source_of(mapping.get("EventSourceArn", ""), stack, tables)
            found.append({"source": source, "kind": kind, "function": function.logical_id,
                          "batch_size": mapping.get("BatchSize"), "starting_position": mapping.get("StartingPosition"),
                          "state": mapping.get("State", "")})
    return found


COMPARISONS = {"GreaterThanOrEqualToThreshold": ">=", "GreaterThanThreshold": ">", "LessThanThreshold": "<",
               "LessThanOrEqualToThreshold": "<="}


def _alarms(stack: Stack) -> list[ShowcaseAlarm]:
    import boto3

    functions = {f.physical_id: f.logical_id for f in stack.of_type(FUNCTION_TYPE)}
    names = {a.physical_id for a in stack.of_type(ALARM_TYPE)}
    found: list[ShowcaseAlarm] = []
    for alarm in boto3.client("cloudwatch").describe_alarms(AlarmTypes=["MetricAlarm"])["MetricAlarms"]:
        dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
        watched = functions.get(dimensions.get("FunctionName", ""))
        if alarm["AlarmName"] not in names and watched is None:
            continue
        periods = alarm.get("EvaluationPeriods")
        condition = (f"{alarm.get('Statistic') or alarm.get('ExtendedStatistic') or '?'} "
                     f"{COMPARISONS.get(alarm.get('ComparisonOperator', ''), alarm.get('ComparisonOperator', '?'))} "
                     f"{float(alarm.get('Threshold', 0)):g} in {alarm.get('DatapointsToAlarm') or periods} of {periods} "
                     f"period(s) of {alarm.get('Period', '?')} s")
        found.append({"name": alarm["AlarmName"], "logical_id": _logical(stack, alarm["AlarmName"]) if alarm["AlarmName"] in names else None,
                      "metric": f"{alarm.get('Namespace', '')} {alarm.get('MetricName', '')}".strip(),
                      "dimensions": [f"{k}={v}" for k, v in dimensions.items()], "function": watched, "condition": condition})
    return found
