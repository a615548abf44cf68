"""Lab 5: invoke price-quote through the alias live many times and count which version answered each call.

    python measure_split.py [INVOCATIONS]     (200 when not given)

prints one line per version, e.g. `version 3: 19 of 200 (9.5 %)`.
"""

from __future__ import annotations

import sys

import boto3

FUNCTION = "price-quote"
ALIAS = "live"
QUOTE = {"sku": "PU-1001", "quantity": 100}  # a request a tablet would send


def measure_split(function_name: str = FUNCTION, alias: str = ALIAS, invocations: int = 200) -> dict[str, int]:
    """Invoke function_name:alias `invocations` times; return how many answers each version gave,
    as {version: count}, e.g. {"1": 181, "3": 19}."""
    client = boto3.client("lambda")
    # TODO 6 (README step 6): invoke the alias `invocations` times with QUOTE as the payload, and count
    #        each answer's ExecutedVersion (the version that ran). Return the counts as a dict.
    raise NotImplementedError("TODO 6: invoke the alias and count each answer's ExecutedVersion")


def print_split(counts: dict[str, int]) -> None:
    """Print one line per version, lowest first: `version 3: 19 of 200 (9.5 %)`."""
    # TODO 7 (README step 7): print each version's count, the total, and its share in percent with one decimal.
    raise NotImplementedError("TODO 7: print each version's count and share")


if __name__ == "__main__":
    print_split(measure_split(invocations=int(sys.argv[1]) if len(sys.argv) > 1 else 200))
