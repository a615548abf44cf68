#!/usr/bin/env bash
# Written with `aws` (the AWS CLI itself, pointed at the emulator by AWS_ENDPOINT_URL) and helpers.
set -euo pipefail

key_arn_of_alias() {
  aws kms describe-key --key-id alias/parts-unlimited-data --query KeyMetadata.Arn --output text 2>/dev/null
}

if ! KEY_ARN=$(key_arn_of_alias); then
  NEW_KEY=$(aws kms create-key --description "order data" --query KeyMetadata.KeyId --output text)
  aws kms create-alias --alias-name alias/parts-unlimited-data --target-key-id "$NEW_KEY"
  KEY_ARN=$(key_arn_of_alias)
fi

table_exists() { aws dynamodb describe-table --table-name Orders >/dev/null 2>&1; }

if ! table_exists; then
  aws dynamodb create-table --table-name Orders \
    --attribute-definitions '[{"AttributeName": "order_id", "AttributeType": "S"}]' \
    --key-schema '[{"AttributeName": "order_id", "KeyType": "HASH"}]' \
    --billing-mode PAY_PER_REQUEST \
    --sse-specification "{\"Enabled\": true, \"SSEType\": \"KMS\", \"KMSMasterKeyId\": \"$KEY_ARN\"}" >/dev/null
fi
aws dynamodb wait table-exists --table-name Orders
