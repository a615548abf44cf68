"""Deployed REST API stages answer over HTTP on the embedded backend (harness/emulator/apigateway_http.py):
routing, the proxy event, the response mapping and API Gateway's own answers."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import boto3
import pytest
import requests
from api_http_kit import REGION, function_arn, lambda_uri, make_api

from harness.backends import DEPLOYED_API_OVER_HTTP, EmbeddedMoto

ROUTES = {
    "/items": ["GET", "POST"],
    "/items/{id}": ["GET", "DELETE"],
    "/items/special": ["GET"],
    "/files/{proxy+}": ["ANY"],
}


def echo(response: requests.Response) -> dict:
    assert response.status_code == 200, (response.status_code, response.text)
    assert response.headers["X-Echo"] == "yes"
    return response.json()["event"]


def test_the_embedded_backend_declares_it() -> None:
    assert DEPLOYED_API_OVER_HTTP in EmbeddedMoto().capabilities


def test_routes_by_resource_method_and_path_parameters(aws: EmbeddedMoto) -> None:
    api = make_api(aws.endpoint, ROUTES)
    listed = echo(requests.get(api.url("/items"), timeout=30))
    assert (listed["resource"], listed["httpMethod"], listed["pathParameters"]) == ("/items", "GET", None)
    one = echo(requests.delete(api.url("/items/42"), timeout=30))
    assert (one["resource"], one["httpMethod"], one["pathParameters"]) == ("/items/{id}", "DELETE", {"id": "42"})
    literal = echo(requests.get(api.url("/items/special"), timeout=30))
    assert literal["resource"] == "/items/special" and literal["pathParameters"] is None
    spaced = echo(requests.get(api.url("/items/" + quote("a b")), timeout=30))
    assert spaced["pathParameters"] == {"id": "a b"} and spaced["path"] == "/items/a b"


def test_any_and_a_greedy_proxy_take_every_method_and_the_rest_of_the_path(aws: EmbeddedMoto) -> None:
    api = make_api(aws.endpoint, ROUTES)
    event = echo(requests.put(api.url("/files/a/b/c.txt"), data=b"hello", timeout=30))
    assert event["resource"] == "/files/{proxy+}" and event["httpMethod"] == "PUT"
    assert event["pathParameters"] == {"proxy": "a/b/c.txt"} and event["body"] == "hello"
    assert requests.get(api.url("/files"), timeout=30).status_code == 403  # {proxy+} needs one part at least


def test_a_missing_route_or_method_is_missing_authentication_token(aws: EmbeddedMoto) -> None:
    api = make_api(aws.endpoint, ROUTES)
    for response in (requests.get(api.url("/nowhere"), timeout=30), requests.put(api.url("/items/1"), timeout=30),
                     requests.get(api.url("/items/1/more"), timeout=30)):
        assert response.status_code == 403
        assert response.json() == {"message": "Missing Authentication Token"}
        assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    unknown_stage = requests.get(api.url("/items", stage="prod"), timeout=30)
    assert unknown_stage.status_code == 403 and unknown_stage.json() == {"message": "Forbidden"}


def test_the_proxy_event_is_the_rest_version_1_event(aws: EmbeddedMoto) -> None:
    api = make_api(aws.endpoint, ROUTES)
    boto3.client("apigateway").update_stage(restApiId=api.id, stageName="dev",
                                            patchOperations=[{"op": "replace", "path": "/variables/colour", "value": "blue"}])
    response = requests.post(api.url("/items?tag=a&tag=b&size=L"), data=json.dumps({"name": "pump"}),
                             headers={"Content-Type": "application/json", "X-Trace": "1"}, timeout=30)
    event = echo(response)
    assert event["path"] == "/items" and event["httpMethod"] == "POST"
    assert event["queryStringParameters"] == {"tag": "b", "size": "L"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "size": ["L"]}
    assert event["headers"]["X-Trace"] == "1" and event["multiValueHeaders"]["X-Trace"] == ["1"]
    assert json.loads(event["body"]) == {"name": "pump"} and event["isBase64Encoded"] is False
    assert event["stageVariables"] == {"colour": "blue"}
    context = event["requestContext"]
    assert context["stage"] == "dev" and context["apiId"] == api.id and context["resourcePath"] == "/items"
    assert context["requestId"] == response.headers["x-amzn-RequestId"]
    assert context["identity"]["sourceIp"] == "127.0.0.1" and context["path"] == "/dev/items"


def test_the_functions_answer_becomes_the_response(aws: EmbeddedMoto) -> None:
    api = make_api(aws.endpoint, ROUTES)

    def answer(value: object) -> requests.Response:
        return requests.get(api.url("/items"), params={"answer": json.dumps(value)}, timeout=30)

    created = answer({"statusCode": 201, "headers": {"Location": "/items/9"}, "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
                      "body": "made"})
    assert created.status_code == 201 and created.text == "made" and created.headers["Location"] == "/items/9"
    assert created.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert created.headers["Content-Type"] == "application/json"
    binary = answer({"statusCode": 200, "body": base64.b64encode(b"\x00\x01").decode(), "isBase64Encoded": True,
                     "headers": {"Content-Type": "application/octet-stream"}})
    assert binary.content == b"\x00\x01"
    for malformed in ({"body": "no status"}, {"statusCode": 200, "body": {"not": "a string"}}, ["a list"], "text"):
        response = answer(malformed)
        assert response.status_code == 502 and response.json() == {"message": "Internal server error"}, malformed


def test_a_function_error_is_502_and_a_missing_permission_is_500(aws: EmbeddedMoto) -> None:
    broken = function_arn("broken", "def handler(event, context):\n    raise ValueError('no')\n")
    api = make_api(aws.endpoint, {"/x": ["GET"]}, function="broken")
    response = requests.get(api.url("/x"), timeout=30)
    assert response.status_code == 502 and response.json() == {"message": "Internal server error"}
    assert broken
    unpermitted = make_api(aws.endpoint, {"/x": ["GET"]}, function="echo", permission=False)
    response = requests.get(unpermitted.url("/x"), timeout=30)
    assert response.status_code == 500 and response.json() == {"message": "Internal server error"}
    assert "Invalid permissions on Lambda function" in response.headers["x-course-emulator"]


def test_a_permission_for_another_method_or_api_does_not_count(aws: EmbeddedMoto) -> None:
    from api_http_kit import allow_api_gateway

    api = make_api(aws.endpoint, {"/x": ["GET"]}, function="echo", permission=False)
    account = function_arn("echo").split(":")[4]
    allow_api_gateway("echo", f"arn:aws:execute-api:{REGION}:{account}:{api.id}/*/POST/x")
    allow_api_gateway("echo", f"arn:aws:execute-api:{REGION}:{account}:otherapi/*")
    assert requests.get(api.url("/x"), timeout=30).status_code == 500
    allow_api_gateway("echo", f"arn:aws:execute-api:{REGION}:{account}:{api.id}/dev/GET/x")
    assert requests.get(api.url("/x"), timeout=30).status_code == 200


def test_a_stage_serves_its_deployment_not_later_changes(aws: EmbeddedMoto) -> None:
    api = make_api(aws.endpoint, {"/x": ["GET"]})
    client = boto3.client("apigateway")
    resource = api.resource("/x")
    client.put_method(restApiId=api.id, resourceId=resource, httpMethod="POST", authorizationType="NONE")
    client.put_integration(restApiId=api.id, resourceId=resource, httpMethod="POST", type="AWS_PROXY",
                           integrationHttpMethod="POST", uri=lambda_uri(function_arn("echo")))
    assert requests.post(api.url("/x"), timeout=30).status_code == 403  # not deployed yet
    client.create_deployment(restApiId=api.id, stageName="dev")
    assert requests.post(api.url("/x"), timeout=30).status_code == 200


def test_the_function_stays_warm_between_requests(aws: EmbeddedMoto) -> None:
    from lambda_backend_kit import COUNTER_SOURCE

    function_arn("counter", COUNTER_SOURCE.replace("return {", "return {'statusCode': 200, 'body': str(CALLS)} or {"))
    api = make_api(aws.endpoint, {"/count": ["GET"]}, function="counter")
    bodies = [requests.get(api.url("/count"), timeout=30).text for _ in range(3)]
    assert bodies == ["1", "2", "3"]


def test_other_paths_still_reach_the_aws_apis(aws: EmbeddedMoto) -> None:
    make_api(aws.endpoint, {"/x": ["GET"]})
    assert [a["name"] for a in boto3.client("apigateway").get_rest_apis()["items"]] == ["test-api"]


def test_a_lambda_integration_called_with_get_fails_as_on_aws(aws: EmbeddedMoto) -> None:
    api = make_api(aws.endpoint, {"/x": ["GET"]}, deploy=False)
    boto3.client("apigateway").put_integration(restApiId=api.id, resourceId=api.resource("/x"), httpMethod="GET", type="AWS_PROXY",
                                               integrationHttpMethod="GET", uri=lambda_uri(function_arn("echo")))
    boto3.client("apigateway").create_deployment(restApiId=api.id, stageName="dev")
    response = requests.get(api.url("/x"), timeout=30)
    assert response.status_code == 500 and response.json() == {"message": "Internal server error"}


def test_course_backend_apis_lists_each_stages_methods_with_their_urls(aws: EmbeddedMoto) -> None:
    import io

    from harness.served_apis import NO_APIS, print_apis

    empty = io.StringIO()
    print_apis(aws.endpoint, empty)
    assert empty.getvalue().strip() == NO_APIS
    api = make_api(aws.endpoint, {"/items/{id}": ["GET", "DELETE"]})
    listing = io.StringIO()
    print_apis(aws.endpoint, listing)
    lines = listing.getvalue().splitlines()
    assert f"  DELETE  {api.url('/items/{id}')}  (test-api, NONE)" in lines
    assert f"  GET     {api.url('/items/{id}')}  (test-api, NONE)" in lines
    assert requests.get(api.url("/items/3"), timeout=30).json()["event"]["pathParameters"] == {"id": "3"}


SAM_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Items:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        import json
        def handler(event, context):
            return {"statusCode": 200, "body": json.dumps({"id": event["pathParameters"]["id"], "stage": event["requestContext"]["stage"]})}
      Events:
        GetItem:
          Type: Api
          Properties:
            Path: /items/{id}
            Method: get
"""


