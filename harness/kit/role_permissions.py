"""What an IAM role's policies allow together, read back from the backend: inline, customer managed and
AWS managed policies, evaluated with the kit's IAM evaluator (iam.py).

A grader that judges a deployed role (one CloudFormation or SAM made, whatever the template's shape)
asks this module instead of reading a template. AWS managed policies are read from the backend when it
holds them, else from the copy of AWS's managed policies that moto ships: the embedded backend loads
none by default, and a policy such as AmazonDynamoDBFullAccess must be judged by what it allows.
"""

from __future__ import annotations

import functools
import json
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .iam import Decision, Match, Policy, parse_policy

AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"


@dataclass(frozen=True)
class RolePolicy:
    """One policy the role holds, named as a student would look it up."""

    kind: str  # "inline", "customer managed" or "AWS managed"
    name: str  # the inline policy's name, or the managed policy's ARN
    document: Any
    policy: Policy

    @property
    def described(self) -> str:
        return f"the {self.kind} policy {self.name}"


@dataclass(frozen=True)
class Grant:
    """A statement of one of the role's policies that applies to a request."""

    policy: RolePolicy
    match: Match

    @property
    def described(self) -> str:
        return f"{self.match.statement.name} of {self.policy.described}"


@dataclass(frozen=True)
class RoleDecision:
    allows: tuple[Grant, ...]
    denies: tuple[Grant, ...]

    @property
    def allowed(self) -> bool:
        """Allowed whatever any Condition says (as Decision.allowed, across every policy of the role)."""
        return any(not g.match.conditional for g in self.allows) and not self.denies

    @property
    def possibly_allowed(self) -> bool:
        return bool(self.allows) and not any(not g.match.conditional for g in self.denies)


@dataclass(frozen=True)
class RolePermissions:
    role_name: str
    policies: tuple[RolePolicy, ...]
    unreadable: tuple[str, ...]  # managed policies whose document could not be found anywhere
    boundary: RolePolicy | None = None  # the permissions boundary: caps what the policies may allow

    def decide(self, action: str, resource: str, context: Mapping[str, str | None] | None = None) -> RoleDecision:
        """What the role's policies say about a request; ``context`` as for Policy.decide. A boundary's
        Deny counts as the role's Deny; that the boundary must also allow is ``within_boundary``'s."""
        allows: list[Grant] = []
        denies: list[Grant] = []
        for role_policy in self.policies + ((self.boundary,) if self.boundary else ()):
            decision: Decision = role_policy.policy.decide(action, resource, context=context)
            if role_policy is not self.boundary:
                allows += [Grant(role_policy, match) for match in decision.allows]
            denies += [Grant(role_policy, match) for match in decision.denies]
        return RoleDecision(tuple(allows), tuple(denies))

    def within_boundary(self, action: str, resource: str, context: Mapping[str, str | None] | None = None) -> bool:
        """A permissions boundary allows the request (always true for a role without one)."""
        return self.boundary is None or self.boundary.policy.decide(action, resource, context=context).allowed

    def described(self) -> str:
        """The role's policies in a line: what a failure message lists when nothing allows a request."""
        if not self.policies:
            return f"the role {self.role_name} holds no policy"
        return f"the role {self.role_name} holds " + ", ".join(p.described for p in self.policies)


def as_document(document: Any) -> Any:
    """IAM answers documents as objects (moto) or URL-encoded JSON text (AWS, LocalStack)."""
    if isinstance(document, str):
        try:
            return json.loads(urllib.parse.unquote(document))
        except ValueError:
            return document
    return document


@functools.cache
def _shipped_aws_managed() -> dict[str, Any]:
    """AWS's managed policies as moto ships them, by ARN."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    shipped = json.loads(aws_managed_policies_data)
    return {
        f"arn:aws:iam::aws:policy{entry.get('Path', '/')}{name}": entry["Document"] for name, entry in shipped.items()
    }


def _managed_document(iam: Any, arn: str) -> Any:
    try:
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        return as_document(iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"])
    except Exception:  # noqa: BLE001 - not on this backend: an AWS managed policy may still be known
        return _shipped_aws_managed().get(arn) if arn.startswith(AWS_MANAGED_PREFIX) else None


def role_name_of(role_arn: str) -> str:
    """arn:aws:iam::123456789012:role/path/name -> name."""
    return role_arn.rsplit("/", 1)[-1]


def _managed(arn: str, document: Any) -> RolePolicy:
    kind = "AWS managed" if arn.startswith(AWS_MANAGED_PREFIX) else "customer managed"
    return RolePolicy(kind, arn, document, parse_policy(document))


def permissions_from(
    role_name: str,
    inline: Iterable[tuple[str, Any]],
    managed: Iterable[tuple[str, Any]],
    boundary: tuple[str, Any] | None = None,
) -> RolePermissions:
    """A role's permissions from its documents: inline (name, document), attached managed (ARN, document
    or None when it could not be read; an AWS managed one falls back to moto's copy) and its boundary."""
    policies = [RolePolicy("inline", name, as_document(document), parse_policy(as_document(document))) for name, document in inline]
    unreadable: list[str] = []
    for arn, document in managed:
        document = as_document(document) if document is not None else _shipped_aws_managed().get(arn)
        if document is None:
            unreadable.append(arn)
        else:
            policies.append(_managed(arn, document))
    limit = None
    if boundary is not None:
        arn, document = boundary
        document = as_document(document) if document is not None else _shipped_aws_managed().get(arn)
        # An unreadable boundary allows nothing, as a boundary that names no action would.
        limit = _managed(arn, document if document is not None else {"Version": "2012-10-17", "Statement": []})
    return RolePermissions(role_name, tuple(policies), tuple(unreadable), limit)


def read_role_permissions(iam: Any, role_name: str) -> RolePermissions:
    """Every policy the role holds, read from the backend with the IAM client given."""
    inline: list[tuple[str, Any]] = []
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=role_name):
        for name in page["PolicyNames"]:
            inline.append((name, iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]))
    managed: list[tuple[str, Any]] = []
    for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=role_name):
        for attached in page["AttachedPolicies"]:
            managed.append((attached["PolicyArn"], _managed_document(iam, attached["PolicyArn"])))
    return permissions_from(role_name, inline, managed)
