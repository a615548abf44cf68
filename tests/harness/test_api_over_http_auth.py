"""Authorization of served API stages as API Gateway does it (harness/emulator/apigateway_auth.py):
AWS_IAM with SigV4 and the caller's policies, API keys with usage plans, Lambda TOKEN/REQUEST authorizers."""

from __future__ import annotations

import json
import subprocess

import boto3
import pytest
import requests
from api_http_kit import REGION, event_of, function_arn, lambda_uri, make_api, signed_get
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from harness.backends import EmbeddedMoto


def invoke_policy(resource: str, effect: str = "Allow") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": "execute-api:Invoke", "Resource": resource}]})


def user_keys(name: str, policy: str | None) -> tuple[str, str]:
    iam = boto3.client("iam")
    iam.create_user(UserName=name)
    if policy:
        iam.put_user_policy(UserName=name, PolicyName="invoke", PolicyDocument=policy)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def test_aws_iam_needs_a_valid_signature(aws: EmbeddedMoto) -> None:
    api = make_api(aws.endpoint, {"/items/{id}": ["GET"]}, authorization="AWS_IAM")
    url = api.url("/items/7")
    unsigned = requests.get(url, timeout=30)
    assert unsigned.status_code == 403 and unsigned.json() == {"message": "Missing Authentication Token"}
    event = event_of(signed_get(url))
    assert event["requestContext"]["identity"]["accessKey"] == "test"
    assert event["requestContext"]["identity"]["userArn"] == f"arn:aws:iam::{aws.account_id}:root"
    wrong_secret = signed_get(url, secret="not-the-secret")
    assert wrong_secret.status_code == 403 and wrong_secret.json()["message"].startswith("The request signature we calculated")
    unknown_key = signed_get(url, access_key="AKIAUNKNOWN000000000", secret="x")
    assert unknown_key.status_code == 403
    assert unknown_key.json() == {"message": "The security token included in the request is invalid."}
    signed = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials("test", "test"), "execute-api", REGION).add_auth(signed)
    replayed = requests.get(api.url("/items/8"), headers=dict(signed.headers.items()), timeout=30)
    assert replayed.status_code == 403  # a signature is for one request: another path does not match it


def test_aws_iam_applies_the_callers_identity_policies(aws: EmbeddedMoto) -> None:
    api = make_api(aws.endpoint, {"/items/{id}": ["GET"], "/admin": ["GET"]}, authorization="AWS_IAM")
    arn = f"arn:aws:execute-api:{REGION}:{aws.account_id}:{api.id}"
    reader = user_keys("reader", invoke_policy(f"{arn}/dev/GET/items/*"))
    nobody = user_keys("nobody", None)
    assert signed_get(api.url("/items/7"), *reader).status_code == 200
    refused = signed_get(api.url("/admin"), *reader)
    assert refused.status_code == 403 and refused.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert refused.json()["Message"] == (f"User: arn:aws:iam::{aws.account_id}:user/reader is not authorized to perform: "
                                         f"execute-api:Invoke on resource: {arn}/dev/GET/admin")
    assert signed_get(api.url("/items/7"), *nobody).status_code == 403
    denied = user_keys("denied", json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "execute-api:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": f"{arn}/*/GET/admin"}]}))
    assert signed_get(api.url("/items/7"), *denied).status_code == 200
    assert "explicit deny" in signed_get(api.url("/admin"), *denied).json()["Message"]


