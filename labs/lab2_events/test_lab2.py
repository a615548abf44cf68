"""Lab 2 grader: an order processor publishing to SNS, an SQS-triggered logger, and their scripts.

Every check is behavioural and uses real messages: the grader publishes (or lets your processor
publish) to a topic, receives what SNS delivered to a queue, builds the Lambda SQS event from those
messages (harness.sqs_event) and calls your logger with it, the way Lambda's poller would.
Run it with ``course grade lab2`` or ``pytest labs/lab2_events``.

Why the grader calls the logger itself in most checks: it judges the logger's answer to one batch
(batchItemFailures, duplicates, invalid records), which a mapping would consume. The checks that follow
messages never run deploy.sh (the backend is reset before every check), so no mapping takes their
messages. The deployed check sends a message after deploy.sh and waits (harness.kit.event_sources) for
the deployed logger to record what the student's mapping delivered (the embedded backend delivers
through mappings: harness/emulator/event_sources.py). A second mapping for the same queue and function
is refused (ResourceConflictException) by AWS and the embedded backend alike, so a deploy.sh that
always creates it fails its second run; the second-deploy check still counts mappings, for a backend
that accepts the duplicate. Queue policies are stored but not enforced by moto: the policy check reads
the document.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple

import boto3
import pytest
from botocore.exceptions import ClientError

from harness import (
    FakeContext,
    PartialCredit,
    expect,
    fail,
    invoke_deployed,
    scrub_paths,
    sqs_event,
    student_error_summary,
)
from harness.backends import LAMBDA_SERVICE_RUNS_CODE
from harness.call_log import ApiCall, CallLog
from harness.exercise_files import ExerciseFiles
from harness.kit import event_sources, resources
from harness.kit.iam import Policy, Statement, parse_policy, trust_admits_others, trust_allows_lambda
from harness.kit.logs import StudentLog
from harness.kit.messages import readme_step
from harness.student.proxy import RemoteObject

PROCESSOR_FILE = "order_processor.py"
LOGGER_FILE = "order_event_logger.py"
SETUP_SCRIPT = "setup_messaging.sh"
DEPLOY_SCRIPT = "deploy.sh"
TOPIC = "order-events"
QUEUE = "order-events-queue"
DLQ = "order-events-dlq"
ORDERS = "Orders"
PROCESSED = "ProcessedEvents"
PROCESSOR = "order-processor"
LOGGER = "order-event-logger"
ROLE = "order-events-role"
EVENT_TYPE = "OrderPlaced"
MAX_RECEIVES = 3
README = "labs/lab2_events/README.md"

SETUP_RUNS = "test_setup_messaging_sh_runs_and_creates_the_topic_and_queues"
PROCESSOR_IMPORTS = "test_the_processor_module_imports"
LOGGER_IMPORTS = "test_the_logger_module_imports"
STORED = "test_a_valid_order_is_stored_with_money_as_numbers"
LOGGER_RECORDS = "test_the_logger_logs_each_order_once_and_records_its_message_id"
REDELIVERY = "test_a_redelivered_message_is_logged_as_a_duplicate_not_processed_again"
POISON = "test_invalid_records_alone_are_reported_in_batch_item_failures"
DEPLOY_RUNS = "test_deploy_sh_runs_and_creates_the_functions_tables_and_mapping"

# The order most checks place: prices that binary floats cannot hold exactly.
ORDER = {
    "order_id": "ORD-1001",
    "customer_id": "C-100",
    "items": [
        {"sku": "PU-1001", "quantity": 3, "unit_price": 19.99},
        {"sku": "PU-2002", "quantity": 1, "unit_price": 0.1},
    ],
    "total": 60.07,
    "status": "PLACED",
}


step = functools.partial(readme_step, README)


# ------------------------------------------------------------------------------------------ hints
# Shown to students when a check fails. README.md lists them too; tests/exercises/test_every_exercise.py
# keeps the two in step.

SETUP_HINT = (
    "Run `bash setup_messaging.sh` yourself against a running backend (`course backend up`) and fix the "
    "first command that fails; it must create the topic order-events and the queues order-events-queue "
    "and order-events-dlq."
)
SETUP_AGAIN_HINT = (
    "Use commands that return what exists (create-topic, create-queue without changed attributes, "
    "subscribe with the same attributes) or look each resource up first; never delete and recreate the "
    "queue: that throws its messages away."
)
QUEUE_CONFIG_HINT = (
    'Set the queue\'s RedrivePolicy to {"deadLetterTargetArn": the DLQ\'s ARN, "maxReceiveCount": 3} and '
    'subscribe it with `awslocal sns subscribe --topic-arn "$TOPIC_ARN" --protocol sqs --notification-endpoint '
    '"$QUEUE_ARN" --attributes RawMessageDelivery=true`.'
)
POLICY_HINT = (
    "Give the queue a Policy whose only Allow statement grants sqs:SendMessage to the service "
    'sns.amazonaws.com on the queue\'s ARN with the condition {"ArnEquals": {"aws:SourceArn": the topic\'s ARN}}.'
)
PROCESSOR_IMPORT_HINT = (
    'Run `python -c "import order_processor"` in the lab folder with ORDERS_TABLE and ORDER_EVENTS_TOPIC_ARN '
    "set: module-level code should only read settings and create the clients."
)
STORE_HINT = (
    "Store the order with put_item, every number as a DynamoDB number built from its text: "
    "json.loads(json.dumps(order), parse_float=Decimal) with the resource API, {'N': str(value)} with the client."
)
DECIMAL_HINT = (
    "Decimal(19.99) copies the binary float's 50 digits and DynamoDB refuses it (Inexact); build the Decimal "
    "from text instead: Decimal(str(value)), or json.loads(json.dumps(order), parse_float=Decimal)."
)
PUBLISH_HINT = (
    "After the put_item succeeds, sns.publish(TopicArn=..., Message=json.dumps({order_id, customer_id, total, "
    "placed_at}), MessageAttributes={'event_type': {'DataType': 'String', 'StringValue': 'OrderPlaced'}}) "
    "and return {'order_id': ..., 'message_id': answer['MessageId']}."
)
INVALID_HINT = (
    "Validate before touching DynamoDB or SNS, and return {'error': '...'} for any order that breaks a rule "
    "of README step 3; never let an exception (KeyError, TypeError, AttributeError) escape."
)
STORE_FAILS_HINT = (
    "Publish only after put_item has succeeded: catch the ClientError around put_item, log it and return "
    "{'error': '...'} without calling publish."
)
LOGGER_IMPORT_HINT = (
    'Run `python -c "import order_event_logger"` in the lab folder with PROCESSED_EVENTS_TABLE set: '
    "module-level code should only read settings and create the client."
)
LOG_LINE_HINT = (
    "For each new event, record its messageId in ProcessedEvents, then log one line that is a JSON object: "
    "logger.info(json.dumps({'status': 'processed', 'message_id': ..., 'order_id': ..., 'customer_id': ..., "
    "'total': ..., 'placed_at': ...})) with the logger's level set to INFO."
)
DUPLICATE_HINT = (
    "put_item with ConditionExpression='attribute_not_exists(message_id)'; when it raises "
    "ConditionalCheckFailedException the message was seen before: log it as a duplicate and count the record "
    "as done (not as a failure)."
)
RACE_HINT = (
    "Reading ProcessedEvents first and writing afterwards leaves a gap in which another delivery can record "
    "the same message: let the write itself decide, with put_item(..., "
    "ConditionExpression='attribute_not_exists(message_id)'), and log the order only when it succeeds."
)
POISON_HINT = (
    "Handle each record in its own try/except: a record whose body is not a valid OrderPlaced event goes in "
    "{'batchItemFailures': [{'itemIdentifier': record['messageId']}]}, is not recorded, and the loop goes on "
    "with the next record."
)
ENVIRONMENT_HINT = (
    "Read os.environ['ORDERS_TABLE'] and os.environ['ORDER_EVENTS_TOPIC_ARN'] in order_processor.py and "
    "os.environ['PROCESSED_EVENTS_TABLE'] in order_event_logger.py instead of writing names or ARNs in the code."
)
CLIENT_REUSE_HINT = (
    "Create the boto3 clients or resources at module level, outside lambda_handler: Lambda keeps the module "
    "loaded between invocations, so the clients and their connections are reused."
)
FLOW_HINT = (
    'Follow one order by hand: run your processor, then `awslocal sqs receive-message --queue-url "$QUEUE_URL" '
    "--message-attribute-names All`; the body must be the event itself (raw delivery), with the event_type attribute."
)
DLQ_HINT = (
    "The queue's RedrivePolicy needs maxReceiveCount 3 and the DLQ's ARN, and your logger must name the invalid "
    "record in batchItemFailures every time it is delivered (never record or delete it), so that it is received "
    "3 times and then moved."
)
DEPLOY_HINT = (
    "Run `bash setup_messaging.sh` and then `bash deploy.sh` yourself against a running backend "
    "(`course backend up`) and fix the first command that fails; deploy.sh must create the tables, the role, "
    "both functions and the event source mapping."
)
DEPLOY_AGAIN_HINT = (
    "Look each resource up first and create it only when it is missing; for an existing function run "
    "update-function-code, wait function-updated-v2, then update-function-configuration; for an existing mapping "
    "run update-event-source-mapping instead of creating a second one."
)
UPDATE_CODE_HINT = (
    "When a function exists, build a fresh zip and run `awslocal lambda update-function-code --function-name "
    '"$FUNCTION" --zip-file fileb://function.zip` for it.'
)
CONFIG_HINT = (
    "Compare your create-table, create-role and create-function options with README step 10, then check the "
    "result with `awslocal lambda get-function-configuration --function-name order-processor` (and order-event-logger)."
)
MAPPING_HINT = (
    "Create the mapping with `awslocal lambda create-event-source-mapping --function-name order-event-logger "
    '--event-source-arn "$QUEUE_ARN" --batch-size 10 --function-response-types ReportBatchItemFailures`; '
    "without ReportBatchItemFailures, Lambda ignores batchItemFailures: a handler that returns has its whole batch "
    "deleted, the failed records too."
)
DEPLOYED_HINT = (
    "Each zip must hold its module at the root (python -m zipfile -c logger.zip order_event_logger.py), the "
    "handler settings must name module.lambda_handler, and the environment must carry the table names and topic ARN."
)

# ---------------------------------------------------------------------------------------- helpers


def short(value: Any, limit: int = 160) -> str:
    """A value as JSON (a string as it is), cut to ``limit`` characters: this lab's messages quote
    events, answers and DynamoDB items the way the student writes them, not as Python reprs."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@functools.cache
