"""Event source mappings and SNS lambda subscriptions run the deployed code on the embedded backend
(harness/emulator/event_sources.py, esm_poller.py, esm_sqs.py, esm_streams.py, sns_lambda.py).

Each deployed function here sends what it received to a queue ("seen"), so a test reads what Lambda
delivered, batch by batch, in the order it was delivered.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.exceptions import ClientError
from lambda_backend_kit import create_function

from harness.backends import LAMBDA_SERVICE_RUNS_CODE, EmbeddedMoto
from harness.kit import event_sources

RECORDER = """import boto3, json, os
def handler(event, context):
    boto3.client('sqs').send_message(QueueUrl=os.environ['SEEN'], MessageBody=json.dumps(event))
    failures = [r.get('messageId') or r['dynamodb']['SequenceNumber'] for r in event['Records'] if POISON(r)]
    if failures and os.environ.get('MODE') == 'raise':
        raise ValueError('poison in the batch')
    if os.environ.get('MODE') == 'report':
        return {'batchItemFailures': [{'itemIdentifier': f} for f in failures]}
    return {'batchItemFailures': [{'itemIdentifier': f} for f in failures]} if os.environ.get('MODE') == 'ignored' else None

def POISON(record):
    text = record.get('body') or json.dumps(record.get('dynamodb', {}).get('NewImage', {}))
    return 'poison' in text
