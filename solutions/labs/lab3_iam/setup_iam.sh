#!/usr/bin/env bash
# Give Lab 1's inventory-status function its own least-privilege role (awslocal, local emulator).
# Idempotent: every resource is looked up first, so a second run updates the trust policy and
# publishes the edited permissions policy as the new default version instead of failing.
set -euo pipefail
cd "$(dirname "$0")"

ROLE=orders-lambda-role
POLICY=orders-lambda-policy
FUNCTION=inventory-status

# Step 5a: the account id, from whoever runs the script (never typed).
ACCOUNT_ID=$(awslocal sts get-caller-identity --query Account --output text)
POLICY_ARN="arn:aws:iam::${ACCOUNT_ID}:policy/${POLICY}"
POLICY_DOCUMENT=$(sed "s/ACCOUNT_ID/${ACCOUNT_ID}/g" orders-policy.json)

# Step 5b: the role, trusted by the Lambda service only.
if awslocal iam get-role --role-name "$ROLE" >/dev/null 2>&1; then
  echo "role $ROLE exists; updating its trust policy"
  awslocal iam update-assume-role-policy --role-name "$ROLE" --policy-document file://trust-policy.json
else
  echo "creating role $ROLE"
  awslocal iam create-role --role-name "$ROLE" --assume-role-policy-document file://trust-policy.json >/dev/null
fi
ROLE_ARN=$(awslocal iam get-role --role-name "$ROLE" --query Role.Arn --output text)

# Step 5c: the customer managed policy; an existing one gets a new default version.
if awslocal iam get-policy --policy-arn "$POLICY_ARN" >/dev/null 2>&1; then
  echo "policy $POLICY exists; publishing a new default version"
  # A managed policy keeps at most five versions: drop the old, non-default ones first.
  OLD_VERSIONS=$(awslocal iam list-policy-versions --policy-arn "$POLICY_ARN" \
    --query 'Versions[?!IsDefaultVersion].VersionId' --output text)
  for version in $OLD_VERSIONS; do
    awslocal iam delete-policy-version --policy-arn "$POLICY_ARN" --version-id "$version"
  done
  awslocal iam create-policy-version --policy-arn "$POLICY_ARN" \
    --policy-document "$POLICY_DOCUMENT" --set-as-default >/dev/null
else
  echo "creating policy $POLICY"
  awslocal iam create-policy --policy-name "$POLICY" --policy-document "$POLICY_DOCUMENT" >/dev/null
fi

# Step 5d: attach it (attaching an attached policy again changes nothing).
awslocal iam attach-role-policy --role-name "$ROLE" --policy-arn "$POLICY_ARN"

# Step 5e: Lab 1's function runs as the new role from now on; nothing else about it changes.
if awslocal lambda get-function --function-name "$FUNCTION" >/dev/null 2>&1; then
  awslocal lambda update-function-configuration --function-name "$FUNCTION" --role "$ROLE_ARN" >/dev/null
  awslocal lambda wait function-updated-v2 --function-name "$FUNCTION"
  echo "$FUNCTION now runs as $ROLE_ARN"
else
  echo "function $FUNCTION is not deployed: run Lab 1's deploy.sh, then this script again" >&2
fi
