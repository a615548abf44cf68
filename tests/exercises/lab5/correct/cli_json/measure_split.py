"""Count the versions that answered invocations of price-quote:live."""

import json
import sys

import boto3

QUOTE = {"sku": "PU-1001", "quantity": 100}


def measure_split(function_name="price-quote", alias="live", invocations=200):
    lam = boto3.client("lambda")
    counts = {}
    for _ in range(invocations):
        response = lam.invoke(FunctionName=f"{function_name}:{alias}", InvocationType="RequestResponse",
                              LogType="None", Payload=json.dumps(QUOTE))
        response["Payload"].read()
        version = response["ExecutedVersion"]
        counts[version] = counts.get(version, 0) + 1
    return counts


def print_split(counts):
    total = sum(counts.values())
    for version in sorted(counts, key=int):
        share = round(100 * counts[version] / total, 1)
        print(f"version {version}: {counts[version]} of {total} ({share} %)")


if __name__ == "__main__":
    print_split(measure_split(invocations=int(sys.argv[1]) if len(sys.argv) > 1 else 200))
