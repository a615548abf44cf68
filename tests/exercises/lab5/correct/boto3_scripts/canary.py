"""Lab 5's three deployment commands in boto3; the .sh scripts run `python canary.py deploy|promote|rollback`."""

import os
import sys
from pathlib import Path

import boto3

from package import build

FUNCTION = "price-quote"
ALIAS = "live"
WEIGHT = 0.1

client = boto3.client("lambda")


def live() -> tuple[str, str | None]:
    """live's own version, and the version its routing config shares traffic with (None: no split)."""
    alias = client.get_alias(FunctionName=FUNCTION, Name=ALIAS)
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    return alias["FunctionVersion"], next(iter(weights), None)


def deploy() -> None:
    sha = build(Path("function"), Path("function.zip"))
    if client.get_function_configuration(FunctionName=FUNCTION)["CodeSha256"] != sha:
        client.update_function_code(FunctionName=FUNCTION, ZipFile=Path("function.zip").read_bytes())
        client.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION)
    description = os.environ.get("VERSION_DESCRIPTION") or "price-quote canary"
    canary = client.publish_version(FunctionName=FUNCTION, Description=description)["Version"]
    stable, _ = live()
    if stable != canary:
        client.update_alias(
            FunctionName=FUNCTION,
            Name=ALIAS,
            FunctionVersion=stable,
            RoutingConfig={"AdditionalVersionWeights": {canary: WEIGHT}},
        )
        print(f"version {canary} gets {WEIGHT:.0%} of {ALIAS}, version {stable} the rest", file=sys.stderr)
    print(canary)


def promote() -> None:
    stable, canary = live()
    if canary is None:
        print(f"no canary to promote; {ALIAS} is on version {stable}", file=sys.stderr)
        print(stable)
        return
    client.update_alias(FunctionName=FUNCTION, Name=ALIAS, FunctionVersion=canary, RoutingConfig={"AdditionalVersionWeights": {}})
    print(canary)


def rollback() -> None:
    stable, canary = live()
    if canary is None:
        print(f"no canary to roll back; {ALIAS} stays on version {stable}")
        return
    client.update_alias(FunctionName=FUNCTION, Name=ALIAS, FunctionVersion=stable, RoutingConfig={"AdditionalVersionWeights": {}})
    print(f"{ALIAS} is back on version {stable} alone")


if __name__ == "__main__":
    {"deploy": deploy, "promote": promote, "rollback": rollback}[sys.argv[1]]()
