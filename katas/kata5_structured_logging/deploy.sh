#!/usr/bin/env bash
# Deploy this folder as inventory-status (LOG_LEVEL=DEBUG), with the Inventory table and one item, for
# trying Kata 5 by hand: course backend up, paste the exports it prints, then `bash deploy.sh`.
# The grader deploys the same files itself. A second run updates the code.
set -euo pipefail
cd "$(dirname "$0")"

TABLE=Inventory
ROLE=inventory-status-role
FUNCTION=inventory-status
TRUST_POLICY='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'

if ! awslocal dynamodb describe-table --table-name "$TABLE" >/dev/null 2>&1; then
  awslocal dynamodb create-table --table-name "$TABLE" --attribute-definitions AttributeName=sku,AttributeType=S \
    --key-schema AttributeName=sku,KeyType=HASH --billing-mode PAY_PER_REQUEST >/dev/null
  awslocal dynamodb wait table-exists --table-name "$TABLE"
fi
awslocal dynamodb put-item --table-name "$TABLE" \
  --item '{"sku": {"S": "PU-1001"}, "name": {"S": "Hex bolt M8"}, "quantity": {"N": "42"}, "reorder_level": {"N": "10"}}'

if ! awslocal iam get-role --role-name "$ROLE" >/dev/null 2>&1; then
  awslocal iam create-role --role-name "$ROLE" --assume-role-policy-document "$TRUST_POLICY" >/dev/null
fi
ROLE_ARN=$(awslocal iam get-role --role-name "$ROLE" --query Role.Arn --output text)

# Every .py file of this folder but the grader, at the root of the zip, as the grader deploys them.
python - <<'PY'
import pathlib, zipfile
with zipfile.ZipFile("function.zip", "w") as archive:
    for path in sorted(pathlib.Path(".").glob("*.py")):
        if not path.name.startswith("test_"):
            archive.write(path, path.name)
PY

if awslocal lambda get-function --function-name "$FUNCTION" >/dev/null 2>&1; then
  awslocal lambda update-function-code --function-name "$FUNCTION" --zip-file fileb://function.zip >/dev/null
  awslocal lambda wait function-updated-v2 --function-name "$FUNCTION"
  echo "updated $FUNCTION"
else
  awslocal lambda create-function --function-name "$FUNCTION" --runtime python3.12 \
    --handler inventory_status_lambda.lambda_handler --role "$ROLE_ARN" --zip-file fileb://function.zip \
    --timeout 10 --memory-size 128 \
    --environment "Variables={INVENTORY_TABLE=$TABLE,LOG_LEVEL=DEBUG}" >/dev/null
  awslocal lambda wait function-active-v2 --function-name "$FUNCTION"
  echo "created $FUNCTION"
fi
