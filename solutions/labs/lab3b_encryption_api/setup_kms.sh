#!/usr/bin/env bash
# A customer managed KMS key for Parts Unlimited's order data, and the Orders table encrypted with it.
# Idempotent: a second run finds the key by its alias and leaves it (and the table) in place.
set -euo pipefail
cd "$(dirname "$0")"

ALIAS=alias/parts-unlimited-data
TABLE=Orders

# Step 1: the key, unless the alias already names one. Look it up by its alias, the name that stays
# the same when the key behind it changes.
if KEY_ID=$(awslocal kms describe-key --key-id "$ALIAS" --query KeyMetadata.KeyId --output text 2>/dev/null); then
  echo "key $ALIAS exists ($KEY_ID)"
else
  echo "creating key $ALIAS"
  KEY_ID=$(awslocal kms create-key \
    --description "Parts Unlimited order data" \
    --key-usage ENCRYPT_DECRYPT \
    --key-spec SYMMETRIC_DEFAULT \
    --query KeyMetadata.KeyId --output text)
  awslocal kms create-alias --alias-name "$ALIAS" --target-key-id "$KEY_ID"
fi
KEY_ARN=$(awslocal kms describe-key --key-id "$KEY_ID" --query KeyMetadata.Arn --output text)

# Step 2: the Orders table (as in Kata 2), encrypted at rest with that key (SSE-KMS).
SSE="Enabled=true,SSEType=KMS,KMSMasterKeyId=$KEY_ARN"
if awslocal dynamodb describe-table --table-name "$TABLE" >/dev/null 2>&1; then
  CURRENT=$(awslocal dynamodb describe-table --table-name "$TABLE" --query Table.SSEDescription.KMSMasterKeyArn --output text)
  if [ "$CURRENT" = "$KEY_ARN" ]; then
    echo "table $TABLE is encrypted with $ALIAS"
  else
    echo "encrypting table $TABLE with $ALIAS"
    awslocal dynamodb update-table --table-name "$TABLE" --sse-specification "$SSE" >/dev/null
  fi
else
  echo "creating table $TABLE, encrypted with $ALIAS"
  awslocal dynamodb create-table \
    --table-name "$TABLE" \
    --attribute-definitions AttributeName=order_id,AttributeType=S \
    --key-schema AttributeName=order_id,KeyType=HASH \
    --billing-mode PAY_PER_REQUEST \
    --sse-specification "$SSE" >/dev/null
fi
awslocal dynamodb wait table-exists --table-name "$TABLE"
echo "key: $KEY_ARN"
