#!/usr/bin/env bash
# The canary misbehaves: send all of live's traffic back to the version it pointed to before the canary,
# and remove the traffic split. When nothing is shifting, say so and change nothing.
set -euo pipefail
cd "$(dirname "$0")"

FUNCTION=price-quote
ALIAS=live

# Step 9: live's own version is the stable one; the canary is the version of its routing config.
STABLE=$(awslocal lambda get-alias --function-name "$FUNCTION" --name "$ALIAS" --query FunctionVersion --output text)
CANARY=$(awslocal lambda get-alias --function-name "$FUNCTION" --name "$ALIAS" \
  --query 'keys(RoutingConfig.AdditionalVersionWeights || `{}`)' --output text)
if [ -z "$CANARY" ]; then
  echo "nothing to roll back: $ALIAS sends all its traffic to version $STABLE, and no version shares it"
  exit 0
fi
awslocal lambda update-alias --function-name "$FUNCTION" --name "$ALIAS" --function-version "$STABLE" \
  --routing-config 'AdditionalVersionWeights={}' >/dev/null
echo "rolled back: $ALIAS sends all its traffic to version $STABLE again; version $CANARY gets none"
