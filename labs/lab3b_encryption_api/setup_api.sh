#!/usr/bin/env bash
# A REST API in front of Lab 1's inventory-status function: GET /inventory/{sku}, IAM-authorised.
# Needs the function deployed first (Lab 1's deploy.sh). It must be idempotent: a second run reuses
# the API, keeps one permission, and deploys the stage again.
set -euo pipefail
cd "$(dirname "$0")"

API_NAME=inventory-api
FUNCTION=inventory-status
STAGE=dev
REGION=${AWS_DEFAULT_REGION:-us-east-1}

# TODO 5 (README step 5): read the function's ARN; find the REST API $API_NAME by name or create it;
#         find or create the resources /inventory and /inventory/{sku}.

# TODO 6 (README step 6): the method GET on /inventory/{sku} with the authorization type AWS_IAM.

# TODO 7 (README step 7): its integration: type AWS_PROXY, integration method POST, the function's
#         invocation URI.

# TODO 8 (README step 8): a Lambda permission for apigateway.amazonaws.com, scoped to this API's ARN
#         with --source-arn; a second run must not fail on it nor add another.

# TODO 9 (README step 9): deploy to the stage $STAGE and print the invoke URL.

echo "setup_api.sh: nothing is set up yet; write the TODOs of README steps 5 to 9 first." >&2
exit 1
