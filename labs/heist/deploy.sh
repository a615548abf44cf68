#!/usr/bin/env bash
# Deploys template.yaml and src/ as the stack streamitems-heist on the course backend (`course backend up` first).
# The same steps `sam deploy` takes: package the code into S3, then a change set with CAPABILITY_IAM.
set -euo pipefail
cd "$(dirname "$0")"
BUCKET=heist-artifacts
awslocal s3 mb "s3://$BUCKET" >/dev/null 2>&1 || true
awslocal cloudformation package --template-file template.yaml --s3-bucket "$BUCKET" --output-template-file packaged.yaml >/dev/null
awslocal cloudformation deploy --template-file packaged.yaml --stack-name streamitems-heist \
  --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --no-fail-on-empty-changeset
awslocal cloudformation describe-stacks --stack-name streamitems-heist --query "Stacks[0].Outputs" --output table
