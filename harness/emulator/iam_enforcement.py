"""IAM enforcement for deployed code: a function's calls are allowed or refused by its execution role;
and outside callers' SNS calls by their identity policies and the topic's policy.

A mode a grader switches on for one check (``POST /_course/iam-enforcement {"enabled": true}``, or
harness/kit/iam_enforcement.py); every reset switches it off, so nothing else changes. While it is on,
each new Lambda execution environment gets session credentials for its function's role, minted with
moto's STS as Lambda mints them (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; session
name = the function's name). A request signed with such a key is authorized as IAM does for one
account, with the grader kit's evaluator (harness/kit/iam.py, role_permissions.py):
- the role's inline and attached managed policies (AWS managed ones from moto's copy when the backend
  has not loaded them) and its permissions boundary, read live at each request;
- the target's resource policy (iam_resource_policies.py): S3 bucket, SQS queue, SNS topic, Secrets
  Manager secret; a KMS key's policy is authoritative, as in KMS (identity policies count only when it
  delegates to the account);
- an explicit Deny anywhere wins; then an Allow in the resource policy for the role, or in the
  identity policies (within the boundary); otherwise the default deny (a resource of another account
  needs both Allows).
An SNS request signed by an IAM user's access key or by another session of moto's STS (iam_callers.py:
the heist's attacker, a grader's ``as_identity``) is judged the same way, with that identity's policies;
its requests to other services are not (a grader's attacker may still make her own queue).
Condition keys the request carries (aws:PrincipalArn, aws:PrincipalAccount, aws:SecureTransport,
aws:RequestedRegion, aws:SourceArn...) are evaluated; a statement whose condition cannot be decided
allows nothing and, when it denies, denies (fail closed). ``sts:GetCallerIdentity`` is always allowed.
The function's own log is written by Lambda with the role too: without the Logs permissions it is lost.

What this builds on moto and what it replaces: moto's hook (``ActionAuthenticatorMixin.
_authenticate_and_authorize_action``, called before every action) and its STS sessions are used as
they are; moto's evaluator is replaced for these callers (it is global, needs IAM-user keys for every
caller, evaluates resource "*" for most services, matches actions case-sensitively, crashes on `?`,
ignores resource policies and answers every service in query XML). Every other caller (the grader,
students' scripts, with the dummy keys) goes to moto's own check, which the harness leaves off.
Measured before outside callers were judged: with enforcement on, an IAM user allowed only
execute-api:Invoke could Subscribe, Publish, GetTopicAttributes and SetTopicAttributes on a topic whose
policy names only the account's root (and use DynamoDB and SQS: still so).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from . import iam_callers, iam_errors, iam_requests, iam_resource_policies, resets

LOCK = threading.Lock()
# Services whose requests signed by an IAM user or another STS session are judged too (the heist's
# attacker against the topic's policy); such callers' requests to other services are not.
OUTSIDE_CALLERS_JUDGED = frozenset({"sns"})


@dataclass(frozen=True)
class Session:
    """Credentials minted for a function's execution environment."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    account_id: str
    role_arn: str
    arn: str  # arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION: who the error messages name

    @property
    def caller(self) -> iam_callers.Caller:
        return iam_callers.role_session(self.account_id, self.role_arn, self.arn)

    def environment(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }


class _State:
    enabled = False
    sessions: dict[str, Session] = {}


def enabled() -> bool:
    return _State.enabled


def set_enabled(flag: bool) -> None:
    _State.enabled = bool(flag)


def _forget() -> None:
    with LOCK:
        _State.enabled = False
        _State.sessions = {}


def mint(account_id: str, region: str, role_arn: str, session_name: str) -> Session:
    """Session credentials for the role, from moto's STS (its sessions are what moto's accounts map)."""
    from moto.sts.models import sts_backends

    assumed = sts_backends[account_id]["aws"].assume_role(
        region_name=region, role_session_name=session_name[:64], role_arn=role_arn,
        policy="", duration=43200, external_id="",
    )
    parts = role_arn.split(":")
    role_account = parts[4] if len(parts) > 5 and parts[4] else account_id  # a malformed ARN: no such role, denied
    session = Session(assumed.access_key_id, assumed.secret_access_key, assumed.session_token,
                      role_account, role_arn, assumed.arn)
    with LOCK:
        _State.sessions[session.access_key_id] = session
    return session


def session_of(access_key_id: str) -> Session | None:
    return _State.sessions.get(access_key_id)


# ------------------------------------------------------------------------------------------ deciding


