#!/usr/bin/env bash
# Publish the code in function/ as a new version of price-quote and send 10 % of the alias live's traffic
# to it, the other 90 % staying on the version live points to (a canary). Idempotent: with the code
# unchanged and its canary running, it changes nothing. The version's description is $VERSION_DESCRIPTION;
# the last line printed is the canary's version.
set -euo pipefail
cd "$(dirname "$0")"

FUNCTION=price-quote
ALIAS=live
CANARY_WEIGHT=0.1
DESCRIPTION=${VERSION_DESCRIPTION:-"price-quote canary, deployed by deploy_canary.sh"}

# Step 1: Kata 4's upload: only changed code, and wait for the update before publishing.
CODE_SHA=$(python package.py function function.zip)
CURRENT_SHA=$(awslocal lambda get-function-configuration --function-name "$FUNCTION" --query CodeSha256 --output text)
if [ "$CODE_SHA" != "$CURRENT_SHA" ]; then
  echo "uploading the new code of $FUNCTION" >&2
  awslocal lambda update-function-code --function-name "$FUNCTION" --zip-file fileb://function.zip >/dev/null
  awslocal lambda wait function-updated-v2 --function-name "$FUNCTION"
fi

# Step 2: the canary version (when nothing changed, Lambda publishes nothing and answers the latest one).
CANARY=$(awslocal lambda publish-version --function-name "$FUNCTION" --description "$DESCRIPTION" \
  --code-sha256 "$CODE_SHA" --query Version --output text)

# Step 3: the stable version is the one live points to; a canary of itself makes no sense.
STABLE=$(awslocal lambda get-alias --function-name "$FUNCTION" --name "$ALIAS" --query FunctionVersion --output text)
if [ "$STABLE" = "$CANARY" ]; then
  echo "nothing to shift: $ALIAS already sends all its traffic to version $CANARY" >&2
  echo "$CANARY"
  exit 0
fi

# Step 4: live stays on the stable version; the canary gets CANARY_WEIGHT of the invocations.
awslocal lambda update-alias --function-name "$FUNCTION" --name "$ALIAS" --function-version "$STABLE" \
  --routing-config "AdditionalVersionWeights={$CANARY=$CANARY_WEIGHT}" >/dev/null
echo "$ALIAS: version $STABLE, and $CANARY_WEIGHT of the traffic to version $CANARY" >&2

# Step 5: the canary's version, alone on the last line.
echo "$CANARY"
