"""CloudFormation: ``AWS::S3::BucketPolicy`` is set for real.

moto has no model for it. ``sam deploy --resolve-s3`` creates its managed bucket with one
(aws-sam-cli-managed-default), so without it that stack would have been a silent stub; a bucket policy a
template declares is now set through moto's S3 backend and removed with the stack.
"""

from __future__ import annotations

import json
from typing import Any

from harness.emulator import cfn_registry
from harness.emulator.cfn_registry import MadeByStack


def apply() -> None:
    from moto.core.common_models import CloudFormationModel
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    class S3BucketPolicy(MadeByStack, CloudFormationModel):
        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::S3::BucketPolicy"

        @classmethod
        def make(cls, resource_name: str, properties: dict[str, Any], account_id: str, region: str) -> S3BucketPolicy:
            document = properties["PolicyDocument"]
            policy = document if isinstance(document, str) else json.dumps(document)
            s3_backends[account_id][get_partition(region)].put_bucket_policy(properties["Bucket"], policy.encode())
            made = cls(resource_name, account_id, region)
            made.bucket = properties["Bucket"]
            return made

        def remove(self) -> None:
            backend = s3_backends[self.account_id][get_partition(self.region)]
            if self.bucket in backend.buckets:  # moto deletes in no particular order: the bucket may have gone first
                backend.delete_bucket_policy(self.bucket)

    cfn_registry.models_added()
