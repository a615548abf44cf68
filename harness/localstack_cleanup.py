"""Isolation between checks on a LocalStack without the state-reset route: delete what is there.

LocalStack's open-source runtime answers ``POST /_localstack/state/reset`` with 404 (the route comes
with its proprietary extensions, which the Docker image bundles). There the harness empties, before
each check, every service a grader or a student's script uses: each is listed and what it holds is
deleted, in an order that lets each deletion succeed (mappings before functions, policies detached
before roles). What cannot be deleted at once is noted: a KMS key is only scheduled for deletion (its
alias goes), and metrics stay until they age out, as on AWS.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, WaiterError

from .settings import DUMMY_ACCESS_KEY, DUMMY_SECRET_KEY, REGION

CONFIG = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 2, "mode": "standard"})
AWS_OWNED_ALIAS = "alias/aws/"


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterable[Any]:
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def _quietly(action: Callable[[], Any], *, tolerate: tuple[str, ...] = ()) -> None:
    """One deletion; a resource already gone (another deletion took it) is no failure."""
    try:
        action()
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if "NotFound" not in code and "NoSuch" not in str(error) and code not in tolerate:
            raise


STACK_DELETE_TRIES = 3


def _cloudformation(client: Any, unavailable: Collection[str] = ()) -> None:
    stacks = [
        s["StackName"] for s in _pages(client, "list_stacks", "StackSummaries")
        if s["StackStatus"] != "DELETE_COMPLETE"
        and not (s["StackStatus"] == "DELETE_FAILED" and _needs_unavailable(client, s["StackId"], unavailable))
    ]
    for name in stacks:
        _quietly(lambda: client.delete_stack(StackName=name))
    for name in stacks:  # its resources first, before the services below delete them under it
        _wait_until_deleted(client, name, unavailable)


def _wait_until_deleted(client: Any, name: str, unavailable: Collection[str] = ()) -> None:
    """A stack whose Lambda functions LocalStack marked Failed ends its first deletion DELETE_FAILED
    (measured: the heist's deployed stack); deleting it again, as on AWS, removes it, most of the time.
    One that stays DELETE_FAILED and was built of a service the backend cannot run is left, as that
    service's own leftovers are (its cleaner is skipped): the checks that touch it are not graded there."""
    for attempt in range(1, STACK_DELETE_TRIES + 1):
        try:
            client.get_waiter("stack_delete_complete").wait(StackName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
            return
        except WaiterError as error:
            if (error.last_response or {}).get("Stacks", [{}])[0].get("StackStatus") != "DELETE_FAILED":
                raise
            if attempt == STACK_DELETE_TRIES:
                if _needs_unavailable(client, name, unavailable):
                    return
                raise
            _quietly(lambda: client.delete_stack(StackName=name))


def _needs_unavailable(client: Any, stack: str, unavailable: Collection[str]) -> bool:
    """The stack's template has a resource of a service in ``unavailable``."""
    if not unavailable:
        return False
    from .unavailable import services_in_template

    body = client.get_template(StackName=stack).get("TemplateBody", "")
    return bool(services_in_template(body if isinstance(body, str) else json.dumps(body)) & set(unavailable))


def _lambda(client: Any) -> None:
    for mapping in _pages(client, "list_event_source_mappings", "EventSourceMappings"):
        _quietly(lambda: client.delete_event_source_mapping(UUID=mapping["UUID"]))
    for function in _pages(client, "list_functions", "Functions"):
        # Where Lambda cannot run code, LocalStack cannot delete a function it marked Failed either
        # (500 "Unable to find version manager"); checks that touch Lambda are not graded there anyway.
        _quietly(lambda: client.delete_function(FunctionName=function["FunctionName"]), tolerate=("InternalError",))
    for layer in _pages(client, "list_layers", "Layers"):
        for version in _pages(client, "list_layer_versions", "LayerVersions", LayerName=layer["LayerName"]):
            _quietly(lambda: client.delete_layer_version(LayerName=layer["LayerName"], VersionNumber=version["Version"]))


def _apigateway(client: Any) -> None:
    for api in _pages(client, "get_rest_apis", "items"):
        _quietly(lambda: client.delete_rest_api(restApiId=api["id"]))
    for plan in _pages(client, "get_usage_plans", "items"):
        _quietly(lambda: client.delete_usage_plan(usagePlanId=plan["id"]))
    for key in _pages(client, "get_api_keys", "items"):
        _quietly(lambda: client.delete_api_key(apiKey=key["id"]))


def _sqs(client: Any) -> None:
    for url in client.list_queues().get("QueueUrls", []):
        _quietly(lambda: client.delete_queue(QueueUrl=url))


def _sns(client: Any) -> None:
    for topic in _pages(client, "list_topics", "Topics"):
        _quietly(lambda: client.delete_topic(TopicArn=topic["TopicArn"]))


def _dynamodb(client: Any) -> None:
    for table in _pages(client, "list_tables", "TableNames"):
        _quietly(lambda: client.delete_table(TableName=table))


def _secretsmanager(client: Any) -> None:
    for secret in _pages(client, "list_secrets", "SecretList", IncludePlannedDeletion=True):
        _quietly(lambda: client.delete_secret(SecretId=secret["ARN"], ForceDeleteWithoutRecovery=True))


def _ssm(client: Any) -> None:
    names = [parameter["Name"] for parameter in _pages(client, "describe_parameters", "Parameters")]
    for start in range(0, len(names), 10):  # DeleteParameters takes ten at a time
        client.delete_parameters(Names=names[start : start + 10])


def _kms(client: Any) -> None:
    for alias in _pages(client, "list_aliases", "Aliases"):
        if not alias["AliasName"].startswith(AWS_OWNED_ALIAS):
            _quietly(lambda: client.delete_alias(AliasName=alias["AliasName"]))
    for key in _pages(client, "list_keys", "Keys"):
        described = client.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if described.get("KeyManager") == "CUSTOMER" and described.get("KeyState") != "PendingDeletion":
            _quietly(lambda: client.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7))


def _iam(client: Any) -> None:
    for role in _pages(client, "list_roles", "Roles"):
        name = role["RoleName"]
        if role.get("Path", "/").startswith("/aws-service-role/"):
            continue
        for policy in _pages(client, "list_attached_role_policies", "AttachedPolicies", RoleName=name):
            _quietly(lambda: client.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"]))
        for policy_name in _pages(client, "list_role_policies", "PolicyNames", RoleName=name):
            _quietly(lambda: client.delete_role_policy(RoleName=name, PolicyName=policy_name))
        for profile in _pages(client, "list_instance_profiles_for_role", "InstanceProfiles", RoleName=name):
            _quietly(lambda: client.remove_role_from_instance_profile(InstanceProfileName=profile["InstanceProfileName"], RoleName=name))
        _quietly(lambda: client.delete_role(RoleName=name))
    for user in _pages(client, "list_users", "Users"):
        name = user["UserName"]
        for policy in _pages(client, "list_attached_user_policies", "AttachedPolicies", UserName=name):
            _quietly(lambda: client.detach_user_policy(UserName=name, PolicyArn=policy["PolicyArn"]))
        for policy_name in _pages(client, "list_user_policies", "PolicyNames", UserName=name):
            _quietly(lambda: client.delete_user_policy(UserName=name, PolicyName=policy_name))
        for key in _pages(client, "list_access_keys", "AccessKeyMetadata", UserName=name):
            _quietly(lambda: client.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"]))
        _quietly(lambda: client.delete_user(UserName=name))
    for policy in _pages(client, "list_policies", "Policies", Scope="Local"):
        arn = policy["Arn"]
        for version in _pages(client, "list_policy_versions", "Versions", PolicyArn=arn):
            if not version["IsDefaultVersion"]:
                _quietly(lambda: client.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"]))
        _quietly(lambda: client.delete_policy(PolicyArn=arn))


def _logs(client: Any) -> None:
    for group in _pages(client, "describe_log_groups", "logGroups"):
        _quietly(lambda: client.delete_log_group(logGroupName=group["logGroupName"]))


def _cloudwatch(client: Any) -> None:
    names = [alarm["AlarmName"] for alarm in _pages(client, "describe_alarms", "MetricAlarms")]
    for start in range(0, len(names), 100):
        client.delete_alarms(AlarmNames=names[start : start + 100])


def _s3(client: Any) -> None:
    for bucket in client.list_buckets().get("Buckets", []):
        name = bucket["Name"]
        for version in _pages(client, "list_object_versions", "Versions", Bucket=name):
            _quietly(lambda: client.delete_object(Bucket=name, Key=version["Key"], VersionId=version["VersionId"]))
        for item in _pages(client, "list_objects_v2", "Contents", Bucket=name):
            _quietly(lambda: client.delete_object(Bucket=name, Key=item["Key"]))
        _quietly(lambda: client.delete_bucket(Bucket=name))


# In order: stacks first (they own resources of the others), then what refers to something else.
CLEANERS: dict[str, Callable[[Any], None]] = {
    "cloudformation": _cloudformation,
    "lambda": _lambda,
    "apigateway": _apigateway,
    "sqs": _sqs,
    "sns": _sns,
    "dynamodb": _dynamodb,
    "secretsmanager": _secretsmanager,
    "ssm": _ssm,
    "kms": _kms,
    "iam": _iam,
    "logs": _logs,
    "cloudwatch": _cloudwatch,
    "s3": _s3,
}


class CleanupFailed(RuntimeError):
    pass


def clean(endpoint: str, skip: Iterable[str] = ()) -> None:
    """Delete what every service in CLEANERS holds, except the services in ``skip`` (unavailable there)."""
    left_out = set(skip)
    for service, cleaner in CLEANERS.items():
        if service in left_out:
            continue
        client = boto3.client(
            service, endpoint_url=endpoint, region_name=REGION, config=CONFIG,
            aws_access_key_id=DUMMY_ACCESS_KEY, aws_secret_access_key=DUMMY_SECRET_KEY,
        )
        try:
            if service == "cloudformation":  # a stack may hold what a skipped service cannot delete
                _cloudformation(client, left_out)
            else:
                cleaner(client)
        except (ClientError, BotoCoreError) as error:
            raise CleanupFailed(f"{service}: {error}") from None
