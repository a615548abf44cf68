"""Parts Unlimited's price quotes: what a quantity of a part costs. Kata 4 deploys this code.

Kata 4 is about the deployment, not this handler: change RELEASE (or anything else) and run
deploy_version.sh to publish a new version; leave the code as it is and the script publishes nothing.
"""

from decimal import Decimal

RELEASE = "2026.11-1"
UNIT_PRICES = {"PU-1001": Decimal("0.40"), "PU-2002": Decimal("12.50"), "PU-3003": Decimal("89.00")}  # euros


def lambda_handler(event, context):
    sku = event.get("sku", "PU-1001")
    quantity = int(event.get("quantity", 1))
    if sku not in UNIT_PRICES:
        return {"error": f"unknown sku {sku}", "release": RELEASE}
    total = UNIT_PRICES[sku] * quantity
    return {"sku": sku, "quantity": quantity, "total": str(total), "release": RELEASE}
