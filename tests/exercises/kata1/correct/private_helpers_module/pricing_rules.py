"""Every rate, threshold and price of Parts Unlimited's order pricing, in one place."""

from decimal import Decimal
from enum import Enum

CENT = Decimal("0.01")
NOTHING = Decimal("0.00")

# pieces on one line -> volume discount rate
VOLUME_DISCOUNTS = {10: Decimal("0.05"), 50: Decimal("0.10"), 100: Decimal("0.15")}

LOYALTY_RATES = {"silver": Decimal("0.03"), "gold": Decimal("0.05"), "platinum": Decimal("0.08")}
TIER_WITH_FREE_SHIPPING = "platinum"

PERCENT_COUPONS = {"SAVE10": (Decimal("50.00"), Decimal("0.10"))}  # code -> (minimum, rate)
AMOUNT_COUPONS = {"TAKE5": (Decimal("25.00"), Decimal("5.00"))}  # code -> (minimum, amount off)
FREE_SHIPPING_COUPONS = frozenset({"FREESHIP"})


class Region(str, Enum):
    """Regions with a sales tax rule of their own."""

    CA = "CA"
    IN = "IN"
    TX = "TX"
    WA = "WA"
    NY = "NY"
    OR = "OR"
    MT = "MT"
    NH = "NH"
    DE = "DE"
    AK = "AK"
    HI = "HI"


SALES_TAX = {
    Region.CA: Decimal("0.0725"),
    Region.IN: Decimal("0.07"),
    Region.TX: Decimal("0.0625"),
    Region.WA: Decimal("0.065"),
    Region.NY: Decimal("0.04"),
    Region.OR: NOTHING,
    Region.MT: NOTHING,
    Region.NH: NOTHING,
    Region.DE: NOTHING,
    Region.AK: NOTHING,
}
SALES_TAX_ELSEWHERE = Decimal("0.05")

# amount after discounts -> shipping price
SHIPPING_FROM = {NOTHING: Decimal("9.99"), Decimal("50.00"): Decimal("4.99"), Decimal("100.00"): NOTHING}
REMOTE = frozenset({Region.AK, Region.HI})
REMOTE_SURCHARGE = Decimal("15.00")
