#!/usr/bin/env bash
# Written with `aws`, helper functions, and the permission deleted and re-created on every run.
set -euo pipefail
NAME=inventory-api
REGION=${AWS_DEFAULT_REGION:-us-east-1}
FUNCTION_ARN=$(aws lambda get-function-configuration --function-name inventory-status --query FunctionArn --output text)

api_id() { aws apigateway get-rest-apis --query "items[?name=='$NAME'].id" --output text; }
resource_id() { aws apigateway get-resources --rest-api-id "$API_ID" --query "items[?path=='$1'].id" --output text; }

API_ID=$(api_id)
if [ -z "$API_ID" ]; then
  aws apigateway create-rest-api --name "$NAME" >/dev/null
  API_ID=$(api_id)
fi
if [ -z "$(resource_id /inventory)" ]; then
  aws apigateway create-resource --rest-api-id "$API_ID" --parent-id "$(resource_id /)" --path-part inventory >/dev/null
fi
if [ -z "$(resource_id '/inventory/{sku}')" ]; then
  aws apigateway create-resource --rest-api-id "$API_ID" --parent-id "$(resource_id /inventory)" --path-part '{sku}' >/dev/null
fi
SKU_ID=$(resource_id '/inventory/{sku}')

aws apigateway delete-method --rest-api-id "$API_ID" --resource-id "$SKU_ID" --http-method GET >/dev/null 2>&1 || true
aws apigateway put-method --rest-api-id "$API_ID" --resource-id "$SKU_ID" --http-method GET --authorization-type AWS_IAM >/dev/null
aws apigateway put-integration --rest-api-id "$API_ID" --resource-id "$SKU_ID" --http-method GET \
  --type AWS_PROXY --integration-http-method POST \
  --uri "arn:aws:apigateway:$REGION:lambda:path/2015-03-31/functions/$FUNCTION_ARN/invocations" >/dev/null

aws lambda remove-permission --function-name inventory-status --statement-id api >/dev/null 2>&1 || true
aws lambda add-permission --function-name inventory-status --statement-id api --action lambda:InvokeFunction \
  --principal apigateway.amazonaws.com \
  --source-arn "arn:aws:execute-api:$REGION:$(echo "$FUNCTION_ARN" | cut -d: -f5):$API_ID/*" >/dev/null

DEPLOYMENT=$(aws apigateway create-deployment --rest-api-id "$API_ID" --stage-name dev --query id --output text)
echo "deployed $DEPLOYMENT to dev: ${AWS_ENDPOINT_URL:-http://localhost:4566}/restapis/$API_ID/dev/_user_request_/inventory/PU-1001"
