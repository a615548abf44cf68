"""API Gateway (REST): what a deployment froze, and which resource and method a request reaches.

A stage serves its deployment's snapshot of the API, as on AWS: a method put after ``CreateDeployment``
is not live until the next deployment. moto keeps no snapshot, so one is taken here when a deployment
is made. Matching follows API Gateway's rules: a literal path part wins over ``{param}``, which wins
over a greedy ``{proxy+}`` (one or more parts, last in the path); the method named wins over ``ANY``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote


@dataclass(frozen=True)
class Integration:
    type: str  # AWS_PROXY, MOCK, ...
    uri: str
    http_method: str  # how API Gateway calls the backend: POST for Lambda's Invoke API
    credentials: str | None


@dataclass(frozen=True)
class Method:
    http_method: str
    authorization_type: str  # NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS
    authorizer_id: str | None
    api_key_required: bool
    integration: Integration | None


@dataclass(frozen=True)
class Resource:
    id: str
    path: str  # "/inventory/{sku}"
    methods: dict[str, Method] = field(default_factory=dict)

    @property
    def parts(self) -> list[str]:
        return [p for p in self.path.split("/") if p]


@dataclass(frozen=True)
class Route:
    resource: Resource
    method: Method
    path_parameters: dict[str, str]


def snapshot(api: Any) -> tuple[Resource, ...]:
    """The API's resources and methods as they are now: what a deployment serves."""
    resources = []
    for resource in list(api.resources.values()):
        methods = {}
        for name, method in list(resource.resource_methods.items()):
            integration = method.method_integration
            methods[name.upper()] = Method(
                http_method=name.upper(),
                authorization_type=(method.authorization_type or "NONE").upper(),
                authorizer_id=method.authorizer_id,
                api_key_required=str(method.api_key_required).lower() == "true",
                integration=Integration((integration.integration_type or "").upper(), integration.uri or "",
                                        (integration.http_method or "").upper(), integration.credentials) if integration else None,
            )
        resources.append(Resource(resource.id, resource.get_path(), methods))
    return tuple(resources)


def served(api: Any, stage: Any) -> tuple[Resource, ...]:
    """What a stage serves: its deployment's snapshot (the API as it is, for a deployment made before apply())."""
    deployment = api.deployments.get(stage.deployment_id)
    frozen = getattr(deployment, "course_snapshot", None)
    return frozen if frozen is not None else snapshot(api)


def _specificity(template: list[str], parts: list[str]) -> tuple[int, ...] | None:
    """How closely a resource path fits the request's parts (higher is closer), or None when it does not."""
    scores = []
    for index, pattern in enumerate(template):
        if pattern.startswith("{") and pattern.endswith("+}"):
            return tuple(scores + [0]) if index == len(template) - 1 and len(parts) > index else None
        if index >= len(parts):
            return None
        if pattern.startswith("{") and pattern.endswith("}"):
            scores.append(1)
        elif pattern == parts[index]:
            scores.append(2)
        else:
            return None
    return tuple(scores) if len(parts) == len(template) else None


def match(resources: tuple[Resource, ...], http_method: str, path: str) -> Route | None:
    """The resource and method a request reaches, with its path parameters; None: API Gateway's 403."""
    parts = [unquote(p) for p in path.split("/") if p]
    fits = [(score, r) for r in resources if (score := _specificity(r.parts, parts)) is not None]
    if not fits:
        return None
    _, resource = max(fits, key=lambda fit: fit[0])
    method = resource.methods.get(http_method.upper()) or resource.methods.get("ANY")
    if method is None:
        return None
    parameters = {}
    for index, pattern in enumerate(resource.parts):
        if pattern.endswith("+}"):
            parameters[pattern[1:-2]] = "/".join(parts[index:])
        elif pattern.startswith("{"):
            parameters[pattern[1:-1]] = parts[index]
    return Route(resource, method, parameters)


def apply() -> None:
    from moto.apigateway.models import RestAPI

    create_deployment = RestAPI.create_deployment

    @functools.wraps(create_deployment)
    def create_and_freeze(self: RestAPI, *args: Any, **kwargs: Any) -> Any:
        deployment = create_deployment(self, *args, **kwargs)
        deployment.course_snapshot = snapshot(self)
        return deployment

    RestAPI.create_deployment = create_and_freeze  # type: ignore[method-assign]
