#!/usr/bin/env bash
# Lab 5: publish the code in function/ as a new version of price-quote and send 10 % of the alias live's
# traffic to it, the other 90 % staying on the version live points to (a canary). Idempotent: with the
# code unchanged and its canary running, it changes nothing. The version's description is
# $VERSION_DESCRIPTION; the last line printed is the canary's version.
# Start a backend first (`course backend up`, then paste the exports it prints) and run setup_function.sh once.
set -euo pipefail
cd "$(dirname "$0")"

FUNCTION=price-quote
ALIAS=live
CANARY_WEIGHT=0.1
DESCRIPTION=${VERSION_DESCRIPTION:-"price-quote canary, deployed by deploy_canary.sh"}

# TODO 1 (README step 1): as in Kata 4, package function/ with package.py (keep the CodeSha256 it prints),
#         upload it only when it differs from $LATEST's, and wait until the update has finished.

# TODO 2 (README step 2): publish a version with $DESCRIPTION; keep its number (the canary).

# TODO 3 (README step 3): read the version $ALIAS points to now (the stable one). When it is the
#         canary already, there is nothing to shift: say so, print it, and stop.

# TODO 4 (README step 4): keep $ALIAS on the stable version and send $CANARY_WEIGHT of its traffic to
#         the canary (update-alias --routing-config).

# TODO 5 (README step 5): print the canary's version, as the last line of the output.

echo "deploy_canary.sh: nothing is deployed yet; write the TODOs of README steps 1 to 5 first." >&2
exit 1
