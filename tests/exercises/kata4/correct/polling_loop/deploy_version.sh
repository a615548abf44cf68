#!/usr/bin/env bash
# Kata 4, written differently: plain `aws`, a polling loop instead of the waiter, the code compared with
# the version live runs (not $LATEST), `create || update` for the alias, and no publish when nothing changed.
set -euo pipefail
cd "$(dirname "$0")"

function_name=price-quote
alias_name=live
description=${VERSION_DESCRIPTION:-"price-quote, deployed by deploy_version.sh"}

new_sha=$(python package.py function function.zip)

live_version=$(aws lambda get-alias --function-name "$function_name" --name "$alias_name" \
  --query FunctionVersion --output text 2>/dev/null || echo none)
if [[ $live_version == none ]]; then
  deployed_sha=none
else
  deployed_sha=$(aws lambda get-function-configuration --function-name "$function_name" \
    --qualifier "$live_version" --query CodeSha256 --output text)
fi

if [[ $new_sha == "$deployed_sha" ]]; then
  echo "live already runs this code" 1>&2
  echo "$live_version"
  exit 0
fi

latest_sha=$(aws lambda get-function-configuration --function-name "$function_name" --query CodeSha256 --output text)
if [[ $new_sha != "$latest_sha" ]]; then
  aws lambda update-function-code --function-name "$function_name" --zip-file fileb://function.zip > /dev/null
fi
for attempt in $(seq 1 60); do
  status=$(aws lambda get-function-configuration --function-name "$function_name" --query LastUpdateStatus --output text)
  [[ $status == Successful ]] && break
  [[ $status == Failed ]] && { echo "the update failed" 1>&2; exit 1; }
  sleep 1
done

version=$(aws lambda publish-version --function-name "$function_name" --description "$description" \
  --query Version --output text)

aws lambda create-alias --function-name "$function_name" --name "$alias_name" --function-version "$version" \
  > /dev/null 2>&1 \
  || aws lambda update-alias --function-name "$function_name" --name "$alias_name" --function-version "$version" > /dev/null
echo "$version"
