"""CloudFormation: ``AWS::Lambda::Alias`` is created for real, and ``AWS::Lambda::Version`` answers as on AWS.

moto has no Alias model (the alias SAM's ``AutoPublishAlias`` makes never exists) and its Version model
answers neither ``Ref`` (the version's ARN) nor ``Fn::GetAtt Version`` (what SAM's alias points at),
drops the Description, and is lost from the stack on an update. Here the alias is made, updated
(version, description, weighted RoutingConfig) and deleted through moto's Lambda backend, its Ref is
the alias ARN as on AWS, and a version's Ref is its ARN and ``Fn::GetAtt [V, Version]`` its number.
An alias's ``ProvisionedConcurrencyConfig`` (what SAM's ``ProvisionedConcurrencyConfig`` with
``AutoPublishAlias`` makes) is allocated before the resource is complete, as CloudFormation waits for
READY (lambda_provisioned.py); a failed allocation fails the resource.
"""

from __future__ import annotations

from typing import Any

from harness.emulator import cfn_registry, course_api, lambda_provisioned


def _backend(account_id: str, region: str) -> Any:
    from moto.awslambda.utils import get_backend

    return get_backend(account_id, region)


def function_exists(backend: Any, function_name: str) -> bool:
    """moto deletes a stack's resources in no particular order: a function may go before its aliases."""
    try:
        backend.get_function(function_name)
    except Exception:  # noqa: BLE001 - moto's UnknownFunctionException and kin
        return False
    return True


def routing_config(properties: dict[str, Any]) -> dict[str, Any] | None:
    """CloudFormation's list of {FunctionVersion, FunctionWeight} as the API's {version: weight} map."""
    weights = (properties.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or []
    if not weights:
        return None
    return {"AdditionalVersionWeights": {str(w["FunctionVersion"]): float(w["FunctionWeight"]) for w in weights}}


def provision(backend: Any, function_name: str, alias: str, properties: dict[str, Any]) -> None:
    """The alias's ProvisionedConcurrencyConfig, allocated now; none in the template removes it."""
    count = (properties.get("ProvisionedConcurrencyConfig") or {}).get("ProvisionedConcurrentExecutions")
    if count is None:
        lambda_provisioned.remove(backend, function_name, alias)
        return
    lambda_provisioned.configure(backend, function_name, alias, int(count))
    config = lambda_provisioned.allocate(backend, function_name, alias, course_api.server_endpoint())
    if config is not None and config.status == "FAILED":
        raise ValueError(f"Provisioned concurrency for {function_name}:{alias} failed: {config.reason}")


def apply() -> None:
    from moto.awslambda.models import LambdaVersion
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
    from moto.core.common_models import CloudFormationModel

    class LambdaAliasResource(CloudFormationModel):
        """One alias made by a stack: what the stack remembers of it."""

        def __init__(self, account_id: str, region: str, function_name: str, name: str, arn: str) -> None:
            self.account_id, self.region = account_id, region
            self.function_name, self.name, self.arn = function_name, name, arn

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::Lambda::Alias"

        @property
        def physical_resource_id(self) -> str:
            return self.arn  # Ref: the alias ARN

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "AliasArn"

        def get_cfn_attribute(self, attribute_name: str) -> str:
            if attribute_name == "AliasArn":
                return self.arn
            raise UnformattedGetAttTemplateException()

        @classmethod
        def create_from_cloudformation_json(  # type: ignore[misc]
            cls,
            resource_name: str,
            cloudformation_json: dict[str, Any],
            account_id: str,
            region_name: str,
            **kwargs: Any,
        ) -> LambdaAliasResource:
            properties = cloudformation_json["Properties"]
            backend = _backend(account_id, region_name)
            function_name = backend.get_function(properties["FunctionName"]).function_name
            alias = backend.create_alias(
                name=properties["Name"],
                function_name=function_name,
                function_version=str(properties["FunctionVersion"]),
                description=properties.get("Description", ""),
                routing_config=routing_config(properties),
            )
            provision(backend, function_name, alias.name, properties)
            return cls(account_id, region_name, function_name, alias.name, alias.arn)

        @classmethod
        def update_from_cloudformation_json(  # type: ignore[misc]
            cls,
            original_resource: LambdaAliasResource,
            new_resource_name: str,
            cloudformation_json: dict[str, Any],
            account_id: str,
            region_name: str,
        ) -> LambdaAliasResource:
            properties = cloudformation_json["Properties"]
            backend = _backend(account_id, region_name)
            function_name = backend.get_function(properties["FunctionName"]).function_name
            if (function_name, properties["Name"]) != (original_resource.function_name, original_resource.name):
                replacement = cls.create_from_cloudformation_json(
                    new_resource_name, cloudformation_json, account_id, region_name
                )
                original_resource.delete(account_id, region_name)
                return replacement  # Name and FunctionName are replacement updates on AWS
            backend.update_alias(
                name=original_resource.name,
                function_name=function_name,
                function_version=str(properties["FunctionVersion"]),
                description=properties.get("Description", ""),
                routing_config=routing_config(properties) or {},  # {}: the weights are removed
            )
            provision(backend, function_name, original_resource.name, properties)
            return original_resource

        @classmethod
        def delete_from_cloudformation_json(  # type: ignore[misc]
            cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
        ) -> None:
            """Unused: the stack deletes through the instance it keeps (``delete``)."""

        def delete(self, account_id: str, region: str) -> None:
            backend = _backend(account_id, region)
            lambda_provisioned.remove(backend, self.function_name, self.name)
            if function_exists(backend, self.function_name):  # its aliases went with it
                backend.delete_alias(self.name, self.function_name)

    def create_version(
        cls: type,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> LambdaVersion:
        properties = cloudformation_json["Properties"]
        backend = _backend(account_id, region_name)
        published = backend.publish_version(properties["FunctionName"], properties.get("Description", ""))
        version = LambdaVersion({"Version": published.version})
        version.arn = published.function_arn  # type: ignore[attr-defined]
        version.function_name = published.function_name  # type: ignore[attr-defined]
        return version

    def update_version(
        cls: type,
        original_resource: LambdaVersion,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> LambdaVersion:
        # A version is immutable: any change publishes a new one (CloudFormation replaces it).
        return create_version(cls, new_resource_name, cloudformation_json, account_id, region_name)

    def delete_version(self: LambdaVersion, account_id: str, region: str) -> None:
        backend = _backend(account_id, region)
        if function_exists(backend, self.function_name):  # type: ignore[attr-defined]
            backend.delete_function(self.function_name, str(self.version))  # type: ignore[attr-defined]

    def version_attribute(self: LambdaVersion, attribute_name: str) -> str:
        if attribute_name == "Version":
            return str(self.version)
        if attribute_name == "FunctionArn":
            return self.arn.rsplit(":", 1)[0]  # type: ignore[attr-defined]
        raise UnformattedGetAttTemplateException()

    LambdaVersion.create_from_cloudformation_json = classmethod(create_version)  # type: ignore[assignment]
    LambdaVersion.update_from_cloudformation_json = classmethod(update_version)  # type: ignore[assignment]
    LambdaVersion.delete = delete_version  # type: ignore[attr-defined]
    LambdaVersion.physical_resource_id = property(lambda self: self.arn)  # type: ignore[attr-defined]
    LambdaVersion.get_cfn_attribute = version_attribute  # type: ignore[method-assign]
    LambdaVersion.has_cfn_attr = classmethod(lambda cls, attr: attr in ("Version", "FunctionArn"))  # type: ignore[method-assign]
    cfn_registry.models_added()
