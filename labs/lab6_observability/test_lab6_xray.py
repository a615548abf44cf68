"""Lab 6's optional part, graded apart: an annotated X-Ray subsegment around order-processor's DynamoDB call.

The grader deploys function/ with Active tracing (test_lab6.deploy_function), invokes it with a batch of
two orders, and reads the traces X-Ray holds (the embedded backend's daemon receives what aws-xray-sdk
sends from inside the function). Run it with ``course grade lab6-xray``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from test_lab6 import (  # the core grader's helpers; its checks are not collected from here
    FUNCTION,
    deploy_function,
    good_order,
    step,
)

from harness import expect, invoke_deployed
from harness.backends import XRAY_DAEMON
from harness.exercise_files import ExerciseFiles
from harness.kit.messages import short

# Its checks deploy the student's Python (never load it), and run it from the first check on.
pytestmark = pytest.mark.start_ahead(student_processes=False, lambda_runtime=True)

SUBSEGMENT = "store_order"
ANNOTATION = "order_id"

XRAY_HINT = (
    'Around table.put_item in store_order: `with xray_recorder.in_subsegment("store_order") as subsegment:` and '
    '`subsegment.put_annotation("order_id", order["order_id"])` (from aws_xray_sdk.core import xray_recorder).'
)


def documents(trace_ids: list[str]) -> Iterator[dict[str, Any]]:
    """Every segment and subsegment document of these traces, nested ones included."""
    xray = boto3.client("xray")
    stack: list[dict[str, Any]] = []
    for start in range(0, len(trace_ids), 5):
        for trace in xray.batch_get_traces(TraceIds=trace_ids[start : start + 5])["Traces"]:
            stack += [json.loads(segment["Document"]) for segment in trace.get("Segments", [])]
    while stack:
        document = stack.pop()
        yield document
        stack += document.get("subsegments", [])


def traced_names() -> tuple[list[str], list[dict[str, Any]]]:
    """The trace ids of the last minutes, and every document in them."""
    now = datetime.now(timezone.utc)
    summaries = boto3.client("xray").get_trace_summaries(StartTime=now - timedelta(minutes=10), EndTime=now + timedelta(minutes=10))
    ids = [summary["Id"] for summary in summaries.get("TraceSummaries", [])]
    return ids, list(documents(ids)) if ids else []


@pytest.mark.points(3, hint=XRAY_HINT, read=step(10))
@pytest.mark.needs(XRAY_DAEMON)
def test_each_stored_order_is_traced_in_an_annotated_store_order_subsegment(exercise: ExerciseFiles) -> None:
    """each stored order's DynamoDB call runs in a store_order subsegment annotated with its order_id"""
    deploy_function(exercise)
    orders = [good_order(1), good_order(2)]
    answer = invoke_deployed(FUNCTION, {"orders": orders})
    expect(answer.ok, f"Expected {FUNCTION} to store {short(orders)}; it failed with {short(answer.payload)}.")
    ids, found = traced_names()
    expect(ids, f"Expected a trace of the invocation of {FUNCTION} (tracing Active); X-Ray has none.")
    named = [d for d in found if d.get("name") == SUBSEGMENT]
    annotated = sorted(str(d.get("annotations", {}).get(ANNOTATION)) for d in named)
    names = sorted({str(d.get("name")) for d in found})
    expect(
        named,
        f"Expected a subsegment named {SUBSEGMENT!r} for each stored order; the trace has {names}.",
    )
    want = sorted(order["order_id"] for order in orders)
    expect(
        annotated == want,
        f"Expected the {SUBSEGMENT!r} subsegments annotated {ANNOTATION} = {want} (one per order of the batch); "
        f"their {ANNOTATION} annotations are {annotated}.",
    )
