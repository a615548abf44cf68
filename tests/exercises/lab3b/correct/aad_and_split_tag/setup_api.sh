#!/usr/bin/env bash
set -euo pipefail
REGION=us-east-1
FN_ARN=$(awslocal lambda get-function --function-name inventory-status --query Configuration.FunctionArn --output text)
ACCOUNT=$(cut -d: -f5 <<<"$FN_ARN")

API=$(awslocal apigateway get-rest-apis --query "items[?name=='inventory-api'] | [0].id" --output text)
[ "$API" != "None" ] || API=$(awslocal apigateway create-rest-api --name inventory-api --query id --output text)

ROOT=$(awslocal apigateway get-resources --rest-api-id "$API" --query "items[?path=='/'] | [0].id" --output text)
INV=$(awslocal apigateway get-resources --rest-api-id "$API" --query "items[?path=='/inventory'] | [0].id" --output text)
[ "$INV" != "None" ] || INV=$(awslocal apigateway create-resource --rest-api-id "$API" --parent-id "$ROOT" --path-part inventory --query id --output text)
SKU=$(awslocal apigateway get-resources --rest-api-id "$API" --query "items[?path=='/inventory/{sku}'] | [0].id" --output text)
[ "$SKU" != "None" ] || SKU=$(awslocal apigateway create-resource --rest-api-id "$API" --parent-id "$INV" --path-part '{sku}' --query id --output text)

if ! awslocal apigateway get-method --rest-api-id "$API" --resource-id "$SKU" --http-method GET >/dev/null 2>&1; then
  awslocal apigateway put-method --rest-api-id "$API" --resource-id "$SKU" --http-method GET --authorization-type AWS_IAM >/dev/null
fi
awslocal apigateway put-integration --rest-api-id "$API" --resource-id "$SKU" --http-method GET --type AWS_PROXY \
  --integration-http-method POST \
  --uri "arn:aws:apigateway:$REGION:lambda:path/2015-03-31/functions/$FN_ARN/invocations" >/dev/null

if ! awslocal lambda get-policy --function-name inventory-status --output text 2>/dev/null | grep -q apigw-inventory; then
  awslocal lambda add-permission --function-name inventory-status --statement-id apigw-inventory \
    --action lambda:InvokeFunction --principal apigateway.amazonaws.com \
    --source-arn "arn:aws:execute-api:$REGION:$ACCOUNT:$API/dev/GET/inventory/*" >/dev/null
fi

awslocal apigateway create-deployment --rest-api-id "$API" --stage-name dev >/dev/null
echo "https://$API.execute-api.$REGION.amazonaws.com/dev/inventory/{sku}"
