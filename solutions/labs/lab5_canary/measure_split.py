"""Invoke price-quote through the alias live many times and count which version answered each call.

    python measure_split.py [INVOCATIONS]     (200 when not given)

prints one line per version, e.g. `version 3: 19 of 200 (9.5 %)`. Reference solution for Lab 5.
"""

from __future__ import annotations

import json
import sys
from collections import Counter

import boto3

FUNCTION = "price-quote"
ALIAS = "live"
QUOTE = {"sku": "PU-1001", "quantity": 100}  # a request a tablet would send


def measure_split(function_name: str = FUNCTION, alias: str = ALIAS, invocations: int = 200) -> dict[str, int]:
    """Invoke function_name:alias `invocations` times; return how many answers each version gave,
    as {version: count}, e.g. {"1": 181, "3": 19}."""
    client = boto3.client("lambda")
    counts: Counter[str] = Counter()
    payload = json.dumps(QUOTE).encode()
    for _ in range(invocations):
        # Step 6: Lambda names the version that ran in every answer (X-Amz-Executed-Version).
        answer = client.invoke(FunctionName=function_name, Qualifier=alias, Payload=payload)
        counts[answer["ExecutedVersion"]] += 1
    return dict(counts)


def print_split(counts: dict[str, int]) -> None:
    """Print one line per version, lowest first: `version 3: 19 of 200 (9.5 %)`."""
    # Step 7: the share in percent, one decimal.
    total = sum(counts.values())
    for version in sorted(counts, key=int):
        print(f"version {version}: {counts[version]} of {total} ({100 * counts[version] / total:.1f} %)")


if __name__ == "__main__":
    print_split(measure_split(invocations=int(sys.argv[1]) if len(sys.argv) > 1 else 200))
