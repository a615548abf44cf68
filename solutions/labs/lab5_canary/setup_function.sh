#!/usr/bin/env bash
# Create price-quote on your backend as Kata 4 leaves it: the code of function/ published as version 1,
# and the alias live pointing at it (once; a second run changes nothing). The grader sets up its own;
# this is for trying the lab by hand: course backend up, paste the exports it prints, then run this.
set -euo pipefail
cd "$(dirname "$0")"

FUNCTION=price-quote
ROLE=price-quote-role
TRUST_POLICY='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'

if ! awslocal iam get-role --role-name "$ROLE" >/dev/null 2>&1; then
  awslocal iam create-role --role-name "$ROLE" --assume-role-policy-document "$TRUST_POLICY" >/dev/null
fi
ROLE_ARN=$(awslocal iam get-role --role-name "$ROLE" --query Role.Arn --output text)

if ! awslocal lambda get-function --function-name "$FUNCTION" >/dev/null 2>&1; then
  python package.py function function.zip >/dev/null
  awslocal lambda create-function --function-name "$FUNCTION" --runtime python3.12 \
    --handler price_quote.lambda_handler --role "$ROLE_ARN" --zip-file fileb://function.zip \
    --timeout 10 --memory-size 128 >/dev/null
  awslocal lambda wait function-active-v2 --function-name "$FUNCTION"
fi
if ! awslocal lambda get-alias --function-name "$FUNCTION" --name live >/dev/null 2>&1; then
  VERSION=$(awslocal lambda publish-version --function-name "$FUNCTION" --description "the stable release" \
    --query Version --output text)
  awslocal lambda create-alias --function-name "$FUNCTION" --name live --function-version "$VERSION" >/dev/null
fi
echo "live -> version $(awslocal lambda get-alias --function-name "$FUNCTION" --name live --query FunctionVersion --output text)"
