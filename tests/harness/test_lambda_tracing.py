"""Lambda and X-Ray on the embedded backend: the trace header and daemon address each invocation gets,
aws-xray-sdk inside a deployed function reaching batch-get-traces, Lambda's own segments when tracing is
Active (harness/emulator/lambda_tracing.py)."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta
from typing import Any

import boto3
from lambda_backend_kit import create_function, invoke, package, role_arn

from harness.backends import EmbeddedMoto

HEADER = re.compile(r"^Root=(1-[0-9a-f]{8}-[0-9a-f]{24});Parent=([0-9a-f]{16});Sampled=([01])$")

SHOW_ENVIRONMENT = """import os
def handler(event, context):
    return {'trace': os.environ.get('_X_AMZN_TRACE_ID'), 'daemon': os.environ.get('AWS_XRAY_DAEMON_ADDRESS'),
            'missing': os.environ.get('AWS_XRAY_CONTEXT_MISSING')}
"""

# What Lab 6's optional tracing asks: an annotated subsegment around a call, inside Lambda.
INSTRUMENTED = """from aws_xray_sdk.core import xray_recorder
def handler(event, context):
    with xray_recorder.in_subsegment('save-order') as subsegment:
        subsegment.put_annotation('order_id', event['order_id'])
    if event.get('fail'):
        raise ValueError('boom')
    return 'ok'
"""


def trace_documents(trace_id: str) -> list[dict[str, Any]]:
    traces = boto3.client("xray").batch_get_traces(TraceIds=[trace_id])["Traces"]
    return [json.loads(segment["Document"]) for trace in traces for segment in trace["Segments"]]


def wait_for(condition: Any, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, "the segments did not arrive in time"
        time.sleep(0.02)
    return result


def test_an_active_function_gets_a_sampled_trace_header_per_invocation_and_the_daemon(aws: EmbeddedMoto) -> None:
    create_function("traced", SHOW_ENVIRONMENT)
    boto3.client("lambda").update_function_configuration(FunctionName="traced", TracingConfig={"Mode": "Active"})
    assert boto3.client("lambda").get_function_configuration(FunctionName="traced")["TracingConfig"] == {"Mode": "Active"}
    first, second = invoke("traced")[1], invoke("traced")[1]
    assert first["daemon"] == aws.xray_daemon_address and first["missing"] == "LOG_ERROR"
    roots = []
    for answer in (first, second):
        match = HEADER.match(answer["trace"])
        assert match, answer["trace"]
        assert match.group(3) == "1"
        roots.append(match.group(1))
    assert roots[0] != roots[1]  # a new trace per invocation, in the same warm environment


def test_a_pass_through_function_gets_an_unsampled_header_and_no_segments(aws: EmbeddedMoto) -> None:
    create_function("untraced", SHOW_ENVIRONMENT)
    answer = invoke("untraced")[1]
    match = HEADER.match(answer["trace"])
    assert match and match.group(3) == "0" and answer["daemon"] == aws.xray_daemon_address
    assert trace_documents(match.group(1)) == []


def test_the_sdk_in_a_deployed_function_reaches_batch_get_traces_under_lambdas_segment(aws: EmbeddedMoto) -> None:
    boto3.client("lambda").create_function(
        FunctionName="orders", Runtime="python3.12", Role=role_arn(), Handler="app.handler",
        Code={"ZipFile": package(INSTRUMENTED)}, TracingConfig={"Mode": "Active"},
    )
    started = datetime.now()
    invoke("orders", {"order_id": "o-1"})
    window = {"StartTime": started - timedelta(minutes=5), "EndTime": datetime.now() + timedelta(minutes=5)}
    summaries = wait_for(lambda: boto3.client("xray").get_trace_summaries(**window)["TraceSummaries"])
    [summary] = summaries
    assert summary["Annotations"]["order_id"][0]["AnnotationValue"] == {"StringValue": "o-1"}

    def assembled() -> list[dict[str, Any]]:
        documents = trace_documents(summary["Id"])
        function = [d for d in documents if d.get("origin") == "AWS::Lambda::Function"]
        if function and any(s["name"] == "save-order" for s in function[0].get("subsegments", [])):
            return documents
        return []

    documents = wait_for(assembled)
    origins = sorted(document.get("origin", "") for document in documents)
    assert origins == ["AWS::Lambda", "AWS::Lambda::Function"]
    function = next(d for d in documents if d["origin"] == "AWS::Lambda::Function")
    names = [s["name"] for s in function["subsegments"]]
    assert names[:2] == ["Initialization", "Invocation"] and "save-order" in names  # a cold start
    assert not function.get("fault")
    invoke("orders", {"order_id": "o-2", "fail": True})
    faults = wait_for(lambda: [
        d for s in boto3.client("xray").get_trace_summaries(**window)["TraceSummaries"]
        for d in trace_documents(s["Id"]) if d.get("origin") == "AWS::Lambda::Function" and d.get("fault")
    ])
    assert "Initialization" not in [s["name"] for s in faults[0]["subsegments"]]  # warm