def client(service: str) -> Any:
    """One client per service for the grader's own calls: building one costs more than the calls."""
    return boto3.client(service)


@functools.cache
def dynamodb() -> Any:
    return boto3.resource("dynamodb")


def make_table(name: str, key: str) -> Any:
    table = dynamodb().create_table(
        TableName=name,
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    table.wait_until_exists()
    return table


def table_items(name: str) -> list[dict[str, Any]]:
    return dynamodb().Table(name).scan()["Items"]


def processed_ids(name: str = PROCESSED) -> set[str]:
    return {str(item.get("message_id")) for item in table_items(name)}


def queue_arn(url: str) -> str:
    return client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def make_queue(name: str, topic_arn: str | None = None, *, raw: bool = True) -> str:
    """A queue of the grader's own, subscribed to the topic when one is given."""
    url = client("sqs").create_queue(QueueName=name)["QueueUrl"]
    if topic_arn:
        client("sns").subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=queue_arn(url),
            Attributes={"RawMessageDelivery": "true" if raw else "false"},
        )
    return url


def receive(url: str, *, wait: int = 0) -> list[dict[str, Any]]:
    """Every message visible in the queue now (or, with wait, within that many seconds)."""
    messages: list[dict[str, Any]] = []
    for _ in range(10):
        answer = client("sqs").receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=wait if not messages else 0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        batch = answer.get("Messages", [])
        if not batch:
            break
        messages += batch
    return messages


def publish(topic_arn: str, body: str) -> None:
    client("sns").publish(
        TopicArn=topic_arn,
        Message=body,
        MessageAttributes={"event_type": {"DataType": "String", "StringValue": EVENT_TYPE}},
    )


def topic_arn_named(name: str) -> str | None:
    for page in client("sns").get_paginator("list_topics").paginate():
        for topic in page["Topics"]:
            if topic["TopicArn"].rsplit(":", 1)[-1] == name:
                return topic["TopicArn"]
    return None


def queue_url_named(name: str) -> str | None:
    try:
        return client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError:
        return None


class Messaging(NamedTuple):
    """The grader's own topic and queues, for checks that judge the Python code alone."""

    topic_arn: str
    audit_url: str  # SNS's JSON envelope: the topic's MessageId and attributes as SNS saw them
    queue_url: str  # raw delivery, as order-events-queue gets it: the logger's real messages
    queue_arn: str


def make_messaging(topic: str = TOPIC, prefix: str = "grader") -> Messaging:
    topic_arn = client("sns").create_topic(Name=topic)["TopicArn"]
    audit_url = make_queue(f"{prefix}-audit", topic_arn, raw=False)
    queue_url = make_queue(f"{prefix}-orders", topic_arn, raw=True)
    return Messaging(topic_arn, audit_url, queue_url, queue_arn(queue_url))


def order_events(*numbers: int) -> list[dict[str, Any]]:
    """OrderPlaced events as README step 5 describes them."""
    return [
        {
            "order_id": f"ORD-20{n:02d}",
            "customer_id": f"C-{100 + n}",
            "total": round(19.99 * n, 2),
            "placed_at": f"2026-11-02T10:{n:02d}:00+00:00",
        }
        for n in numbers
    ]


def deliver(messaging: Messaging, bodies: list[str]) -> list[dict[str, Any]]:
    """Publish each body to the topic and receive what SNS delivered to the raw queue, in order."""
    for body in bodies:
        publish(messaging.topic_arn, body)
    by_body: dict[str, dict[str, Any]] = {}
    for _ in range(5):  # SNS delivers at once on moto, within moments on LocalStack
        by_body.update((message["Body"], message) for message in receive(messaging.queue_url, wait=1))
        if all(body in by_body for body in bodies):
            return [by_body[body] for body in bodies]
    raise RuntimeError(f"the grader's own queue got {len(by_body)} of the {len(bodies)} messages it published")


def load_processor(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, topic_arn: str, table: str = ORDERS
) -> Any:
    monkeypatch.setenv("ORDERS_TABLE", table)
    monkeypatch.setenv("ORDER_EVENTS_TOPIC_ARN", topic_arn)
    return exercise.load(PROCESSOR_FILE)


def load_logger(exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, table: str = PROCESSED) -> Any:
    monkeypatch.setenv("PROCESSED_EVENTS_TABLE", table)
    return exercise.load(LOGGER_FILE)


def defines_handler(module: Any) -> bool:
    handler = getattr(module, "lambda_handler", None)
    return isinstance(handler, RemoteObject) and handler.is_callable


def place(module: Any, order: Any) -> Any:
    return module.lambda_handler(order, FakeContext(function_name=PROCESSOR))


def deliver_to_logger(module: Any, event: dict[str, Any]) -> Any:
    return module.lambda_handler(event, FakeContext(function_name=LOGGER))


def is_success(response: Any) -> bool:
    return isinstance(response, dict) and bool(response.get("message_id")) and "error" not in response


def is_error_response(response: Any) -> bool:
    return (
        isinstance(response, dict)
        and isinstance(response.get("error"), str)
        and bool(response["error"].strip())
        and "message_id" not in response
    )


def envelopes(url: str, *, wait: int = 0) -> list[dict[str, Any]]:
    """What SNS published, as its JSON envelopes in the grader's audit queue."""
    return [json.loads(message["Body"]) for message in receive(url, wait=wait)]


def reported_failures(response: Any, batch: list[str]) -> tuple[set[str], str]:
    """The messageIds Lambda would retry for this response, and why when it is the whole batch."""
    if response is None or response == {}:
        return set(), ""
    if not isinstance(response, dict) or not isinstance(response.get("batchItemFailures", []), list):
        return set(
            batch
        ), f"the answer {short(response)} is not a partial batch response, so Lambda retries the whole batch"
    failures = response.get("batchItemFailures", [])
    ids = [entry.get("itemIdentifier") if isinstance(entry, dict) else None for entry in failures]
    if any(not isinstance(i, str) or i not in batch for i in ids):
        return set(batch), (
            f"batchItemFailures {short(failures)} names something that is not a messageId of the batch, "
            "so Lambda retries the whole batch"
        )
    return set(ids), ""


def numbers_equal(got: Any, expected: Any) -> bool:
    if isinstance(got, bool) or not isinstance(got, (int, float, Decimal)):
        return False
    try:
        return Decimal(str(got)) == Decimal(str(expected))
    except InvalidOperation:
        return False


def processed(log: StudentLog, order_id: str) -> list[dict[str, Any]]:
    """The 'processed' JSON lines the handler logged or printed for this order."""
    return [o for o in log.objects() if o.get("status") == "processed" and o.get("order_id") == order_id]


def shown(log: StudentLog, limit: int = 3) -> str:
    lines = log.lines()
    if not lines:
        return "nothing was logged or printed"
    listed = "; ".join(short(scrub_paths(line), 200) for line in lines[:limit])
    return f"the log holds {len(lines)} line(s): {listed}" + (" ..." if len(lines) > limit else "")


def expect_processed_line(log: StudentLog, event: dict[str, Any], message_id: str) -> None:
    lines = processed(log, event["order_id"])
    wanted = {"status": "processed", "message_id": message_id, **event}
    expect(
        len(lines) == 1,
        f"Expected one JSON log line {json.dumps(wanted)} for the message of {event['order_id']}; "
        + (f"found {len(lines)}: {short(lines, 300)}." if lines else f"there is none ({shown(log)})."),
        hint=LOG_LINE_HINT,
    )
    line = lines[0]
    wrong = [key for key, value in wanted.items() if key != "total" and line.get(key) != value]
    if not numbers_equal(line.get("total"), event["total"]):
        wrong.append("total")
    expect(
        not wrong,
        f"Expected the log line of {event['order_id']} to be {json.dumps(wanted)}, got {json.dumps(line, default=str)} "
        f"(wrong or missing: {', '.join(wrong)}).",
        hint=LOG_LINE_HINT,
    )


def run_script(exercise: ExerciseFiles, name: str, which: str, hint: str) -> None:
    result = exercise.run_script(name)
    expect(result.ok, f"Expected {which} to exit with status 0; {scrub_paths(result.describe())}", hint=hint)


def run_setup(exercise: ExerciseFiles, which: str = "`bash setup_messaging.sh`") -> None:
    run_script(exercise, SETUP_SCRIPT, which, SETUP_HINT)


