#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")"
source split_of_live.sh
if [[ -z $CANARY ]]; then
  echo "Nothing to roll back (live -> $STABLE, no traffic shifting)."
  exit 0
fi
aws lambda update-alias --function-name price-quote --name live --function-version "$STABLE" \
  --routing-config '{"AdditionalVersionWeights": {}}' > /dev/null
echo "Rolled back: all of live on $STABLE."
