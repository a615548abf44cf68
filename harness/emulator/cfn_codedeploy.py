"""CloudFormation: ``AWS::CodeDeploy::Application`` and ``AWS::CodeDeploy::DeploymentGroup`` are made for real.

SAM's ``DeploymentPreference`` emits both; moto has no model for either (silently skipped, a Ref to
them resolved to nothing). Here they are created through moto's CodeDeploy backend (compute platform,
deployment config, service role, alarms, auto-rollback), Ref is the name, as on AWS. The traffic shift
such a deployment group runs is codedeploy_traffic.py's.
"""

from __future__ import annotations

from typing import Any

from harness.emulator import cfn_registry
from harness.emulator.cfn_registry import MadeByStack


def api_shape(value: Any) -> Any:
    """CloudFormation's UpperCamel property names as the CodeDeploy API's lowerCamel ones (moto stores those)."""
    if isinstance(value, dict):
        return {key[:1].lower() + key[1:]: api_shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [api_shape(item) for item in value]
    return value


def apply() -> None:
    from moto.codedeploy.models import codedeploy_backends
    from moto.core.common_models import CloudFormationModel

    class CodeDeployApplication(MadeByStack, CloudFormationModel):
        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::CodeDeploy::Application"

        @staticmethod
        def cloudformation_name_type() -> str:
            return "ApplicationName"

        @classmethod
        def make(
            cls, resource_name: str, properties: dict[str, Any], account_id: str, region: str
        ) -> CodeDeployApplication:
            backend = codedeploy_backends[account_id][region]
            backend.create_application(
                resource_name, properties.get("ComputePlatform", "Server"), properties.get("Tags", [])
            )
            return cls(resource_name, account_id, region)

        def remove(self) -> None:
            backend = codedeploy_backends[self.account_id][self.region]
            backend.applications.pop(self.physical_id, None)  # moto has no DeleteApplication
            backend.deployment_groups.pop(self.physical_id, None)

    class CodeDeployDeploymentGroup(MadeByStack, CloudFormationModel):
        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::CodeDeploy::DeploymentGroup"

        @staticmethod
        def cloudformation_name_type() -> str:
            return "DeploymentGroupName"

        @classmethod
        def make(
            cls, resource_name: str, properties: dict[str, Any], account_id: str, region: str
        ) -> CodeDeployDeploymentGroup:
            p = api_shape(properties)
            codedeploy_backends[account_id][region].create_deployment_group(
                application_name=p["applicationName"],
                deployment_group_name=resource_name,
                deployment_config_name=p.get("deploymentConfigName"),
                ec2_tag_filters=p.get("ec2TagFilters"),
                on_premises_instance_tag_filters=p.get("onPremisesInstanceTagFilters"),
                auto_scaling_groups=p.get("autoScalingGroups"),
                service_role_arn=p["serviceRoleArn"],
                trigger_configurations=p.get("triggerConfigurations"),
                alarm_configuration=p.get("alarmConfiguration"),
                auto_rollback_configuration=p.get("autoRollbackConfiguration"),
                outdated_instances_strategy=p.get("outdatedInstancesStrategy"),
                deployment_style=p.get("deploymentStyle"),
                blue_green_deployment_configuration=p.get("blueGreenDeploymentConfiguration"),
                load_balancer_info=p.get("loadBalancerInfo"),
                tags=properties.get("Tags"),  # the API spells these Key and Value too
            )
            made = cls(resource_name, account_id, region)
            made.application_name = p["applicationName"]
            return made

        def remove(self) -> None:
            groups = codedeploy_backends[self.account_id][self.region].deployment_groups
            groups.get(self.application_name, {}).pop(self.physical_id, None)  # moto has no DeleteDeploymentGroup

    cfn_registry.models_added()
