#!/usr/bin/env bash
# Plain aws, JSON read with Python, the alias made once and moved after.
set -euo pipefail
FN=order-processor

version=$(aws lambda publish-version --function-name $FN --output json | python -c 'import json, sys; print(json.load(sys.stdin)["Version"])')
aws lambda create-alias --function-name $FN --name live --function-version "$version" >/dev/null 2>&1 \
  || aws lambda update-alias --function-name $FN --name live --function-version "$version" >/dev/null
aws lambda put-provisioned-concurrency-config --function-name $FN --qualifier live --provisioned-concurrent-executions 2 >/dev/null
until aws lambda get-provisioned-concurrency-config --function-name $FN --qualifier live --output json \
    | python -c 'import json, sys; status = json.load(sys.stdin)["Status"]; sys.exit(0 if status == "READY" else 2 if status == "FAILED" else 1)'; do
  [ $? -eq 2 ] && exit 1
  sleep 1
done
