"""Cold starts of a Lambda function, from the REPORT lines Lambda writes to its CloudWatch Logs.

    python cold_starts.py order-processor
    order-processor: 12 invocations, 3 cold starts, p95 Init Duration 245.31 ms

Every invocation ends with one line
    REPORT RequestId: ...	Duration: 2.15 ms	Billed Duration: 3 ms	Memory Size: 128 MB	Max Memory Used: 60 MB	Init Duration: 245.31 ms
and only a cold start has the `Init Duration` field.
"""

from __future__ import annotations

import re
import sys

import boto3

INIT_DURATION = re.compile(r"Init Duration: ([0-9.]+) ms")


def report_lines(function_name: str) -> list[str]:
    """Every REPORT line of the function's log group, all pages of them."""
    # TODO 7: every REPORT line of /aws/lambda/<function_name>, all pages (README step 7)
    raise NotImplementedError("TODO 7")


def init_durations(lines: list[str]) -> list[float]:
    """The Init Duration (ms) of each cold start among the REPORT lines."""
    # TODO 7: the Init Duration of each REPORT line that has one (README step 7)
    raise NotImplementedError("TODO 7")


def p95(values: list[float]) -> float | None:
    """The 95th percentile by nearest rank: the smallest value with at least 95 % of the values at or below it."""
    # TODO 8: nearest-rank p95 (README step 8)
    raise NotImplementedError("TODO 8")


def summarize(function_name: str) -> dict:
    lines = report_lines(function_name)
    inits = init_durations(lines)
    return {"invocations": len(lines), "cold_starts": len(inits), "p95_init_ms": p95(inits)}


def main(function_name: str) -> None:
    summary = summarize(function_name)
    p95_text = "none" if summary["p95_init_ms"] is None else f"{summary['p95_init_ms']:.2f} ms"
    print(
        f"{function_name}: {summary['invocations']} invocations, {summary['cold_starts']} cold starts, "
        f"p95 Init Duration {p95_text}"
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "order-processor")
