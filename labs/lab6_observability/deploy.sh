#!/usr/bin/env bash
# Deploy order-processor and its Orders table on your backend, for trying the lab by hand (given; the
# grader deploys the code of function/ itself). A second run deploys changed code.
set -euo pipefail
cd "$(dirname "$0")"

FUNCTION=order-processor
ROLE=order-processor-role
TABLE=Orders
TRUST_POLICY='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'

if ! awslocal dynamodb describe-table --table-name "$TABLE" >/dev/null 2>&1; then
  awslocal dynamodb create-table --table-name "$TABLE" --attribute-definitions AttributeName=order_id,AttributeType=S \
    --key-schema AttributeName=order_id,KeyType=HASH --billing-mode PAY_PER_REQUEST >/dev/null
fi
if ! awslocal iam get-role --role-name "$ROLE" >/dev/null 2>&1; then
  awslocal iam create-role --role-name "$ROLE" --assume-role-policy-document "$TRUST_POLICY" >/dev/null
fi
ROLE_ARN=$(awslocal iam get-role --role-name "$ROLE" --query Role.Arn --output text)

rm -f function.zip && (cd function && python -m zipfile -c ../function.zip .)
if awslocal lambda get-function --function-name "$FUNCTION" >/dev/null 2>&1; then
  awslocal lambda update-function-code --function-name "$FUNCTION" --zip-file fileb://function.zip >/dev/null
else
  awslocal lambda create-function --function-name "$FUNCTION" --runtime python3.12 \
    --handler order_processor.lambda_handler --role "$ROLE_ARN" --zip-file fileb://function.zip \
    --environment "Variables={ORDERS_TABLE=$TABLE}" --tracing-config Mode=Active --timeout 10 --memory-size 128 >/dev/null
fi
awslocal lambda wait function-updated-v2 --function-name "$FUNCTION"
echo "$FUNCTION deployed"
