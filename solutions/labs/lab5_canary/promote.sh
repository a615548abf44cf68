#!/usr/bin/env bash
# The canary did well: send all of live's traffic to it and remove the traffic split.
# When nothing is shifting, say so and change nothing. The last line printed is the version live points to.
set -euo pipefail
cd "$(dirname "$0")"

FUNCTION=price-quote
ALIAS=live

# Step 8: the canary is the one version of live's routing config ("" when there is none).
STABLE=$(awslocal lambda get-alias --function-name "$FUNCTION" --name "$ALIAS" --query FunctionVersion --output text)
CANARY=$(awslocal lambda get-alias --function-name "$FUNCTION" --name "$ALIAS" \
  --query 'keys(RoutingConfig.AdditionalVersionWeights || `{}`)' --output text)
if [ -z "$CANARY" ]; then
  echo "nothing to promote: $ALIAS sends all its traffic to version $STABLE" >&2
  echo "$STABLE"
  exit 0
fi
# One call: live moves to the canary and its routing config is emptied at the same moment.
awslocal lambda update-alias --function-name "$FUNCTION" --name "$ALIAS" --function-version "$CANARY" \
  --routing-config 'AdditionalVersionWeights={}' >/dev/null
echo "promoted: $ALIAS sends all its traffic to version $CANARY (it was on version $STABLE)" >&2
echo "$CANARY"
