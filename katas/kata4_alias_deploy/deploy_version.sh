#!/usr/bin/env bash
# Kata 4: publish the code in function/ as a new, immutable version of price-quote and point the alias
# live at it. Idempotent: with the code unchanged it publishes nothing and live stays where it is.
# The version's description is $VERSION_DESCRIPTION; the last line printed is the version live points to.
# Start a backend first (`course backend up`, then paste the exports it prints) and run setup_function.sh once.
set -euo pipefail
cd "$(dirname "$0")"

FUNCTION=price-quote
ALIAS=live
DESCRIPTION=${VERSION_DESCRIPTION:-"price-quote, deployed by deploy_version.sh"}

# TODO 1 (README step 1): package function/ into function.zip with package.py; keep the CodeSha256 it prints.

# TODO 2 (README step 2): read the CodeSha256 of the function's unpublished code ($LATEST).

# TODO 3 (README step 3): only when the two differ, upload function.zip (update-function-code), then
#         wait until the update has finished.

# TODO 4 (README step 4): publish a version with the description $DESCRIPTION and keep its number.

# TODO 5 (README step 5): point $ALIAS at that version: create the alias the first time, update it afterwards.

# TODO 6 (README step 6): print the version $ALIAS points to, as the last line of the output.

echo "deploy_version.sh: nothing is deployed yet; write the TODOs of README steps 1 to 6 first." >&2
exit 1
