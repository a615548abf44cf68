#!/usr/bin/env bash
# order-processor's code as a published version behind live, with 2 provisioned environments on live,
# waited for until READY (a second run publishes nothing new and keeps the configuration).
set -euo pipefail

FUNCTION=order-processor
ALIAS=live
PROVISIONED=2

# TODO 9: publish a version, point live at it (create or update the alias), put PROVISIONED provisioned
# concurrent executions on live, and wait until its Status is READY (README step 9).

echo "TODO 9 of README step 9: provision.sh provisions nothing yet" >&2
exit 1
