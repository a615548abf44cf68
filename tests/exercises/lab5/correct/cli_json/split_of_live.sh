# Sourced by promote.sh and rollback.sh: STABLE and CANARY ("" when live shares no traffic) from get-alias's JSON.
alias_json=$(aws lambda get-alias --function-name price-quote --name live --output json)
STABLE=$(python -c 'import json, sys; print(json.load(sys.stdin)["FunctionVersion"])' <<< "$alias_json")
CANARY=$(python -c '
import json, sys
weights = (json.load(sys.stdin).get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
print(" ".join(weights))' <<< "$alias_json")
