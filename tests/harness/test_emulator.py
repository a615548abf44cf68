"""Where the embedded backend answers as AWS does and moto alone would not (harness/emulator/)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError

from harness.backends import EmbeddedMoto
from harness.safety import sandboxed_process_environment


@pytest.fixture(scope="module")
def aws() -> Iterator[EmbeddedMoto]:
    backend = EmbeddedMoto()
    backend.start()
    with sandboxed_process_environment(backend.endpoint):
        try:
            yield backend
        finally:
            backend.stop()


def test_put_method_on_an_existing_method_is_a_conflict_as_on_aws(aws: EmbeddedMoto) -> None:
    apigateway = boto3.client("apigateway")
    api = apigateway.create_rest_api(name="conflict")["id"]
    root = apigateway.get_resources(restApiId=api)["items"][0]["id"]
    method = {"restApiId": api, "resourceId": root, "httpMethod": "GET"}
    apigateway.put_method(**method, authorizationType="NONE")
    with pytest.raises(ClientError) as refused:
        apigateway.put_method(**method, authorizationType="AWS_IAM")
    assert refused.value.response["Error"]["Code"] == "ConflictException"
    assert refused.value.response["Error"]["Message"] == "Method already exists for this resource"
    assert apigateway.get_method(**method)["authorizationType"] == "NONE"  # the first one is kept
    apigateway.delete_method(**method)
    apigateway.put_method(**method, authorizationType="AWS_IAM")  # after a delete it is new again
    assert apigateway.get_method(**method)["authorizationType"] == "AWS_IAM"
    apigateway.put_method(**{**method, "httpMethod": "POST"}, authorizationType="NONE")  # another method is fine


def test_put_method_on_a_missing_resource_is_not_found(aws: EmbeddedMoto) -> None:
    apigateway = boto3.client("apigateway")
    api = apigateway.create_rest_api(name="missing")["id"]
    with pytest.raises(ClientError) as refused:
        apigateway.put_method(restApiId=api, resourceId="nope12", httpMethod="GET", authorizationType="NONE")
    assert refused.value.response["Error"]["Code"] == "NotFoundException"
