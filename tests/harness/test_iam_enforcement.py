"""IAM enforcement for deployed code on the embedded backend (harness/emulator/iam_enforcement.py).

A function probes its own permissions: each probe is one boto3 call, answered "ok" or the error code and
message it got. The role's policies, boundaries and the targets' resource policies decide, as in IAM.
"""

from __future__ import annotations

import json

import boto3
import pytest
from lambda_backend_kit import invoke, package

from harness.backends import EmbeddedMoto
from harness.kit.iam_enforcement import enforcing_iam, set_enforcement

ACCOUNT = "123456789012"
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}

# Each probe: [service, method, kwargs]. The function answers {probe index: "ok" | "Code: message"}.
PROBE_SOURCE = """import json, os, boto3
from botocore.exceptions import ClientError
CLIENTS = {}
def handler(event, context):
    answers = {}
    for n, (service, method, kwargs) in enumerate(event['probes']):
        try:
            client = CLIENTS.get(service) or CLIENTS.setdefault(service, boto3.client(service))
            getattr(client, method)(**kwargs)
            answers[n] = 'ok'
        except ClientError as error:
            answers[n] = error.response['Error']['Code'] + ': ' + error.response['Error'].get('Message', '') + ' [' + str(error.response['ResponseMetadata']['HTTPStatusCode']) + ']'
    return {'answers': answers, 'key': os.environ['AWS_ACCESS_KEY_ID'], 'token': bool(os.environ.get('AWS_SESSION_TOKEN'))}
"""


def document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: object, resource: object) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def deny(action: object, resource: object) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource}


def prober(role: str, *policies: dict, boundary: dict | None = None) -> str:
    """A role holding the policies inline, and a function running as it; returns the role's ARN."""
    iam = boto3.client("iam")
    extra = {}
    if boundary is not None:
        extra["PermissionsBoundary"] = iam.create_policy(PolicyName=f"{role}-boundary", PolicyDocument=document(boundary))["Policy"]["Arn"]
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST), **extra)["Role"]["Arn"]
    for number, policy in enumerate(policies):
        iam.put_role_policy(RoleName=role, PolicyName=f"p{number}", PolicyDocument=document(policy))
    boto3.client("lambda").create_function(
        FunctionName=role, Runtime="python3.12", Role=arn, Handler="app.handler",
        Code={"ZipFile": package(PROBE_SOURCE)}, Timeout=60,
    )
    return arn


def probe(function: str, *probes: tuple[str, str, dict]) -> list[str]:
    answer, payload = invoke(function, {"probes": [list(p) for p in probes]})
    assert "FunctionError" not in answer, payload
    return [payload["answers"][str(n)] for n in range(len(probes))]


def tables(*names: str) -> None:
    ddb = boto3.client("dynamodb")
    for name in names:
        ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")


def get_item(table: str) -> tuple[str, str, dict]:
    return ("dynamodb", "get_item", {"TableName": table, "Key": {"id": {"S": "1"}}})


