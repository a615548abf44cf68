"""LocalStack without its state-reset route (the open-source runtime as a host process, no Docker):
checks are kept apart by a cleanup, and a check that calls a service LocalStack cannot run there is
"not graded on this backend", never a failure. Played here by moto behind a stand-in that answers
as that LocalStack does: a health route, 404 for the reset route, DynamoDB "not enabled"."""

from __future__ import annotations

import io
import json
import logging
import textwrap
import threading
from collections.abc import Iterator

import boto3
import pytest

from harness import localstack_cleanup
from harness.localstack_probe import ISOLATION_CLEANUP, has_reset_route, probe
from harness.unavailable import services_in_template

NOT_ENABLED = json.dumps({"__type": "InternalFailure", "message": "Service 'dynamodb' is not enabled."}).encode()


REFUSED_ONCE = "undeletable-once"  # a queue the stand-in refuses to delete the first time it is asked


def community_localstack(moto_app):  # type: ignore[no-untyped-def]
    refused: set[str] = set()

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        path = environ.get("PATH_INFO", "")
        if environ.get("HTTP_X_AMZ_TARGET") == "AmazonSQS.DeleteQueue":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            if REFUSED_ONCE.encode() in body and REFUSED_ONCE not in refused:
                refused.add(REFUSED_ONCE)
                start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.0")])
                return [json.dumps({"__type": "StandInRefusal", "message": "not deletable yet"}).encode()]
        if path == "/_localstack/health":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"services": {"dynamodb": "available"}, "version": "stand-in"}).encode()]
        if path == "/_localstack/state/reset":
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b"{}"]
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            start_response("500 Internal Server Error", [("Content-Type", "application/x-amz-json-1.0")])
            return [NOT_ENABLED]
        return moto_app(environ, start_response)

    return app


@pytest.fixture(scope="module")
def stand_in() -> Iterator[str]:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, community_localstack(DomainDispatcherApplication(create_backend_app)), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_port}"
    boto3.session.Session()  # import botocore's models before the tests time anything
    import urllib.request

    request = urllib.request.Request(f"{endpoint}/moto-api/config", data=json.dumps({"lambda": {"use_docker": False}}).encode(), method="POST")
    urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10).read()
    yield endpoint
    server.shutdown()
    server.server_close()


def aws(service: str, endpoint: str):  # type: ignore[no-untyped-def]
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")


def test_the_probe_finds_no_reset_route_and_dynamodb_unavailable(stand_in: str) -> None:
    assert not has_reset_route(stand_in)
    offer = probe(stand_in)
    assert offer.isolation == ISOLATION_CLEANUP
    assert set(offer.unavailable) == {"dynamodb", "dynamodbstreams"}
    assert "cannot run DynamoDB" in offer.unavailable["dynamodb"]


