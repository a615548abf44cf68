"""Lambda helpers, the call log and event builders, against a real embedded moto server."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator

import boto3
import pytest

from harness import FakeContext, api_gateway_event, dynamodb_stream_event, invoke_deployed, runtime, sqs_event
from harness.backends import EmbeddedMoto
from harness.call_log import ApiCall
from harness.safety import sandboxed_process_environment


@pytest.fixture(scope="module")
def moto_backend() -> Iterator[EmbeddedMoto]:
    backend = EmbeddedMoto()
    backend.start()
    with sandboxed_process_environment(backend.endpoint):
        runtime.activate(backend)
        try:
            yield backend
        finally:
            runtime.deactivate()
            backend.stop()


@pytest.fixture
def aws(moto_backend: EmbeddedMoto) -> EmbeddedMoto:
    moto_backend.reset()
    return moto_backend


def package(source: str, module: str = "app") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{module}.py", source)
    return buffer.getvalue()


def create_function(name: str, source: str, *, timeout: int = 3, env: dict | None = None, publish: bool = False) -> dict:
    iam = boto3.client("iam")
    try:
        role = iam.create_role(RoleName="runner", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        role = iam.get_role(RoleName="runner")["Role"]["Arn"]
    return boto3.client("lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler", Code={"ZipFile": package(source)},
        Timeout=timeout, Environment={"Variables": env or {}}, Publish=publish,
    )


def test_invoke_deployed_runs_the_stored_package_with_its_environment(aws: EmbeddedMoto) -> None:
    source = "import os\ndef handler(event, context):\n    print('hello log')\n    return {'got': event, 'table': os.environ['TABLE'], 'name': context.function_name}\n"
    create_function("echo", source, env={"TABLE": "Inventory"})
    result = invoke_deployed("echo", {"sku": "PU-1"})
    assert result.ok and result.status_code == 200
    assert result.payload == {"got": {"sku": "PU-1"}, "table": "Inventory", "name": "echo"}
    assert "hello log" in result.log_tail


def test_the_deployed_code_reaches_the_emulator_through_plain_boto3(aws: EmbeddedMoto) -> None:
    boto3.client("sqs").create_queue(QueueName="from-test")
    create_function("lister", "import boto3\ndef handler(event, context):\n    return boto3.client('sqs').list_queues()['QueueUrls']\n")
    result = invoke_deployed("lister", {})
    assert result.ok, result.payload
    assert result.payload[0].endswith("/from-test")


def test_versions_and_aliases_run_the_code_they_point_at(aws: EmbeddedMoto) -> None:
    client = boto3.client("lambda")
    create_function("versioned", "def handler(event, context):\n    return 'one'\n", publish=True)
    client.update_function_code(FunctionName="versioned", ZipFile=package("def handler(event, context):\n    return 'two'\n"))
    client.get_waiter("function_updated_v2").wait(FunctionName="versioned")  # as on AWS: publishing sooner is a conflict
    client.publish_version(FunctionName="versioned")
    client.create_alias(FunctionName="versioned", Name="live", FunctionVersion="1")
    assert invoke_deployed("versioned", {}, qualifier="1").payload == "one"
    assert invoke_deployed("versioned", {}, qualifier="live").payload == "one"
    assert invoke_deployed("versioned", {}, qualifier="2").payload == "two"
    assert invoke_deployed("versioned", {}).payload == "two"


@pytest.mark.parametrize(
    ("source", "error_type"),
    [
        ("def handler(event, context):\n    raise KeyError('Item')\n", "KeyError"),
        ("import nosuchmodule\ndef handler(event, context):\n    pass\n", "Runtime.ImportModuleError"),
        ("def other(event, context):\n    pass\n", "Runtime.HandlerNotFound"),
        ("from decimal import Decimal\ndef handler(event, context):\n    return {'n': Decimal('1')}\n", "Runtime.MarshalError"),
        ("import time\ndef handler(event, context):\n    time.sleep(30)\n", "Sandbox.Timedout"),
        ("def handler(event, context):\n    while True:\n        try:\n            pass\n        except Exception:\n            pass\n", "Sandbox.Timedout"),
        ("import os\ndef handler(event, context):\n    os._exit(1)\n", "Runtime.ExitError"),
        ("import sys\ndef handler(event, context):\n    sys.exit(2)\n", "Runtime.ExitError"),
    ],
)
def test_a_failing_function_comes_back_as_lambda_reports_it(aws: EmbeddedMoto, source: str, error_type: str) -> None:
    create_function("broken", source, timeout=1)
    result = invoke_deployed("broken", {})
    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == error_type


def test_invoking_a_function_that_does_not_exist_raises_lambdas_own_error(aws: EmbeddedMoto) -> None:
    with pytest.raises(boto3.client("lambda").exceptions.ResourceNotFoundException):
        invoke_deployed("missing", {})


def test_the_call_log_names_operations_of_every_protocol(aws: EmbeddedMoto) -> None:
    aws.call_log.clear()
    dynamodb = boto3.client("dynamodb")
    dynamodb.list_tables()  # json
    boto3.client("sns").list_topics()  # query
    boto3.client("lambda").list_functions()  # rest-json
    boto3.client("s3").list_buckets()  # rest-xml
    boto3.client("sqs").list_queues()
    calls = aws.call_log.calls
    assert calls == [
        ApiCall("dynamodb", "ListTables"),
        ApiCall("sns", "ListTopics"),
        ApiCall("lambda", "ListFunctions"),
        ApiCall("s3", "ListBuckets"),
        ApiCall("sqs", "ListQueues"),
    ]
    assert aws.call_log.count("dynamodb", "ListTables") == 1
    assert aws.call_log.describe() == "dynamodb.ListTables x1, lambda.ListFunctions x1, s3.ListBuckets x1, sns.ListTopics x1, sqs.ListQueues x1"


def test_the_call_log_tells_rest_operations_on_the_same_path_apart(aws: EmbeddedMoto) -> None:
    create_function("named", "def handler(event, context):\n    return 1\n")
    aws.call_log.clear()
    client = boto3.client("lambda")
    client.get_function(FunctionName="named")
    client.get_function_configuration(FunctionName="named")
    client.invoke(FunctionName="named", Payload=b"{}")
    assert [c.operation for c in aws.call_log.calls] == ["GetFunction", "GetFunctionConfiguration", "Invoke"]


def test_an_sqs_event_is_built_from_really_received_messages(aws: EmbeddedMoto) -> None:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.send_message(QueueUrl=url, MessageBody='{"order_id": "o-1"}', MessageAttributes={"type": {"DataType": "String", "StringValue": "OrderPlaced"}})
    messages = sqs.receive_message(QueueUrl=url, AttributeNames=["All"], MessageAttributeNames=["All"])["Messages"]
    event = sqs_event(messages, arn)
    record = event["Records"][0]
    assert record["body"] == '{"order_id": "o-1"}' and record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn
    assert record["messageAttributes"]["type"]["stringValue"] == "OrderPlaced"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"


def test_a_dynamodb_stream_event_is_built_from_real_stream_records(aws: EmbeddedMoto) -> None:
    dynamodb = boto3.client("dynamodb")
    table = dynamodb.create_table(
        TableName="Orders", KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    dynamodb.put_item(TableName="Orders", Item={"order_id": {"S": "o-1"}, "total": {"N": "19.99"}})
    streams = boto3.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=table["LatestStreamArn"])["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=table["LatestStreamArn"], ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    event = dynamodb_stream_event(records, table["LatestStreamArn"])
    record = event["Records"][0]
    assert record["eventName"] == "INSERT" and record["eventSource"] == "aws:dynamodb"
    assert record["dynamodb"]["NewImage"] == {"order_id": {"S": "o-1"}, "total": {"N": "19.99"}}
    json.dumps(event)  # Lambda delivers JSON: nothing in the event may need a custom encoder


def test_an_api_gateway_event_carries_the_path_parameters_and_method() -> None:
    event = api_gateway_event("GET", "/inventory/{sku}", {"sku": "PU-1001"}, query={"verbose": "1"})
    assert event["pathParameters"] == {"sku": "PU-1001"} and event["path"] == "/inventory/PU-1001"
    assert event["httpMethod"] == "GET" and event["resource"] == "/inventory/{sku}"
    assert event["queryStringParameters"] == {"verbose": "1"} and event["body"] is None


def test_the_fake_context_offers_what_the_python_runtime_does() -> None:
    context = FakeContext(function_name="inventory-status", memory_limit_in_mb=256)
    assert context.invoked_function_arn.endswith(":function:inventory-status")
    assert context.log_group_name == "/aws/lambda/inventory-status"
    assert context.get_remaining_time_in_millis() > 0 and context.aws_request_id
