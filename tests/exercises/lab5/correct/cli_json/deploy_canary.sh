#!/usr/bin/env bash
# Lab 5 with plain `aws` and JSON routing configs.
set -euo pipefail
cd "$(dirname "$0")"

fn=price-quote
alias_name=live
desc="${VERSION_DESCRIPTION:-price-quote canary}"

sha=$(python package.py function function.zip)
if [[ $sha != "$(aws lambda get-function-configuration --function-name $fn --query CodeSha256 --output text)" ]]; then
  aws lambda update-function-code --function-name $fn --zip-file fileb://function.zip > /dev/null
  aws lambda wait function-updated --function-name $fn
fi
canary=$(aws lambda publish-version --function-name $fn --description "$desc" --query Version --output text)
stable=$(aws lambda get-alias --function-name $fn --name $alias_name --query FunctionVersion --output text)
if [[ $stable != "$canary" ]]; then
  routing=$(printf '{"AdditionalVersionWeights": {"%s": 0.1}}' "$canary")
  aws lambda update-alias --function-name $fn --name $alias_name --function-version "$stable" --routing-config "$routing" > /dev/null
fi
echo "$canary"
