#!/usr/bin/env bash
# Lab 3 written another way: bash's own substitution, `create || update`, a policy looked up by name,
# and only the oldest version deleted when the policy is full.
set -euo pipefail
cd "$(dirname "$0")"

role_name=orders-lambda-role
policy_name=orders-policy
function_name=inventory-status

account=$(aws sts get-caller-identity --output text --query Account)
template=$(cat orders-policy.json)
document="${template//ACCOUNT_ID/$account}"

aws iam create-role --role-name "$role_name" --assume-role-policy-document file://trust-policy.json >/dev/null 2>&1 \
  || aws iam update-assume-role-policy --role-name "$role_name" --policy-document file://trust-policy.json
role_arn=$(aws iam get-role --role-name "$role_name" --output text --query Role.Arn)

policy_arn=$(aws iam list-policies --scope Local --output text \
  --query "Policies[?PolicyName=='$policy_name'].Arn | [0]")
if [ -z "$policy_arn" ] || [ "$policy_arn" = "None" ]; then
  policy_arn=$(aws iam create-policy --policy-name "$policy_name" --policy-document "$document" \
    --output text --query Policy.Arn)
else
  count=$(aws iam list-policy-versions --policy-arn "$policy_arn" --output text --query 'length(Versions)')
  if [ "$count" -ge 5 ]; then
    oldest=$(aws iam list-policy-versions --policy-arn "$policy_arn" --output text \
      --query 'sort_by(Versions[?IsDefaultVersion==`false`], &CreateDate)[0].VersionId')
    aws iam delete-policy-version --policy-arn "$policy_arn" --version-id "$oldest"
  fi
  aws iam create-policy-version --policy-arn "$policy_arn" --policy-document "$document" --set-as-default >/dev/null
fi
aws iam attach-role-policy --role-name "$role_name" --policy-arn "$policy_arn"

aws lambda update-function-configuration --function-name "$function_name" --role "$role_arn" >/dev/null
aws lambda wait function-updated --function-name "$function_name"