def test_a_sam_apis_prod_stage_answers_over_http(aws: EmbeddedMoto) -> None:
    cloudformation = boto3.client("cloudformation")
    cloudformation.create_stack(StackName="items", TemplateBody=SAM_TEMPLATE,
                                Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
    cloudformation.get_waiter("stack_create_complete").wait(StackName="items", WaiterConfig={"Delay": 1})
    (api,) = boto3.client("apigateway").get_rest_apis()["items"]
    response = requests.get(f"{aws.endpoint}/restapis/{api['id']}/Prod/_user_request_/items/PU-7", timeout=30)
    assert response.status_code == 200, response.text
    assert response.json() == {"id": "PU-7", "stage": "Prod"}


SIGNED_SAM_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  ItemsApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: AWS_IAM
  Items:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        import json
        def handler(event, context):
            return {"statusCode": 200, "body": json.dumps({"id": event["pathParameters"]["id"]})}
      Events:
        GetItem:
          Type: Api
          Properties:
            RestApiId: !Ref ItemsApi
            Path: /items/{id}
            Method: get
"""


def test_a_sam_api_with_aws_iam_as_default_authorizer_deploys_and_wants_a_signature(aws: EmbeddedMoto) -> None:
    """SAM writes the method's security as an awsSigv4 definition and the integration's credentials as
    arn:aws:iam::*:user/* (invoke with the caller's credentials): the method is AWS_IAM, the stack deploys."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    cloudformation = boto3.client("cloudformation")
    cloudformation.create_stack(StackName="signed-items", TemplateBody=SIGNED_SAM_TEMPLATE,
                                Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
    cloudformation.get_waiter("stack_create_complete").wait(StackName="signed-items", WaiterConfig={"Delay": 1})
    apigateway = boto3.client("apigateway")
    (api,) = apigateway.get_rest_apis()["items"]
    resource = next(r for r in apigateway.get_resources(restApiId=api["id"])["items"] if r["path"] == "/items/{id}")
    method = apigateway.get_method(restApiId=api["id"], resourceId=resource["id"], httpMethod="GET")
    assert method["authorizationType"] == "AWS_IAM"
    assert method["methodIntegration"]["credentials"] == "arn:aws:iam::*:user/*"
    url = f"{aws.endpoint}/restapis/{api['id']}/prod/_user_request_/items/PU-7"
    unsigned = requests.get(url, timeout=30)
    assert (unsigned.status_code, unsigned.json()) == (403, {"message": "Missing Authentication Token"})
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(boto3.Session().get_credentials(), "execute-api", REGION).add_auth(request)
    signed = requests.get(url, headers=dict(request.headers.items()), timeout=30)
    assert (signed.status_code, signed.json()) == (200, {"id": "PU-7"})


def test_past_the_integration_timeout_the_answer_is_504_and_a_throttled_function_is_500(aws: EmbeddedMoto, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.emulator import apigateway_http

    function_arn("slow", "import time\ndef handler(event, context):\n    time.sleep(2)\n    return {'statusCode': 200}\n")
    api = make_api(aws.endpoint, {"/slow": ["GET"]}, function="slow")
    monkeypatch.setattr(apigateway_http, "INTEGRATION_TIMEOUT", 0.5)  # API Gateway's is 29 s
    late = requests.get(api.url("/slow"), timeout=30)
    assert late.status_code == 504 and late.json() == {"message": "Endpoint request timed out"}
    boto3.client("lambda").put_function_concurrency(FunctionName="slow", ReservedConcurrentExecutions=0)
    throttled = requests.get(api.url("/slow"), timeout=30)
    assert throttled.status_code == 500 and throttled.json() == {"message": "Internal server error"}


SAM_IAM_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: AWS_IAM
        ApiKeyRequired: false
  Items:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        import json
        def handler(event, context):
            return {"statusCode": 200, "body": json.dumps({"caller": event["requestContext"]["identity"]["userArn"]})}
      Events:
        Signed:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /items, Method: get}
        Open:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /public, Method: get, Auth: {Authorizer: NONE}}
        Keyed:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /keyed, Method: get, Auth: {Authorizer: NONE, ApiKeyRequired: true}}
"""


def test_a_sam_apis_aws_iam_default_and_its_exceptions_are_the_methods_authorization(aws: EmbeddedMoto) -> None:
    """SAM writes Auth as the Body's security (awsSigv4 scheme, api_key scheme, NONE); each method gets it,
    and the caller-credentials integration role SAM adds under AWS_IAM does not fail the stack."""
    from harness.kit.served_api import ServedApi, make_user

    boto3.client("cloudformation").create_stack(StackName="signed", TemplateBody=SAM_IAM_TEMPLATE,
                                                Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
    (api_id,) = [a["id"] for a in boto3.client("apigateway").get_rest_apis()["items"]]
    methods = {r["path"]: r["resourceMethods"]["GET"]
               for r in boto3.client("apigateway").get_resources(restApiId=api_id, embed=["methods"])["items"] if r.get("resourceMethods")}
    assert {path: (m["authorizationType"], m.get("apiKeyRequired", False)) for path, m in methods.items()} == {
        "/items": ("AWS_IAM", False), "/public": ("NONE", False), "/keyed": ("NONE", True)}
    api = ServedApi(aws.endpoint, api_id, "prod")
    assert api.call("GET", "/items", signed=False).body == {"message": "Missing Authentication Token"}
    alice = make_user(boto3.client("iam"), "alice")
    signed = api.call("GET", "/items", as_identity=alice)
    assert signed.status == 200 and signed.body == {"caller": alice.arn}, signed.described()
    assert api.call("GET", "/public", signed=False).status == 200
    assert api.call("GET", "/keyed", signed=False).body == {"message": "Forbidden"}
