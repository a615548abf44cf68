#!/usr/bin/env bash
# Give Lab 1's inventory-status function its own least-privilege role on the local emulator (awslocal).
# It must be idempotent: running it again updates what exists instead of failing.
# Start a backend first (`course backend up`, then paste the exports it prints) and run Lab 1's deploy.sh.
set -euo pipefail
cd "$(dirname "$0")"

ROLE=orders-lambda-role
POLICY=orders-lambda-policy
FUNCTION=inventory-status

# TODO 5a (README step 5a): read the account id with sts get-caller-identity (never type it), build
#         the policy's ARN, and the policy document: orders-policy.json with ACCOUNT_ID replaced.

# TODO 5b (README step 5b): create the role $ROLE with trust-policy.json as its trust policy, unless
#         it exists (then update its trust policy). Keep the role's ARN for step 5e.

# TODO 5c (README step 5c): create the customer managed policy $POLICY from the document of 5a,
#         or, when it exists, publish the document as its new default version (at most 5 versions).

# TODO 5d (README step 5d): attach the policy to the role.

# TODO 5e (README step 5e): make $FUNCTION run as the role, then wait for the update to finish
#         (when $FUNCTION is not deployed, print a note and carry on).

echo "setup_iam.sh: nothing is set up yet; write the TODOs of README step 5 first." >&2
exit 1
