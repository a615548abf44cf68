"""The student's pricing with one honest mistake (a region's surrounding spaces are kept).

It costs exactly the tax-and-shipping check; the case's other files try to hide that.
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
NO_CHARGE = Decimal("0.00")

# Volume discount on one order line: (minimum pieces on the line, rate), the largest band first.
VOLUME_DISCOUNT_BANDS = (
    (100, Decimal("0.15")),
    (50, Decimal("0.10")),
    (10, Decimal("0.05")),
)

# Loyalty tier -> discount rate on the amount after volume discounts.
TIER_DISCOUNT_RATES = {
    "silver": Decimal("0.03"),
    "gold": Decimal("0.05"),
    "platinum": Decimal("0.08"),
}
FREE_SHIPPING_TIER = "platinum"

SAVE10 = "SAVE10"  # 10 % off from 50.00 (after the tier discount)
SAVE10_RATE = Decimal("0.10")
SAVE10_MINIMUM = Decimal("50.00")
TAKE5 = "TAKE5"  # 5.00 off from 25.00 (after the tier discount)
TAKE5_AMOUNT = Decimal("5.00")
TAKE5_MINIMUM = Decimal("25.00")
FREESHIP = "FREESHIP"  # no shipping band charge

# Region -> sales tax rate on the amount after every discount.
SALES_TAX_RATES = {
    "CA": Decimal("0.0725"),
    "IN": Decimal("0.07"),
    "TX": Decimal("0.0625"),
    "WA": Decimal("0.065"),
    "NY": Decimal("0.04"),
    "OR": Decimal(0),
    "MT": Decimal(0),
    "NH": Decimal(0),
    "DE": Decimal(0),
    "AK": Decimal(0),
}
DEFAULT_SALES_TAX_RATE = Decimal("0.05")

# Shipping band: (minimum amount after discounts, price), the largest band first.
SHIPPING_BANDS = (
    (Decimal("100.00"), NO_CHARGE),
    (Decimal("50.00"), Decimal("4.99")),
    (Decimal("0.00"), Decimal("9.99")),
)
REMOTE_REGIONS = frozenset({"AK", "HI"})
REMOTE_SURCHARGE = Decimal("15.00")


def to_cents(amount):
    """Return the amount rounded to whole cents, a half cent rounded up (ROUND_HALF_UP)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def normalized(text):
    """Return a tier, coupon or region as written by a customer, without surrounding spaces ('' for none)."""
    return (text or "").strip()


def shipped_lines(order):
    """Return the order's lines that ship at least one piece; returns and empty lines are skipped."""
    return [line for line in order.get("lines") or [] if line.get("qty", 0) > 0]


def line_amount(line):
    """Return the exact (unrounded) amount of one order line: unit price times quantity."""
    return Decimal(str(line["price"])) * line["qty"]


def volume_discount_rate(quantity):
    """Return the volume discount rate for a line of this many pieces (0 below the first band)."""
    for minimum_quantity, rate in VOLUME_DISCOUNT_BANDS:
        if quantity >= minimum_quantity:
            return rate
    return Decimal(0)


def volume_discount(lines):
    """Return the volume discount of all lines together, rounded to the cent once."""
    return to_cents(sum((line_amount(line) * volume_discount_rate(line["qty"]) for line in lines), Decimal(0)))


def tier_discount(tier, amount):
    """Return the loyalty discount of a tier on an amount, rounded to the cent."""
    return to_cents(amount * TIER_DISCOUNT_RATES.get(tier, Decimal(0)))


def coupon_discount(coupon, amount):
    """Return what a coupon takes off an amount (after the tier discount); 0.00 below its minimum."""
    if coupon == SAVE10 and amount >= SAVE10_MINIMUM:
        return to_cents(amount * SAVE10_RATE)
    if coupon == TAKE5 and amount >= TAKE5_MINIMUM:
        return TAKE5_AMOUNT
    return NO_CHARGE


def sales_tax(region, amount):
    """Return the sales tax on an amount for a region, rounded to the cent."""
    return to_cents(amount * SALES_TAX_RATES.get(region, DEFAULT_SALES_TAX_RATE))


def band_price(amount):
    """Return the shipping band price for an amount after discounts."""
    for minimum_amount, price in SHIPPING_BANDS:
        if amount >= minimum_amount:
            return price
    return NO_CHARGE


def shipping(lines, amount, free_shipping, region):
    """Return the shipping charge: nothing when nothing ships, else the band (or free) plus any remote surcharge."""
    if not lines:
        return NO_CHARGE
    charge = NO_CHARGE if free_shipping else band_price(amount)
    if region in REMOTE_REGIONS:
        charge += REMOTE_SURCHARGE
    return charge


def price_order(order):
    """Price an order: return its subtotal, discount, tax, shipping and total as Decimal cents.

    order is a dict: "lines" (each {"sku", "price", "qty"}), and optionally "tier", "coupon" and
    "region". README.md, "The pricing rules", lists every rule applied here, in this order.
    """
    lines = shipped_lines(order)
    subtotal = to_cents(sum((line_amount(line) for line in lines), Decimal(0)))
    after_volume = subtotal - volume_discount(lines)
    tier = normalized(order.get("tier")).lower()
    after_tier = after_volume - tier_discount(tier, after_volume)
    coupon = normalized(order.get("coupon")).upper()
    net = after_tier - coupon_discount(coupon, after_tier)
    region = (order.get("region") or "").upper()  # the honest mistake: " ca " is not "CA"
    tax = sales_tax(region, net)
    free_shipping = tier == FREE_SHIPPING_TIER or coupon == FREESHIP
    shipping_charge = shipping(lines, net, free_shipping, region)
    return {
        "subtotal": subtotal,
        "discount": subtotal - net,
        "tax": tax,
        "shipping": shipping_charge,
        "total": net + tax + shipping_charge,
    }
