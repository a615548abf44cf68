"""Parts Unlimited order pricing: what a customer pays for an order of parts.

Kata 1 starter. This is the legacy routine exactly as it runs in production: every order the web
shop and the phone desk take goes through price_order. It works, and nobody dares to touch it.
Refactor it IN PLACE, one small step at a time, without changing a single result:

- keep the public function price_order(order): same name, same parameter, same results (a dict of
  Decimal amounts with two decimal places, rounded half up to the cent);
- work through the numbered TODOs below; each matches a step of README.md;
- grade after every step: `course grade kata1` (or `pytest katas/kata1_clean_code`).

An order looks like this (README.md, "The pricing rules", explains every field):

    {"lines": [{"sku": "PU-1001", "price": "12.50", "qty": 4}],
     "tier": "gold", "coupon": "SAVE10", "region": "CA"}

and price_order returns {"subtotal", "discount", "tax", "shipping", "total"}, each a Decimal.
"""

# TODO 1 (README step 1): grade this file before you change anything. The behaviour checks pass:
#   they are your safety net. Grade again after every step below.
# TODO 2 (README step 2): give every variable a name that says what it holds (no l, s, qd, s2).
# TODO 3 (README step 3): turn the magic numbers into named constants at module level.
# TODO 4 (README step 4): remove the duplication: one rounding helper, tables instead of the
#   repeated tier and tax branches.
# TODO 5 (README step 5): extract small functions (order lines, loyalty tier, coupon, tax,
#   shipping) until each is short and simple.
# TODO 6 (README step 6): a docstring on every public function, price_order first.

from decimal import ROUND_HALF_UP, Decimal


def price_order(order):
    # prices web + phone orders. DO NOT TOUCH, see PU-1337 (bob, 2011)
    l = order.get("lines") or []
    s = Decimal("0")
    qd = Decimal("0")
    n = 0
    for x in l:
        q = x.get("qty", 0)
        if q > 0:
            p = Decimal(str(x["price"]))
            a = p * q
            s = s + a
            n = n + q
            # volume discount
            if q >= 100:
                qd = qd + a * Decimal("0.15")
            else:
                if q >= 50:
                    qd = qd + a * Decimal("0.10")
                else:
                    if q >= 10:
                        qd = qd + a * Decimal("0.05")
    s = s.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    qd = qd.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    s2 = s - qd
    # loyalty
    t = (order.get("tier") or "").strip().lower()
    td = Decimal("0")
    if t == "silver":
        td = (s2 * Decimal("0.03")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    elif t == "gold":
        td = (s2 * Decimal("0.05")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    elif t == "platinum":
        td = (s2 * Decimal("0.08")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    s3 = s2 - td
    # coupons
    c = order.get("coupon")
    cd = Decimal("0")
    fs = False
    if c:
        c = c.strip().upper()
        if c == "SAVE10":
            if s3 >= 50:
                cd = (s3 * Decimal("0.10")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        elif c == "TAKE5":
            if s3 >= 25:
                cd = Decimal("5.00")
        elif c == "FREESHIP":
            fs = True
    net = s3 - cd
    # sales tax
    r = (order.get("region") or "").strip().upper()
    if r == "CA":
        tx = (net * Decimal("0.0725")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    elif r == "IN":
        tx = (net * Decimal("0.07")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    elif r == "TX":
        tx = (net * Decimal("0.0625")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    elif r == "WA":
        tx = (net * Decimal("0.065")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    elif r == "NY":
        tx = (net * Decimal("0.04")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    elif r == "OR" or r == "MT" or r == "NH" or r == "DE" or r == "AK":
        tx = Decimal("0.00")
    else:
        tx = (net * Decimal("0.05")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    # shipping
    if n == 0:
        sh = Decimal("0.00")
    else:
        if t == "platinum" or fs:
            sh = Decimal("0.00")
        elif net >= 100:
            sh = Decimal("0.00")
        elif net >= 50:
            sh = Decimal("4.99")
        else:
            sh = Decimal("9.99")
        if r == "AK" or r == "HI":
            sh = sh + Decimal("15.00")
    tot = net + tx + sh
    return {"subtotal": s, "discount": qd + td + cd, "tax": tx, "shipping": sh, "total": tot}
