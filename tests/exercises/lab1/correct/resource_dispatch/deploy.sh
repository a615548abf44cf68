#!/bin/bash
# Another correct style: try to create, and fall back when it already exists.
set -eu
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

awslocal dynamodb create-table --table-name Inventory \
  --attribute-definitions AttributeName=sku,AttributeType=S \
  --key-schema AttributeName=sku,KeyType=HASH \
  --billing-mode PAY_PER_REQUEST >/dev/null 2>&1 || echo "Inventory already there"
awslocal dynamodb wait table-exists --table-name Inventory

awslocal iam create-role --role-name inventory-status-role \
  --assume-role-policy-document file://trust-policy.json >/dev/null 2>&1 || echo "role already there"
role_arn=$(awslocal iam get-role --role-name inventory-status-role --output text --query 'Role.Arn')

rm -f function.zip
python -m zipfile -c function.zip inventory_status_lambda.py

settings=(--runtime python3.12 --handler inventory_status_lambda.lambda_handler --role "$role_arn"
          --timeout 10 --memory-size 128 --environment 'Variables={INVENTORY_TABLE=Inventory}')
if awslocal lambda create-function --function-name inventory-status --zip-file fileb://function.zip \
     "${settings[@]}" >/dev/null 2>&1; then
  echo "created inventory-status"
else
  awslocal lambda update-function-code --function-name inventory-status --zip-file fileb://function.zip >/dev/null
  awslocal lambda wait function-updated --function-name inventory-status
  awslocal lambda update-function-configuration --function-name inventory-status "${settings[@]}" >/dev/null
  echo "updated inventory-status"
fi
