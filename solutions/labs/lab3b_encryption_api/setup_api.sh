#!/usr/bin/env bash
# A REST API in front of Lab 1's inventory-status function: GET /inventory/{sku}, IAM-authorised.
# Needs the function deployed first (Lab 1's deploy.sh). Idempotent: a second run reuses the API and
# its resources, replaces the permission, and deploys the stage again.
set -euo pipefail
cd "$(dirname "$0")"

API_NAME=inventory-api
FUNCTION=inventory-status
STAGE=dev
STATEMENT_ID=inventory-api-get
REGION=${AWS_DEFAULT_REGION:-us-east-1}

FUNCTION_ARN=$(awslocal lambda get-function --function-name "$FUNCTION" --query Configuration.FunctionArn --output text)
ACCOUNT=$(echo "$FUNCTION_ARN" | cut -d: -f5)

# Step 5: the REST API, found by name or created.
API_ID=$(awslocal apigateway get-rest-apis --query "items[?name=='$API_NAME'].id | [0]" --output text)
if [ -z "$API_ID" ] || [ "$API_ID" = "None" ]; then
  echo "creating REST API $API_NAME"
  API_ID=$(awslocal apigateway create-rest-api --name "$API_NAME" --endpoint-configuration types=REGIONAL --query id --output text)
fi

# The resource with this path, created under its parent when missing.
resource_id() {  # path parent_id path_part
  local id
  id=$(awslocal apigateway get-resources --rest-api-id "$API_ID" --query "items[?path=='$1'].id | [0]" --output text)
  if [ -z "$id" ] || [ "$id" = "None" ]; then
    id=$(awslocal apigateway create-resource --rest-api-id "$API_ID" --parent-id "$2" --path-part "$3" --query id --output text)
  fi
  echo "$id"
}
ROOT_ID=$(awslocal apigateway get-resources --rest-api-id "$API_ID" --query "items[?path=='/'].id | [0]" --output text)
INVENTORY_ID=$(resource_id /inventory "$ROOT_ID" inventory)
SKU_ID=$(resource_id "/inventory/{sku}" "$INVENTORY_ID" "{sku}")

# Step 6: GET with IAM authorisation: only SigV4-signed requests from allowed principals get through.
if awslocal apigateway get-method --rest-api-id "$API_ID" --resource-id "$SKU_ID" --http-method GET >/dev/null 2>&1; then
  awslocal apigateway delete-method --rest-api-id "$API_ID" --resource-id "$SKU_ID" --http-method GET
fi
awslocal apigateway put-method --rest-api-id "$API_ID" --resource-id "$SKU_ID" --http-method GET \
  --authorization-type AWS_IAM --request-parameters method.request.path.sku=true >/dev/null

# Step 7: the Lambda proxy integration. Lambda is always invoked with POST, whatever the method.
awslocal apigateway put-integration --rest-api-id "$API_ID" --resource-id "$SKU_ID" --http-method GET \
  --type AWS_PROXY --integration-http-method POST \
  --uri "arn:aws:apigateway:$REGION:lambda:path/2015-03-31/functions/$FUNCTION_ARN/invocations" >/dev/null

# Step 8: let this API (and only this API's GET /inventory/*) invoke the function.
awslocal lambda remove-permission --function-name "$FUNCTION" --statement-id "$STATEMENT_ID" >/dev/null 2>&1 || true
awslocal lambda add-permission --function-name "$FUNCTION" --statement-id "$STATEMENT_ID" \
  --action lambda:InvokeFunction --principal apigateway.amazonaws.com \
  --source-arn "arn:aws:execute-api:$REGION:$ACCOUNT:$API_ID/*/GET/inventory/*" >/dev/null

# Step 9: deploy to the stage; every change to the API needs a new deployment to go live.
awslocal apigateway create-deployment --rest-api-id "$API_ID" --stage-name "$STAGE" >/dev/null
ENDPOINT=${AWS_ENDPOINT_URL:-http://localhost:4566}
echo "Invoke URL: $ENDPOINT/restapis/$API_ID/$STAGE/_user_request_/inventory/{sku}"
echo "(on AWS: https://$API_ID.execute-api.$REGION.amazonaws.com/$STAGE/inventory/{sku})"
