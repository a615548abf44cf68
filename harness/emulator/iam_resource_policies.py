"""The resource policy of a request's target, where the service has one, read from moto's state.

S3 bucket policies, SQS queue policies, SNS topic policies, KMS key policies and Secrets Manager
resource policies: IAM weighs them beside the caller's identity policies (iam_enforcement.py).
None when the target has none or does not exist.
"""

from __future__ import annotations

import json
from typing import Any

from .iam_requests import key_arn


def document(service: str, resource: str, account: str, region: str) -> Any:
    try:
        reader = READERS.get(service)
        text = reader(resource, account, region) if reader and resource != "*" else None
    except Exception:  # noqa: BLE001 - a target that does not exist has no policy
        return None
    if not text:
        return None
    if isinstance(text, dict):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return None


def _s3(resource: str, account: str, region: str) -> Any:
    from moto.s3.models import s3_backends

    bucket = resource.split(":::", 1)[-1].split("/", 1)[0]
    policy = s3_backends[account]["aws"].get_bucket(bucket).policy
    return policy.decode() if isinstance(policy, bytes) else policy


def _sqs(resource: str, account: str, region: str) -> Any:
    from moto.sqs.models import sqs_backends

    return sqs_backends[account][region].get_queue(resource.rsplit(":", 1)[-1]).policy


def _sns(resource: str, account: str, region: str) -> Any:
    from moto.sns.models import sns_backends

    return sns_backends[account][region].get_topic(resource).policy


def _kms(resource: str, account: str, region: str) -> Any:
    from moto.kms.models import kms_backends

    backend = kms_backends[account][region]
    return backend.describe_key(key_arn(resource, account, region)).policy


def _secretsmanager(resource: str, account: str, region: str) -> Any:
    from moto.secretsmanager.models import secretsmanager_backends

    backend = secretsmanager_backends[account][region]
    return backend.secrets[resource].policy if backend._is_valid_identifier(resource) else None


READERS = {"s3": _s3, "sqs": _sqs, "sns": _sns, "kms": _kms, "secretsmanager": _secretsmanager}