def test_a_scoped_identity_policy_allows_its_table_and_refuses_the_neighbours_with_dynamodbs_error(aws: EmbeddedMoto) -> None:
    tables("Orders", "Inventory")
    prober("orders", allow(["dynamodb:GetItem", "DynamoDB:putitem"], f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Orders"))
    with enforcing_iam(aws.endpoint):
        got = probe("orders", get_item("Orders"),
                    ("dynamodb", "put_item", {"TableName": "Orders", "Item": {"id": {"S": "2"}}}),
                    get_item("Inventory"), ("dynamodb", "scan", {"TableName": "Orders"}))
    assert got[:2] == ["ok", "ok"]
    assert got[2] == (f"AccessDeniedException: User: arn:aws:sts::{ACCOUNT}:assumed-role/orders/orders is not authorized to "
                      f"perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Inventory because no "
                      "identity-based policy allows the dynamodb:GetItem action [400]")
    assert got[3].startswith("AccessDeniedException: ") and "dynamodb:Scan" in got[3]


def test_enforcement_is_off_by_default_and_after_a_reset_and_the_graders_calls_are_never_judged(aws: EmbeddedMoto) -> None:
    tables("Inventory")
    prober("nothing")  # a role without any policy
    assert probe("nothing", get_item("Inventory")) == ["ok"]
    with enforcing_iam(aws.endpoint):
        assert probe("nothing", get_item("Inventory"))[0].startswith("AccessDeniedException")
        boto3.client("dynamodb").scan(TableName="Inventory")  # the grader's dummy keys: unrestricted
    assert probe("nothing", get_item("Inventory")) == ["ok"]
    assert set_enforcement(True, aws.endpoint) is True
    aws.reset()
    tables("Inventory")
    prober("nothing")
    _, payload = invoke("nothing", {"probes": [list(get_item("Inventory"))]})
    assert payload["answers"]["0"] == "ok" and payload["key"] == "test" and not payload["token"]


def test_the_function_gets_the_roles_session_credentials(aws: EmbeddedMoto) -> None:
    prober("whoami")
    with enforcing_iam(aws.endpoint):
        _, payload = invoke("whoami", {"probes": [["sts", "get_caller_identity", {}]]})
    assert payload["answers"]["0"] == "ok"  # allowed whatever the policies say, as in IAM
    assert payload["key"] != "test" and payload["token"]


def test_an_explicit_deny_wins_and_a_wildcard_allows_what_it_matches(aws: EmbeddedMoto) -> None:
    tables("Orders", "OrdersArchive")
    prober("wide", allow("dynamodb:*", "*"), deny("dynamodb:DeleteItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Orders"))
    with enforcing_iam(aws.endpoint):
        got = probe("wide", ("dynamodb", "scan", {"TableName": "OrdersArchive"}),
                    ("dynamodb", "delete_item", {"TableName": "Orders", "Key": {"id": {"S": "1"}}}))
    assert got[0] == "ok"
    assert got[1].startswith("AccessDeniedException: ") and "with an explicit deny in an identity-based policy" in got[1]


def test_secrets_match_question_marks_and_a_managed_policy_counts(aws: EmbeddedMoto) -> None:
    sm = boto3.client("secretsmanager")
    sm.create_secret(Name="parts-unlimited/shipping-api", SecretString="s")
    sm.create_secret(Name="parts-unlimited/payments-api", SecretString="p")
    prober("secrets")
    managed = boto3.client("iam").create_policy(PolicyName="read-shipping", PolicyDocument=document(
        allow("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:parts-unlimited/shipping-api-??????")))
    boto3.client("iam").attach_role_policy(RoleName="secrets", PolicyArn=managed["Policy"]["Arn"])
    with enforcing_iam(aws.endpoint):
        got = probe("secrets", ("secretsmanager", "get_secret_value", {"SecretId": "parts-unlimited/shipping-api"}),
                    ("secretsmanager", "get_secret_value", {"SecretId": "parts-unlimited/payments-api"}))
    assert got[0] == "ok"
    assert got[1].startswith("AccessDeniedException: ") and ":secret:parts-unlimited/payments-api-" in got[1] and got[1].endswith("[400]")


def test_resource_policies_grant_and_deny(aws: EmbeddedMoto) -> None:
    role = prober("publisher")
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    granted = sns.create_topic(Name="granted")["TopicArn"]
    plain = sns.create_topic(Name="plain")["TopicArn"]
    sns.set_topic_attributes(TopicArn=granted, AttributeName="Policy", AttributeValue=document(
        {"Effect": "Allow", "Principal": {"AWS": role}, "Action": "sns:Publish", "Resource": granted}))
    queue = sqs.create_queue(QueueName="closed")["QueueUrl"]
    boto3.client("iam").put_role_policy(RoleName="publisher", PolicyName="queues", PolicyDocument=document(allow("sqs:SendMessage", "*")))
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": document(
        {"Effect": "Deny", "Principal": "*", "Action": "sqs:SendMessage", "Resource": f"arn:aws:sqs:us-east-1:{ACCOUNT}:closed"})})
    open_queue = sqs.create_queue(QueueName="open")["QueueUrl"]
    with enforcing_iam(aws.endpoint):
        got = probe("publisher", ("sns", "publish", {"TopicArn": granted, "Message": "m"}),
                    ("sns", "publish", {"TopicArn": plain, "Message": "m"}),
                    ("sqs", "send_message", {"QueueUrl": queue, "MessageBody": "m"}),
                    ("sqs", "send_message", {"QueueUrl": open_queue, "MessageBody": "m"}))
    assert got[0] == "ok"
    assert got[1].startswith("AuthorizationError: ") and got[1].endswith("[403]")
    assert got[2].startswith("AccessDenied: ") and "explicit deny in a resource-based policy" in got[2]
    assert got[3] == "ok"


