"""One batch of a DynamoDB stream event source mapping, as Lambda's shard reader handles it.

Records reach the function in order, in batches of up to BatchSize, from where StartingPosition put
the mapping (TRIM_HORIZON: the oldest record; LATEST: the first record written after the mapping was
made). A batch that fails is retried and blocks the shard until it succeeds, or until
MaximumRetryAttempts retries failed (-1 or unset: until the record expires), when it is skipped and
its description goes to the OnFailure destination (an SQS queue or SNS topic) if one is configured.
BisectBatchOnFunctionError splits a failing batch in two and retries each half (a split does not count
as a retry). With ReportBatchItemFailures the records before the first reported sequence number are
done and the retry starts at it.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from harness.lambda_tools import dynamodb_stream_event

RETRY_DELAYS = (0.1, 0.2, 0.4, 0.8, 1.0)  # AWS backs off too; short here so a grader waits little


@dataclass
class ShardPosition:
    """Where one mapping is in its table's stream shard, and the batch it is retrying."""

    next_index: int  # the first record not yet done
    shard_id: str
    pending: list[list[Any]] = field(default_factory=list)  # halves of a bisected batch, in order
    attempts: int = 0  # failed attempts of the current batch
    retry_at: float = 0.0


def find_shard(account_id: str, region: str, stream_arn: str) -> Any | None:
    from moto.dynamodb.models import dynamodb_backends

    for table in list(dynamodb_backends[account_id][region].tables.values()):
        shard = getattr(table, "stream_shard", None)
        if shard is not None and getattr(table, "latest_stream_label", None) and _stream_arn(table) == stream_arn:
            return shard
    return None


def _stream_arn(table: Any) -> str:
    return f"{table.table_arn}/stream/{table.latest_stream_label}"


def start(shard: Any, starting_position: str | None) -> ShardPosition:
    at = len(shard.items) if (starting_position or "").upper() == "LATEST" else 0
    return ShardPosition(at, shard.id)


def has_work(shard: Any, position: ShardPosition) -> bool:
    if position.shard_id != shard.id:
        return False
    return bool(position.pending) or position.next_index < len(shard.items)


def waiting_to_retry(position: ShardPosition) -> bool:
    return position.retry_at > time.monotonic()


def deliver(shard: Any, position: ShardPosition, esm: Any, region: str, invoke: Callable[[str], tuple[bytes, bool]],
            on_failure: Callable[[dict[str, Any]], None]) -> int:
    """Invoke the function with the current batch and move the position on; answers records done."""
    batch = position.pending[0] if position.pending else list(shard.items[position.next_index:position.next_index + int(esm.batch_size)])
    if not batch:
        return 0
    event = dynamodb_stream_event([record.to_json() for record in batch], esm.event_source_arn)
    for record in event["Records"]:
        record.update(awsRegion=region, eventVersion="1.1")  # moto's records say 1.0; Lambda's stream events say 1.1
    try:
        body, function_error = invoke(json.dumps(event, default=str))
    except Exception:  # throttled, or the environment failed: the batch was not processed
        body, function_error = b"", True
    failed_from = _first_failure(batch, body, function_error, "ReportBatchItemFailures" in (esm.function_response_types or []))
    if failed_from is None:
        _done(position, len(batch))
        return len(batch)
    if failed_from:
        _done(position, failed_from, keep=batch[failed_from:])
    remaining = batch[failed_from:]
    if str(esm.bisect_on_error).lower() == "true" and len(remaining) > 1 and function_error:  # CloudFormation may pass text
        half = len(remaining) // 2
        position.pending[:1] = [remaining[:half], remaining[half:]]
        return failed_from
    position.attempts += 1
    limit = esm.max_retry_attempts
    if limit is not None and int(limit) >= 0 and position.attempts > int(limit):
        on_failure(_failure_record(esm, shard, remaining, position.attempts, function_error))
        _done(position, len(remaining))
        return failed_from
    position.retry_at = time.monotonic() + RETRY_DELAYS[min(position.attempts, len(RETRY_DELAYS)) - 1]
    return failed_from


def _done(position: ShardPosition, count: int, keep: list[Any] | None = None) -> None:
    position.next_index += count
    position.attempts = 0 if keep is None else position.attempts
    position.retry_at = 0.0
    if position.pending:
        position.pending.pop(0)
    if keep:
        position.pending.insert(0, keep)


def _first_failure(batch: list[Any], body: bytes, function_error: bool, partial: bool) -> int | None:
    """Index of the first record to retry, None when the whole batch succeeded."""
    if function_error:
        return 0
    if not partial:
        return None
    try:
        answer = json.loads(body or b"null")
    except ValueError:
        return 0
    if not isinstance(answer, dict) or answer.get("batchItemFailures") is None:
        return None
    failures = answer["batchItemFailures"]
    if not isinstance(failures, list):
        return 0
    sequence_numbers = [str(record.to_json()["dynamodb"]["SequenceNumber"]) for record in batch]
    reported = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or str(identifier) not in sequence_numbers:
            return 0  # Lambda cannot read the answer: the whole batch is retried
        reported.append(sequence_numbers.index(str(identifier)))
    return min(reported) if reported else None


def _failure_record(esm: Any, shard: Any, batch: list[Any], attempts: int, function_error: bool) -> dict[str, Any]:
    """What Lambda sends to an OnFailure destination for a stream batch it gave up on."""
    first, last = batch[0].to_json()["dynamodb"], batch[-1].to_json()["dynamodb"]
    return {
        "requestContext": {"requestId": str(uuid.uuid4()), "functionArn": esm.function_arn,
                           "condition": "RetryAttemptsExhausted", "approximateInvokeCount": attempts},
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST",
                            "functionError": "Unhandled" if function_error else ""},
        "version": "1.0",
        "timestamp": _iso(datetime.now(timezone.utc)),
        "DDBStreamBatchInfo": {
            "shardId": shard.id,
            "startSequenceNumber": str(first["SequenceNumber"]),
            "endSequenceNumber": str(last["SequenceNumber"]),
            "approximateArrivalOfFirstRecord": _iso(first.get("ApproximateCreationDateTime")),
            "approximateArrivalOfLastRecord": _iso(last.get("ApproximateCreationDateTime")),
            "batchSize": len(batch),
            "streamArn": esm.event_source_arn,
        },
    }


def _iso(moment: Any) -> str:
    if isinstance(moment, (int, float)):
        moment = datetime.fromtimestamp(moment, tz=timezone.utc)
    if not isinstance(moment, datetime):
        return str(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def send_to_destination(account_id: str, region: str, destination: str, record: dict[str, Any]) -> None:
    """Deliver an invocation record to an SQS queue or SNS topic ARN, as Lambda's destinations do."""
    body = json.dumps(record)
    service = destination.split(":")[2] if destination.count(":") >= 5 else ""
    if service == "sqs":
        from moto.sqs.models import sqs_backends

        sqs_backends[account_id][region].send_message(destination.split(":")[-1], body)
    elif service == "sns":
        from moto.sns.models import sns_backends

        sns_backends[account_id][region].publish(body, arn=destination)
