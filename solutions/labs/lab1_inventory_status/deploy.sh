#!/usr/bin/env bash
# Deploy the inventory-status Lambda and its table to the local emulator (awslocal).
# Idempotent: every resource is looked up first, so running the script again updates
# the function's code and configuration instead of failing on "already exists".
set -euo pipefail
cd "$(dirname "$0")"

TABLE=Inventory
ROLE=inventory-status-role
FUNCTION=inventory-status

# Step 7a: the DynamoDB table, partition key sku (string), on-demand capacity.
if awslocal dynamodb describe-table --table-name "$TABLE" >/dev/null 2>&1; then
  echo "table $TABLE exists"
else
  echo "creating table $TABLE"
  awslocal dynamodb create-table \
    --table-name "$TABLE" \
    --attribute-definitions AttributeName=sku,AttributeType=S \
    --key-schema AttributeName=sku,KeyType=HASH \
    --billing-mode PAY_PER_REQUEST >/dev/null
fi
awslocal dynamodb wait table-exists --table-name "$TABLE"

# Step 7b: the execution role. Its trust policy lets the Lambda service assume it.
TRUST_POLICY='{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
  ]
}'
if awslocal iam get-role --role-name "$ROLE" >/dev/null 2>&1; then
  echo "role $ROLE exists"
else
  echo "creating role $ROLE"
  awslocal iam create-role --role-name "$ROLE" --assume-role-policy-document "$TRUST_POLICY" >/dev/null
fi
ROLE_ARN=$(awslocal iam get-role --role-name "$ROLE" --query Role.Arn --output text)

# Step 7c: the deployment package, a zip with the handler module at its root.
rm -f function.zip
python -m zipfile -c function.zip inventory_status_lambda.py

# Step 7d: create the function, or update the code and configuration of the one that exists.
if awslocal lambda get-function --function-name "$FUNCTION" >/dev/null 2>&1; then
  echo "updating function $FUNCTION"
  awslocal lambda update-function-code --function-name "$FUNCTION" --zip-file fileb://function.zip >/dev/null
  awslocal lambda wait function-updated-v2 --function-name "$FUNCTION"
  awslocal lambda update-function-configuration \
    --function-name "$FUNCTION" \
    --runtime python3.12 \
    --handler inventory_status_lambda.lambda_handler \
    --role "$ROLE_ARN" \
    --environment "Variables={INVENTORY_TABLE=$TABLE}" \
    --timeout 10 \
    --memory-size 128 >/dev/null
  awslocal lambda wait function-updated-v2 --function-name "$FUNCTION"
else
  echo "creating function $FUNCTION"
  awslocal lambda create-function \
    --function-name "$FUNCTION" \
    --runtime python3.12 \
    --handler inventory_status_lambda.lambda_handler \
    --role "$ROLE_ARN" \
    --zip-file fileb://function.zip \
    --environment "Variables={INVENTORY_TABLE=$TABLE}" \
    --timeout 10 \
    --memory-size 128 >/dev/null
  awslocal lambda wait function-active-v2 --function-name "$FUNCTION"
fi
echo "deployed $FUNCTION"
