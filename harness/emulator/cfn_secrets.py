"""CloudFormation: ``AWS::SecretsManager::Secret`` is made for real.

moto has no model for it: the stack ended CREATE_COMPLETE with no secret, and a Ref to it resolved
to nothing. Here the secret is created through moto's Secrets Manager backend (SecretString, or a value
from GenerateSecretString as AWS builds it), Ref is its ARN as on AWS, an update puts the new value,
and the stack deletes it without a recovery window.
"""

from __future__ import annotations

import json
from typing import Any

from harness.emulator import cfn_registry
from harness.emulator.cfn_registry import MadeByStack


def generated_value(backend: Any, spec: dict[str, Any]) -> str:
    password = json.loads(
        backend.get_random_password(
            password_length=int(spec.get("PasswordLength", 32)),
            exclude_characters=spec.get("ExcludeCharacters", ""),
            exclude_numbers=bool(spec.get("ExcludeNumbers", False)),
            exclude_punctuation=bool(spec.get("ExcludePunctuation", False)),
            exclude_uppercase=bool(spec.get("ExcludeUppercase", False)),
            exclude_lowercase=bool(spec.get("ExcludeLowercase", False)),
            include_space=bool(spec.get("IncludeSpace", False)),
            require_each_included_type=bool(spec.get("RequireEachIncludedType", True)),
        )
    )["RandomPassword"]
    if "SecretStringTemplate" in spec:  # AWS: the password goes into the template under GenerateStringKey
        value = json.loads(spec["SecretStringTemplate"])
        value[spec["GenerateStringKey"]] = password
        return json.dumps(value)
    return password


def apply() -> None:
    from moto.core.common_models import CloudFormationModel
    from moto.secretsmanager.models import secretsmanager_backends

    class Secret(MadeByStack, CloudFormationModel):
        ATTRIBUTES = ("Id",)

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SecretsManager::Secret"

        @staticmethod
        def cloudformation_name_type() -> str:
            return "Name"

        @classmethod
        def make(cls, resource_name: str, properties: dict[str, Any], account_id: str, region: str) -> Secret:
            backend = secretsmanager_backends[account_id][region]
            value = properties.get("SecretString")
            if value is None and "GenerateSecretString" in properties:
                value = generated_value(backend, properties["GenerateSecretString"])
            created = json.loads(
                backend.create_secret(
                    name=resource_name,
                    secret_string=value,
                    secret_binary=None,
                    description=properties.get("Description"),
                    tags=properties.get("Tags", []),
                    kms_key_id=properties.get("KmsKeyId"),
                    client_request_token=None,
                    replica_regions=properties.get("ReplicaRegions", []),
                    force_overwrite=False,
                )
            )
            return cls(created["ARN"], account_id, region, {"Id": created["ARN"]})

        @classmethod
        def update_from_cloudformation_json(  # type: ignore[misc]
            cls,
            original_resource: Secret,
            new_resource_name: str,
            cloudformation_json: dict[str, Any],
            account_id: str,
            region_name: str,
        ) -> Secret:
            properties = cloudformation_json.get("Properties", {})
            backend = secretsmanager_backends[account_id][region_name]
            if (
                "Name" in properties
                and backend.describe_secret(original_resource.physical_id).name != properties["Name"]
            ):
                return super().update_from_cloudformation_json(
                    original_resource, new_resource_name, cloudformation_json, account_id, region_name
                )
            backend.update_secret(
                original_resource.physical_id,
                secret_string=properties.get("SecretString"),
                kms_key_id=properties.get("KmsKeyId"),
                description=properties.get("Description"),
            )
            return original_resource

        def remove(self) -> None:
            secretsmanager_backends[self.account_id][self.region].delete_secret(
                self.physical_id, recovery_window_in_days=None, force_delete_without_recovery=True
            )

    cfn_registry.models_added()
