"""API Gateway: ``PutMethod`` on a method that exists is refused with ``ConflictException``.

moto replaces the method silently, so a setup script that puts the same method on every run passes
here and fails on its second run against AWS ("Method already exists for this resource").
"""

from __future__ import annotations

import functools
from typing import Any

METHOD_EXISTS = "Method already exists for this resource"


def apply() -> None:
    from moto.apigateway.exceptions import ConflictException
    from moto.apigateway.responses import APIGatewayResponse

    put_method = APIGatewayResponse.put_method

    @functools.wraps(put_method)
    def put_method_once(self: APIGatewayResponse) -> Any:
        parts = self.path.split("/")  # /restapis/{api}/resources/{resource}/methods/{method}
        api_id, resource_id, method = parts[2], parts[4], parts[6]
        resource = self.backend.get_resource(api_id, resource_id)  # raises NotFound as AWS does
        if method in resource.resource_methods:
            raise ConflictException(METHOD_EXISTS)
        return put_method(self)

    APIGatewayResponse.put_method = put_method_once  # type: ignore[method-assign]
