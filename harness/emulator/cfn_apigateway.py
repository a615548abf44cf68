"""CloudFormation: ``AWS::ApiGateway::Stage`` is made for real.

moto has no model for it: SAM's ``Prod`` stage (and any stage a template declares) never existed and a
Ref to it answered HTTP 500 (and a Ref to a deployment answered a Python object). Here the stage is created through moto's API Gateway backend with its
deployment, description, variables and tracing; Ref is the stage name, as on AWS; an update replaces it
under the same name (moto's stages take no patch for every property).
"""

from __future__ import annotations

from typing import Any

from harness.emulator import cfn_registry
from harness.emulator.cfn_registry import MadeByStack


def apply() -> None:
    from moto.apigateway.models import Deployment, apigateway_backends
    from moto.core.common_models import CloudFormationModel

    # Ref of a deployment is its id on AWS; moto's model answers the Python object itself.
    Deployment.physical_resource_id = property(lambda self: self.id)  # type: ignore[attr-defined]

    class ApiGatewayStage(MadeByStack, CloudFormationModel):
        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApiGateway::Stage"

        @staticmethod
        def cloudformation_name_type() -> str:
            return "StageName"

        @classmethod
        def make(cls, resource_name: str, properties: dict[str, Any], account_id: str, region: str) -> ApiGatewayStage:
            tags = {t["Key"]: t["Value"] for t in properties.get("Tags", [])}
            stage = apigateway_backends[account_id][region].create_stage(
                properties["RestApiId"],
                resource_name,
                properties["DeploymentId"],
                variables=properties.get("Variables"),
                description=properties.get("Description", ""),
                cacheClusterEnabled=properties.get("CacheClusterEnabled"),
                cacheClusterSize=properties.get("CacheClusterSize"),
                tags=tags or None,
                tracing_enabled=properties.get("TracingEnabled"),
            )
            made = cls(stage.name, account_id, region)
            made.rest_api_id = properties["RestApiId"]
            return made

        def remove(self) -> None:
            apigateway_backends[self.account_id][self.region].delete_stage(self.rest_api_id, self.physical_id)

    cfn_registry.models_added()
