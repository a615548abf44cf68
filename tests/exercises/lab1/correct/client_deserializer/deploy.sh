#!/usr/bin/env bash
# Another correct style: an `exists` helper and `if ! ...; then` blocks; policy in a heredoc.
set -euo pipefail
cd "$(dirname "$0")"

exists() { "$@" >/dev/null 2>&1; }

if ! exists awslocal dynamodb describe-table --table-name Inventory; then
  awslocal dynamodb create-table --table-name Inventory --billing-mode PAY_PER_REQUEST \
    --attribute-definitions '[{"AttributeName": "sku", "AttributeType": "S"}]' \
    --key-schema '[{"AttributeName": "sku", "KeyType": "HASH"}]' >/dev/null
  awslocal dynamodb wait table-exists --table-name Inventory
fi

if ! exists awslocal iam get-role --role-name inventory-status-role; then
  policy=$(cat <<'JSON'
{"Version": "2012-10-17",
 "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
JSON
)
  awslocal iam create-role --role-name inventory-status-role --assume-role-policy-document "$policy" >/dev/null
fi
account=$(awslocal sts get-caller-identity --query Account --output text)
role="arn:aws:iam::${account}:role/inventory-status-role"

python -m zipfile -c function.zip inventory_status_lambda.py

if ! exists awslocal lambda get-function --function-name inventory-status; then
  awslocal lambda create-function --function-name inventory-status --runtime python3.12 \
    --handler inventory_status_lambda.lambda_handler --role "$role" --zip-file fileb://function.zip \
    --timeout 10 --memory-size 128 --environment '{"Variables": {"INVENTORY_TABLE": "Inventory"}}' >/dev/null
  awslocal lambda wait function-active-v2 --function-name inventory-status
else
  awslocal lambda update-function-code --function-name inventory-status --zip-file fileb://function.zip >/dev/null
  awslocal lambda wait function-updated-v2 --function-name inventory-status
  awslocal lambda update-function-configuration --function-name inventory-status --runtime python3.12 \
    --handler inventory_status_lambda.lambda_handler --role "$role" \
    --timeout 10 --memory-size 128 --environment '{"Variables": {"INVENTORY_TABLE": "Inventory"}}' >/dev/null
fi
echo "inventory-status deployed"
