"""Kata 4 in boto3: upload function/ when it changed, wait, publish a version, point live at it."""

import os
import sys
from pathlib import Path

import boto3

from package import build

FUNCTION = "price-quote"
ALIAS = "live"


def main() -> None:
    client = boto3.client("lambda")
    description = os.environ.get("VERSION_DESCRIPTION") or "price-quote, deployed by deploy_version.py"
    code_sha = build(Path("function"), Path("function.zip"))
    current = client.get_function_configuration(FunctionName=FUNCTION)["CodeSha256"]
    if code_sha != current:
        print(f"uploading {code_sha}", file=sys.stderr)
        client.update_function_code(FunctionName=FUNCTION, ZipFile=Path("function.zip").read_bytes())
        client.get_waiter("function_updated").wait(FunctionName=FUNCTION)
    version = client.publish_version(FunctionName=FUNCTION, Description=description, CodeSha256=code_sha)["Version"]
    try:
        client.get_alias(FunctionName=FUNCTION, Name=ALIAS)
    except client.exceptions.ResourceNotFoundException:
        client.create_alias(FunctionName=FUNCTION, Name=ALIAS, FunctionVersion=version)
    else:
        client.update_alias(FunctionName=FUNCTION, Name=ALIAS, FunctionVersion=version)
    print(f"{ALIAS} now points to version {version}", file=sys.stderr)
    print(version)


if __name__ == "__main__":
    main()