def test_the_cleanup_empties_every_service_the_course_uses(stand_in: str) -> None:
    role = aws("iam", stand_in).create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    policy = aws("iam", stand_in).create_policy(PolicyName="p", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}))["Policy"]["Arn"]
    aws("iam", stand_in).attach_role_policy(RoleName="r", PolicyArn=policy)
    queue = aws("sqs", stand_in).create_queue(QueueName="q")["QueueUrl"]
    topic = aws("sns", stand_in).create_topic(Name="t")["TopicArn"]
    queue_arn = aws("sqs", stand_in).get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws("sns", stand_in).subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    key = aws("kms", stand_in).create_key()["KeyMetadata"]["KeyId"]
    aws("kms", stand_in).create_alias(AliasName="alias/course", TargetKeyId=key)
    aws("secretsmanager", stand_in).create_secret(Name="s", SecretString="x")
    aws("ssm", stand_in).put_parameter(Name="/p", Value="v", Type="String")
    aws("logs", stand_in).create_log_group(logGroupName="/g")
    aws("apigateway", stand_in).create_rest_api(name="api")
    aws("s3", stand_in).create_bucket(Bucket="course-bucket")
    aws("s3", stand_in).put_object(Bucket="course-bucket", Key="k", Body=b"x")
    aws("cloudwatch", stand_in).put_metric_alarm(
        AlarmName="a", MetricName="m", Namespace="n", Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
        ComparisonOperator="GreaterThanThreshold")
    import io
    import zipfile

    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("f.py", "def handler(e, c):\n    return 1\n")
    aws("lambda", stand_in).create_function(FunctionName="f", Runtime="python3.12", Role=role, Handler="f.handler", Code={"ZipFile": package.getvalue()})
    aws("lambda", stand_in).create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="f")

    localstack_cleanup.clean(stand_in, skip={"dynamodb", "dynamodbstreams"})

    assert aws("sqs", stand_in).list_queues().get("QueueUrls", []) == []
    assert aws("sns", stand_in).list_topics()["Topics"] == []
    assert aws("iam", stand_in).list_roles()["Roles"] == []
    assert aws("iam", stand_in).list_policies(Scope="Local")["Policies"] == []
    assert [a for a in aws("kms", stand_in).list_aliases()["Aliases"] if not a["AliasName"].startswith("alias/aws/")] == []
    assert aws("kms", stand_in).describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert aws("secretsmanager", stand_in).list_secrets()["SecretList"] == []
    assert aws("ssm", stand_in).describe_parameters()["Parameters"] == []
    assert aws("logs", stand_in).describe_log_groups()["logGroups"] == []
    assert aws("apigateway", stand_in).get_rest_apis()["items"] == []
    assert aws("s3", stand_in).list_buckets()["Buckets"] == []
    assert aws("cloudwatch", stand_in).describe_alarms()["MetricAlarms"] == []
    assert aws("lambda", stand_in).list_functions()["Functions"] == []
    assert aws("lambda", stand_in).list_event_source_mappings()["EventSourceMappings"] == []


MANIFEST = """
[course]
name = "Test Course"
version = "9.9"

[[exercise]]
id = "ex1"
title = "Exercise One"
week = 0
folder = "labs/ex1"
points = 4
domain = 1
"""


def grade_course(pytester: pytest.Pytester, grader: str, *args: str) -> dict:
    pytester.makefile(".toml", course=MANIFEST)
    folder = pytester.path / "labs" / "ex1"
    folder.mkdir(parents=True)
    (folder / "test_ex1.py").write_text(grader)
    result = pytester.runpytest_subprocess("-p", "harness.plugin", "--course-root", str(pytester.path), *args, timeout=300)
    report_file = pytester.path / "reports" / "grade-report.json"
    assert report_file.is_file(), f"no report written:\n{result.stdout.str()}\n{result.stderr.str()}"
    return json.loads(report_file.read_text())


GRADER = """
import boto3
import pytest

@pytest.mark.points(1, hint="n/a")
def test_leaves_a_queue(backend):
    '''starts empty and leaves a queue behind'''
    sqs = boto3.client("sqs")
    assert sqs.list_queues().get("QueueUrls", []) == []
    sqs.create_queue(QueueName="left-behind")

@pytest.mark.points(1, hint="n/a")
def test_starts_empty(backend):
    '''the next check starts empty all the same'''
    assert boto3.client("sqs").list_queues().get("QueueUrls", []) == []

@pytest.mark.points(1, hint="n/a")
def test_uses_dynamodb(backend):
    '''calls DynamoDB, which this LocalStack cannot run'''
    boto3.client("dynamodb").list_tables()

@pytest.mark.points(1, hint="n/a", requires="test_uses_dynamodb")
def test_builds_on_it(backend):
    '''builds on the DynamoDB check'''
    assert False, "never run: what it builds on could not be graded"

@pytest.mark.points(1, hint="n/a", requires="test_builds_on_it")
def test_builds_on_that(backend):
    '''builds on the check that builds on the DynamoDB check'''
    assert False, "never run either: not graded goes down the whole chain"

TABLE_STACK = '''
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
'''

@pytest.mark.points(1, hint="n/a")
def test_builds_a_stack_with_a_table(backend):
    '''asks CloudFormation for a DynamoDB table (it never calls DynamoDB itself)'''
    boto3.client("cloudformation").create_stack(StackName="tables", TemplateBody=TABLE_STACK)
"""


