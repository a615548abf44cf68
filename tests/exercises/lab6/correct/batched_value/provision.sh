#!/usr/bin/env bash
# The whole provisioning in boto3, with a bounded wait.
set -euo pipefail
python - <<'PY'
import sys
import time

import boto3

client = boto3.client("lambda")
version = client.publish_version(FunctionName="order-processor")["Version"]
try:
    client.update_alias(FunctionName="order-processor", Name="live", FunctionVersion=version)
except client.exceptions.ResourceNotFoundException:
    client.create_alias(FunctionName="order-processor", Name="live", FunctionVersion=version)
client.put_provisioned_concurrency_config(FunctionName="order-processor", Qualifier="live", ProvisionedConcurrentExecutions=2)
for _ in range(120):
    status = client.get_provisioned_concurrency_config(FunctionName="order-processor", Qualifier="live")["Status"]
    if status != "IN_PROGRESS":
        break
    time.sleep(1)
print(f"live: version {version}, provisioned concurrency {status}")
sys.exit(0 if status == "READY" else 1)
PY
