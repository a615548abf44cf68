"""X-Ray on the embedded backend: a daemon on loopback that takes what aws-xray-sdk sends."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from typing import Any

import boto3

from harness.backends import XRAY_DAEMON, EmbeddedMoto
from harness.emulator.xray import XRayDaemon
from harness.settings import ACCOUNT_ID, REGION

# What a student's instrumented code does: a segment, a subsegment around a call, an annotation.
INSTRUMENTED = """
from aws_xray_sdk.core import xray_recorder

xray_recorder.configure(sampling=False, context_missing="LOG_ERROR", service="orders")
segment = xray_recorder.begin_segment("orders")
subsegment = xray_recorder.begin_subsegment("save-order")
subsegment.put_annotation("order_id", "o-1")
subsegment.put_annotation("items", 3)
xray_recorder.end_subsegment()
xray_recorder.end_segment()
print(segment.trace_id)
"""
HEADER = b'{"format":"json","version":1}\n'


def traces_of(trace_id: str) -> list[dict[str, Any]]:
    segments = boto3.client("xray").batch_get_traces(TraceIds=[trace_id])["Traces"][0]["Segments"]
    return [json.loads(segment["Document"]) for segment in segments]


def send(address: str, *documents: dict[str, Any]) -> None:
    host, port = address.split(":")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        for document in documents:
            sender.sendto(HEADER + json.dumps(document).encode(), (host, int(port)))


def wait_for(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the daemon did not store the segment in time"
        time.sleep(0.02)


def test_segments_from_aws_xray_sdk_reach_get_trace_summaries_and_batch_get_traces(fresh_backend: EmbeddedMoto) -> None:
    assert XRAY_DAEMON in fresh_backend.capabilities
    host, _, port = fresh_backend.xray_daemon_address.partition(":")
    assert host == "127.0.0.1" and int(port) > 0
    environment = dict(os.environ, AWS_XRAY_DAEMON_ADDRESS=fresh_backend.xray_daemon_address)
    child = subprocess.run(
        [sys.executable, "-c", INSTRUMENTED], env=environment, capture_output=True, text=True, timeout=60
    )
    assert child.returncode == 0, child.stderr
    trace_id = child.stdout.strip()
    xray = boto3.client("xray")
    now = datetime.now()

    def summaries() -> list[dict[str, Any]]:
        window = {"StartTime": now - timedelta(minutes=5), "EndTime": now + timedelta(minutes=5)}
        return xray.get_trace_summaries(**window)["TraceSummaries"]

    wait_for(lambda: summaries())
    [summary] = summaries()
    assert summary["Id"] == trace_id
    assert summary["Annotations"]["order_id"][0]["AnnotationValue"] == {"StringValue": "o-1"}
    assert summary["Annotations"]["items"][0]["AnnotationValue"] == {"NumberValue": 3.0}
    [segment] = traces_of(trace_id)
    assert segment["name"] == "orders"
    [subsegment] = segment["subsegments"]
    assert subsegment["name"] == "save-order" and subsegment["annotations"] == {"order_id": "o-1", "items": 3}


def test_a_subsegment_sent_on_its_own_joins_its_parent_as_in_lambda(fresh_backend: EmbeddedMoto) -> None:
    trace_id, start = "1-5f84c7a1-0123456789abcdef01234567", time.time()
    subsegment = {
        "type": "subsegment",
        "id": "b1",
        "name": "dynamodb",
        "trace_id": trace_id,
        "parent_id": "a1",
        "start_time": start + 0.01,
        "end_time": start + 0.02,
        "annotations": {"table": "orders"},
    }
    function_segment = {
        "id": "a1",
        "name": "orders-fn",
        "trace_id": trace_id,
        "start_time": start,
        "end_time": start + 0.1,
    }
    send(fresh_backend.xray_daemon_address, subsegment)  # inside Lambda, the function's subsegments come first
    wait_for(lambda: boto3.client("xray").batch_get_traces(TraceIds=[trace_id])["Traces"])
    assert [document["name"] for document in traces_of(trace_id)] == ["dynamodb"]  # shown as it came, meanwhile
    send(fresh_backend.xray_daemon_address, function_segment)
    wait_for(lambda: traces_of(trace_id)[0]["name"] == "orders-fn")
    [segment] = traces_of(trace_id)
    assert [child["name"] for child in segment["subsegments"]] == ["dynamodb"]
    send(fresh_backend.xray_daemon_address, {**subsegment, "id": "b2", "name": "sns"})  # a later one goes straight in
    wait_for(lambda: len(traces_of(trace_id)[0]["subsegments"]) == 2)


def test_datagrams_the_daemon_would_drop_are_dropped() -> None:
    daemon = XRayDaemon(ACCOUNT_ID, REGION)
    assert daemon.take(b'{"format":"xml","version":1}\n{}') is False
    assert daemon.take(b"no header at all") is False
    assert daemon.take(HEADER + b'{"id": "x"}') is False  # no name, trace_id, start_time
    assert daemon.take(HEADER + b"not json") is False


def test_the_daemon_stops_with_its_thread_and_port() -> None:
    daemon = XRayDaemon(ACCOUNT_ID, REGION)
    address = daemon.start()
    assert any(thread.name == f"xray-daemon {address}" for thread in threading.enumerate())
    daemon.stop()
    assert not any(thread.name == f"xray-daemon {address}" for thread in threading.enumerate())
    host, port = address.split(":")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((host, int(port)))  # the port is free again


def test_the_embedded_backend_starts_and_stops_its_daemon() -> None:
    backend = EmbeddedMoto()
    backend.start()
    address = backend.xray_daemon_address
    try:
        assert any(thread.name == f"xray-daemon {address}" for thread in threading.enumerate())
    finally:
        backend.stop()
    assert not any(thread.name == f"xray-daemon {address}" for thread in threading.enumerate())


def test_put_trace_segments_still_reports_a_bad_document_as_unprocessed(fresh_backend: EmbeddedMoto) -> None:
    answer = boto3.client("xray").put_trace_segments(TraceSegmentDocuments=["not json"])
    assert [item["ErrorCode"] for item in answer["UnprocessedTraceSegments"]] == ["JSONFormatError"]
