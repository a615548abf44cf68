#!/usr/bin/env bash
# order-processor's code as a published version behind live, with 2 provisioned environments on live,
# waited for until READY (a second run publishes nothing new and keeps the configuration).
set -euo pipefail

FUNCTION=order-processor
ALIAS=live
PROVISIONED=2

VERSION=$(awslocal lambda publish-version --function-name "$FUNCTION" --query Version --output text)
if awslocal lambda get-alias --function-name "$FUNCTION" --name "$ALIAS" >/dev/null 2>&1; then
  awslocal lambda update-alias --function-name "$FUNCTION" --name "$ALIAS" --function-version "$VERSION" >/dev/null
else
  awslocal lambda create-alias --function-name "$FUNCTION" --name "$ALIAS" --function-version "$VERSION" >/dev/null
fi

awslocal lambda put-provisioned-concurrency-config --function-name "$FUNCTION" --qualifier "$ALIAS" \
  --provisioned-concurrent-executions "$PROVISIONED" >/dev/null

# Until READY, invocations of live still start cold: wait for it (the CLI has no waiter for this).
STATUS=IN_PROGRESS
for _ in $(seq 1 60); do
  STATUS=$(awslocal lambda get-provisioned-concurrency-config --function-name "$FUNCTION" --qualifier "$ALIAS" \
    --query Status --output text)
  [ "$STATUS" != IN_PROGRESS ] && break
  sleep 2
done
if [ "$STATUS" != READY ]; then
  echo "provisioned concurrency on $FUNCTION:$ALIAS is $STATUS" >&2
  exit 1
fi
echo "$FUNCTION:$ALIAS -> version $VERSION, $PROVISIONED provisioned environments READY"