def make_setup_messaging() -> None:
    """The topic and queues as README step 1 describes them, made by the grader (faster than running
    setup_messaging.sh, and deploy.sh is then graded even when that script is unfinished)."""
    sqs, sns = client("sqs"), client("sns")
    topic_arn = sns.create_topic(Name=TOPIC)["TopicArn"]
    dlq_arn = queue_arn(sqs.create_queue(QueueName=DLQ)["QueueUrl"])
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVES)})
    url = sqs.create_queue(QueueName=QUEUE, Attributes={"RedrivePolicy": redrive})["QueueUrl"]
    sns.subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn(url), Attributes={"RawMessageDelivery": "true"}
    )


def run_deploy(exercise: ExerciseFiles, which: str = "`bash deploy.sh`") -> None:
    run_script(exercise, DEPLOY_SCRIPT, which, DEPLOY_HINT)


class StudentMessaging(NamedTuple):
    topic_arn: str
    queue_url: str
    queue_arn: str
    dlq_url: str


def student_messaging() -> StudentMessaging:
    """The topic and queues of README step 1 (made by setup_messaging.sh), looked up by name."""
    topic, queue, dlq = topic_arn_named(TOPIC), queue_url_named(QUEUE), queue_url_named(DLQ)
    missing = [
        f"the {kind} {name}"
        for kind, name, found in (("topic", TOPIC, topic), ("queue", QUEUE, queue), ("queue", DLQ, dlq))
        if not found
    ]
    expect(
        not missing,
        f"Expected `bash setup_messaging.sh` to create the topic {TOPIC} and the queues {QUEUE} and {DLQ}; it exited "
        f"with status 0, but {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing.",
        hint=SETUP_HINT,
    )
    assert topic and queue and dlq
    return StudentMessaging(topic, queue, queue_arn(queue), dlq)


# ----------------------------------------------------------------------------- setup_messaging.sh


@pytest.mark.points(2, hint=SETUP_HINT, read=step(1))
def test_setup_messaging_sh_runs_and_creates_the_topic_and_queues(exercise: ExerciseFiles) -> None:
    """setup_messaging.sh runs on an empty backend and creates the topic, queue and DLQ"""
    run_setup(exercise, "`bash setup_messaging.sh` on an empty backend")
    student_messaging()


@pytest.mark.points(2, hint=SETUP_AGAIN_HINT, read=step(1), requires=SETUP_RUNS)
def test_setup_messaging_sh_runs_again_and_keeps_the_queued_messages(exercise: ExerciseFiles) -> None:
    """setup_messaging.sh runs a second time and keeps the queue, its messages and one subscription"""
    run_setup(exercise, "the first `bash setup_messaging.sh`")
    first = student_messaging()
    # Orders waiting in the queue when someone runs the script again must survive it.
    client("sqs").send_message(QueueUrl=first.queue_url, MessageBody=json.dumps(order_events(7)[0]))
    second = exercise.run_script(SETUP_SCRIPT)
    expect(
        second.ok,
        "Expected a second `bash setup_messaging.sh` (the topic and queues already exist) to exit with status 0; "
        + scrub_paths(second.describe()),
    )
    after = student_messaging()
    waiting = int(
        client("sqs").get_queue_attributes(QueueUrl=after.queue_url, AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"
        ]["ApproximateNumberOfMessages"]
    )
    expect(
        waiting == 1,
        f"Expected the message waiting in {QUEUE} before the second `bash setup_messaging.sh` to be there after it; "
        f"the queue holds {waiting} messages (was it deleted and created again, or purged?).",
    )
    subscriptions = [
        s
        for s in client("sns").list_subscriptions_by_topic(TopicArn=after.topic_arn)["Subscriptions"]
        if s["Endpoint"] == after.queue_arn
    ]
    expect(
        len(subscriptions) == 1,
        f"Expected one subscription of {QUEUE} to {TOPIC} after two runs of `bash setup_messaging.sh`, "
        f"found {len(subscriptions)} (each one delivers every event once more).",
    )


@pytest.mark.points(3, hint=QUEUE_CONFIG_HINT, read=step(1), requires=SETUP_RUNS)
def test_the_queue_redrives_after_3_receives_and_gets_raw_deliveries(
    exercise: ExerciseFiles, partial_credit: PartialCredit
) -> None:
    """queue redrives to order-events-dlq after 3 receives and is subscribed to the topic with raw delivery"""
    run_setup(exercise)
    made = student_messaging()
    attributes = client("sqs").get_queue_attributes(QueueUrl=made.queue_url, AttributeNames=["All"])["Attributes"]
    try:
        redrive = json.loads(attributes.get("RedrivePolicy") or "{}")
    except ValueError:
        redrive = {}
    with partial_credit.part("redrive target"):
        target = redrive.get("deadLetterTargetArn")
        expect(
            target == queue_arn(made.dlq_url),
            f"expected the RedrivePolicy of {QUEUE} to send dead letters to {queue_arn(made.dlq_url)}, got "
            + (f"{target!r}." if redrive else "no RedrivePolicy."),
        )
    with partial_credit.part("maxReceiveCount"):
        count = redrive.get("maxReceiveCount")
        expect(
            str(count) == str(MAX_RECEIVES),
            f"expected the RedrivePolicy of {QUEUE} to have maxReceiveCount {MAX_RECEIVES}, got "
            + (f"{count!r}." if redrive else "no RedrivePolicy."),
        )
    every = client("sns").list_subscriptions_by_topic(TopicArn=made.topic_arn)["Subscriptions"]
    subscriptions = [s for s in every if s["Endpoint"] == made.queue_arn and s["Protocol"] == "sqs"]
    with partial_credit.part("subscription"):
        expect(
            subscriptions,
            f"expected {QUEUE} ({made.queue_arn}) to be subscribed to {TOPIC} with the protocol sqs; "
            f"the topic's subscriptions are {short(every, 300)}.",
        )
    with partial_credit.part("raw message delivery"):
        raw = [
            client("sns")
            .get_subscription_attributes(SubscriptionArn=s["SubscriptionArn"])["Attributes"]
            .get("RawMessageDelivery")
            for s in subscriptions
        ]
        expect(
            raw and all(value == "true" for value in raw),
            f"expected the subscription of {QUEUE} to {TOPIC} to have RawMessageDelivery 'true' (the body is then the "
            f"event itself, not SNS's JSON envelope), got {(raw[0] or 'false') if raw else 'no subscription'!r}.",
        )


SNS_SERVICE = ("Service", "sns.amazonaws.com")
OTHER_ACCOUNT = "111122223333"


def who_else_may_send(policy: Policy, made: StudentMessaging) -> tuple[str, Statement] | None:
    """Someone other than the topic whom the queue policy lets (or may let) send, and the statement that does."""
    region, account = made.queue_arn.split(":")[3:5]
    own_other_topic = f"arn:aws:sns:{region}:{account}:another-topic"
    foreign_topic = f"arn:aws:sns:{region}:{OTHER_ACCOUNT}:{TOPIC}"
    not_from_a_topic = {"aws:SourceArn": None, "aws:SourceAccount": None}
    others = [
        ("another topic of the account", SNS_SERVICE, {"aws:SourceArn": own_other_topic, "aws:SourceAccount": account}),
        ("another account's topic", SNS_SERVICE, {"aws:SourceArn": foreign_topic, "aws:SourceAccount": OTHER_ACCOUNT}),
        ("another account", ("AWS", f"arn:aws:iam::{OTHER_ACCOUNT}:root"), not_from_a_topic),
        ("the account's own users directly", ("AWS", f"arn:aws:iam::{account}:root"), not_from_a_topic),
    ]
    for who, principal, context in others:
        decision = policy.decide("sqs:SendMessage", made.queue_arn, principal, context=context)
        if decision.possibly_allowed:
            statement = decision.allows[0].statement
            anyone = statement.matched_principal(SNS_SERVICE) and statement.matched_principal(others[2][1])
            return ("anyone" if anyone else who), statement
    return None


@pytest.mark.points(2, hint=POLICY_HINT, read=step(1), requires=SETUP_RUNS)
def test_the_queue_policy_lets_only_the_topic_send(exercise: ExerciseFiles, partial_credit: PartialCredit) -> None:
    """queue policy lets only the order-events topic send messages"""
    run_setup(exercise)
    made = student_messaging()
    text = (
        client("sqs")
        .get_queue_attributes(QueueUrl=made.queue_url, AttributeNames=["Policy"])
        .get("Attributes", {})
        .get("Policy")
    )
    expect(text, f"Expected {QUEUE} to have an access policy (its Policy attribute); it has none.")
    try:
        policy = parse_policy(json.loads(text), kind="resource")
    except ValueError:
        fail(f"Expected the Policy of {QUEUE} to be a JSON policy document, got {short(text)}.")
    statements = [statement.source for statement in policy.statements]
    account = made.queue_arn.split(":")[4]
    from_the_topic = {"aws:SourceArn": made.topic_arn, "aws:SourceAccount": account}
    with partial_credit.part("the topic may send"):
        expect(
            policy.decide("sqs:SendMessage", made.queue_arn, SNS_SERVICE, context=from_the_topic).possibly_allowed,
            f"expected a statement that Allows sqs:SendMessage on {made.queue_arn} to the service sns.amazonaws.com "
            f"for messages from {made.topic_arn}; the statements are {short(statements, 400)}.",
        )
    with partial_credit.part("nobody else may send"):
        loose = who_else_may_send(policy, made)
        expect(
            loose is None,
            f"expected every statement that Allows sqs:SendMessage to carry the condition aws:SourceArn = "
            f"{made.topic_arn}; this one lets "
            + (f"{loose[0]} send: {short(loose[1].source, 300)}." if loose else "nobody else send."),
        )


