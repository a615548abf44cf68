"""CloudFormation: ``AWS::ApiGateway::Stage`` is made for real, and a RestApi's ``Body`` is imported.

moto has no model for it: SAM's ``Prod`` stage (and any stage a template declares) never existed and a
Ref to it resolved to nothing (and a Ref to a deployment answered a Python object). Here the stage is
created through moto's API Gateway backend with its deployment, description, variables and tracing; Ref
is the stage name, as on AWS; an update replaces it under the same name (moto's stages take no patch for
every property).

SAM's implicit API (a function's ``Api`` event) is a RestApi with no Name and a Swagger 2.0 ``Body``;
moto's model reads only Name (a KeyError: the stack failed) and its importer takes OpenAPI 3 only. Here
the Body's paths become resources, methods and ``x-amazon-apigateway-integration`` integrations, and
the title names the API, as AWS imports them. A method's authorization follows its ``security`` (else the
Body's): a scheme with ``x-amazon-apigateway-authtype: awsSigv4`` is ``AWS_IAM`` (SAM's ``Auth:
DefaultAuthorizer: AWS_IAM``), an ``api_key`` header scheme sets ``apiKeyRequired``; ``NONE`` or no
security is ``NONE``. Lambda authorizers in a Body are not imported (``NONE``).
"""

from __future__ import annotations

from typing import Any

from harness.emulator import cfn_registry
from harness.emulator.cfn_registry import MadeByStack

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
ANY_METHOD = "x-amazon-apigateway-any-method"
CALLER_CREDENTIALS = "arn:aws:iam::*:user/*"


def authorization(body: dict[str, Any], operation: dict[str, Any]) -> tuple[str, bool]:
    """(authorizationType, apiKeyRequired) from an operation's security requirements, as AWS imports them."""
    requirements = operation.get("security", body.get("security")) or []
    schemes = body.get("securityDefinitions") or (body.get("components") or {}).get("securitySchemes") or {}
    kind, api_key = "NONE", False
    for requirement in requirements:
        for name in requirement or {}:
            scheme = schemes.get(name) or {}
            if str(scheme.get("x-amazon-apigateway-authtype", "")).lower() == "awssigv4":
                kind = "AWS_IAM"
            elif scheme.get("type") == "apiKey" and str(scheme.get("name", "")).lower() == "x-api-key":
                api_key = True
    return kind, api_key


def _credentials(value: Any) -> Any:
    """SAM's ``InvokeRole: CALLER_CREDENTIALS`` (the default under AWS_IAM) is ``arn:aws:iam::*:user/*``:
    "call with the caller's own credentials". moto's put_integration takes it for a role of another
    account and refuses it ("Cross-account pass role is not allowed"); integration credentials are not
    checked when the API is served, so it is left out."""
    return None if value == CALLER_CREDENTIALS else value


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
            kind, api_key = authorization(body, operation)
            backend.put_method(api.id, resource_id, method, authorization_type=kind, api_key_required=api_key)
            integration = operation.get("x-amazon-apigateway-integration")
            if integration:
                backend.put_integration(
                    api.id,
                    resource_id,
                    method,
                    integration_type=integration["type"].upper(),
                    uri=integration.get("uri", ""),
                    integration_method=integration.get("httpMethod", ""),
                    credentials=_credentials(integration.get("credentials")),
                    passthrough_behavior=integration.get("passthroughBehavior"),
                )


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
