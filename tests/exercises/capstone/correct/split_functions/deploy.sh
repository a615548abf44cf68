#!/usr/bin/env bash
# Deploy the orders service with the AWS CLI alone: package the code to S3, then let CloudFormation
# create or update the stack through a change set. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

STACK=parts-unlimited-orders
BUCKET=parts-unlimited-artifacts

if ! awslocal s3api head-bucket --bucket "$BUCKET" >/dev/null 2>&1; then
  awslocal s3api create-bucket --bucket "$BUCKET" >/dev/null
fi

awslocal cloudformation package \
  --template-file template.yaml \
  --s3-bucket "$BUCKET" \
  --output-template-file packaged.yaml >/dev/null

awslocal cloudformation deploy \
  --template-file packaged.yaml \
  --stack-name "$STACK" \
  --capabilities CAPABILITY_IAM \
  --no-fail-on-empty-changeset
