"""Deployed REST APIs to call over HTTP, for the tests of harness/emulator/apigateway_http.py."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from lambda_backend_kit import create_function

REGION = "us-east-1"

# Echoes what API Gateway sent, or answers what the event asks for (the "answer" query parameter, JSON).
ECHO_SOURCE = """import json
def handler(event, context):
    wanted = (event.get('queryStringParameters') or {}).get('answer')
    if wanted is not None:
        return json.loads(wanted)
    return {'statusCode': 200, 'headers': {'Content-Type': 'application/json', 'X-Echo': 'yes'},
            'body': json.dumps({'event': event})}
"""


@dataclass
class Api:
    id: str
    endpoint: str
    stage: str = "dev"

    def url(self, path: str, stage: str | None = None) -> str:
        return f"{self.endpoint}/restapis/{self.id}/{stage or self.stage}/_user_request_{path}"

    def resource(self, path: str) -> str:
        items = boto3.client("apigateway").get_resources(restApiId=self.id)["items"]
        return next(item["id"] for item in items if item["path"] == path)


def function_arn(name: str, source: str = ECHO_SOURCE) -> str:
    try:
        return boto3.client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    except boto3.client("lambda").exceptions.ResourceNotFoundException:
        return create_function(name, source)["FunctionArn"]


def lambda_uri(arn: str) -> str:
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"


def allow_api_gateway(name: str, source_arn: str) -> None:
    boto3.client("lambda").add_permission(
        FunctionName=name, StatementId=f"apigw-{abs(hash(source_arn))}", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com", SourceArn=source_arn,
    )


def make_api(endpoint: str, routes: dict[str, list[str]], *, function: str = "echo", authorization: str = "NONE",
             permission: bool = True, deploy: bool = True, **method_args: Any) -> Api:
    """An API whose every route (path -> methods) is an AWS_PROXY integration of one function, deployed to dev."""
    client = boto3.client("apigateway")
    arn = function_arn(function)
    api_id = client.create_rest_api(name="test-api")["id"]
    ids = {"/": next(i["id"] for i in client.get_resources(restApiId=api_id)["items"] if i["path"] == "/")}
    for path, methods in routes.items():
        parent = "/"
        for part in [p for p in path.split("/") if p]:
            here = f"{parent.rstrip('/')}/{part}"
            if here not in ids:
                ids[here] = client.create_resource(restApiId=api_id, parentId=ids[parent], pathPart=part)["id"]
            parent = here
        for method in methods:
            client.put_method(restApiId=api_id, resourceId=ids[path], httpMethod=method, authorizationType=authorization, **method_args)
            client.put_integration(restApiId=api_id, resourceId=ids[path], httpMethod=method, type="AWS_PROXY",
                                   integrationHttpMethod="POST", uri=lambda_uri(arn))
    if permission:
        allow_api_gateway(function, f"arn:aws:execute-api:{REGION}:{arn.split(':')[4]}:{api_id}/*")
    if deploy:
        client.create_deployment(restApiId=api_id, stageName="dev")
    return Api(api_id, endpoint)


def signed_get(url: str, access_key: str = "test", secret: str = "test", token: str | None = None, **kwargs: Any) -> requests.Response:
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials(access_key, secret, token), "execute-api", REGION).add_auth(request)
    return requests.get(url, headers=dict(request.headers.items()), timeout=30, **kwargs)


def event_of(response: requests.Response) -> dict[str, Any]:
    assert response.status_code == 200, (response.status_code, response.text)
    return json.loads(response.text)["event"]
