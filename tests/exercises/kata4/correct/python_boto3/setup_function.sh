#!/usr/bin/env bash
# Create the function Kata 4 deploys to, price-quote, from function/ (once; a second run changes nothing).
# The grader creates its own; this is for trying deploy_version.sh by hand:
#   course backend up, paste the exports it prints, then `bash setup_function.sh`.
set -euo pipefail
cd "$(dirname "$0")"

FUNCTION=price-quote
ROLE=price-quote-role
TRUST_POLICY='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'

if ! awslocal iam get-role --role-name "$ROLE" >/dev/null 2>&1; then
  awslocal iam create-role --role-name "$ROLE" --assume-role-policy-document "$TRUST_POLICY" >/dev/null
fi
ROLE_ARN=$(awslocal iam get-role --role-name "$ROLE" --query Role.Arn --output text)

if awslocal lambda get-function --function-name "$FUNCTION" >/dev/null 2>&1; then
  echo "$FUNCTION exists"
else
  python package.py function function.zip >/dev/null
  awslocal lambda create-function --function-name "$FUNCTION" --runtime python3.12 \
    --handler price_quote.lambda_handler --role "$ROLE_ARN" --zip-file fileb://function.zip \
    --timeout 10 --memory-size 128 >/dev/null
  awslocal lambda wait function-active-v2 --function-name "$FUNCTION"
  echo "created $FUNCTION"
fi