def test_grading_keeps_checks_apart_by_cleanup_and_does_not_grade_what_calls_dynamodb(
    pytester: pytest.Pytester, stand_in: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", stand_in)
    report = grade_course(pytester, textwrap.dedent(GRADER), "--backend", "localstack")
    checks = {check["id"]: check for check in report["exercises"][0]["checks"]}
    assert [check["outcome"] for check in checks.values()] == ["passed", "passed", "not_graded", "not_graded", "not_graded", "not_graded"], checks
    assert "LocalStack here cannot run DynamoDB" in checks["test_uses_dynamodb"]["message"]
    assert "builds on 'calls DynamoDB" in checks["test_builds_on_it"]["message"]
    assert "LocalStack here cannot run DynamoDB" in checks["test_builds_on_that"]["message"]
    assert "builds on 'builds on the DynamoDB check'" in checks["test_builds_on_that"]["message"]
    # A stack of DynamoDB tables needs DynamoDB: what it does there says nothing of the template.
    assert "LocalStack here cannot run DynamoDB" in checks["test_builds_a_stack_with_a_table"]["message"]
    assert not report["harness_errors"] and not report["exercises"][0]["errors"]


LEFTOVERS_GRADER = f"""
import boto3
import pytest

@pytest.mark.points(1, hint="n/a")
def test_leaves_what_the_cleanup_cannot_delete(backend):
    '''calls DynamoDB and leaves a queue the cleanup cannot delete at first'''
    boto3.client("sqs").create_queue(QueueName="{REFUSED_ONCE}")
    boto3.client("dynamodb").list_tables()

@pytest.mark.points(1, hint="n/a")
def test_after_the_failed_cleanup(backend):
    '''runs after a cleanup that failed'''
    boto3.client("sqs").list_queues()

@pytest.mark.points(1, hint="n/a", requires="test_after_the_failed_cleanup")
def test_builds_on_it(backend):
    '''builds on the check after the failed cleanup'''
    assert False, "never run: what it builds on could not be graded"

@pytest.mark.points(1, hint="n/a")
def test_after_a_cleanup_that_worked(backend):
    '''starts empty: the cleanup worked this time'''
    assert boto3.client("sqs").list_queues().get("QueueUrls", []) == []
"""


def test_a_check_after_a_cleanup_that_failed_on_what_localstack_cannot_run_says_so_and_is_not_graded(
    pytester: pytest.Pytester, stand_in: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", stand_in)
    report = grade_course(pytester, textwrap.dedent(LEFTOVERS_GRADER), "--backend", "localstack")
    checks = {check["id"]: check for check in report["exercises"][0]["checks"]}
    assert [check["outcome"] for check in checks.values()] == ["not_graded", "not_graded", "not_graded", "passed"], checks
    after = checks["test_after_the_failed_cleanup"]["message"]
    # its own reason, not the previous check's passed on as if it were this check's
    assert "could not clean up what the previous check left" in after and "not deletable yet" in after, after
    assert "LocalStack here cannot run DynamoDB" in after
    assert "could not clean up" in checks["test_builds_on_it"]["message"]
    assert not report["harness_errors"] and not report["exercises"][0]["errors"]


def test_the_services_a_template_needs_are_read_from_its_resource_types_json_or_yaml_or_sam() -> None:
    yaml_text = "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n  F:\n    Type: 'AWS::Serverless::Function'\n"
    json_text = json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}, "A": {"Type": "AWS::Serverless::Api"}}})
    assert services_in_template(yaml_text) == {"dynamodb", "lambda"}
    assert services_in_template(json_text) == {"sqs", "apigateway"}
    assert services_in_template("Transform: AWS::Serverless-2016-10-31\nOutputs:\n  R: !Ref AWS::Region\n") == set()