# -------------------------------------------------------------------------------- order_processor


def processor_setup(exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch) -> tuple[Messaging, Any]:
    messaging = make_messaging()
    make_table(ORDERS, "order_id")
    return messaging, load_processor(exercise, monkeypatch, messaging.topic_arn)


@pytest.mark.points(1, hint=PROCESSOR_IMPORT_HINT, read=step(2))
def test_the_processor_module_imports(exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch) -> None:
    """order_processor.py imports (a cold start) and defines lambda_handler"""
    _, module = processor_setup(exercise, monkeypatch)
    expect(
        defines_handler(module),
        f"Expected {exercise.shown(PROCESSOR_FILE)} to define lambda_handler(event, context); "
        f"it defines {module.names()}.",
    )


def typed_differences(expected: Any, stored: Any, where: str) -> list[str]:
    """How a stored DynamoDB attribute value ({'S': ..}, {'N': ..}, {'L': [..]}, {'M': {..}}) differs
    from the order's value: strings must be S, numbers N (never S), lists L and objects M."""
    if isinstance(expected, dict):
        fields = stored.get("M") if isinstance(stored, dict) else None
        if not isinstance(fields, dict):
            return [f"{where}: expected a map, got {short(stored)}"]
        problems = []
        for key, value in expected.items():
            path = f"{where}.{key}" if where else key
            problems += typed_differences(value, fields[key], path) if key in fields else [f"{path}: missing"]
        return problems
    if isinstance(expected, list):
        values = stored.get("L") if isinstance(stored, dict) else None
        if not isinstance(values, list) or len(values) != len(expected):
            return [f"{where}: expected a list of {len(expected)}, got {short(stored)}"]
        return [p for i, value in enumerate(expected) for p in typed_differences(value, values[i], f"{where}[{i}]")]
    if isinstance(expected, str):
        return [] if stored == {"S": expected} else [f"{where}: expected the string {expected!r}, got {short(stored)}"]
    if not isinstance(stored, dict) or "N" not in stored:
        return [f"{where}: expected the number {expected}, got {short(stored)}"]
    return (
        []
        if Decimal(stored["N"]) == Decimal(str(expected))
        else [f"{where}: expected {expected}, got the number {stored['N']}"]
    )


