#!/usr/bin/env bash
set -euo pipefail
ALIAS=alias/parts-unlimited-data

KEY_ID=$(awslocal kms list-aliases --query "Aliases[?AliasName=='$ALIAS'].TargetKeyId | [0]" --output text)
if [ "$KEY_ID" = "None" ] || [ -z "$KEY_ID" ]; then
  KEY_ID=$(awslocal kms create-key --query KeyMetadata.KeyId --output text)
  awslocal kms create-alias --alias-name "$ALIAS" --target-key-id "$KEY_ID"
fi

if ! awslocal dynamodb describe-table --table-name Orders >/dev/null 2>&1; then
  awslocal dynamodb create-table --table-name Orders \
    --attribute-definitions AttributeName=order_id,AttributeType=S \
    --key-schema AttributeName=order_id,KeyType=HASH \
    --billing-mode PAY_PER_REQUEST \
    --sse-specification "Enabled=true,SSEType=KMS,KMSMasterKeyId=$ALIAS" >/dev/null
  awslocal dynamodb wait table-exists --table-name Orders
fi