"""


def _queue(name: str, **attributes: str) -> tuple[str, str]:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _recorder(name: str = "consumer", mode: str = "") -> str:
    seen, _ = _queue("seen")
    create_function(name, RECORDER, env={"SEEN": seen, "MODE": mode})
    return seen


def _batches(seen: str) -> list[dict]:
    """Every event the function received so far, in the order it received them."""
    sqs, events = boto3.client("sqs"), []
    while True:
        messages = sqs.receive_message(QueueUrl=seen, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return events
        for message in messages:
            events.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=seen, ReceiptHandle=message["ReceiptHandle"])


def _bodies(events: list[dict]) -> list[list[str]]:
    return [[record["body"] for record in event["Records"]] for event in events]


def _counts(url: str) -> tuple[int, int]:
    attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def _drained() -> event_sources.Drained:
    result = event_sources.drain(10)
    assert result is not None and result.idle, result
    return result


# -- SQS ---------------------------------------------------------------------------------------------

def test_an_sqs_mapping_delivers_lambdas_sqs_event_and_deletes_what_succeeded(aws: EmbeddedMoto) -> None:
    seen = _recorder()
    url, arn = _queue("orders")
    boto3.client("sqs").send_message(QueueUrl=url, MessageBody="before the mapping")  # moto alone would keep it for ever
    boto3.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName="consumer", BatchSize=10)
    boto3.client("sqs").send_message(QueueUrl=url, MessageBody="after", MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}})
    assert _drained().delivered == 2
    records = [record for event in _batches(seen) for record in event["Records"]]
    assert sorted(record["body"] for record in records) == ["after", "before the mapping"]
    after = next(record for record in records if record["body"] == "after")
    assert after["eventSource"] == "aws:sqs" and after["eventSourceARN"] == arn and after["awsRegion"] == "us-east-1"
    assert after["attributes"]["ApproximateReceiveCount"] == "1" and after["attributes"]["SentTimestamp"].isdigit()
    assert after["messageAttributes"]["kind"]["stringValue"] == "order" and after["messageAttributes"]["kind"]["dataType"] == "String"
    assert after["md5OfBody"] == hashlib.md5(b"after").hexdigest()
    assert after["receiptHandle"] and after["messageId"]
    assert _counts(url) == (0, 0)


def test_batch_size_bounds_each_invocation(aws: EmbeddedMoto) -> None:
    seen = _recorder()
    url, arn = _queue("orders")
    for number in range(5):
        boto3.client("sqs").send_message(QueueUrl=url, MessageBody=f"m{number}")
    boto3.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName="consumer", BatchSize=2)
    _drained()
    batches = _bodies(_batches(seen))
    assert all(len(batch) <= 2 for batch in batches) and len(batches) >= 3
    assert sorted(body for batch in batches for body in batch) == [f"m{n}" for n in range(5)]


def test_a_failed_batch_returns_after_the_visibility_timeout_and_reaches_the_dlq_through_sqs_redrive(aws: EmbeddedMoto) -> None:
    seen = _recorder(mode="raise")
    dlq, dlq_arn = _queue("orders-dlq")
    url, arn = _queue("orders", VisibilityTimeout="1", RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"}))
    boto3.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName="consumer")
    boto3.client("sqs").send_message(QueueUrl=url, MessageBody="poison")
    _drained()
    assert sum(_counts(url)) + sum(_counts(dlq)) == 1  # in flight or back, never deleted
    deadline = time.monotonic() + 10
    while _counts(dlq)[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _counts(dlq) == (1, 0) and _counts(url) == (0, 0)
    received = [record["attributes"]["ApproximateReceiveCount"] for event in _batches(seen) for record in event["Records"]]
    assert received == ["1", "2"]


def test_report_batch_item_failures_returns_only_the_failed_messages(aws: EmbeddedMoto) -> None:
    seen = _recorder(mode="report")
    url, arn = _queue("orders", VisibilityTimeout="30")
    for body in ("good 1", "poison", "good 2"):
        boto3.client("sqs").send_message(QueueUrl=url, MessageBody=body)
    boto3.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName="consumer", BatchSize=10,
                                                       FunctionResponseTypes=["ReportBatchItemFailures"])
    _drained()
    assert _counts(url) == (0, 1)
    assert sorted(body for batch in _bodies(_batches(seen)) for body in batch) == ["good 1", "good 2", "poison"]


def test_batch_item_failures_without_the_response_type_are_ignored(aws: EmbeddedMoto) -> None:
    _recorder(mode="ignored")
    url, arn = _queue("orders", VisibilityTimeout="30")
    boto3.client("sqs").send_message(QueueUrl=url, MessageBody="poison")
    boto3.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName="consumer")
    _drained()
    assert _counts(url) == (0, 0)


def test_a_disabled_mapping_delivers_nothing_until_enabled(aws: EmbeddedMoto) -> None:
    seen = _recorder()
    url, arn = _queue("orders")
    client = boto3.client("lambda")
    mapping = client.create_event_source_mapping(EventSourceArn=arn, FunctionName="consumer", Enabled=False)
    boto3.client("sqs").send_message(QueueUrl=url, MessageBody="waits")
    _drained()
    time.sleep(0.3)
    assert _batches(seen) == [] and _counts(url) == (1, 0)
    client.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    _drained()
    assert _bodies(_batches(seen)) == [["waits"]] and _counts(url) == (0, 0)


def test_the_batching_window_gathers_messages_and_a_drain_does_not_wait_for_it(aws: EmbeddedMoto) -> None:
    seen = _recorder()
    url, arn = _queue("orders")
    boto3.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName="consumer", BatchSize=10,
                                                       MaximumBatchingWindowInSeconds=5)
    for body in ("a", "b", "c"):
        boto3.client("sqs").send_message(QueueUrl=url, MessageBody=body)
    time.sleep(0.5)
    assert _batches(seen) == [] and _counts(url) == (3, 0)
    _drained()
    assert [sorted(batch) for batch in _bodies(_batches(seen))] == [["a", "b", "c"]]


def test_a_second_mapping_of_the_same_queue_and_function_is_refused(aws: EmbeddedMoto) -> None:
    _recorder()
    create_function("other", "def handler(event, context):\n    return None\n")
    _, arn = _queue("orders")
    client = boto3.client("lambda")
    first = client.create_event_source_mapping(EventSourceArn=arn, FunctionName="consumer")
    with pytest.raises(ClientError) as refused:
        client.create_event_source_mapping(EventSourceArn=arn, FunctionName="consumer")
    assert refused.value.response["Error"]["Code"] == "ResourceConflictException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert first["UUID"] in refused.value.response["Error"]["Message"]
    client.create_event_source_mapping(EventSourceArn=arn, FunctionName="other")  # another function may share the queue
    assert len(client.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"]) == 2


def test_a_reset_ends_delivery_of_the_old_state(aws: EmbeddedMoto) -> None:
    _recorder()
    url, arn = _queue("orders")
    boto3.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName="consumer")
    aws.reset()
    assert event_sources.drain(2) == event_sources.Drained(True, 0, [])


# -- DynamoDB streams --------------------------------------------------------------------------------

def _table(name: str = "Orders") -> str:
    table = boto3.client("dynamodb").create_table(
        TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    return table["TableDescription"]["LatestStreamArn"]


def _put(*ids: str, table: str = "Orders") -> None:
    for item_id in ids:
        boto3.client("dynamodb").put_item(TableName=table, Item={"id": {"S": item_id}})


def _ids(events: list[dict]) -> list[list[str]]:
    return [[record["dynamodb"]["Keys"]["id"]["S"] for record in event["Records"]] for event in events]


def test_a_stream_mapping_delivers_records_in_order_in_batches_from_trim_horizon(aws: EmbeddedMoto) -> None:
    seen = _recorder()
    stream = _table()
    _put("1", "2")
    boto3.client("lambda").create_event_source_mapping(EventSourceArn=stream, FunctionName="consumer", BatchSize=2,
                                                       StartingPosition="TRIM_HORIZON")
    _put("3", "4", "5")
    _drained()
    events = _batches(seen)
    assert [item for batch in _ids(events) for item in batch] == ["1", "2", "3", "4", "5"]
    assert all(len(batch) <= 2 for batch in _ids(events))
    record = events[0]["Records"][0]
    assert record["eventSource"] == "aws:dynamodb" and record["eventName"] == "INSERT" and record["eventVersion"] == "1.1"
    assert record["eventSourceARN"] == stream and record["awsRegion"] == "us-east-1"
    assert record["dynamodb"]["NewImage"] == {"id": {"S": "1"}} and record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], (int, float))
    sequence = [int(r["dynamodb"]["SequenceNumber"]) for event in events for r in event["Records"]]
    assert sequence == sorted(sequence)
    records = boto3.client("dynamodbstreams").describe_stream(StreamArn=stream)["StreamDescription"]["Shards"]
    assert records, "the stream keeps its records for other readers"


def test_latest_starts_after_the_mapping_was_made(aws: EmbeddedMoto) -> None:
    seen = _recorder()
    stream = _table()
    _put("old")
    boto3.client("lambda").create_event_source_mapping(EventSourceArn=stream, FunctionName="consumer", StartingPosition="LATEST")
    _put("new")
    _drained()
    assert _ids(_batches(seen)) == [["new"]]


def test_a_failing_batch_blocks_the_shard_then_goes_to_the_on_failure_destination(aws: EmbeddedMoto) -> None:
    seen = _recorder(mode="raise")
    failures, failures_arn = _queue("stream-failures")
    stream = _table()
    boto3.client("lambda").create_event_source_mapping(
        EventSourceArn=stream, FunctionName="consumer", StartingPosition="TRIM_HORIZON", BatchSize=1,
        MaximumRetryAttempts=2, DestinationConfig={"OnFailure": {"Destination": failures_arn}})
    _put("poison", "after")
    _drained()  # a drain waits for a stream batch's retries
    assert _ids(_batches(seen)) == [["poison"], ["poison"], ["poison"], ["after"]]  # one try, two retries, then on
    message = boto3.client("sqs").receive_message(QueueUrl=failures)["Messages"][0]
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["DDBStreamBatchInfo"]["batchSize"] == 1 and record["DDBStreamBatchInfo"]["streamArn"] == stream


def test_bisect_isolates_the_failing_record(aws: EmbeddedMoto) -> None:
    seen = _recorder(mode="raise")
    failures, failures_arn = _queue("stream-failures")
    stream = _table()
    _put("a", "poison", "c", "d")
    boto3.client("lambda").create_event_source_mapping(
        EventSourceArn=stream, FunctionName="consumer", StartingPosition="TRIM_HORIZON", BatchSize=4,
        MaximumRetryAttempts=0, BisectBatchOnFunctionError=True, DestinationConfig={"OnFailure": {"Destination": failures_arn}})
    _drained()  # a drain waits for a stream batch's retries
    assert _ids(_batches(seen)) == [["a", "poison", "c", "d"], ["a", "poison"], ["a"], ["poison"], ["c", "d"]]
    record = json.loads(boto3.client("sqs").receive_message(QueueUrl=failures)["Messages"][0]["Body"])
    assert record["DDBStreamBatchInfo"]["batchSize"] == 1


def test_report_batch_item_failures_on_a_stream_retries_from_the_reported_record(aws: EmbeddedMoto) -> None:
    seen = _recorder(mode="report")
    stream = _table()
    _put("a", "poison", "c")
    boto3.client("lambda").create_event_source_mapping(
        EventSourceArn=stream, FunctionName="consumer", StartingPosition="TRIM_HORIZON", BatchSize=10,
        MaximumRetryAttempts=1, FunctionResponseTypes=["ReportBatchItemFailures"])
    _drained()  # a drain waits for a stream batch's retries
    assert _ids(_batches(seen)) == [["a", "poison", "c"], ["poison", "c"]]


# -- SNS ---------------------------------------------------------------------------------------------

def test_an_sns_lambda_subscription_invokes_the_function_with_the_sns_event(aws: EmbeddedMoto) -> None:
    seen = _recorder()
    sns = boto3.client("sns")
    topic = sns.create_topic(Name="order-events")["TopicArn"]
    function_arn = boto3.client("lambda").get_function(FunctionName="consumer")["Configuration"]["FunctionArn"]
    subscription = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn,
                                 Attributes={"FilterPolicy": json.dumps({"kind": ["order"]})})["SubscriptionArn"]
    sns.publish(TopicArn=topic, Message="filtered out", MessageAttributes={"kind": {"DataType": "String", "StringValue": "other"}})
    published = sns.publish(TopicArn=topic, Message="hello", Subject="New order",
                            MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}})
    events = event_sources.wait_for(lambda: _batches(seen), timeout=10)
    assert events and len(events) == 1, events
    record = events[0]["Records"][0]
    assert record["EventSource"] == "aws:sns" and record["EventSubscriptionArn"] == subscription
    assert record["Sns"]["Message"] == "hello" and record["Sns"]["Subject"] == "New order"
    assert record["Sns"]["MessageId"] == published["MessageId"] and record["Sns"]["TopicArn"] == topic
    assert record["Sns"]["Type"] == "Notification" and record["Sns"]["Timestamp"].endswith("Z")
    assert record["Sns"]["MessageAttributes"] == {"kind": {"Type": "String", "Value": "order"}}


# -- CloudFormation, capability ------------------------------------------------------------------------

def test_a_mapping_made_by_cloudformation_delivers_too(aws: EmbeddedMoto) -> None:
    seen = _recorder()
    url, arn = _queue("orders")
    template = {"Resources": {"Mapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
        "EventSourceArn": arn, "FunctionName": "consumer", "BatchSize": 5}}}}
    boto3.client("cloudformation").create_stack(StackName="consumer", TemplateBody=json.dumps(template))
    boto3.client("sqs").send_message(QueueUrl=url, MessageBody="from the stack's mapping")
    _drained()
    assert _bodies(_batches(seen)) == [["from the stack's mapping"]] and _counts(url) == (0, 0)


def test_the_embedded_backend_says_lambda_runs_code_for_its_event_sources() -> None:
    assert LAMBDA_SERVICE_RUNS_CODE in EmbeddedMoto().capabilities


def test_wait_for_an_effect_only_a_mapping_makes_stops_once_the_mappings_are_idle(aws: EmbeddedMoto) -> None:
    _recorder()
    url, arn = _queue("orders")
    boto3.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName="consumer", Enabled=False)
    boto3.client("sqs").send_message(QueueUrl=url, MessageBody="nobody takes it")
    started = time.monotonic()
    assert event_sources.wait_for(lambda: False, timeout=10, mappings_only=True) is False
    assert time.monotonic() - started < 3
    started = time.monotonic()
    assert event_sources.wait_for(lambda: False, timeout=1) is False  # SNS deliveries are not mappings: it polls
    assert time.monotonic() - started >= 1


def test_an_sns_subscription_made_by_cloudformation_invokes_the_function(aws: EmbeddedMoto) -> None:
    seen = _recorder()
    function_arn = boto3.client("lambda").get_function(FunctionName="consumer")["Configuration"]["FunctionArn"]
    template = {"Resources": {
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "alerts"}},
        "Subscription": {"Type": "AWS::SNS::Subscription", "Properties": {
            "TopicArn": {"Ref": "Topic"}, "Protocol": "lambda", "Endpoint": function_arn}}}}
    boto3.client("cloudformation").create_stack(StackName="alerts", TemplateBody=json.dumps(template))
    topic = boto3.client("sns").create_topic(Name="alerts")["TopicArn"]
    boto3.client("sns").publish(TopicArn=topic, Message="from the stack's subscription")
    events = event_sources.wait_for(lambda: _batches(seen), timeout=10)
    assert events and [event["Records"][0]["Sns"]["Message"] for event in events] == ["from the stack's subscription"]
    assert events[0]["Records"][0]["Sns"]["Subject"] is None


def test_the_drain_route_refuses_a_timeout_that_is_not_a_number(aws: EmbeddedMoto) -> None:
    request = urllib.request.Request(aws.endpoint + "/_course/event-sources/drain", data=b'{"timeout": "soon"}', method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request)
    assert refused.value.code == 400
