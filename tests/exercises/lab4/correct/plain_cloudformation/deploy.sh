#!/usr/bin/env bash
# Plain `aws` (AWS_ENDPOINT_URL points it at the emulator), the packaged template kept out of the folder.
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
stack="parts-unlimited-inventory"
bucket="parts-unlimited-artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

aws s3api head-bucket --bucket "$bucket" 2>/dev/null || aws s3api create-bucket --bucket "$bucket" >/dev/null

aws cloudformation package \
  --template-file "$here/template.yaml" \
  --s3-bucket "$bucket" --s3-prefix inventory \
  --use-json \
  --output-template-file "$work/packaged.json"

aws cloudformation deploy \
  --stack-name "$stack" \
  --template-file "$work/packaged.json" \
  --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM \
  --no-fail-on-empty-changeset
echo "stack $stack deployed"
