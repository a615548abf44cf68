"""Parts Unlimited order pricing: a pipeline of discount steps over rules kept in pricing_rules.py.

A correct Kata 1 solution written differently from the reference: constants in a second module,
private helpers (leading underscore, no docstring needed), the three discounts as a tuple of steps
folded in a loop, and bands found with max() over dict keys.
"""

from decimal import ROUND_HALF_UP, Decimal

import pricing_rules as rules


def _cents(amount):
    return amount.quantize(rules.CENT, rounding=ROUND_HALF_UP)


def _text(order, field):
    return (order.get(field) or "").strip()


def _band(table, value):
    """Return the table entry of the largest key that value reaches, or None below every key."""
    reached = [key for key in table if value >= key]
    return table[max(reached)] if reached else None


def _amount(line):
    return Decimal(str(line["price"])) * line["qty"]


def _volume_step(order, lines, amount):
    rates = (_band(rules.VOLUME_DISCOUNTS, line["qty"]) or rules.NOTHING for line in lines)
    return _cents(sum((_amount(line) * rate for line, rate in zip(lines, rates)), rules.NOTHING))


def _tier_step(order, lines, amount):
    return _cents(amount * rules.LOYALTY_RATES.get(_text(order, "tier").lower(), rules.NOTHING))


def _coupon_step(order, lines, amount):
    code = _text(order, "coupon").upper()
    minimum, rate = rules.PERCENT_COUPONS.get(code, (None, None))
    if minimum is not None and amount >= minimum:
        return _cents(amount * rate)
    minimum, amount_off = rules.AMOUNT_COUPONS.get(code, (None, None))
    if minimum is not None and amount >= minimum:
        return amount_off
    return rules.NOTHING


_DISCOUNT_STEPS = (_volume_step, _tier_step, _coupon_step)


def _tax(region, amount):
    return _cents(amount * rules.SALES_TAX.get(region, rules.SALES_TAX_ELSEWHERE))


def _shipping(order, lines, amount, region):
    if not lines:
        return rules.NOTHING
    free = (
        _text(order, "tier").lower() == rules.TIER_WITH_FREE_SHIPPING
        or _text(order, "coupon").upper() in rules.FREE_SHIPPING_COUPONS
    )
    charge = rules.NOTHING if free else _band(rules.SHIPPING_FROM, amount)
    return charge + (rules.REMOTE_SURCHARGE if region in rules.REMOTE else rules.NOTHING)


def price_order(order):
    """Price an order: subtotal, discount, tax, shipping and total, each a Decimal in cents."""
    lines = [line for line in order.get("lines") or [] if line.get("qty", 0) > 0]
    subtotal = _cents(sum(map(_amount, lines), rules.NOTHING))
    net = subtotal
    for discount_step in _DISCOUNT_STEPS:
        net -= discount_step(order, lines, net)
    region = _text(order, "region").upper()
    tax = _tax(region, net)
    shipping = _shipping(order, lines, net, region)
    return {"subtotal": subtotal, "discount": subtotal - net, "tax": tax, "shipping": shipping, "total": net + tax + shipping}
