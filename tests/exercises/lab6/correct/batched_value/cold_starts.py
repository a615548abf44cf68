"""Cold starts: REPORT lines through the paginator, p95 counted from the top."""

import math
import sys

import boto3


def report_lines(function_name):
    pages = boto3.client("logs").get_paginator("filter_log_events").paginate(
        logGroupName=f"/aws/lambda/{function_name}", filterPattern="REPORT"
    )
    return [event["message"].strip() for page in pages for event in page["events"] if event["message"].startswith("REPORT RequestId:")]


def init_durations(lines):
    durations = []
    for line in lines:
        for field in line.split("\t"):
            if field.strip().startswith("Init Duration:"):
                durations.append(float(field.split(":")[1].replace("ms", "").strip()))
    return durations


def p95(values):
    if not values:
        return None
    above = len(values) - math.ceil(0.95 * len(values))  # values strictly above the p95's rank
    return sorted(values, reverse=True)[above]


def summarize(function_name):
    lines = report_lines(function_name)
    inits = init_durations(lines)
    return {"invocations": len(lines), "cold_starts": len(inits), "p95_init_ms": p95(inits)}


if __name__ == "__main__":
    summary = summarize(sys.argv[1] if len(sys.argv) > 1 else "order-processor")
    print(f"{summary['invocations']} invocations, {summary['cold_starts']} cold starts, p95 Init Duration {summary['p95_init_ms']} ms")