def decide(caller: iam_callers.Caller, action: str, resource: str, region: str) -> str | None:
    """None when IAM allows the call; else the reason IAM gives for refusing it.

    Within one account an Allow in either the caller's identity policies (within its boundary) or the
    target's resource policy is enough; across accounts both must allow. An explicit Deny anywhere wins."""
    from harness.kit.iam import parse_policy

    service = action.split(":", 1)[0]
    named = iam_errors.shown_action(action)
    keys = caller.context(region)
    permissions = iam_callers.permissions(caller)
    identity = permissions.decide(action, resource, keys) if permissions is not None else None
    if identity is not None and identity.denies:
        return "with an explicit deny in an identity-based policy"
    owner = _account_of(resource) or caller.account_id  # the resource policy lives with the resource
    document = iam_resource_policies.document(service, resource, owner, region)
    resource_allows = delegates = False
    if document is not None:
        policy = parse_policy(document, kind="resource")
        for principal in caller.principals():
            decision = policy.decide(action, resource, principal=principal, context=keys)
            if decision.denies:
                return "with an explicit deny in a resource-based policy"
            resource_allows = resource_allows or decision.allowed
        root = ("AWS", f"arn:aws:iam::{caller.account_id}:root")
        delegates = policy.decide(action, resource, principal=root, context=keys).allowed
    bounded = permissions is not None and permissions.within_boundary(action, resource, keys)
    identity_allows = identity is not None and identity.allowed and bounded
    if service == "kms" and document is not None:  # the key policy decides; IAM policies only where it delegates
        if resource_allows or (delegates and identity_allows):
            return None
        return f"because no resource-based policy allows the {named} action"
    if owner != caller.account_id:  # another account's resource: both sides must allow (naming the account will do)
        if (resource_allows or delegates) and identity_allows:
            return None
        if identity_allows:
            return f"because no resource-based policy allows the {named} action"
    elif resource_allows or identity_allows:
        return None
    if identity is not None and identity.allowed and not bounded:
        return f"because no permissions boundary allows the {named} action"
    return f"because no identity-based policy allows the {named} action"


def _account_of(arn: str) -> str:
    """The account an ARN names ("" for none: S3 buckets, "*")."""
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""


def role_allows(account_id: str, region: str, role_arn: str, session_name: str, action: str, resource: str) -> bool:
    """What a call of the role's session would be told, for calls the Lambda service makes with the role."""
    arn = f"arn:aws:sts::{account_id}:assumed-role/{role_arn.rsplit('/', 1)[-1]}/{session_name}"
    return decide(iam_callers.role_session(account_id, role_arn, arn), action, resource, region) is None


def lambda_log_access(spec: Any, stream: str) -> tuple[bool, bool]:
    """Lambda writes a function's log with its role: (may it create the missing log group, may it write
    the stream). Without enforcement, both; with it, logs:CreateLogGroup on the group when it is missing,
    logs:CreateLogStream and logs:PutLogEvents on the stream."""
    if not (spec.iam_enforced and spec.role_arn):
        return True, True
    from moto.logs.models import logs_backends

    def allowed(action: str, arn: str) -> bool:
        return role_allows(spec.account_id, spec.region, spec.role_arn, spec.name, action, arn)

    group = f"arn:aws:logs:{spec.region}:{spec.account_id}:log-group:{spec.log_group}"
    missing = spec.log_group not in logs_backends[spec.account_id][spec.region].groups
    group_ready = not missing or allowed("logs:CreateLogGroup", group)
    stream_arn = f"{group}:log-stream:{stream}"
    writes = group_ready and allowed("logs:CreateLogStream", stream_arn) and allowed("logs:PutLogEvents", stream_arn)
    return missing and group_ready, writes


def authorize(response: Any, moto_resource: str) -> bool:
    """Raise the service's refusal when the request's signer may not make it; False when the request is
    not one enforcement judges (moto's own check, which the harness leaves off, applies)."""
    found = iam_requests.caller(response.headers) if _State.enabled else None
    if found is None:
        return False
    access_key, region, signing_service = found
    session = session_of(access_key)
    if session is not None:
        who = session.caller
    elif signing_service in OUTSIDE_CALLERS_JUDGED:
        who = iam_callers.outside_caller(access_key, response.current_account)
        if who is None:  # the dummy keys: the account itself
            return False
    else:
        return False
    action = iam_requests.iam_action(signing_service, response)
    if action.lower() == "sts:getcalleridentity":
        return True  # always allowed, even under an explicit Deny
    for resource in iam_requests.resources(action, response, who.account_id, region, moto_resource):
        reason = decide(who, action, resource, region)
        if reason is not None:
            text = iam_errors.message(who.arn, iam_errors.shown_action(action), resource, reason)
            raise iam_errors.refusal(action, text, response)
    return True


def apply() -> None:
    from moto.core.authorization import ActionAuthenticatorMixin

    moto_check = ActionAuthenticatorMixin._authenticate_and_authorize_action

    def authenticate_and_authorize(self: Any, iam_request_cls: type, resource: str = "*") -> None:
        if not authorize(self, resource):
            moto_check(self, iam_request_cls, resource)

    ActionAuthenticatorMixin._authenticate_and_authorize_action = authenticate_and_authorize  # type: ignore[method-assign]
    resets.on_reset(_forget)