@pytest.mark.points(2, hint=STORE_HINT, read=step(4), requires=PROCESSOR_IMPORTS)
def test_a_valid_order_is_stored_with_money_as_numbers(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    """valid order is stored in Orders with its money as DynamoDB numbers"""
    _, module = processor_setup(exercise, monkeypatch)
    try:
        response = place(module, ORDER)
    except Exception as error:  # noqa: BLE001 - the student's exception; the Decimal one has its own hint
        summary = student_error_summary(error)
        hint = DECIMAL_HINT if any(w in summary for w in ("Inexact", "Rounded", "Float types")) else None
        fail(f"Expected the valid order {short(ORDER, 300)} to be stored; your handler raised {summary}.", hint=hint)
    expect(
        not is_error_response(response),
        f"Expected the valid order {short(ORDER, 300)} to be stored; your handler answered {short(response)}.",
    )
    stored = client("dynamodb").get_item(TableName=ORDERS, Key={"order_id": {"S": ORDER["order_id"]}}).get("Item")
    expect(
        stored,
        f"Expected an item with order_id {ORDER['order_id']!r} in {ORDERS} after placing it; there is none "
        f"(the table holds {len(table_items(ORDERS))} items).",
    )
    problems = typed_differences(ORDER, {"M": stored}, "")
    expect(
        not problems,
        f"Expected the stored item {ORDER['order_id']} to hold the order's fields, strings as S and numbers as N; "
        + "; ".join(problems[:4])
        + ".",
    )


EVENT_FIELDS = {"order_id", "customer_id", "total", "placed_at"}


@pytest.mark.points(3, hint=PUBLISH_HINT, read=step(5), requires=PROCESSOR_IMPORTS)
def test_a_stored_order_is_announced_with_an_order_placed_event(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, partial_credit: PartialCredit
) -> None:
    """stored order is published as an OrderPlaced event with event_type, and its MessageId returned"""
    messaging, module = processor_setup(exercise, monkeypatch)
    before = datetime.now(timezone.utc)
    response = place(module, ORDER)
    published = envelopes(messaging.audit_url, wait=2)
    order_id = ORDER["order_id"]
    if len(published) != 1:
        fail(
            f"Expected one message on the topic after placing {order_id}, got {len(published)} "
            f"(your handler answered {short(response)}).",
        )
    envelope = published[0]
    with partial_credit.part("event body"):
        try:
            event = json.loads(envelope.get("Message", ""))
        except ValueError:
            fail(f"expected the message to be a JSON object, got {short(envelope.get('Message'))}.")
        expect(isinstance(event, dict), f"expected the message to be a JSON object, got {short(event)}.")
        wanted = {key: ORDER[key] for key in ("order_id", "customer_id", "total")}
        wrong = [k for k in ("order_id", "customer_id") if event.get(k) != wanted[k]]
        if not numbers_equal(event.get("total"), ORDER["total"]):
            wrong.append("total (a JSON number)")
        expect(
            not wrong,
            f"expected a message with {json.dumps(wanted)} and placed_at, got {short(event, 300)} "
            f"(wrong or missing: {', '.join(wrong)}).",
        )
        extra = sorted(set(event) - EVENT_FIELDS)
        expect(
            not extra,
            f"expected the event to hold only order_id, customer_id, total and placed_at (small on purpose: a consumer "
            f"that needs the whole order reads it by its key); it also holds {', '.join(extra)}.",
        )
        placed_at = event.get("placed_at")
        try:
            when = datetime.fromisoformat(str(placed_at).replace("Z", "+00:00"))
        except ValueError:
            fail(f"expected placed_at to be an ISO 8601 time such as '2026-11-02T10:15:00+00:00', got {placed_at!r}.")
        expect(
            when.utcoffset() == timedelta(0),
            f"expected placed_at in UTC with its offset (+00:00 or Z, as datetime.now(timezone.utc).isoformat() writes "
            f"it), got {placed_at!r}: a time without its zone reads differently on every machine.",
        )
        expect(
            before - timedelta(minutes=5) <= when <= datetime.now(timezone.utc) + timedelta(minutes=5),
            f"expected placed_at to be the time the order was placed (UTC, about {before:%Y-%m-%dT%H:%M:%S}+00:00), "
            f"got {placed_at!r}.",
        )
    with partial_credit.part("event_type attribute"):
        attribute = (envelope.get("MessageAttributes") or {}).get("event_type")
        expect(
            attribute == {"Type": "String", "Value": EVENT_TYPE},
            f"expected the message attribute event_type = 'OrderPlaced' (DataType String), got "
            f"{short(envelope.get('MessageAttributes') or 'no message attributes')}.",
        )
    with partial_credit.part("answer"):
        wanted_answer = {"order_id": order_id, "message_id": envelope.get("MessageId")}
        got = {k: response.get(k) for k in wanted_answer} if isinstance(response, dict) else response
        expect(
            got == wanted_answer,
            f"expected your handler to answer {json.dumps(wanted_answer)} (the MessageId that publish returned), "
            f"got {short(response)}.",
        )


def _changed(**fields: Any) -> dict[str, Any]:
    order = copy.deepcopy(ORDER)
    for key, value in fields.items():
        if value is _DROP:
            del order[key]
        else:
            order[key] = value
    return order


def _item_changed(**fields: Any) -> dict[str, Any]:
    order = copy.deepcopy(ORDER)
    order["items"][0].update(fields)
    return order


_DROP = object()
# (case, the input as a message names it, the order)
INVALID_ORDERS = [
    ("not an object", 'the payload "ORD-1001" (a string)', "ORD-1001"),
    ("an empty object", "the payload {}", {}),
    ("no order_id", "ORD-1001 without order_id", _changed(order_id=_DROP)),
    ("an empty order_id", 'ORD-1001 with "order_id": ""', _changed(order_id="")),
    ("no customer_id", "ORD-1001 without customer_id", _changed(customer_id=_DROP)),
    ("no items", 'ORD-1001 with "items": []', _changed(items=[])),
    ("quantity 0", 'ORD-1001 with "quantity": 0 in its first item', _item_changed(quantity=0)),
    ("quantity as text", 'ORD-1001 with "quantity": "3" in its first item', _item_changed(quantity="3")),
    ("a negative unit_price", 'ORD-1001 with "unit_price": -19.99 in its first item', _item_changed(unit_price=-19.99)),
    ("no total", "ORD-1001 without total", _changed(total=_DROP)),
    ("total as text", 'ORD-1001 with "total": "60.07"', _changed(total="60.07")),
    # The README's own traps: a bool is an int in Python, a whole number has no fraction, money is not negative.
    ("total true", 'ORD-1001 with "total": true', _changed(total=True)),
    ("quantity true", 'ORD-1001 with "quantity": true in its first item', _item_changed(quantity=True)),
    ("unit_price false", 'ORD-1001 with "unit_price": false in its first item', _item_changed(unit_price=False)),
    ("a fractional quantity", 'ORD-1001 with "quantity": 2.5 in its first item', _item_changed(quantity=2.5)),
    ("a negative total", 'ORD-1001 with "total": -60.07', _changed(total=-60.07)),
    ("no status", "ORD-1001 without status", _changed(status=_DROP)),
    ("an empty status", 'ORD-1001 with "status": ""', _changed(status="")),
    ("an empty customer_id", 'ORD-1001 with "customer_id": ""', _changed(customer_id="")),
    ("order_id as a number", 'ORD-1001 with "order_id": 1001', _changed(order_id=1001)),
    ("unit_price as text", 'ORD-1001 with "unit_price": "19.99" in its first item', _item_changed(unit_price="19.99")),
    ("an empty sku", 'ORD-1001 with "sku": "" in its first item', _item_changed(sku="")),
    ("an item that is not an object", 'ORD-1001 with "items": ["PU-1001"]', _changed(items=["PU-1001"])),
]


@pytest.mark.points(3, hint=INVALID_HINT, read=step(3), requires=STORED)
def test_an_invalid_order_gets_an_error_response_and_changes_nothing(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, partial_credit: PartialCredit
) -> None:
    """invalid order gets an error response; nothing is stored or published"""
    messaging, module = processor_setup(exercise, monkeypatch)
    for why, shown, order in INVALID_ORDERS:
        with partial_credit.part(why):
            try:
                response = place(module, order)
            except Exception as error:  # noqa: BLE001 - any exception is the student's mistake here
                fail(
                    f'expected an answer {{"error": "..."}} for {shown}; your handler raised '
                    f"{student_error_summary(error)} (a direct invocation then fails with no answer).",
                )
            stored = table_items(ORDERS)
            for item in stored:  # the next case starts from an empty table
                dynamodb().Table(ORDERS).delete_item(Key={"order_id": item["order_id"]})
            published = envelopes(messaging.audit_url)
            expect(
                is_error_response(response),
                f'expected an answer {{"error": "..."}} for {shown}, got {short(response)}.',
            )
            expect(not stored, f"expected nothing stored for {shown}; {ORDERS} got {short(stored)}.")
            expect(not published, f"expected nothing published for {shown}; the topic got {len(published)} message(s).")


@pytest.mark.points(2, hint=STORE_FAILS_HINT, read=step(6), requires=STORED)
def test_nothing_is_published_when_the_order_cannot_be_stored(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, partial_credit: PartialCredit
) -> None:
    """nothing is published when the order cannot be stored, and the handler answers with an error"""
    messaging = make_messaging()
    module = load_processor(exercise, monkeypatch, messaging.topic_arn)  # ORDERS_TABLE names a table that is not there
    why = f"when the table {ORDERS} does not exist"
    try:
        response: Any = place(module, ORDER)
        answered = f"your handler answered {short(response)}"
    except Exception as error:  # noqa: BLE001 - the README asks for an answer, but raising publishes nothing too
        response, answered = None, f"your handler raised {student_error_summary(error)}"
    published = envelopes(messaging.audit_url)
    with partial_credit.part("nothing published"):
        expect(
            not published,
            f"expected no OrderPlaced event for {ORDER['order_id']} {why} (no order was stored); the topic got "
            f"{short([e.get('Message') for e in published])} and {answered}.",
        )
    with partial_credit.part("an error answer"):
        expect(
            is_error_response(response),
            f'expected the answer {{"error": "..."}} for {ORDER["order_id"]} {why}; {answered}'
            + (
                ", which tells the caller the order was placed."
                if is_success(response)
                else "; a raised error reaches a direct caller as Lambda's error, with no answer to read."
                if response is None
                else "."
            ),
        )


# ----------------------------------------------------------------------------- order_event_logger


@pytest.mark.points(1, hint=LOGGER_IMPORT_HINT, read=step(7))
def test_the_logger_module_imports(exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch) -> None:
    """order_event_logger.py imports (a cold start) and defines lambda_handler"""
    make_table(PROCESSED, "message_id")
    module = load_logger(exercise, monkeypatch)
    expect(
        defines_handler(module),
        f"Expected {exercise.shown(LOGGER_FILE)} to define lambda_handler(event, context); "
        f"it defines {module.names()}.",
    )


def logger_setup(exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch) -> tuple[Messaging, Any]:
    messaging = make_messaging()
    make_table(PROCESSED, "message_id")
    return messaging, load_logger(exercise, monkeypatch)


@pytest.mark.points(3, hint=LOG_LINE_HINT, read=step(9), requires=LOGGER_IMPORTS)
def test_the_logger_logs_each_order_once_and_records_its_message_id(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, partial_credit: PartialCredit, student_log: StudentLog
) -> None:
    """logger writes one JSON line per order and records each message id in ProcessedEvents"""
    messaging, module = logger_setup(exercise, monkeypatch)
    events = order_events(1, 2, 3)
    messages = deliver(messaging, [json.dumps(e) for e in events])
    ids = [m["MessageId"] for m in messages]
    student_log.mark()
    response = deliver_to_logger(module, sqs_event(messages, messaging.queue_arn))
    recorded = processed_ids()
    with partial_credit.part("no record reported as failed"):
        failed, why = reported_failures(response, ids)
        expect(
            not failed,
            f"expected no batchItemFailures for a batch of 3 valid events, got {short(response)}"
            + (f"; {why}." if why else "."),
            hint=POISON_HINT,
        )
    for event, message_id in zip(events, ids):
        with partial_credit.part(f"the message of {event['order_id']}"):
            expect(
                message_id in recorded,
                f"expected the messageId {message_id} of {event['order_id']} to be recorded in {PROCESSED} "
                f"(partition key message_id); the table holds {sorted(recorded) or 'nothing'}.",
            )
            expect_processed_line(student_log, event, message_id)


@pytest.mark.points(3, hint=DUPLICATE_HINT, read=step(8), requires=LOGGER_RECORDS)
def test_a_redelivered_message_is_logged_as_a_duplicate_not_processed_again(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, partial_credit: PartialCredit, student_log: StudentLog
) -> None:
    """redelivered message is logged as a duplicate, not processed again"""
    messaging, module = logger_setup(exercise, monkeypatch)
    events = order_events(4, 5)
    messages = deliver(messaging, [json.dumps(e) for e in events])
    deliver_to_logger(module, sqs_event(messages, messaging.queue_arn))
    # SQS delivers at least once: the same messages come back (same messageId, new receipt handle).
    for message in messages:
        client("sqs").change_message_visibility(
            QueueUrl=messaging.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
    again = receive(messaging.queue_url)
    assert sorted(m["MessageId"] for m in again) == sorted(m["MessageId"] for m in messages), (
        "the grader's redelivery failed"
    )
    student_log.mark()
    response = deliver_to_logger(module, sqs_event(again, messaging.queue_arn))
    orders = ", ".join(e["order_id"] for e in events)
    with partial_credit.part("not processed again"):
        twice = [line for e in events for line in processed(student_log, e["order_id"])]
        expect(
            not twice,
            f"expected no new 'processed' log line when the messages of {orders} are delivered a second time, "
            f"got {short(twice, 300)}.",
        )
    with partial_credit.part("logged as a duplicate"):
        expect(
            "duplicate" in "\n".join(student_log.lines()).lower(),
            f"expected the second delivery of {orders} to be logged as a duplicate (a line with the word "
            f"'duplicate'); {shown(student_log)}.",
        )
    with partial_credit.part("not reported as failed"):
        failed, why = reported_failures(response, [m["MessageId"] for m in again])
        expect(
            not failed,
            f"expected no batchItemFailures for the second delivery of {orders} (a duplicate is done, not failed; "
            f"a failure would be retried until it lands in the DLQ), got {short(response)}"
            + (f"; {why}." if why else "."),
        )
    with partial_credit.part("another error is not taken for a duplicate"):
        client("dynamodb").delete_table(TableName=PROCESSED)  # every write to it now fails: not a duplicate
        fresh = deliver(messaging, [json.dumps(order_events(6)[0])])
        try:
            response = deliver_to_logger(module, sqs_event(fresh, messaging.queue_arn))
        except Exception:  # noqa: BLE001 - an error that propagates fails the batch, and Lambda retries it
            response = {"batchItemFailures": [{"itemIdentifier": fresh[0]["MessageId"]}]}
        failed, _ = reported_failures(response, [fresh[0]["MessageId"]])
        expect(
            fresh[0]["MessageId"] in failed,
            f"expected a new message to fail (raise, or be named in batchItemFailures) when {PROCESSED} cannot be "
            f"written (the table is gone); your handler answered {short(response)}, so the message is deleted "
            "unprocessed: only ConditionalCheckFailedException means a duplicate.",
        )


def another_delivery_records_first(aws_calls: CallLog, message_ids: list[str]) -> list[str]:
    """Just before the handler's first write to ProcessedEvents reaches DynamoDB, record the message
    ids there, as a concurrent delivery of the same messages (SQS is at-least-once) would.
    Returns the list that names the handler's write once it has happened."""
    happened: list[str] = []

    def writes_processed(call: ApiCall) -> bool:
        return (
            call.by_student
            and call.service == "dynamodb"
            and call.operation in ("PutItem", "UpdateItem", "TransactWriteItems", "BatchWriteItem")
            and PROCESSED in json.dumps(call.params, default=str)
        )

    def record_first(call: ApiCall) -> None:
        happened.append(call.operation)
        for message_id in message_ids:
            client("dynamodb").put_item(
                TableName=PROCESSED,
                Item={"message_id": {"S": message_id}, "recorded_by": {"S": "another delivery"}},
            )

    aws_calls.before(writes_processed, record_first)
    return happened


@pytest.mark.points(2, hint=RACE_HINT, read=step(8), requires=REDELIVERY)
def test_a_message_recorded_by_a_concurrent_delivery_is_not_processed_again(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, student_log: StudentLog, aws_calls: CallLog
) -> None:
    """message that another delivery records first is not processed twice (conditional put)"""
    messaging, module = logger_setup(exercise, monkeypatch)
    event = order_events(6)[0]
    messages = deliver(messaging, [json.dumps(event)])
    message_id = messages[0]["MessageId"]
    student_log.mark()
    happened = another_delivery_records_first(aws_calls, [message_id])
    response = deliver_to_logger(module, sqs_event(messages, messaging.queue_arn))
    if aws_calls.hook_errors:
        raise aws_calls.hook_errors[0]
    expect(happened, f"Expected your logger to write the messageId {message_id} to {PROCESSED}; it made no write.")
    twice = processed(student_log, event["order_id"])
    expect(
        not twice,
        f"Expected {event['order_id']} not to be logged as processed: another delivery of the same message "
        f"recorded its messageId {message_id} in {PROCESSED} after your logger looked and before its "
        f"{happened[0]} arrived, yet your logger logged {short(twice[0], 200) if twice else ''}.",
    )
    failed, why = reported_failures(response, [message_id])
    expect(
        not failed,
        f"Expected no batchItemFailures when the message of {event['order_id']} turned out to be a "
        f"duplicate, got {short(response)}" + (f"; {why}." if why else "."),
        hint=DUPLICATE_HINT,
    )


POISON_BODIES = {
    "not JSON": "this is not JSON {",
    "a JSON list": "[1, 2, 3]",
    "a JSON object without the event's fields": '{"hello": "world"}',
    "an event whose total is text": json.dumps(
        {"order_id": "ORD-2090", "customer_id": "C-100", "total": "60.07", "placed_at": "2026-11-02T10:15:00+00:00"}
    ),
    "an event with an empty order_id": json.dumps(
        {"order_id": "", "customer_id": "C-100", "total": 60.07, "placed_at": "2026-11-02T10:15:00+00:00"}
    ),
    "an event without placed_at": json.dumps({"order_id": "ORD-2091", "customer_id": "C-100", "total": 60.07}),
}


@pytest.mark.points(3, hint=POISON_HINT, read=step(9), requires=LOGGER_RECORDS)
def test_invalid_records_alone_are_reported_in_batch_item_failures(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, partial_credit: PartialCredit, student_log: StudentLog
) -> None:
    """invalid records alone are reported in batchItemFailures; the good ones of the batch succeed"""
    messaging, module = logger_setup(exercise, monkeypatch)
    good = order_events(8, 9)
    bodies = [json.dumps(good[0]), *POISON_BODIES.values(), json.dumps(good[1])]
    messages = deliver(messaging, bodies)
    ids = [m["MessageId"] for m in messages]
    poison_ids = set(ids[1:-1])
    student_log.mark()
    batch = f"a batch of {len(bodies)} records (ORD-2008, {len(POISON_BODIES)} invalid ones, ORD-2009)"
    try:
        response = deliver_to_logger(module, sqs_event(messages, messaging.queue_arn))
    except Exception as error:  # noqa: BLE001 - any exception fails the whole batch on Lambda
        fail(
            f"Expected {batch} to be answered with the {len(POISON_BODIES)} invalid messageIds in batchItemFailures; "
            "your handler raised "
            f"{student_error_summary(error)}, so Lambda retries the whole batch, the 2 good records too.",
        )
    failed, why = reported_failures(response, ids)
    with partial_credit.part("invalid records reported"):
        missed = [why_ for why_, message_id in zip(POISON_BODIES, ids[1:-1]) if message_id not in failed]
        expect(
            not missed,
            f"expected batchItemFailures to name the invalid records of {batch}; these are missing: "
            f"{', '.join(missed)} (your answer: {short(response)}).",
        )
    with partial_credit.part("good records not reported"):
        expect(
            not failed - poison_ids,
            f"expected only the invalid records of {batch} in batchItemFailures; "
            + (why or f"the good ones are there too: {short(response)}")
            + ".",
        )
    with partial_credit.part("good records processed"):
        recorded = processed_ids()
        for event, message_id in ((good[0], ids[0]), (good[1], ids[-1])):
            expect(
                message_id in recorded,
                f"expected the good record of {event['order_id']} in {batch} to be recorded in {PROCESSED}; it is not.",
            )
            expect_processed_line(student_log, event, message_id)
    with partial_credit.part("invalid records logged"):
        errors = [record for record in student_log.records if record.level >= logging.ERROR]
        printed = "".join(student_log.printed)  # print() reaches CloudWatch Logs too, without a level
        expect(
            len(errors) >= len(POISON_BODIES) or all(message_id in printed for message_id in poison_ids),
            f"expected each of the {len(POISON_BODIES)} invalid records of {batch} in the log, at ERROR level "
            f"(logger.error(...)): {len(errors)} ERROR line{'' if len(errors) == 1 else 's'} were logged, and nothing "
            "printed names them all.",
        )
    with partial_credit.part("invalid records not recorded"):
        kept = poison_ids & processed_ids()
        expect(
            not kept,
            f"expected the invalid records of {batch} not to be recorded in {PROCESSED}: {len(kept)} are, so their "
            "retries would be skipped as duplicates and never reach the DLQ.",
        )


# ------------------------------------------------------------------------------------ both modules


@pytest.mark.points(
    2, hint=ENVIRONMENT_HINT, read=f"{README}, steps 2 and 7", requires=[PROCESSOR_IMPORTS, LOGGER_IMPORTS]
)
def test_tables_and_topic_come_from_the_environment(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, partial_credit: PartialCredit
) -> None:
    """tables and topic come from ORDERS_TABLE, ORDER_EVENTS_TOPIC_ARN and PROCESSED_EVENTS_TABLE"""
    usual = make_messaging()
    other = make_messaging("order-events-grader-check", prefix="grader-check")
    for name, key in (
        (ORDERS, "order_id"),
        ("OrdersGraderCheck", "order_id"),
        (PROCESSED, "message_id"),
        ("ProcessedEventsGraderCheck", "message_id"),
    ):
        make_table(name, key)
    processor = load_processor(exercise, monkeypatch, other.topic_arn, table="OrdersGraderCheck")
    response = place(processor, ORDER)
    setting = f"with ORDERS_TABLE=OrdersGraderCheck and ORDER_EVENTS_TOPIC_ARN={other.topic_arn}"
    with partial_credit.part("ORDERS_TABLE"):
        stored = {name: len(table_items(name)) for name in ("OrdersGraderCheck", ORDERS)}
        expect(
            stored == {"OrdersGraderCheck": 1, ORDERS: 0},
            f"expected {ORDER['order_id']} stored in OrdersGraderCheck {setting}; the tables hold {stored} items "
            f"(your handler answered {short(response)}).",
        )
    with partial_credit.part("ORDER_EVENTS_TOPIC_ARN"):
        sent = {
            "order-events-grader-check": len(envelopes(other.audit_url, wait=2)),
            TOPIC: len(envelopes(usual.audit_url)),
        }
        expect(
            sent == {"order-events-grader-check": 1, TOPIC: 0},
            f"expected the event published to order-events-grader-check {setting}; messages per topic: {sent}.",
        )
    logger = load_logger(exercise, monkeypatch, table="ProcessedEventsGraderCheck")
    messages = deliver(other, [json.dumps(order_events(10)[0])])
    deliver_to_logger(logger, sqs_event(messages, other.queue_arn))
    with partial_credit.part("PROCESSED_EVENTS_TABLE"):
        recorded = {
            "ProcessedEventsGraderCheck": len(table_items("ProcessedEventsGraderCheck")),
            PROCESSED: len(table_items(PROCESSED)),
        }
        expect(
            recorded == {"ProcessedEventsGraderCheck": 1, PROCESSED: 0},
            f"expected the messageId recorded in ProcessedEventsGraderCheck with "
            f"PROCESSED_EVENTS_TABLE=ProcessedEventsGraderCheck; the tables hold {recorded} items.",
        )


@contextmanager
def counting_new_clients(aws_calls: CallLog) -> Iterator[list[str]]:
    """The services of the student's boto3 clients that sent their first call inside the block:
    a client or resource made during those invocations instead of at module level."""
    created: list[str] = []
    known = aws_calls.clients()
    yield created
    for call in aws_calls.by_students():
        if call.client not in known:
            known.add(call.client)
            created.append(call.service)


@pytest.mark.points(
    2, hint=CLIENT_REUSE_HINT, read=f"{README}, steps 2 and 7", requires=[PROCESSOR_IMPORTS, LOGGER_IMPORTS]
)
def test_clients_are_created_once_and_reused(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, partial_credit: PartialCredit, aws_calls: CallLog
) -> None:
    """boto3 clients are created once and reused by every invocation, in both modules"""
    messaging = make_messaging()
    make_table(ORDERS, "order_id")
    make_table(PROCESSED, "message_id")
    with partial_credit.part(PROCESSOR_FILE):
        processor = load_processor(exercise, monkeypatch, messaging.topic_arn)
        orders = [dict(ORDER, order_id=f"ORD-30{n}") for n in range(3)]
        place(processor, orders[0])  # the first invocation after a cold start
        with counting_new_clients(aws_calls) as created:
            for order in orders[1:]:
                place(processor, order)
        expect(
            not created,
            f"expected no new boto3 client or resource during 2 warm invocations of the processor; "
            f"{len(created)} were created ({', '.join(created)}).",
        )
    with partial_credit.part(LOGGER_FILE):
        logger = load_logger(exercise, monkeypatch)
        messages = deliver(messaging, [json.dumps(e) for e in order_events(11, 12, 13)])
        deliver_to_logger(logger, sqs_event(messages[:1], messaging.queue_arn))
        with counting_new_clients(aws_calls) as created:
            for message in messages[1:]:
                deliver_to_logger(logger, sqs_event([message], messaging.queue_arn))
        expect(
            not created,
            f"expected no new boto3 client or resource during 2 warm invocations of the logger; "
            f"{len(created)} were created ({', '.join(created)}).",
        )


# -------------------------------------------------------------------------------- the whole path


@pytest.mark.points(
    3, hint=FLOW_HINT, read=f"{README}, steps 1, 5 and 9", requires=[SETUP_RUNS, PROCESSOR_IMPORTS, LOGGER_IMPORTS]
)
def test_an_order_flows_from_the_processor_through_the_queue_to_the_logger(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, partial_credit: PartialCredit, student_log: StudentLog
) -> None:
    """order placed by your processor reaches your queue and your logger (the whole path)"""
    run_setup(exercise)
    made = student_messaging()
    make_table(ORDERS, "order_id")
    make_table(PROCESSED, "message_id")
    processor = load_processor(exercise, monkeypatch, made.topic_arn)
    response = place(processor, ORDER)
    messages = receive(made.queue_url, wait=2)
    order_id = ORDER["order_id"]
    expect(
        len(messages) == 1,
        f"Expected the OrderPlaced event of {order_id} in {QUEUE} after your processor published it to {TOPIC}; "
        f"the queue holds {len(messages)} messages (your processor answered {short(response)}).",
    )
    message = messages[0]
    with partial_credit.part("raw delivery"):
        try:
            body = json.loads(message["Body"])
        except ValueError:
            body = None
        envelope = isinstance(body, dict) and body.get("Type") == "Notification"
        expect(
            isinstance(body, dict) and body.get("order_id") == order_id,
            f"expected the message body in {QUEUE} to be the event itself with order_id {order_id!r}, got "
            + (
                "SNS's JSON envelope (the subscription lacks RawMessageDelivery)"
                if envelope
                else short(message["Body"])
            )
            + ".",
        )
    with partial_credit.part("event_type attribute"):
        attribute = message.get("MessageAttributes", {}).get("event_type", {})
        expect(
            attribute.get("StringValue") == EVENT_TYPE,
            f"expected the message in {QUEUE} to carry the attribute event_type = 'OrderPlaced', got "
            f"{short(message.get('MessageAttributes') or 'no message attributes')}.",
        )
    with partial_credit.part("your logger records it"):
        logger = load_logger(exercise, monkeypatch)
        student_log.mark()
        answer = deliver_to_logger(logger, sqs_event(messages, made.queue_arn))
        failed, why = reported_failures(answer, [message["MessageId"]])
        expect(
            not failed,
            f"expected your logger to accept the message of {order_id} from {QUEUE}; it answered "
            f"{short(answer)}" + (f"; {why}." if why else "."),
        )
        expect(
            message["MessageId"] in processed_ids(),
            f"expected the messageId {message['MessageId']} of {order_id} recorded in {PROCESSED}; it is not.",
        )
        expect(
            processed(student_log, order_id),
            f"expected a 'processed' JSON log line for {order_id}; {shown(student_log)}.",
        )


@pytest.mark.points(2, hint=DLQ_HINT, read=f"{README}, steps 1 and 9", requires=[SETUP_RUNS, POISON])
def test_a_failing_message_moves_to_the_dlq_after_3_receives(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    """failing message moves to order-events-dlq after 3 receives"""
    run_setup(exercise)
    made = student_messaging()
    make_table(PROCESSED, "message_id")
    module = load_logger(exercise, monkeypatch)
    poison = POISON_BODIES["not JSON"]
    client("sqs").send_message(
        QueueUrl=made.queue_url,
        MessageBody=poison,
        MessageAttributes={"event_type": {"DataType": "String", "StringValue": EVENT_TYPE}},
    )
    # What Lambda's poller does: receive, invoke, delete what succeeded; a failure becomes visible
    # again (here at once: VisibilityTimeout=0) and is received again, until the redrive policy moves it.
    receives = 0
    for _ in range(MAX_RECEIVES + 2):
        messages = (
            client("sqs")
            .receive_message(
                QueueUrl=made.queue_url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=0,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            .get("Messages", [])
        )
        if not messages:
            break
        receives += 1
        ids = [m["MessageId"] for m in messages]
        try:
            failed, _ = reported_failures(deliver_to_logger(module, sqs_event(messages, made.queue_arn)), ids)
        except Exception:  # noqa: BLE001 - an error fails the whole batch, as on Lambda
            failed = set(ids)
        for message in messages:
            if message["MessageId"] not in failed:
                client("sqs").delete_message(QueueUrl=made.queue_url, ReceiptHandle=message["ReceiptHandle"])
    in_dlq = [m for m in receive(made.dlq_url) if m["Body"] == poison]
    expect(
        in_dlq and receives == MAX_RECEIVES,
        f"Expected the message {poison!r} sent to {QUEUE} to be received {MAX_RECEIVES} times (your logger reporting it "
        f"in batchItemFailures each time) and then to be in {DLQ}; it was received {receives} time(s) and "
        + ("is in the DLQ." if in_dlq else "is not in the DLQ")
        + (
            " (your logger did not report it as failed, so it was deleted as processed)."
            if receives == 1 and not in_dlq
            else "."
        ),
    )


# ------------------------------------------------------------------------------------ deploy.sh


DELIVERY_SECONDS = 10  # a backend without the embedded one's drain: the logger's cold start, then its write


def where_the_message_is(queue_url: str) -> str:
    attributes = client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    if int(attributes.get("ApproximateNumberOfMessages", 0)):
        return f"the message is still waiting in {QUEUE}: no enabled mapping of this queue took it"
    if int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)):
        return "the message was taken but not deleted: the logger failed or reported it in batchItemFailures"
    return f"the message left {QUEUE}"


def function_log_tail(name: str, limit: int = 600) -> str:
    """The end of a deployed function's CloudWatch log (its error, when delivery failed)."""
    try:
        events = client("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    except ClientError:
        return ""
    return scrub_paths("".join(e["message"] if e["message"].endswith("\n") else e["message"] + "\n" for e in events).strip())[-limit:]


def logger_mappings(queue: str | None = None) -> list[dict[str, Any]]:
    found = []
    for page in client("lambda").get_paginator("list_event_source_mappings").paginate():
        found += [
            m
            for m in page["EventSourceMappings"]
            if m.get("FunctionArn", "").split(":function:")[-1].split(":")[0] == LOGGER
            and (queue is None or m.get("EventSourceArn") == queue)
        ]
    return found


@pytest.mark.points(2, hint=DEPLOY_HINT, read=step(10))
def test_deploy_sh_runs_and_creates_the_functions_tables_and_mapping(exercise: ExerciseFiles) -> None:
    """deploy.sh runs once the topic and queues exist and creates the tables, role, functions and mapping"""
    make_setup_messaging()
    run_deploy(exercise, "`bash deploy.sh` (the topic and queues of step 1 exist)")
    lookups = (
        (f"the table {ORDERS}", lambda: client("dynamodb").describe_table(TableName=ORDERS)),
        (f"the table {PROCESSED}", lambda: client("dynamodb").describe_table(TableName=PROCESSED)),
        (f"the role {ROLE}", lambda: client("iam").get_role(RoleName=ROLE)),
        (f"the function {PROCESSOR}", lambda: client("lambda").get_function(FunctionName=PROCESSOR)),
        (f"the function {LOGGER}", lambda: client("lambda").get_function(FunctionName=LOGGER)),
    )
    missing = resources.missing(lookups)
    if not logger_mappings():
        missing.append(f"an event source mapping for {LOGGER}")
    expect(
        not missing,
        f"Expected `bash deploy.sh` to create the tables {ORDERS} and {PROCESSED}, the role {ROLE}, the functions "
        f"{PROCESSOR} and {LOGGER} and the event source mapping; it exited with status 0, but "
        f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing.",
    )


@pytest.mark.points(2, hint=DEPLOY_AGAIN_HINT, read=step(10), requires=DEPLOY_RUNS)
def test_deploy_sh_runs_again_and_updates_both_functions(
    exercise: ExerciseFiles, tmp_path: Path, partial_credit: PartialCredit
) -> None:
    """deploy.sh runs a second time, deploys the changed code and configuration and keeps one mapping"""
    make_setup_messaging()
    run_deploy(exercise)
    before = {
        name: client("lambda").get_function_configuration(FunctionName=name)["CodeSha256"]
        for name in (PROCESSOR, LOGGER)
    }
    # Someone changed things by hand since: the script's settings must win again.
    scripted = (
        client("lambda").get_function_configuration(FunctionName=LOGGER)["Timeout"],
        sorted({mapping.get("BatchSize") for mapping in logger_mappings()}),
    )
    drifted = (DRIFTED_TIMEOUT if scripted[0] != DRIFTED_TIMEOUT else DRIFTED_TIMEOUT + 1, DRIFTED_BATCH_SIZE)
    client("lambda").update_function_configuration(FunctionName=LOGGER, Timeout=drifted[0])
    client("lambda").get_waiter("function_updated_v2").wait(FunctionName=LOGGER)
    for mapping in logger_mappings():
        batch = drifted[1] if mapping.get("BatchSize") != drifted[1] else drifted[1] + 1
        client("lambda").update_event_source_mapping(UUID=mapping["UUID"], BatchSize=batch)
    # The student edits both modules and deploys again: the same script, different code.
    edited = exercise.copy_to(tmp_path)
    for name in (PROCESSOR_FILE, LOGGER_FILE):
        with edited.path(name).open("a", encoding="utf-8") as module:
            module.write("\n# edited before the second deploy\n")
    second = edited.run_script(DEPLOY_SCRIPT)
    if not second.ok:  # nothing else to judge: the whole check fails
        fail(
            "Expected a second `bash deploy.sh` (everything already exists) to exit with status 0; "
            + scrub_paths(second.describe())
        )
    for name, module in ((PROCESSOR, PROCESSOR_FILE), (LOGGER, LOGGER_FILE)):
        with partial_credit.part(f"{name} updated"):
            after = client("lambda").get_function_configuration(FunctionName=name)["CodeSha256"]
            expect(
                after != before[name],
                f"expected the second `bash deploy.sh`, run after {module} changed, to upload "
                f"the new code of {name}; its CodeSha256 is still {before[name]}.",
                hint=UPDATE_CODE_HINT,
            )
    with partial_credit.part("one mapping"):
        mappings = logger_mappings()
        expect(
            len(mappings) == 1,
            f"expected one event source mapping for {LOGGER} after two deploys, found "
            f"{len(mappings)}: each one would deliver the queue's messages to the logger.",
        )
    with partial_credit.part("the settings applied again"):
        timeout = client("lambda").get_function_configuration(FunctionName=LOGGER)["Timeout"]
        sizes = sorted({mapping.get("BatchSize") for mapping in logger_mappings()})
        expect(
            (timeout, sizes) == scripted,
            f"expected the second `bash deploy.sh` to apply its settings again (update-function-configuration and "
            f"update-event-source-mapping with the same settings); changed by hand to a timeout of {drifted[0]} s and a "
            f"batch size of {drifted[1]}, {LOGGER} has a timeout of {timeout} s and its mapping a batch size of "
            f"{', '.join(map(str, sizes)) or 'none'} (the first run left {scripted[0]} s and {scripted[1]}).",
        )


SPECIFIED_TIMEOUT = 10
SPECIFIED_BATCH_SIZE = 10
DRIFTED_TIMEOUT = 3
DRIFTED_BATCH_SIZE = 1


@pytest.mark.points(3, hint=CONFIG_HINT, read=step(10), requires=DEPLOY_RUNS)
def test_deploy_sh_configures_the_tables_role_and_functions_as_specified(
    exercise: ExerciseFiles, partial_credit: PartialCredit
) -> None:
    """deploy.sh configures the tables, role and both functions as specified"""
    make_setup_messaging()
    run_deploy(exercise)
    topic_arn = topic_arn_named(TOPIC)
    for name, key in ((ORDERS, "order_id"), (PROCESSED, "message_id")):
        with partial_credit.part(f"table {name}"):
            table = client("dynamodb").describe_table(TableName=name)["Table"]
            got_key = [(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]]
            types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
            mode = (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
            expect(
                got_key == [(key, "HASH")] and types.get(key) == "S" and mode == "PAY_PER_REQUEST",
                f"expected {name} to have the partition key {key} of type S, no sort key, and on-demand capacity "
                f"(PAY_PER_REQUEST); got the key {got_key}, attribute types {types} and {mode}.",
            )
    with partial_credit.part("role trust policy"):
        role = client("iam").get_role(RoleName=ROLE)["Role"]
        expect(
            trust_allows_lambda(role["AssumeRolePolicyDocument"]) and not trust_admits_others(role["AssumeRolePolicyDocument"]),
            f"expected the trust policy of {ROLE} to Allow sts:AssumeRole to the service lambda.amazonaws.com and "
            f"nobody else, got {json.dumps(role['AssumeRolePolicyDocument'])[:300]}.",
        )
    functions = (
        (PROCESSOR, "order_processor.lambda_handler", {"ORDERS_TABLE": ORDERS, "ORDER_EVENTS_TOPIC_ARN": topic_arn}),
        (LOGGER, "order_event_logger.lambda_handler", {"PROCESSED_EVENTS_TABLE": PROCESSED}),
    )
    for name, handler, variables in functions:
        config = client("lambda").get_function_configuration(FunctionName=name)
        with partial_credit.part(f"{name} settings"):
            wanted = {"Runtime": "python3.12", "Handler": handler, "Timeout": SPECIFIED_TIMEOUT, "MemorySize": 128, "Role": ROLE}
            got = {key: config.get(key) for key in wanted}
            got["Role"] = str(got["Role"] or "").rsplit("/", 1)[-1]
            wrong = [f"{key} {got[key]!r}" for key in wanted if got[key] != wanted[key]]
            expect(
                not wrong,
                f"expected {name} to have {json.dumps(wanted)} (Role: the role's name), got {', '.join(wrong)}.",
            )
        with partial_credit.part(f"{name} environment"):
            got_vars = (config.get("Environment") or {}).get("Variables") or {}
            wrong = {key: got_vars.get(key) for key, value in variables.items() if got_vars.get(key) != value}
            expect(
                not wrong, f"expected {name}'s environment to hold {json.dumps(variables)}, got {json.dumps(got_vars)}."
            )


@pytest.mark.points(3, hint=MAPPING_HINT, read=step(10), requires=DEPLOY_RUNS)
def test_the_event_source_mapping_feeds_the_queue_to_the_logger_with_batch_item_failures(
    exercise: ExerciseFiles, partial_credit: PartialCredit
) -> None:
    """event source mapping feeds order-events-queue to the logger, 10 at a time, with ReportBatchItemFailures"""
    make_setup_messaging()
    run_deploy(exercise)
    made = student_messaging()
    mappings = logger_mappings(made.queue_arn)
    if not mappings:
        others = [m.get("EventSourceArn") for m in logger_mappings()]
        fail(
            f"Expected an event source mapping from {QUEUE} ({made.queue_arn}) to {LOGGER}; the mappings of {LOGGER} "
            f"read from {others or 'nothing'}."
        )
    mapping = client("lambda").get_event_source_mapping(UUID=mappings[0]["UUID"])
    with partial_credit.part("batch size"):
        expect(
            mapping.get("BatchSize") == SPECIFIED_BATCH_SIZE,
            f"expected BatchSize {SPECIFIED_BATCH_SIZE}, got {mapping.get('BatchSize')!r}.",
        )
    with partial_credit.part("partial batch responses"):
        types = mapping.get("FunctionResponseTypes") or []
        expect(
            "ReportBatchItemFailures" in types,
            f"expected FunctionResponseTypes to include ReportBatchItemFailures (without it Lambda ignores "
            f"batchItemFailures and deletes the whole batch when the handler returns, failed records included), "
            f"got {types}.",
        )
    with partial_credit.part("enabled"):
        expect(
            mapping.get("State") not in ("Disabled", "Disabling"),
            f"expected the mapping to be enabled, got the state {mapping.get('State')!r}.",
        )


@pytest.mark.points(2, hint=DEPLOYED_HINT, read=step(10), requires=DEPLOY_RUNS)
@pytest.mark.needs(LAMBDA_SERVICE_RUNS_CODE)  # the logger is judged on what the student's mapping delivers
def test_the_deployed_functions_run_from_their_packages(exercise: ExerciseFiles, partial_credit: PartialCredit) -> None:
    """deployed functions run from their packages: the processor publishes, the logger records"""
    make_setup_messaging()
    run_deploy(exercise)  # from the same state as the other deploy checks: their run is replayed
    made = student_messaging()
    audit_url = make_queue("grader-audit", made.topic_arn, raw=False)  # a second subscriber: SNS fans out
    def invoked(name: str, payload: Any) -> Any:
        result = invoke_deployed(name, payload)
        if result.function_error:
            error = result.payload if isinstance(result.payload, dict) else {}
            log = scrub_paths(result.log_tail.strip())[-600:]
            fail(
                f"expected the deployed {name} to run; it failed with {error.get('errorType', 'an error')}: "
                f"{scrub_paths(str(error.get('errorMessage', result.payload)))[:300]}"
                + (f". Its log ends:\n{log}" if log else ".")
            )
        return result.payload

    with partial_credit.part(LOGGER):
        # Sent after deploy.sh: Lambda's poller delivers it through the student's mapping.
        event = order_events(14)[0]
        sent = client("sqs").send_message(
            QueueUrl=made.queue_url,
            MessageBody=json.dumps(event),
            MessageAttributes={"event_type": {"DataType": "String", "StringValue": EVENT_TYPE}},
        )["MessageId"]
        recorded = event_sources.wait_for(lambda: sent in processed_ids(), timeout=DELIVERY_SECONDS, mappings_only=True)
        log = function_log_tail(LOGGER) if not recorded else ""
        expect(
            recorded,
            f"expected a message sent to {QUEUE} after `bash deploy.sh` to reach the deployed {LOGGER} through the "
            f"event source mapping and its messageId to be recorded in {PROCESSED}; {PROCESSED} holds "
            f"{sorted(processed_ids()) or 'nothing'} and {where_the_message_is(made.queue_url)}"
            + (f". {LOGGER}'s log ends:\n{log}" if log else f"; {LOGGER} logged nothing."),
        )
    with partial_credit.part(PROCESSOR):
        answer = invoked(PROCESSOR, ORDER)
        stored = [item.get("order_id") for item in table_items(ORDERS)]
        published = [json.loads(e.get("Message", "{}")).get("order_id") for e in envelopes(audit_url, wait=2)]
        expect(
            is_success(answer) and stored == [ORDER["order_id"]] and published == [ORDER["order_id"]],
            f"expected the deployed {PROCESSOR} to store {ORDER['order_id']} in {ORDERS} and publish it to {TOPIC}; it "
            f"answered {short(answer)}, {ORDERS} holds {stored or 'nothing'} and the topic got {published or 'nothing'}.",
        )
