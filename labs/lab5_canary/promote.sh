#!/usr/bin/env bash
# Lab 5: the canary did well: send all of live's traffic to it and remove the traffic split.
# When nothing is shifting, say so and change nothing. The last line printed is the version live points to.
set -euo pipefail
cd "$(dirname "$0")"

FUNCTION=price-quote
ALIAS=live

# TODO 8 (README step 8): read live's version and the canary version of its routing config; with no
#         canary, say that there is nothing to promote and stop. Otherwise point live at the canary
#         with no routing config left, in one update-alias.

echo "promote.sh: nothing is promoted yet; write TODO 8 of README step 8 first." >&2
exit 1
