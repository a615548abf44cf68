"""Parts Unlimited order pricing, refactored around small value objects and lookup tables.

A correct Kata 1 solution written differently from the reference: an Enum of loyalty tiers, frozen
dataclasses for coupons and priced lines, a PricedOrder dataclass whose properties build the result,
and type hints throughout.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class Tier(Enum):
    """Loyalty tiers and their discount rates."""

    NONE = Decimal(0)
    SILVER = Decimal("0.03")
    GOLD = Decimal("0.05")
    PLATINUM = Decimal("0.08")

    @classmethod
    def parse(cls, text: str | None) -> Tier:
        """Return the tier a customer record names, ignoring case and spaces; NONE when unknown."""
        return cls.__members__.get((text or "").strip().upper(), cls.NONE)


@dataclass(frozen=True)
class Coupon:
    """A coupon: a rate or a fixed amount off from a minimum amount, or free shipping."""

    minimum: Decimal = ZERO
    rate: Decimal = ZERO
    amount_off: Decimal = ZERO
    free_shipping: bool = False

    def discount_on(self, amount: Decimal) -> Decimal:
        """Return what the coupon takes off the amount (after the tier discount), in cents."""
        if amount < self.minimum:
            return ZERO
        return round_cents(amount * self.rate) + self.amount_off


NO_COUPON = Coupon()
COUPONS = {
    "SAVE10": Coupon(minimum=Decimal("50.00"), rate=Decimal("0.10")),
    "TAKE5": Coupon(minimum=Decimal("25.00"), amount_off=Decimal("5.00")),
    "FREESHIP": Coupon(free_shipping=True),
}

VOLUME_BANDS = [(100, Decimal("0.15")), (50, Decimal("0.10")), (10, Decimal("0.05"))]
TAX_FREE_REGIONS = {"OR", "MT", "NH", "DE", "AK"}
TAX_RATES = {"CA": Decimal("0.0725"), "IN": Decimal("0.07"), "TX": Decimal("0.0625"), "WA": Decimal("0.065"), "NY": Decimal("0.04")}
OTHER_REGIONS_TAX_RATE = Decimal("0.05")
SHIPPING_BY_MINIMUM = [(Decimal("100.00"), ZERO), (Decimal("50.00"), Decimal("4.99")), (ZERO, Decimal("9.99"))]
SURCHARGED_REGIONS = {"AK", "HI"}
SURCHARGE = Decimal("15.00")


def round_cents(amount: Decimal) -> Decimal:
    """Round an amount to the cent, halves up."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PricedLine:
    """One order line that ships: its unit price and number of pieces."""

    unit_price: Decimal
    pieces: int

    @property
    def amount(self) -> Decimal:
        """The line's exact amount, before any discount."""
        return self.unit_price * self.pieces

    @property
    def volume_discount(self) -> Decimal:
        """The line's exact volume discount (unrounded)."""
        rate = next((rate for least, rate in VOLUME_BANDS if self.pieces >= least), ZERO)
        return self.amount * rate


@dataclass(frozen=True)
class PricedOrder:
    """An order with every step of its price, in the order the rules apply them."""

    lines: list[PricedLine]
    tier: Tier
    coupon: Coupon
    region: str

    @classmethod
    def from_request(cls, order: dict[str, Any]) -> PricedOrder:
        """Read an order as the web shop and the phone desk send it."""
        lines = [
            PricedLine(Decimal(str(entry["price"])), entry["qty"])
            for entry in order.get("lines") or []
            if entry.get("qty", 0) > 0
        ]
        coupon = COUPONS.get((order.get("coupon") or "").strip().upper(), NO_COUPON)
        return cls(lines, Tier.parse(order.get("tier")), coupon, (order.get("region") or "").strip().upper())

    @property
    def subtotal(self) -> Decimal:
        """Sum of the lines, in cents."""
        return round_cents(sum((entry.amount for entry in self.lines), ZERO))

    @property
    def after_volume(self) -> Decimal:
        """Subtotal less the volume discounts of all lines, rounded once."""
        return self.subtotal - round_cents(sum((entry.volume_discount for entry in self.lines), ZERO))

    @property
    def after_tier(self) -> Decimal:
        """Amount after the loyalty tier's discount."""
        return self.after_volume - round_cents(self.after_volume * self.tier.value)

    @property
    def net(self) -> Decimal:
        """Amount after every discount: what tax and shipping are based on."""
        return self.after_tier - self.coupon.discount_on(self.after_tier)

    @property
    def tax(self) -> Decimal:
        """Sales tax of the region on the net amount."""
        if self.region in TAX_FREE_REGIONS:
            return ZERO
        return round_cents(self.net * TAX_RATES.get(self.region, OTHER_REGIONS_TAX_RATE))

    @property
    def shipping(self) -> Decimal:
        """Shipping: the band of the net amount (free for platinum or FREESHIP) plus the remote surcharge."""
        if not self.lines:
            return ZERO
        free = self.tier is Tier.PLATINUM or self.coupon.free_shipping
        band = ZERO if free else next(price for least, price in SHIPPING_BY_MINIMUM if self.net >= least)
        return band + (SURCHARGE if self.region in SURCHARGED_REGIONS else ZERO)

    def as_result(self) -> dict[str, Decimal]:
        """The five amounts price_order returns."""
        return {
            "subtotal": self.subtotal,
            "discount": self.subtotal - self.net,
            "tax": self.tax,
            "shipping": self.shipping,
            "total": self.net + self.tax + self.shipping,
        }


def price_order(order):
    """Price an order dict: subtotal, discount, tax, shipping and total as Decimal cents."""
    return PricedOrder.from_request(order).as_result()