def test_aws_iam_applies_the_apis_resource_policy(aws: EmbeddedMoto) -> None:
    api = make_api(aws.endpoint, {"/items/{id}": ["GET"], "/admin": ["GET"]}, authorization="AWS_IAM")
    arn = f"arn:aws:execute-api:{REGION}:{aws.account_id}:{api.id}"
    outsider = user_keys("outsider", None)
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{aws.account_id}:user/outsider"}, "Action": "execute-api:Invoke",
         "Resource": f"{arn}/*/GET/items/*"},
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": f"{arn}/*/GET/admin"}]}
    boto3.client("apigateway").update_rest_api(restApiId=api.id, patchOperations=[
        {"op": "replace", "path": "/policy", "value": json.dumps(policy)}])
    assert signed_get(api.url("/items/7"), *outsider).status_code == 200  # the resource policy alone allows it
    denied = signed_get(api.url("/admin"))
    assert denied.status_code == 403 and denied.json()["Message"].endswith("with an explicit deny")


def test_aws_iam_with_assumed_role_credentials(aws: EmbeddedMoto) -> None:
    api = make_api(aws.endpoint, {"/items/{id}": ["GET"]}, authorization="AWS_IAM")
    iam = boto3.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": aws.account_id}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="caller", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName="caller", PolicyName="invoke", PolicyDocument=invoke_policy("arn:aws:execute-api:*:*:*/dev/*"))
    credentials = boto3.client("sts").assume_role(RoleArn=role, RoleSessionName="s1")["Credentials"]
    keys = (credentials["AccessKeyId"], credentials["SecretAccessKey"])
    event = event_of(signed_get(api.url("/items/7"), *keys, token=credentials["SessionToken"]))
    assert event["requestContext"]["identity"]["userArn"] == f"arn:aws:sts::{aws.account_id}:assumed-role/caller/s1"
    assert signed_get(api.url("/items/7"), *keys, token="not-the-token").status_code == 403


def test_curl_aws_sigv4_is_accepted(aws: EmbeddedMoto) -> None:
    api = make_api(aws.endpoint, {"/items/{id}": ["GET"]}, authorization="AWS_IAM")
    done = subprocess.run(["curl", "-s", "--aws-sigv4", f"aws:amz:{REGION}:execute-api", "--user", "test:test",
                           "--noproxy", "*", api.url("/items/7?x=1")], capture_output=True, text=True, timeout=30)
    assert json.loads(done.stdout)["event"]["pathParameters"] == {"id": "7"}, done.stdout


def test_api_keys_need_a_usage_plan_for_the_stage(aws: EmbeddedMoto) -> None:
    api = make_api(aws.endpoint, {"/items": ["GET"]}, apiKeyRequired=True)
    client = boto3.client("apigateway")
    key = client.create_api_key(name="partner", enabled=True)
    disabled = client.create_api_key(name="old", enabled=False)
    missing = requests.get(api.url("/items"), timeout=30)
    assert missing.status_code == 403 and missing.json() == {"message": "Forbidden"}
    headers = {"x-api-key": key["value"]}
    assert requests.get(api.url("/items"), headers=headers, timeout=30).status_code == 403  # in no usage plan yet
    plan = client.create_usage_plan(name="partners", apiStages=[{"apiId": api.id, "stage": "dev"}])
    for each in (key, disabled):
        client.create_usage_plan_key(usagePlanId=plan["id"], keyId=each["id"], keyType="API_KEY")
    event = event_of(requests.get(api.url("/items"), headers=headers, timeout=30))
    assert event["requestContext"]["identity"]["apiKeyId"] == key["id"]
    assert requests.get(api.url("/items"), headers={"x-api-key": disabled["value"]}, timeout=30).status_code == 403
    assert requests.get(api.url("/items"), headers={"x-api-key": "x" * 30}, timeout=30).status_code == 403


AUTHORIZER_SOURCE = """def handler(event, context):
    token = event.get('authorizationToken') or (event.get('headers') or {}).get('X-Team')
    if token == 'boom':
        raise Exception('Unauthorized')
    if token == 'broken':
        return {'nothing': 'useful'}
    effect = 'Allow' if token in ('allow', 'ops') else 'Deny'
    return {'principalId': 'user-' + token, 'context': {'team': token, 'level': 3, 'type': event['type']},
            'policyDocument': {'Version': '2012-10-17', 'Statement': [
                {'Effect': effect, 'Action': 'execute-api:Invoke', 'Resource': event['methodArn']}]}}
"""


def with_authorizer(aws: EmbeddedMoto, kind: str, identity_source: str) -> tuple:
    arn = function_arn("authorizer", AUTHORIZER_SOURCE)
    client = boto3.client("apigateway")
    api = make_api(aws.endpoint, {"/items": ["GET"]}, deploy=False)
    authorizer = client.create_authorizer(restApiId=api.id, name="team", type=kind, authorizerUri=lambda_uri(arn),
                                          identitySource=identity_source)
    resource = api.resource("/items")
    client.delete_method(restApiId=api.id, resourceId=resource, httpMethod="GET")
    client.put_method(restApiId=api.id, resourceId=resource, httpMethod="GET", authorizationType="CUSTOM",
                      authorizerId=authorizer["id"])
    client.put_integration(restApiId=api.id, resourceId=resource, httpMethod="GET", type="AWS_PROXY",
                           integrationHttpMethod="POST", uri=lambda_uri(function_arn("echo")))
    client.create_deployment(restApiId=api.id, stageName="dev")
    return api, authorizer


def test_a_token_authorizer_decides_and_passes_its_context(aws: EmbeddedMoto) -> None:
    api, _ = with_authorizer(aws, "TOKEN", "method.request.header.Authorization")
    url = api.url("/items")
    event = event_of(requests.get(url, headers={"Authorization": "allow"}, timeout=30))
    assert event["requestContext"]["authorizer"] == {"principalId": "user-allow", "team": "allow", "level": 3, "type": "TOKEN"}
    no_token = requests.get(url, timeout=30)
    assert no_token.status_code == 401 and no_token.json() == {"message": "Unauthorized"}
    raised = requests.get(url, headers={"Authorization": "boom"}, timeout=30)
    assert raised.status_code == 401 and raised.json() == {"message": "Unauthorized"}
    denied = requests.get(url, headers={"Authorization": "guest"}, timeout=30)
    assert denied.status_code == 403
    assert denied.json() == {"Message": "User is not authorized to access this resource with an explicit deny"}
    broken = requests.get(url, headers={"Authorization": "broken"}, timeout=30)
    assert broken.status_code == 500 and broken.json() == {"message": None}


def test_a_request_authorizer_gets_the_request(aws: EmbeddedMoto) -> None:
    api, _ = with_authorizer(aws, "REQUEST", "method.request.header.X-Team")
    event = event_of(requests.get(api.url("/items"), headers={"X-Team": "ops"}, timeout=30))
    assert event["requestContext"]["authorizer"]["type"] == "REQUEST"
    assert event["requestContext"]["authorizer"]["principalId"] == "user-ops"
    assert requests.get(api.url("/items"), timeout=30).status_code == 401


@pytest.mark.parametrize("kind", ["TOKEN"])
def test_an_identity_validation_expression_refuses_before_the_function_runs(aws: EmbeddedMoto, kind: str) -> None:
    api, authorizer = with_authorizer(aws, kind, "method.request.header.Authorization")
    boto3.client("apigateway").update_authorizer(restApiId=api.id, authorizerId=authorizer["id"], patchOperations=[
        {"op": "replace", "path": "/identityValidationExpression", "value": "^Bearer .+$"}])
    assert requests.get(api.url("/items"), headers={"Authorization": "allow"}, timeout=30).status_code == 401


def test_the_kits_served_api_signs_posts_with_bodies_and_queries_and_can_tamper(aws: EmbeddedMoto) -> None:
    """harness/kit/served_api.py, what the capstone's grader calls the student's API with."""
    from harness.kit.served_api import ServedApi

    api = make_api(aws.endpoint, {"/items/{id}": ["GET", "POST"]}, authorization="AWS_IAM")
    served = ServedApi(aws.endpoint, api.id, api.stage)
    posted = served.call("POST", "/items/7", body={"name": "bolt"}, query={"dry": "1"}, headers={"Idempotency-Key": "k"})
    assert posted.status == 200, posted.described()
    event = posted.body["event"]
    assert (json.loads(event["body"]), event["queryStringParameters"], event["headers"]["Idempotency-Key"]) == (
        {"name": "bolt"}, {"dry": "1"}, "k")
    assert posted.signature and len(posted.signature) == 64 and posted.request == "a signed POST /items/7?dry=1"
    unsigned = served.call("GET", "/items/7", signed=False)
    assert (unsigned.status, unsigned.body, unsigned.signature) == (403, {"message": "Missing Authentication Token"}, None)
    tampered = served.call("GET", "/items/7", tamper=True)
    assert tampered.status == 403 and "signature" in tampered.body["message"].lower(), tampered.described()