def test_s3_bucket_policy_and_identity_policy(aws: EmbeddedMoto) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="invoices")
    s3.put_object(Bucket="invoices", Key="2026/a.pdf", Body=b"a")
    s3.put_object(Bucket="invoices", Key="private/b.pdf", Body=b"b")
    s3.put_object(Bucket="invoices", Key="shared/d.pdf", Body=b"d")
    role = prober("reader", allow("s3:GetObject", "arn:aws:s3:::invoices/2026/*"))
    s3.put_bucket_policy(Bucket="invoices", Policy=document(
        {"Effect": "Allow", "Principal": {"AWS": role}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::invoices/shared/*"}))
    with enforcing_iam(aws.endpoint):
        got = probe("reader", ("s3", "get_object", {"Bucket": "invoices", "Key": "2026/a.pdf"}),
                    ("s3", "get_object", {"Bucket": "invoices", "Key": "private/b.pdf"}),
                    ("s3", "put_object", {"Bucket": "invoices", "Key": "2026/c.pdf", "Body": "c"}),
                    ("s3", "get_object", {"Bucket": "invoices", "Key": "shared/d.pdf"}))
    assert got[0] == got[3] == "ok"
    assert got[1].startswith("AccessDenied: ") and "s3:GetObject on resource: arn:aws:s3:::invoices/private/b.pdf" in got[1]
    assert got[2].startswith("AccessDenied: ") and got[2].endswith("[403]")


def test_a_kms_key_policy_decides_and_delegates_to_iam(aws: EmbeddedMoto) -> None:
    kms = boto3.client("kms")
    delegating = kms.create_key()["KeyMetadata"]["KeyId"]  # moto's default policy: the account's root may kms:*
    closed = kms.create_key(Policy=document({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/admin"},
                                             "Action": "kms:*", "Resource": "*"}))["KeyMetadata"]["KeyId"]
    prober("crypto", allow("kms:Encrypt", "*"))
    with enforcing_iam(aws.endpoint):
        got = probe("crypto", ("kms", "encrypt", {"KeyId": delegating, "Plaintext": "x"}),
                    ("kms", "encrypt", {"KeyId": closed, "Plaintext": "x"}),
                    ("kms", "decrypt", {"KeyId": delegating, "CiphertextBlob": "x" * 40}))
    assert got[0] == "ok"
    assert got[1].startswith("AccessDeniedException: ") and "no resource-based policy allows" in got[1]
    assert got[2].startswith("AccessDeniedException: ") and "kms:Decrypt" in got[2]


def test_a_permissions_boundary_caps_the_roles_policies(aws: EmbeddedMoto) -> None:
    tables("Orders")
    prober("bounded", allow("dynamodb:*", "*"), boundary=allow("dynamodb:GetItem", "*"))
    with enforcing_iam(aws.endpoint):
        got = probe("bounded", get_item("Orders"), ("dynamodb", "scan", {"TableName": "Orders"}))
    assert got[0] == "ok"
    assert "no permissions boundary allows the dynamodb:Scan action" in got[1]


@pytest.mark.parametrize("policy_change", ["detach", "edit"])
def test_policies_are_read_at_each_call(aws: EmbeddedMoto, policy_change: str) -> None:
    tables("Orders")
    prober("live", allow("dynamodb:GetItem", "*"))
    iam = boto3.client("iam")
    with enforcing_iam(aws.endpoint):
        assert probe("live", get_item("Orders")) == ["ok"]
        if policy_change == "detach":
            iam.delete_role_policy(RoleName="live", PolicyName="p0")
        else:
            iam.put_role_policy(RoleName="live", PolicyName="p0", PolicyDocument=document(allow("dynamodb:PutItem", "*")))
        assert probe("live", get_item("Orders"))[0].startswith("AccessDeniedException")


def test_the_course_route_answers_the_state_and_refuses_anything_but_a_boolean(aws: EmbeddedMoto) -> None:
    import urllib.error
    import urllib.request

    def call(method: str, body: bytes | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(f"{aws.endpoint}/_course/iam-enforcement", data=body, method=method,
                                         headers={"Content-Type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    assert call("GET") == (200, {"enabled": False})
    assert call("POST", b'{"enabled": "yes"}')[0] == 400
    assert call("POST", b'{"enabled": true}') == (200, {"enabled": True})
    assert call("GET") == (200, {"enabled": True})
    aws.reset()
    assert call("GET") == (200, {"enabled": False})


def test_a_function_whose_role_is_gone_is_refused_everything(aws: EmbeddedMoto) -> None:
    tables("Orders")
    prober("doomed", allow("dynamodb:*", "*"))
    iam = boto3.client("iam")
    iam.delete_role_policy(RoleName="doomed", PolicyName="p0")
    iam.delete_role(RoleName="doomed")
    with enforcing_iam(aws.endpoint):
        assert probe("doomed", get_item("Orders"))[0].startswith("AccessDeniedException: ")


def test_a_role_without_policies_is_refused_by_the_other_services_the_course_uses(aws: EmbeddedMoto) -> None:
    prober("nobody")
    calls = [("events", "list_rules", {}), ("stepfunctions", "list_state_machines", {}), ("cloudwatch", "list_metrics", {}),
             ("ssm", "get_parameter", {"Name": "/app/x"}), ("kinesis", "list_streams", {}),
             ("apigateway", "get_rest_apis", {}), ("cloudformation", "list_stacks", {}), ("lambda", "list_functions", {}),
             ("lambda", "get_function", {"FunctionName": "nobody"}), ("iam", "list_roles", {}), ("dynamodb", "list_tables", {}),
             ("logs", "describe_log_groups", {})]  # S3, SQS, SNS, KMS, Secrets Manager: the tests above
    with enforcing_iam(aws.endpoint):
        got = probe("nobody", *calls)
    allowed = [f"{service}.{method}: {answer}" for (service, method, _), answer in zip(calls, got)
               if not answer.split(":")[0] in ("AccessDeniedException", "AccessDenied", "AuthorizationError")]
    assert not allowed, allowed


@pytest.mark.parametrize("logs_allowed", [True, False])
def test_lambda_writes_the_functions_log_only_where_the_role_allows_it(aws: EmbeddedMoto, logs_allowed: bool) -> None:
    group = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/logger"
    statements = [allow("logs:CreateLogGroup", "arn:aws:logs:us-east-1:123456789012:*"),
                  allow(["logs:CreateLogStream", "logs:PutLogEvents"], f"{group}:*")]
    prober("logger", *(statements if logs_allowed else statements[:1]))
    with enforcing_iam(aws.endpoint):
        probe("logger")
    logs = boto3.client("logs")
    groups = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/logger")["logGroups"]
    assert len(groups) == 1  # CreateLogGroup was allowed in both cases
    events = logs.filter_log_events(logGroupName="/aws/lambda/logger")["events"] if groups else []
    assert any(event["message"].startswith("REPORT RequestId") for event in events) is logs_allowed
