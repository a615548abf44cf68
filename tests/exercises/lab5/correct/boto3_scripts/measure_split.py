"""Lab 5's measurement, with the invocations made by eight threads at once (as many tablets would)."""

import json
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3

FUNCTION = "price-quote"
ALIAS = "live"
QUOTE = {"sku": "PU-1001", "quantity": 100}


def measure_split(function_name: str = FUNCTION, alias: str = ALIAS, invocations: int = 200) -> dict:
    client = boto3.client("lambda")  # clients are thread-safe; resources are not

    def version_that_ran(_: int) -> str:
        return client.invoke(FunctionName=function_name, Qualifier=alias, Payload=json.dumps(QUOTE))["ExecutedVersion"]

    counts: dict = {}
    with ThreadPoolExecutor(max_workers=8) as pool:
        for version in pool.map(version_that_ran, range(invocations)):
            counts[version] = counts.get(version, 0) + 1
    return counts


def print_split(counts: dict) -> None:
    total = sum(counts.values())
    for version in sorted(counts, key=lambda v: int(v)):
        print("version %s: %d of %d (%.1f %%)" % (version, counts[version], total, 100.0 * counts[version] / total))


if __name__ == "__main__":
    print_split(measure_split(invocations=int(sys.argv[1]) if sys.argv[1:] else 200))
