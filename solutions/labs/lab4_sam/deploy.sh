#!/usr/bin/env bash
# Deploy Lab 4's stack with the AWS CLI alone (no SAM CLI needed): package the code to S3, then let
# CloudFormation create or update the stack through a change set. Safe to run again: the second run
# updates what changed and keeps the tables and their items.
set -euo pipefail
cd "$(dirname "$0")"

STACK=parts-unlimited-inventory
BUCKET=parts-unlimited-artifacts

# Step 8a: the bucket the packaged code goes to, made once.
if ! awslocal s3api head-bucket --bucket "$BUCKET" >/dev/null 2>&1; then
  awslocal s3api create-bucket --bucket "$BUCKET" >/dev/null
fi

# Step 8b: zip src/ (CodeUri), upload it, and write a copy of the template that points at the upload.
awslocal cloudformation package \
  --template-file template.yaml \
  --s3-bucket "$BUCKET" \
  --output-template-file packaged.yaml >/dev/null

# Step 8c: create or update the stack; a run with nothing to change is not an error.
awslocal cloudformation deploy \
  --template-file packaged.yaml \
  --stack-name "$STACK" \
  --capabilities CAPABILITY_IAM \
  --no-fail-on-empty-changeset

