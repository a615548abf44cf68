"""Where the embedded backend answers as AWS does and moto alone would not (harness/emulator/)."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from typing import Any

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


# ------------------------------------------------------------------ Lambda: updates take time on AWS


def lambda_package(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def lambda_function(name: str, *, publish: bool = True) -> Any:
    """A function with (unless publish=False) one published version; returns the Lambda client."""
    role = boto3.client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    client = boto3.client("lambda")
    client.create_function(
        FunctionName=name, Runtime="python3.12", Handler="app.handler", Role=role, Code={"ZipFile": lambda_package("one = 1")}
    )
    if publish:
        assert client.publish_version(FunctionName=name)["Version"] == "1"
    return client


def refused_while_updating(call: Any, **params: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as refused:
        call(**params)
    return refused.value.response


def test_publishing_or_updating_again_during_an_update_is_a_conflict_as_on_aws(aws: EmbeddedMoto) -> None:
    client = lambda_function("updating")
    arn = client.get_function_configuration(FunctionName="updating")["FunctionArn"]
    answer = client.update_function_code(FunctionName="updating", ZipFile=lambda_package("two = 2"))
    assert answer["LastUpdateStatus"] == "InProgress"
    for call, params in (
        (client.publish_version, {}),
        (client.update_function_code, {"ZipFile": lambda_package("three = 3")}),
        (client.update_function_configuration, {"Timeout": 9}),
    ):
        refused = refused_while_updating(call, FunctionName="updating", **params)
        assert refused["ResponseMetadata"]["HTTPStatusCode"] == 409
        assert refused["Error"]["Code"] == "ResourceConflictException"
        assert refused["Error"]["Message"] == (
            f"The operation cannot be performed at this time. An update is in progress for resource: {arn}"
        )
    # Reading a published version, or listing, is not waiting for the update of $LATEST.
    client.get_function_configuration(FunctionName="updating", Qualifier="1")
    client.list_versions_by_function(FunctionName="updating")
    assert refused_while_updating(client.publish_version, FunctionName="updating")["Error"]["Code"] == "ResourceConflictException"


@pytest.mark.parametrize("waiter", ["function_updated", "function_updated_v2"])
def test_a_waiter_returns_at_once_and_then_publishing_works(aws: EmbeddedMoto, waiter: str) -> None:
    name = f"waited-{waiter.replace('_', '-')}"
    client = lambda_function(name)
    client.update_function_configuration(FunctionName=name, Timeout=9)
    started = time.perf_counter()
    client.get_waiter(waiter).wait(FunctionName=name)  # its first read finds the update finished
    assert time.perf_counter() - started < 1.0
    assert client.get_function_configuration(FunctionName=name)["LastUpdateStatus"] == "Successful"
    version = client.publish_version(FunctionName=name, Description="after the wait")
    assert version["Version"] == "2" and version["Timeout"] == 9 and version["Description"] == "after the wait"


def test_a_status_read_by_arn_or_with_latest_ends_the_update_too(aws: EmbeddedMoto) -> None:
    client = lambda_function("read-by-arn")
    arn = client.get_function_configuration(FunctionName="read-by-arn")["FunctionArn"]
    client.update_function_code(FunctionName=arn, ZipFile=lambda_package("two = 2"))
    client.get_function(FunctionName=arn)
    client.update_function_code(FunctionName="read-by-arn", ZipFile=lambda_package("three = 3"))
    client.get_function_configuration(FunctionName="read-by-arn", Qualifier="$LATEST")
    assert client.publish_version(FunctionName=arn)["Version"] == "2"


def test_a_dry_run_starts_no_update(aws: EmbeddedMoto) -> None:
    client = lambda_function("dry-run")
    client.update_function_code(FunctionName="dry-run", ZipFile=lambda_package("two = 2"), DryRun=True)
    assert client.publish_version(FunctionName="dry-run")["Version"] == "1"  # nothing changed, nothing refused


def test_publish_version_publishes_nothing_new_unless_the_function_was_updated_since(aws: EmbeddedMoto) -> None:
    """AWS: no new version when nothing was updated since the last one; any update counts, even with the
    same code (moto does both; pinned here because Kata 4 and Lab 5 teach it)."""
    client = lambda_function("unchanged")
    again = client.publish_version(FunctionName="unchanged", Description="a second try")
    assert again["Version"] == "1" and again["Description"] == ""
    assert len(client.list_versions_by_function(FunctionName="unchanged")["Versions"]) == 2  # $LATEST and 1
    client.update_function_code(FunctionName="unchanged", ZipFile=lambda_package("one = 1"))  # the same code
    client.get_waiter("function_updated_v2").wait(FunctionName="unchanged")
    assert client.publish_version(FunctionName="unchanged")["Version"] == "2"
    assert client.publish_version(FunctionName="unchanged")["Version"] == "2"


def test_the_first_version_after_an_update_is_not_published_twice(aws: EmbeddedMoto) -> None:
    """moto alone: update, publish 1, publish again gave 2, a copy of 1."""
    client = lambda_function("first-after-update", publish=False)
    client.update_function_code(FunctionName="first-after-update", ZipFile=lambda_package("two = 2"))
    client.get_waiter("function_updated_v2").wait(FunctionName="first-after-update")
    assert client.publish_version(FunctionName="first-after-update")["Version"] == "1"
    assert client.publish_version(FunctionName="first-after-update")["Version"] == "1"


def test_publish_version_with_another_code_sha256_is_refused_as_on_aws(aws: EmbeddedMoto) -> None:
    client = lambda_function("code-sha")
    client.update_function_code(FunctionName="code-sha", ZipFile=lambda_package("two = 2"))
    current = client.get_function_configuration(FunctionName="code-sha")["CodeSha256"]
    refused = refused_while_updating(client.publish_version, FunctionName="code-sha", CodeSha256="A" * 43 + "=")
    assert refused["Error"]["Code"] == "InvalidParameterValueException"
    assert refused["Error"]["Message"] == (
        f"CodeSHA256 ({'A' * 43}=) is different from current CodeSHA256 in $LATEST ({current}). "
        "Please try again with the CodeSHA256 in $LATEST."
    )
    assert [v["Version"] for v in client.list_versions_by_function(FunctionName="code-sha")["Versions"]] == ["$LATEST", "1"]
    assert client.publish_version(FunctionName="code-sha", CodeSha256=current)["Version"] == "2"


def test_creating_an_alias_that_exists_is_a_resource_conflict_as_on_aws(aws: EmbeddedMoto) -> None:
    client = lambda_function("aliased")
    client.create_alias(FunctionName="aliased", Name="live", FunctionVersion="1")
    with pytest.raises(client.exceptions.ResourceConflictException) as refused:
        client.create_alias(FunctionName="aliased", Name="live", FunctionVersion="1")
    arn = client.get_alias(FunctionName="aliased", Name="live")["AliasArn"]
    assert refused.value.response["Error"]["Message"] == f"Alias already exists: {arn}"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
