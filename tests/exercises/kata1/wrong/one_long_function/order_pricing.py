"""Parts Unlimited order pricing: renamed and named, but still one long function (a wrong Kata 1 solution)."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
NO_CHARGE = Decimal("0.00")
VOLUME_DISCOUNT_BANDS = ((100, Decimal("0.15")), (50, Decimal("0.10")), (10, Decimal("0.05")))
TIER_DISCOUNT_RATES = {"silver": Decimal("0.03"), "gold": Decimal("0.05"), "platinum": Decimal("0.08")}
SAVE10_MINIMUM = Decimal("50.00")
SAVE10_RATE = Decimal("0.10")
TAKE5_MINIMUM = Decimal("25.00")
TAKE5_AMOUNT = Decimal("5.00")
SALES_TAX_RATES = {
    "CA": Decimal("0.0725"), "IN": Decimal("0.07"), "TX": Decimal("0.0625"), "WA": Decimal("0.065"),
    "NY": Decimal("0.04"), "OR": NO_CHARGE, "MT": NO_CHARGE, "NH": NO_CHARGE, "DE": NO_CHARGE, "AK": NO_CHARGE,
}
DEFAULT_SALES_TAX_RATE = Decimal("0.05")
FREE_SHIPPING_FROM = Decimal("100.00")
REDUCED_SHIPPING_FROM = Decimal("50.00")
REDUCED_SHIPPING = Decimal("4.99")
STANDARD_SHIPPING = Decimal("9.99")
REMOTE_REGIONS = ("AK", "HI")
REMOTE_SURCHARGE = Decimal("15.00")


def price_order(order):
    """Price an order: subtotal, discount, tax, shipping and total as Decimal cents."""
    subtotal = Decimal(0)
    volume_discount = Decimal(0)
    pieces = 0
    for line in order.get("lines") or []:
        quantity = line.get("qty", 0)
        if quantity <= 0:
            continue
        amount = Decimal(str(line["price"])) * quantity
        subtotal += amount
        pieces += quantity
        for minimum_quantity, rate in VOLUME_DISCOUNT_BANDS:
            if quantity >= minimum_quantity:
                volume_discount += amount * rate
                break
    subtotal = subtotal.quantize(CENT, rounding=ROUND_HALF_UP)
    volume_discount = volume_discount.quantize(CENT, rounding=ROUND_HALF_UP)
    after_volume = subtotal - volume_discount
    tier = (order.get("tier") or "").strip().lower()
    tier_discount = (after_volume * TIER_DISCOUNT_RATES.get(tier, NO_CHARGE)).quantize(CENT, rounding=ROUND_HALF_UP)
    after_tier = after_volume - tier_discount
    coupon = (order.get("coupon") or "").strip().upper()
    coupon_discount = NO_CHARGE
    if coupon == "SAVE10" and after_tier >= SAVE10_MINIMUM:
        coupon_discount = (after_tier * SAVE10_RATE).quantize(CENT, rounding=ROUND_HALF_UP)
    elif coupon == "TAKE5" and after_tier >= TAKE5_MINIMUM:
        coupon_discount = TAKE5_AMOUNT
    net = after_tier - coupon_discount
    region = (order.get("region") or "").strip().upper()
    tax = (net * SALES_TAX_RATES.get(region, DEFAULT_SALES_TAX_RATE)).quantize(CENT, rounding=ROUND_HALF_UP)
    shipping = NO_CHARGE
    if pieces > 0:
        if tier == "platinum" or coupon == "FREESHIP" or net >= FREE_SHIPPING_FROM:
            shipping = NO_CHARGE
        elif net >= REDUCED_SHIPPING_FROM:
            shipping = REDUCED_SHIPPING
        else:
            shipping = STANDARD_SHIPPING
        if region in REMOTE_REGIONS:
            shipping += REMOTE_SURCHARGE
    return {
        "subtotal": subtotal,
        "discount": volume_discount + tier_discount + coupon_discount,
        "tax": tax,
        "shipping": shipping,
        "total": net + tax + shipping,
    }
