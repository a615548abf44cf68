"""Parts Unlimited's price quotes: what a quantity of a part costs. Lab 5 releases this code as a canary.

This release adds a bulk discount: 10 % off from 100 parts of a kind. It is the kind of change that
goes to a tenth of the traffic first.
"""

from decimal import Decimal

RELEASE = "2026.12-1"
UNIT_PRICES = {"PU-1001": Decimal("0.40"), "PU-2002": Decimal("12.50"), "PU-3003": Decimal("89.00")}  # euros
BULK_QUANTITY = 100
BULK_DISCOUNT = Decimal("0.10")


def lambda_handler(event, context):
    sku = event.get("sku", "PU-1001")
    quantity = int(event.get("quantity", 1))
    if sku not in UNIT_PRICES:
        return {"error": f"unknown sku {sku}", "release": RELEASE}
    total = UNIT_PRICES[sku] * quantity
    if quantity >= BULK_QUANTITY:
        total -= (total * BULK_DISCOUNT).quantize(Decimal("0.01"))
    return {"sku": sku, "quantity": quantity, "total": str(total), "release": RELEASE}
