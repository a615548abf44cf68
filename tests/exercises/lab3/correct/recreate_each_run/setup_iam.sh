#!/usr/bin/env bash
# Lab 3 written another way: the policy is rebuilt from scratch on every run (detach, delete its
# versions and itself, create, attach), the document goes through a file made by Python, and the
# role is replaced only when missing.
set -euo pipefail
cd "$(dirname "$0")"

ROLE=orders-lambda-role
POLICY=orders-lambda-permissions
FUNCTION=inventory-status

exists() { "$@" >/dev/null 2>&1; }

ACCOUNT=$(awslocal sts get-caller-identity | python -c 'import json, sys; print(json.load(sys.stdin)["Account"])')
python - "$ACCOUNT" <<'PY'
import pathlib, sys
text = pathlib.Path("orders-policy.json").read_text()
pathlib.Path("policy.generated.json").write_text(text.replace("ACCOUNT_ID", sys.argv[1]))
PY

if ! exists awslocal iam get-role --role-name "$ROLE"; then
  awslocal iam create-role --role-name "$ROLE" --assume-role-policy-document file://trust-policy.json >/dev/null
else
  awslocal iam update-assume-role-policy --role-name "$ROLE" --policy-document file://trust-policy.json
fi

ARN="arn:aws:iam::$ACCOUNT:policy/$POLICY"
if exists awslocal iam get-policy --policy-arn "$ARN"; then
  exists awslocal iam detach-role-policy --role-name "$ROLE" --policy-arn "$ARN" || true
  for v in $(awslocal iam list-policy-versions --policy-arn "$ARN" --query 'Versions[?IsDefaultVersion==`false`].VersionId' --output text); do
    awslocal iam delete-policy-version --policy-arn "$ARN" --version-id "$v"
  done
  awslocal iam delete-policy --policy-arn "$ARN"
fi
awslocal iam create-policy --policy-name "$POLICY" --policy-document file://policy.generated.json >/dev/null
awslocal iam attach-role-policy --role-name "$ROLE" --policy-arn "$ARN"
rm -f policy.generated.json

awslocal lambda update-function-configuration --function-name "$FUNCTION" \
  --role "$(awslocal iam get-role --role-name "$ROLE" --query Role.Arn --output text)" >/dev/null
awslocal lambda wait function-updated --function-name "$FUNCTION"
echo done
