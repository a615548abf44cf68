"""CloudFormation: an ``AWS::IAM::Role`` gets its ``ManagedPolicyArns``, and an update changes its policies.

moto's Role model ignores ``ManagedPolicyArns`` (SAM's AWSLambdaBasicExecutionRole, or a student's
AmazonDynamoDBFullAccess, is never attached, so a least-privilege check cannot see it) and its update
keeps the old inline ``Policies`` and trust policy. Here the managed policies are attached (an AWS
managed one is loaded from the set moto ships the first time it is used, as if the account always had
it; an unknown ARN fails the resource, as on AWS), and an update puts, deletes, attaches and detaches
what the template now says. Policies a stack did not declare (an ``AWS::IAM::Policy``) are left alone.
"""

from __future__ import annotations

import functools
import json
from typing import Any

AWS_MANAGED_PREFIX = ":iam::aws:policy/"


@functools.cache
def aws_managed_policy_data() -> dict[str, Any]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return json.loads(aws_managed_policies_data)


def ensure_aws_managed(iam: Any, arn: str) -> None:
    """Load one AWS managed policy into moto's IAM when a template first uses it."""
    from moto.iam.models import AWSManagedPolicy

    if arn in iam.managed_policies or AWS_MANAGED_PREFIX not in arn:
        return
    name = arn.rsplit("/", 1)[-1]
    data = aws_managed_policy_data().get(name)
    if data is not None:
        policy = AWSManagedPolicy.from_data(name, iam.account_id, iam.region_name, data)
        if policy.arn == arn:
            iam.managed_policies[arn] = policy


def document_text(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


def sync_policies(iam: Any, role: Any, properties: dict[str, Any], previous: dict[str, Any]) -> None:
    """Make the role's stack-declared policies what ``properties`` says; ``previous`` is what it said."""
    inline = {p["PolicyName"]: document_text(p["PolicyDocument"]) for p in properties.get("Policies", [])}
    for name in set(previous.get("inline", ())) - set(inline):
        role.policies.pop(name, None)
    for name, document in inline.items():
        # Not IAM's PutRolePolicy: moto's refuses a document with no Version, which AWS accepts. As text:
        # moto's own create stores the dict, which GetRolePolicy then answers unparseable.
        role.put_policy(name, document)
    arns = list(properties.get("ManagedPolicyArns", []))
    for arn in set(previous.get("managed", ())) - set(arns):
        if arn in role.managed_policies:
            iam.detach_role_policy(arn, role.name)
    for arn in arns:
        if arn not in role.managed_policies:
            ensure_aws_managed(iam, arn)
            iam.attach_role_policy(arn, role.name)  # NoSuchEntity for an unknown ARN: the resource fails
    role.declared_by_stack = {"inline": list(inline), "managed": arns}


def apply() -> None:
    from moto.iam.models import Role, iam_backends
    from moto.utilities.utils import get_partition

    create = Role.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]
    update = Role.update_from_cloudformation_json.__func__  # type: ignore[attr-defined]
    delete = Role.delete_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def iam_of(account_id: str, region_name: str) -> Any:
        return iam_backends[account_id][get_partition(region_name)]

    def create_with_policies(
        cls: type, resource_name: str, cloudformation_json: dict, account_id: str, region_name: str, **kw: Any
    ) -> Role:
        role = create(cls, resource_name, cloudformation_json, account_id, region_name, **kw)
        properties = cloudformation_json.get("Properties", {})
        sync_policies(iam_of(account_id, region_name), role, properties, {})
        return role

    def update_with_policies(
        cls: type,
        original_resource: Role,
        new_resource_name: str,
        cloudformation_json: dict,
        account_id: str,
        region_name: str,
    ) -> Role:
        role = update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        properties = cloudformation_json.get("Properties", {})
        if "AssumeRolePolicyDocument" in properties:
            role.assume_role_policy_document = document_text(properties["AssumeRolePolicyDocument"])
        previous = getattr(original_resource, "declared_by_stack", {})
        sync_policies(iam_of(account_id, region_name), role, properties, previous)
        return role

    def delete_detaching_first(
        cls: type, resource_name: str, cloudformation_json: dict, account_id: str, region_name: str
    ) -> None:
        iam = iam_of(account_id, region_name)
        role = iam.roles.get(next((r.id for r in iam.roles.values() if r.name == resource_name), ""), None)
        for arn in list(role.managed_policies) if role else []:
            iam.detach_role_policy(arn, resource_name)  # IAM refuses to delete a role with policies attached
        delete(cls, resource_name, cloudformation_json, account_id, region_name)

    Role.create_from_cloudformation_json = classmethod(create_with_policies)  # type: ignore[assignment]
    Role.update_from_cloudformation_json = classmethod(update_with_policies)  # type: ignore[assignment]
    Role.delete_from_cloudformation_json = classmethod(delete_detaching_first)  # type: ignore[assignment]
