#!/usr/bin/env bash
# Publish the code in function/ as a new, immutable version of price-quote and point the alias live at it.
# Idempotent: with the code unchanged it publishes nothing and live stays where it is; a run that
# stopped half-way (after the upload, before the publish) is finished by the next one.
# The version's description is $VERSION_DESCRIPTION; the last line printed is the version live points to.
set -euo pipefail
cd "$(dirname "$0")"

FUNCTION=price-quote
ALIAS=live
DESCRIPTION=${VERSION_DESCRIPTION:-"price-quote, deployed by deploy_version.sh"}

# Step 1: a reproducible package: the same code gives the same zip, so the same CodeSha256.
CODE_SHA=$(python package.py function function.zip)

# Step 2: what the function runs now when no version is named ($LATEST).
CURRENT_SHA=$(awslocal lambda get-function-configuration --function-name "$FUNCTION" --query CodeSha256 --output text)

# Step 3: upload only changed code, then wait: until the update has finished, Lambda refuses to publish.
if [ "$CODE_SHA" != "$CURRENT_SHA" ]; then
  echo "uploading the new code of $FUNCTION" >&2
  awslocal lambda update-function-code --function-name "$FUNCTION" --zip-file fileb://function.zip >/dev/null
  awslocal lambda wait function-updated-v2 --function-name "$FUNCTION"
else
  echo "$FUNCTION already runs this code" >&2
fi

# Step 4: publish. Lambda publishes nothing when the function was not updated since its latest version,
# and answers with that version instead; --code-sha256 makes sure what is published is this zip.
VERSION=$(awslocal lambda publish-version --function-name "$FUNCTION" --description "$DESCRIPTION" \
  --code-sha256 "$CODE_SHA" --query Version --output text)

# Step 5: the alias callers use: created the first time, moved in place afterwards (same ARN, same permissions).
if awslocal lambda get-alias --function-name "$FUNCTION" --name "$ALIAS" >/dev/null 2>&1; then
  awslocal lambda update-alias --function-name "$FUNCTION" --name "$ALIAS" --function-version "$VERSION" >/dev/null
else
  awslocal lambda create-alias --function-name "$FUNCTION" --name "$ALIAS" --function-version "$VERSION" >/dev/null
fi

# Step 6: the version live points to, alone on the last line.
echo "$ALIAS -> version $VERSION" >&2
echo "$VERSION"
