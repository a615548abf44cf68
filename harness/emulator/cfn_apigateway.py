"""CloudFormation: ``AWS::ApiGateway::Stage`` is made for real, and a RestApi's ``Body`` is imported.

moto has no model for it: SAM's ``Prod`` stage (and any stage a template declares) never existed and a
Ref to it resolved to nothing (and a Ref to a deployment answered a Python object). Here the stage is
created through moto's API Gateway backend with its deployment, description, variables and tracing; Ref
is the stage name, as on AWS; an update replaces it under the same name (moto's stages take no patch for
every property).

SAM's implicit API (a function's ``Api`` event) is a RestApi with no Name and a Swagger 2.0 ``Body``;
moto's model reads only Name (a KeyError: the stack failed) and its importer takes OpenAPI 3 only. Here
the Body's paths become resources, methods (authorization NONE) and ``x-amazon-
apigateway-integration`` integrations, and the title names the API, as AWS imports them. A method whose
``security`` (or the body's) names a ``securityDefinitions`` entry of type ``awsSigv4`` is ``AWS_IAM`` (SAM's
``Auth: DefaultAuthorizer: AWS_IAM``), one of type ``apiKey`` named ``x-api-key`` requires an API key;
other authorizers stay ``NONE``. SAM's AWS_IAM integrations carry ``credentials: arn:aws:iam::*:user/*``
(API Gateway invokes the function with the caller's credentials): AWS accepts it, moto's account check
refused it as a cross-account role, so it is set on the integration after moto made it.
"""

from __future__ import annotations

from typing import Any

from harness.emulator import cfn_registry
from harness.emulator.cfn_registry import MadeByStack

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
ANY_METHOD = "x-amazon-apigateway-any-method"
CALLER_CREDENTIALS = "arn:aws:iam::*:user/*"  # SAM's InvokeRole CALLER_CREDENTIALS, AWS_IAM's default


def authorization_of(body: dict[str, Any], operation: dict[str, Any]) -> tuple[str, bool]:
    """(authorization type, API key required) from the operation's security, else the body's."""
    definitions = body.get("securityDefinitions") or (body.get("components") or {}).get("securitySchemes") or {}
    requirements = operation.get("security", body.get("security")) or []
    names = [name for requirement in requirements if isinstance(requirement, dict) for name in requirement]
    kinds = [definitions.get(name) or {} for name in names]
    signed = any(str(kind.get("x-amazon-apigateway-authtype", "")).lower() == "awssigv4" for kind in kinds)
    keyed = any(kind.get("type") == "apiKey" and str(kind.get("name", "")).lower() == "x-api-key" for kind in kinds)
    return ("AWS_IAM" if signed else "NONE"), keyed


def import_paths(backend: Any, api: Any, body: dict[str, Any]) -> None:
    """Each path of an OpenAPI/Swagger body as resources, methods and integrations (a subset: what SAM emits)."""
    for path, operations in (body.get("paths") or {}).items():
        resource_id = api.root_resource_id
        for part in [p for p in path.split("/") if p]:
            children = [r for r in api.resources.values() if r.parent_id == resource_id and r.path_part == part]
            resource_id = children[0].id if children else backend.create_resource(api.id, resource_id, part).id
        for name, operation in operations.items():
            if name not in HTTP_METHODS and name != ANY_METHOD:
                continue
            method = "ANY" if name == ANY_METHOD else name.upper()
            authorization, keyed = authorization_of(body, operation)
            backend.put_method(api.id, resource_id, method, authorization_type=authorization, api_key_required=keyed)
            integration = operation.get("x-amazon-apigateway-integration")
            if integration:
                credentials = integration.get("credentials")
                made = backend.put_integration(
                    api.id,
                    resource_id,
                    method,
                    integration_type=integration["type"].upper(),
                    uri=integration.get("uri", ""),
                    integration_method=integration.get("httpMethod", ""),
                    credentials=None if credentials == CALLER_CREDENTIALS else credentials,
                    passthrough_behavior=integration.get("passthroughBehavior"),
                )
                if credentials == CALLER_CREDENTIALS:
                    made.credentials = credentials


def apply() -> None:
    from moto.apigateway.models import Deployment, RestAPI, apigateway_backends
    from moto.core.common_models import CloudFormationModel

    create_rest_api = RestAPI.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create_with_body(
        cls: type, resource_name: str, cloudformation_json: dict, account_id: str, region_name: str, **kw: Any
    ) -> Any:
        properties = cloudformation_json["Properties"]
        body = properties.get("Body")
        if not isinstance(body, dict):
            return create_rest_api(cls, resource_name, cloudformation_json, account_id, region_name, **kw)
        backend = apigateway_backends[account_id][region_name]
        info = body.get("info") or {}
        api = backend.create_rest_api(
            name=properties.get("Name") or info.get("title") or resource_name,
            description=properties.get("Description") or info.get("description", ""),
            endpoint_configuration=properties.get("EndpointConfiguration"),
        )
        import_paths(backend, api, body)
        return api

    RestAPI.create_from_cloudformation_json = classmethod(create_with_body)  # type: ignore[assignment]

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
