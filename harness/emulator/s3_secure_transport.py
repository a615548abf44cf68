"""S3: a bucket policy's ``aws:SecureTransport`` condition is evaluated as for a request over TLS.

moto evaluates only ``StringEquals`` conditions and takes any other as true, so the usual
"Deny s3:* when aws:SecureTransport is false" statement (``sam deploy --resolve-s3``'s managed bucket
has it) denied every request: PutObject answered 403. The emulator stands in for S3's HTTPS endpoint,
so here such a request counts as secure: a statement conditioned on SecureTransport false never applies,
one conditioned on true always does. Other conditions are evaluated as moto evaluates them.
"""

from __future__ import annotations

import json
from typing import Any

SECURE = "aws:securetransport"


def _expects(condition: dict[str, Any]) -> str | None:
    """'true' or 'false' when a condition block is only Bool aws:SecureTransport, else None."""
    if list(condition) != ["Bool"] or len(condition["Bool"]) != 1:
        return None
    key, value = next(iter(condition["Bool"].items()))
    value = value[0] if isinstance(value, list) and len(value) == 1 else value
    return str(value).lower() if key.lower() == SECURE else None


def as_over_tls(policy: dict[str, Any]) -> dict[str, Any]:
    statements = policy.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    kept = []
    for statement in statements:
        expected = _expects(statement.get("Condition") or {})
        if expected == "false":
            continue  # a request to the emulator counts as TLS: never applies
        if expected == "true":
            statement = {k: v for k, v in statement.items() if k != "Condition"}
        kept.append(statement)
    return {**policy, "Statement": kept}


def apply() -> None:
    from moto.s3.models import FakeBucket

    def get_permission_over_tls(self: FakeBucket, action: str, resource: str) -> Any:
        from moto.iam.access_control import IAMPolicy, PermissionResult

        if self.policy is None:
            return PermissionResult.NEUTRAL
        policy = as_over_tls(json.loads(self.policy))  # what moto's own get_permission does, on this policy
        return IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission_over_tls  # type: ignore[method-assign]
