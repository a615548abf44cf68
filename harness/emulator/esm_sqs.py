"""One batch of an SQS event source mapping, as Lambda's poller handles it.

Lambda receives up to BatchSize messages with the queue's visibility timeout, invokes the function
once with the SQS event, and deletes the messages it delivered successfully; the others stay in
flight and come back when their visibility timeout ends, so SQS's own redrive policy moves a message
to the dead-letter queue after maxReceiveCount receives. With ``ReportBatchItemFailures`` only the
messages the function names in ``batchItemFailures`` return; an answer Lambda cannot read fails the
whole batch, as AWS documents it. Nothing is deleted that was not delivered successfully.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from harness.lambda_tools import sqs_event

REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"


@dataclass
class QueueWindow:
    """When a mapping with MaximumBatchingWindowInSeconds first saw messages it has not taken yet."""

    first_seen: float | None = None


@dataclass
class SqsSource:
    queue: Any  # moto's Queue
    backend: Any  # moto's SQSBackend
    window: QueueWindow = field(default_factory=QueueWindow)


def find_queue(account_id: str, region: str, arn: str) -> SqsSource | None:
    from moto.sqs.models import sqs_backends

    backend = sqs_backends[account_id][region]
    for queue in list(backend.queues.values()):
        if queue.queue_arn == arn:
            return SqsSource(queue, backend)
    return None


def visible_count(queue: Any) -> int:
    return sum(1 for message in list(queue._messages) if message.visible and not message.delayed)


def ready(source: SqsSource, batch_size: int, window_seconds: float, flush: bool) -> bool:
    """Whether a batch should be taken now: a full batch, the batching window over, or a drain asked for."""
    waiting = visible_count(source.queue)
    if not waiting:
        source.window.first_seen = None
        return False
    if flush or not window_seconds or waiting >= batch_size:
        return True
    now = time.monotonic()
    if source.window.first_seen is None:
        source.window.first_seen = now
    return now - source.window.first_seen >= window_seconds


@dataclass
class BatchOutcome:
    delivered: int
    returned: int  # left in flight for the visibility timeout to bring back


def deliver(source: SqsSource, esm: Any, region: str, invoke: Callable[[str], tuple[bytes, bool]],
            still_current: Callable[[], bool]) -> BatchOutcome | None:
    """Receive one batch, invoke the function with it, delete what succeeded. None: nothing to take."""
    queue = source.queue
    messages = source.backend.receive_message(queue.name, int(esm.batch_size), 0, int(queue.visibility_timeout), ["All"])
    source.window.first_seen = None
    if not messages:
        return None
    event = sqs_event([_as_received(message, queue) for message in messages], queue.queue_arn)
    for record in event["Records"]:
        record["awsRegion"] = region
    try:
        body, function_error = invoke(json.dumps(event))
    except Exception:  # throttled, or the environment failed: Lambda did not deliver the batch
        body, function_error = b"", True
    failed = _failed_ids(messages, body, function_error, REPORT_BATCH_ITEM_FAILURES in (esm.function_response_types or []))
    if not still_current():
        return BatchOutcome(0, len(messages))  # the backend was reset meanwhile: these messages are gone
    for message in messages:
        if message.id not in failed:
            try:
                source.backend.delete_message(queue.name, message.receipt_handle)
            except Exception:  # deleted by someone else meanwhile, or the queue is gone
                pass
    return BatchOutcome(len(messages) - len(failed), len(failed))


def _failed_ids(messages: list[Any], body: bytes, function_error: bool, partial: bool) -> set[str]:
    everything = {message.id for message in messages}
    if function_error:
        return everything
    if not partial:
        return set()
    try:
        answer = json.loads(body or b"null")
    except ValueError:
        return everything  # an invalid JSON answer fails the whole batch
    if not isinstance(answer, dict) or answer.get("batchItemFailures") is None:
        return set()  # a null or empty answer, or no batchItemFailures: the whole batch succeeded
    failures = answer["batchItemFailures"]
    if not isinstance(failures, list):
        return everything
    failed = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in everything:
            return everything  # a missing, empty or unknown itemIdentifier fails the whole batch
        failed.add(identifier)
    return failed


def _as_received(message: Any, queue: Any) -> dict[str, Any]:
    """moto's message in the shape ``receive_message`` answers with (All attributes)."""
    attributes = {
        "ApproximateReceiveCount": str(message.approximate_receive_count),
        "SentTimestamp": str(message.sent_timestamp),
        "SenderId": message.sender_id,
        "ApproximateFirstReceiveTimestamp": str(message.approximate_first_receive_timestamp),
    }
    trace = (message.system_attributes or {}).get("AWSTraceHeader")
    if trace:
        attributes["AWSTraceHeader"] = trace.get("StringValue", "") if isinstance(trace, dict) else str(trace)
    if queue.fifo_queue:
        attributes.update({"SequenceNumber": str(message.sequence_number), "MessageGroupId": message.group_id,
                           "MessageDeduplicationId": message.deduplication_id})
    return {
        "MessageId": message.id,
        "ReceiptHandle": message.receipt_handle,
        "Body": message.body,
        "Attributes": attributes,
        "MessageAttributes": {name: _attribute(value) for name, value in (message.message_attributes or {}).items()},
        "MD5OfBody": message.body_md5,
    }


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    data_type = value.get("data_type") or value.get("DataType") or "String"
    answer: dict[str, Any] = {"DataType": data_type}
    string = value.get("string_value", value.get("StringValue"))
    binary = value.get("binary_value", value.get("BinaryValue"))
    if string is not None:
        answer["StringValue"] = string
    if binary is not None:
        answer["BinaryValue"] = binary if isinstance(binary, str) else base64.b64encode(binary).decode()
    return answer