class StackThatFailsItsFirstDeletion:
    """What LocalStack answers for a stack holding a Lambda function it marked Failed (the heist's):
    the first deletion ends DELETE_FAILED, the second removes it."""

    def __init__(self, failures: int) -> None:
        self.failures, self.deletions = failures, 0

    def delete_stack(self, StackName: str) -> None:  # noqa: N803 - boto3's keyword
        self.deletions += 1

    def get_waiter(self, name: str):  # type: ignore[no-untyped-def]
        from botocore.exceptions import WaiterError

        stack = self

        class Waiter:
            def wait(self, **kwargs: object) -> None:
                if stack.deletions <= stack.failures:
                    failed = {"Stacks": [{"StackName": "s", "StackStatus": "DELETE_FAILED"}]}
                    raise WaiterError(name, "terminal failure state", failed)

        return Waiter()


def test_a_stack_whose_deletion_fails_is_deleted_again() -> None:
    stack = StackThatFailsItsFirstDeletion(failures=1)
    stack.delete_stack(StackName="s")  # the cleanup's own first deletion
    localstack_cleanup._wait_until_deleted(stack, "s")
    assert stack.deletions == 2


def test_a_stack_that_never_deletes_fails_the_cleanup_after_a_few_tries() -> None:
    from botocore.exceptions import WaiterError

    stack = StackThatFailsItsFirstDeletion(failures=99)
    stack.delete_stack(StackName="s")
    with pytest.raises(WaiterError):
        localstack_cleanup._wait_until_deleted(stack, "s")
    assert stack.deletions == localstack_cleanup.STACK_DELETE_TRIES


class FailedStackOf(StackThatFailsItsFirstDeletion):
    """A stack that never leaves DELETE_FAILED, built from ``template``, listed as it is."""

    def __init__(self, template: str) -> None:
        super().__init__(failures=99)
        self.template = template

    def get_template(self, StackName: str) -> dict:  # noqa: N803 - boto3's keyword
        return {"TemplateBody": self.template}

    def get_paginator(self, name: str):  # type: ignore[no-untyped-def]
        summary = {"StackName": "s", "StackId": "arn:s", "StackStatus": "DELETE_FAILED"}

        class Pages:
            def paginate(self, **kwargs: object) -> list:
                return [{"StackSummaries": [summary]}]

        return Pages()


LAMBDA_STACK = "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n"


def test_a_stack_that_stays_delete_failed_is_left_when_it_needs_a_service_the_backend_cannot_run() -> None:
    """As the skipped service's own leftovers are: the checks that touch it are not graded there. The
    heist's solution stack did this now and then on LocalStack without Docker (its functions Failed), and
    the next check's cleanup failed: the agreement table then changed with the timing."""
    stack = FailedStackOf(LAMBDA_STACK)
    stack.delete_stack(StackName="s")
    localstack_cleanup._wait_until_deleted(stack, "s", unavailable={"lambda"})
    assert stack.deletions == localstack_cleanup.STACK_DELETE_TRIES  # tried as often as any other
    later = FailedStackOf(LAMBDA_STACK)
    localstack_cleanup._cloudformation(later, unavailable={"lambda"})  # a later cleanup leaves it at once
    assert later.deletions == 0


def test_a_stack_that_stays_delete_failed_fails_the_cleanup_when_its_services_are_all_available() -> None:
    from botocore.exceptions import WaiterError

    stack = FailedStackOf("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    with pytest.raises(WaiterError):
        localstack_cleanup._cloudformation(stack, unavailable={"lambda"})
    assert stack.deletions == localstack_cleanup.STACK_DELETE_TRIES
