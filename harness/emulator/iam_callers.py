"""Who signed a request that IAM enforcement judges, and what that identity's own policies say.

Two kinds of caller, both identified by the access key of the request's SigV4 signature:
- a deployed function's role session (iam_enforcement.mint), or any other session of moto's STS
  (``assume_role``, as a grader's ``as_identity`` may use): the role's inline, attached managed (AWS
  managed ones from moto's copy when the backend has not loaded them) policies and its boundary;
- an IAM user's access key (``create_access_key``, the heist's victim and attacker): the user's inline
  and attached policies and those of its groups (moto keeps no permissions boundary for users).
The emulator's dummy keys are neither: they stand for the account itself and are never judged.
The signature is not verified (moto does not either); the key names the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ROLE, USER = "AssumedRole", "User"  # aws:PrincipalType


@dataclass(frozen=True)
class Caller:
    """An IAM identity as policies name it."""

    account_id: str
    principal_arn: str  # the role's or the user's ARN: aws:PrincipalArn, what a Principal element names
    arn: str  # who refusals name: arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION, or the user's ARN
    kind: str  # ROLE or USER

    def principals(self) -> tuple[tuple[str, str], ...]:
        """The principals a resource policy may name for this caller (the role and its session, or the user)."""
        return tuple(("AWS", arn) for arn in dict.fromkeys((self.principal_arn, self.arn)))

    def context(self, region: str) -> dict[str, str | None]:
        """The condition keys a direct call carries (None: it does not carry that key, as for every
        aws:Source* key: only a service acting on someone's behalf sends them)."""
        return {
            "aws:PrincipalArn": self.principal_arn,
            "aws:PrincipalAccount": self.account_id,
            "aws:PrincipalType": self.kind,
            "aws:username": self.principal_arn.rsplit("/", 1)[-1] if self.kind == USER else None,
            "aws:SecureTransport": "true",  # the emulator stands in for the services' HTTPS endpoints
            "aws:RequestedRegion": region,
            "aws:SourceArn": None,
            "aws:SourceAccount": None,
            "aws:SourceOwner": None,
            "aws:ViaAWSService": "false",
        }


def role_session(account_id: str, role_arn: str, session_arn: str) -> Caller:
    return Caller(account_id, role_arn, session_arn, ROLE)


def outside_caller(access_key_id: str, account_id: str) -> Caller | None:
    """The IAM user or STS session an access key belongs to in this account; None for any other key."""
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    user = iam_backends[account_id]["aws"].get_user_from_access_key_id(access_key_id)
    if user is not None:
        return Caller(account_id, user.arn, user.arn, USER)
    for assumed in sts_backends[account_id]["aws"].assumed_roles:
        if assumed.access_key_id == access_key_id:
            return role_session(account_id, assumed.role_arn, assumed.arn)
    return None


def permissions(caller: Caller) -> Any:
    """The caller's identity policies as the kit reads them (harness/kit/role_permissions.py), read from
    moto's IAM state at each request; None when the role or user is gone (it is allowed nothing)."""
    from moto.iam.models import iam_backends

    from harness.kit.role_permissions import permissions_from

    backend = iam_backends[caller.account_id]["aws"]
    try:
        if caller.kind == USER:
            return _user_permissions(backend, caller.principal_arn.rsplit("/", 1)[-1])
        role = backend.get_role_by_arn(caller.principal_arn)
    except Exception:  # noqa: BLE001 - a deleted identity allows nothing
        return None
    managed = [(arn, _default_document(policy)) for arn, policy in role.managed_policies.items()]
    boundary = None
    if role.permissions_boundary_arn:
        arn = role.permissions_boundary_arn
        policy = backend.managed_policies.get(arn) or getattr(backend, "aws_managed_policies", {}).get(arn)
        boundary = (arn, _default_document(policy) if policy is not None else None)
    return permissions_from(role.name, list(role.policies.items()), managed, boundary)


def _user_permissions(backend: Any, name: str) -> Any:
    from harness.kit.role_permissions import permissions_from

    user = backend.get_user(name)
    inline = list(user.policies.items())
    managed = [(arn, _default_document(policy)) for arn, policy in user.managed_policies.items()]
    for group in backend.get_groups_for_user(name):
        inline += [(f"{group.name}/{policy}", document) for policy, document in group.policies.items()]
        managed += [(arn, _default_document(policy)) for arn, policy in group.managed_policies.items()]
    return permissions_from(f"user {name}", inline, managed)


def _default_document(policy: Any) -> Any:
    return next((version.document for version in policy.versions if version.is_default), None)
