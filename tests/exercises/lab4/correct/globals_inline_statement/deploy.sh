#!/usr/bin/env bash
# awslocal, in small functions; the packaged template next to the source.
set -euo pipefail
cd "$(dirname "$0")"

readonly STACK=parts-unlimited-inventory BUCKET=parts-unlimited-artifacts

ensure_bucket() {
  if awslocal s3api head-bucket --bucket "$BUCKET" >/dev/null 2>&1; then
    echo "bucket $BUCKET is there"
  else
    awslocal s3api create-bucket --bucket "$BUCKET" >/dev/null && echo "bucket $BUCKET created"
  fi
}

package() {
  awslocal cloudformation package --template-file template.yaml --s3-bucket "$BUCKET" \
    --output-template-file .packaged.yaml
}

deploy() {
  awslocal cloudformation deploy --template-file .packaged.yaml --stack-name "$STACK" \
    --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset
  awslocal cloudformation describe-stacks --stack-name "$STACK" --query 'Stacks[0].StackStatus' --output text
}

ensure_bucket
package
deploy
