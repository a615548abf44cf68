"""The grader kit's reading of a deployed role (harness/kit/role_permissions.py): every policy the role holds,
inline, customer managed and AWS managed, evaluated together as IAM evaluates one principal's policies."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from harness.kit.role_permissions import read_role_permissions, role_name_of

ACCOUNT = "123456789012"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Inventory"
OTHER_TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Customers"
CUSTOMER_POLICY = f"arn:aws:iam::{ACCOUNT}:policy/deny-deletes"
FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def statement(effect: str, action: str, resource: str) -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": resource}


class FakeIam:
    """What an IAM client answers about one role; managed policies the backend does not hold raise."""

    def __init__(self, inline: dict[str, Any], attached: list[str], held: dict[str, Any]) -> None:
        self.inline, self.attached, self.held = inline, attached, held

    def get_paginator(self, operation: str) -> Any:
        pages = {
            "list_role_policies": [{"PolicyNames": list(self.inline)}],
            "list_attached_role_policies": [{"AttachedPolicies": [{"PolicyArn": arn} for arn in self.attached]}],
        }

        class Paginator:
            def paginate(self, **_: Any) -> list[dict[str, Any]]:
                return pages[operation]

        return Paginator()

    def get_role_policy(self, RoleName: str, PolicyName: str) -> dict[str, Any]:  # noqa: N803 - boto3's names
        return {"PolicyDocument": self.inline[PolicyName]}

    def get_policy(self, PolicyArn: str) -> dict[str, Any]:  # noqa: N803
        if PolicyArn not in self.held:
            raise LookupError(f"NoSuchEntity: {PolicyArn}")
        return {"Policy": {"DefaultVersionId": "v1"}}

    def get_policy_version(self, PolicyArn: str, VersionId: str) -> dict[str, Any]:  # noqa: N803
        return {"PolicyVersion": {"Document": self.held[PolicyArn]}}


def test_inline_customer_and_aws_managed_policies_are_evaluated_together() -> None:
    read = {"Version": "2012-10-17", "Statement": [statement("Allow", "dynamodb:GetItem", TABLE)]}
    deny = {"Version": "2012-10-17", "Statement": [statement("Deny", "dynamodb:DeleteItem", "*")]}
    iam = FakeIam(
        # AWS answers a document as URL-encoded JSON text; moto as an object.
        inline={"ReadInventory": urllib.parse.quote(json.dumps(read))},
        attached=[CUSTOMER_POLICY, FULL_ACCESS],
        held={CUSTOMER_POLICY: deny},
    )
    permissions = read_role_permissions(iam, "inventory-role")
    assert [p.kind for p in permissions.policies] == ["inline", "customer managed", "AWS managed"]
    assert permissions.decide("dynamodb:GetItem", TABLE).allowed
    # AmazonDynamoDBFullAccess, read from the copy moto ships (the backend held none), allows any table...
    put = permissions.decide("dynamodb:PutItem", OTHER_TABLE)
    assert put.allowed and put.allows[0].described == f"statement 1 of the AWS managed policy {FULL_ACCESS}"
    # ... and the customer managed Deny wins over it.
    delete = permissions.decide("dynamodb:DeleteItem", TABLE)
    assert not delete.allowed and not delete.possibly_allowed and delete.denies


def test_a_role_with_only_logs_allows_no_dynamodb_and_says_what_it_holds() -> None:
    permissions = read_role_permissions(FakeIam({}, [BASIC_EXECUTION], {}), "inventory-role")
    assert not permissions.decide("dynamodb:GetItem", TABLE).possibly_allowed
    assert permissions.decide("logs:PutLogEvents", "arn:aws:logs:us-east-1:1:log-group:x:*").allowed
    assert permissions.described() == f"the role inventory-role holds the AWS managed policy {BASIC_EXECUTION}"


def test_a_managed_policy_nobody_knows_is_reported_unreadable_not_ignored() -> None:
    unknown = f"arn:aws:iam::{ACCOUNT}:policy/gone"
    permissions = read_role_permissions(FakeIam({}, [unknown], {}), "inventory-role")
    assert permissions.unreadable == (unknown,) and not permissions.policies
    assert permissions.described() == "the role inventory-role holds no policy"


def test_the_role_name_is_the_last_part_of_its_arn() -> None:
    assert role_name_of(f"arn:aws:iam::{ACCOUNT}:role/service-role/stack-FunctionRole-1A2B") == "stack-FunctionRole-1A2B"


def test_documents_a_boundary_and_condition_context_decide_together() -> None:
    from harness.kit.role_permissions import permissions_from

    inline = [("wide", json.dumps({"Version": "2012-10-17", "Statement": [statement("Allow", "dynamodb:*", "*")]}))]
    boundary = (f"arn:aws:iam::{ACCOUNT}:policy/reads-only", {"Version": "2012-10-17", "Statement": [
        statement("Allow", "dynamodb:GetItem", "*"),
        {**statement("Deny", "dynamodb:GetItem", OTHER_TABLE), "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ]})
    role = permissions_from("bounded", inline, [(FULL_ACCESS, None)], boundary)
    assert [p.kind for p in role.policies] == ["inline", "AWS managed"]  # moto's copy of the AWS managed policy
    assert role.decide("dynamodb:Scan", TABLE).allowed and not role.within_boundary("dynamodb:Scan", TABLE)
    assert role.within_boundary("dynamodb:GetItem", TABLE)
    over_tls = {"aws:SecureTransport": "true"}
    assert role.decide("dynamodb:GetItem", OTHER_TABLE, over_tls).allowed  # the boundary's Deny does not apply
    assert not role.decide("dynamodb:GetItem", OTHER_TABLE, {"aws:SecureTransport": "false"}).allowed
    assert not permissions_from("gone", [], [], (f"arn:aws:iam::{ACCOUNT}:policy/missing", None)).within_boundary("s3:GetObject", "*")
