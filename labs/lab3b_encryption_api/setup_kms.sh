#!/usr/bin/env bash
# A customer managed KMS key for Parts Unlimited's order data, and the Orders table encrypted with it.
# It must be idempotent: a second run finds the key by its alias and leaves everything in place.
# Start a backend first (`course backend up`, then paste the exports it prints).
set -euo pipefail
cd "$(dirname "$0")"

ALIAS=alias/parts-unlimited-data
TABLE=Orders

# TODO 1 (README step 1): unless `awslocal kms describe-key --key-id "$ALIAS"` finds a key, create a
#         symmetric encryption key and the alias $ALIAS pointing at it. Keep the key's ARN for step 2.

# TODO 2 (README step 2): unless the table exists, create $TABLE (partition key order_id, a string;
#         on-demand billing) encrypted with SSE-KMS under that key, then wait until it exists.

echo "setup_kms.sh: nothing is set up yet; write the TODOs of README steps 1 and 2 first." >&2
exit 1
