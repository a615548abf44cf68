"""Cold starts from the REPORT lines, reading every event and following nextToken by hand."""

import re
import sys

import boto3

INIT = re.compile(r"Init Duration:\s*([\d.]+)\s*ms")


def report_lines(function_name):
    logs = boto3.client("logs")
    arguments = {"logGroupName": "/aws/lambda/" + function_name}
    found = []
    while True:
        page = logs.filter_log_events(**arguments)
        found += [e["message"] for e in page["events"] if e["message"].startswith("REPORT RequestId:")]
        if not page.get("nextToken"):
            return found
        arguments["nextToken"] = page["nextToken"]


def init_durations(lines):
    return [float(m.group(1)) for m in map(INIT.search, lines) if m is not None]


def p95(values):
    if not values:
        return None
    n = len(values)
    rank = -(-95 * n // 100)  # ceil(0.95 n) in integers
    return sorted(values)[rank - 1]


def summarize(function_name):
    lines = report_lines(function_name)
    inits = init_durations(lines)
    return {"invocations": len(lines), "cold_starts": len(inits), "p95_init_ms": p95(inits)}


if __name__ == "__main__":
    print(summarize(sys.argv[1]))
