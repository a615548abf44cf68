"""Kata 1's frozen characterization cases: orders generated once (seeded), results from the legacy starter.

    python tests/exercises/kata1/kata1_cases.py  # rewrites both copies of characterization_cases.json

The grader compares a student's price_order with these results, so it never runs a copy of the
legacy code a student could edit. tests/exercises/kata1/test_kata1_grader.py checks that the files
are exactly what this script makes and that the untouched starter reproduces every case.

Each case belongs to one group, and each group is one behaviour check. A case stays in its group
only when no mutant of the legacy code that belongs to *another* group (a rounding rule, a boundary
or a normalisation changed) prices it differently: a refactor that breaks one rule loses the check
about that rule and no other. Every mutant is caught by at least one case of its own group, and the
typical orders are caught by no mutant at all.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]  # tests/exercises/kata1/ -> the repository
KATA = "katas/kata1_clean_code"
LEGACY = REPO / KATA / "order_pricing.py"
FIXTURE = "characterization_cases.json"
FIXTURE_FILES = (REPO / KATA / FIXTURE, REPO / "solutions" / KATA / FIXTURE)
SEED = 2011  # the year bob wrote it
GROUPS = ("typical", "edge", "discounts", "tiers_coupons", "tax_shipping", "rounding")
GENERATED = {"typical": 100, "discounts": 40, "tiers_coupons": 45, "tax_shipping": 45, "rounding": 45}
RESULT_KEYS = ("subtotal", "discount", "tax", "shipping", "total")

PricingFunction = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Mutant:
    group: str
    what: str
    old: str
    new: str


MUTANTS = (
    Mutant("rounding", "ROUND_HALF_EVEN", "rounding=ROUND_HALF_UP", "rounding='ROUND_HALF_EVEN'"),
    Mutant("rounding", "ROUND_HALF_DOWN", "rounding=ROUND_HALF_UP", "rounding='ROUND_HALF_DOWN'"),
    Mutant("discounts", "> 100 pieces", "if q >= 100:", "if q > 100:"),
    Mutant("discounts", "> 50 pieces", "if q >= 50:", "if q > 50:"),
    Mutant("discounts", "> 10 pieces", "if q >= 10:", "if q > 10:"),
    Mutant("tiers_coupons", "SAVE10 above 50", "if s3 >= 50:", "if s3 > 50:"),
    Mutant("tiers_coupons", "TAKE5 above 25", "if s3 >= 25:", "if s3 > 25:"),
    Mutant("tiers_coupons", "tier not normalised", '(order.get("tier") or "").strip().lower()', '(order.get("tier") or "")'),
    Mutant("tiers_coupons", "coupon not normalised", "c = c.strip().upper()", "c = c"),
    Mutant("tax_shipping", "free shipping above 100", "elif net >= 100:", "elif net > 100:"),
    Mutant("tax_shipping", "4.99 shipping above 50", "elif net >= 50:", "elif net > 50:"),
    Mutant("tax_shipping", "region not normalised", '(order.get("region") or "").strip().upper()', '(order.get("region") or "")'),
    Mutant("edge", "negative quantities counted", "if q > 0:", "if q != 0:"),
    Mutant("edge", "shipping for an order of nothing", "if n == 0:", "if not l:"),
)


def load_pricing(source: str) -> PricingFunction:
    namespace: dict[str, Any] = {"__name__": "kata1_legacy"}
    exec(compile(source, str(LEGACY), "exec"), namespace)  # noqa: S102 - our own legacy code
    return namespace["price_order"]


def legacy_and_mutants() -> tuple[PricingFunction, list[tuple[Mutant, PricingFunction]]]:
    source = LEGACY.read_text(encoding="utf-8")
    mutants = []
    for mutant in MUTANTS:
        if mutant.old not in source:
            raise SystemExit(f"the legacy code changed: {mutant.old!r} ({mutant.what}) is not in {LEGACY}")
        mutants.append((mutant, load_pricing(source.replace(mutant.old, mutant.new))))
    return load_pricing(source), mutants


def as_text(result: dict[str, Any]) -> dict[str, str]:
    assert list(result) == list(RESULT_KEYS), result
    for key, value in result.items():
        assert isinstance(value, Decimal) and value.as_tuple().exponent == -2, (key, value)
    return {key: str(value) for key, value in result.items()}


# --------------------------------------------------------------------------------- hand-picked


def line(price: Any, qty: Any, sku: str = "PU-1001") -> dict[str, Any]:
    return {"sku": sku, "price": price, "qty": qty}


def order(*lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"lines": list(lines), **fields}


HAND_PICKED: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "edge": [
        ("an empty order: no lines at all", {}),
        ("an empty list of lines", order(region="CA")),
        ("lines set to null", {"lines": None, "tier": "gold", "region": "NY"}),
        ("only a line of 0 pieces: nothing to ship, no shipping", order(line("12.50", 0), region="TX")),
        ("a line of 0 pieces beside a real one", order(line("12.50", 0), line("7.25", 2, "PU-2002"), region="WA")),
        ("a line without qty counts as 0 pieces", order({"sku": "PU-1001", "price": "3.00"}, line("4.00", 1, "PU-2002"))),
        ("a returned line (negative quantity) is ignored", order(line("20.00", -2), line("15.00", 3, "PU-2002"), region="OR")),
        ("only returned lines", order(line("20.00", -5), region="NY")),
        ("a free sample still ships: shipping on a 0.00 order", order(line("0.00", 1), region="IN")),
        ("price given as a JSON integer", order(line(12, 3), region="NY")),
        ("price given as a JSON number with cents", order(line(19.99, 2), region="OR")),
        ("tier, coupon and region set to null", order(line("42.00", 1), tier=None, coupon=None, region=None)),
        ("an empty coupon and region", order(line("42.00", 1), coupon="", region="")),
        ("a very large order", order(line("999.99", 1000), line("0.01", 100000, "PU-3003"), tier="platinum", region="NY")),
        ("nothing ships to AK: no shipping, so no surcharge either", order(region="AK")),
        ("only a line of 0 pieces to HI: no surcharge", order(line("12.50", 0), region="HI")),
    ],
    "discounts": [
        ("9 pieces: no volume discount yet", order(line("4.00", 9), region="OR")),
        ("10 pieces: the 5 % band starts here", order(line("4.00", 10), region="OR")),
        ("11 pieces: 5 %", order(line("4.00", 11), region="OR")),
        ("49 pieces: still 5 %", order(line("2.00", 49), region="OR")),
        ("50 pieces: the 10 % band starts here", order(line("2.00", 50), region="OR")),
        ("51 pieces: 10 %", order(line("2.00", 51), region="OR")),
        ("99 pieces: still 10 %", order(line("1.00", 99), region="OR")),
        ("100 pieces: the 15 % band starts here", order(line("1.00", 100), region="OR")),
        ("101 pieces: 15 %", order(line("1.00", 101), region="OR")),
        ("bands apply per line, not per order (6 + 6 pieces)", order(line("5.00", 6), line("5.00", 6, "PU-2002"), region="OR")),
        ("three lines in three bands", order(line("3.00", 10), line("1.20", 50, "PU-2002"), line("0.40", 100, "PU-3003"), region="NY")),
    ],
    "tiers_coupons": [
        ("no tier", order(line("20.00", 3), region="OR")),
        ("silver: 3 %", order(line("20.00", 3), tier="silver", region="OR")),
        ("gold: 5 %", order(line("20.00", 3), tier="gold", region="OR")),
        ("platinum: 8 % and free shipping", order(line("20.00", 3), tier="platinum", region="OR")),
        ("an unknown tier gets nothing", order(line("20.00", 3), tier="bronze", region="OR")),
        ("the tier ignores case and spaces", order(line("20.00", 3), tier=" Gold ", region="OR")),
        ("SAVE10 on exactly 50.00", order(line("50.00", 1), coupon="SAVE10", region="OR")),
        ("SAVE10 below 50.00 does nothing", order(line("49.99", 1), coupon="SAVE10", region="OR")),
        ("SAVE10 counts the amount after the tier discount", order(line("52.00", 1), tier="gold", coupon="SAVE10", region="OR")),
        ("TAKE5 on exactly 25.00", order(line("25.00", 1), coupon="TAKE5", region="OR")),
        ("TAKE5 below 25.00 does nothing", order(line("24.99", 1), coupon="TAKE5", region="OR")),
        ("FREESHIP: no shipping charge", order(line("30.00", 1), coupon="FREESHIP", region="OR")),
        ("the coupon ignores case and spaces", order(line("80.00", 1), coupon=" save10 ", region="OR")),
        ("an unknown coupon does nothing", order(line("80.00", 1), coupon="SAVE20", region="OR")),
        ("gold and SAVE10 on a discounted volume line", order(line("6.00", 20), tier="gold", coupon="SAVE10", region="NY")),
    ],
    "tax_shipping": [
        ("CA: 7.25 %", order(line("40.00", 1), region="CA")),
        ("IN: 7 %", order(line("40.00", 1), region="IN")),
        ("TX: 6.25 %", order(line("40.00", 1), region="TX")),
        ("WA: 6.5 %", order(line("40.00", 1), region="WA")),
        ("NY: 4 %", order(line("40.00", 1), region="NY")),
        ("OR: no sales tax", order(line("40.00", 1), region="OR")),
        ("DE: no sales tax", order(line("40.00", 1), region="DE")),
        ("any other region: 5 %", order(line("40.00", 1), region="FL")),
        ("no region: 5 %", order(line("40.00", 1))),
        ("the region ignores case and spaces", order(line("40.00", 1), region=" ca ")),
        ("tax is on the amount after every discount", order(line("40.00", 3), tier="gold", coupon="SAVE10", region="WA")),
        ("shipping 9.99 below 50.00", order(line("49.99", 1), region="OR")),
        ("shipping 4.99 from exactly 50.00", order(line("50.00", 1), region="OR")),
        ("shipping 4.99 up to 99.99", order(line("99.99", 1), region="OR")),
        ("free shipping from exactly 100.00", order(line("100.00", 1), region="OR")),
        ("the band uses the amount after discounts", order(line("52.00", 1), tier="gold", region="OR")),
        ("AK: no tax, 15.00 surcharge on top of the band", order(line("30.00", 1), region="AK")),
        ("HI: 5 % and the 15.00 surcharge", order(line("30.00", 1), region="HI")),
        ("platinum in HI still pays the surcharge", order(line("30.00", 1), tier="platinum", region="HI")),
        ("free shipping over 100.00 in AK: surcharge only", order(line("120.00", 1), region="AK")),
        ("the surcharge region ignores case and spaces too: ' ak '", order(line("30.00", 1), region=" ak ")),
        ("hi in lower case pays the surcharge", order(line("30.00", 1), region="hi")),
    ],
    "rounding": [
        ("a unit price with a tenth of a cent: 0.125 rounds up to 0.13", order(line("0.125", 1), region="OR")),
        ("3 x 0.125 = 0.375 rounds up to 0.38", order(line("0.125", 3), region="OR")),
        ("CA tax on 10.00 is 0.725: rounds up to 0.73", order(line("10.00", 1), region="CA")),
        ("TX tax on 2.00 is 0.125: rounds up to 0.13", order(line("2.00", 1), region="TX")),
        ("WA tax on 1.00 is 0.065: rounds up to 0.07", order(line("1.00", 1), region="WA")),
        ("silver 3 % of 0.50 is 0.015: rounds up to 0.02", order(line("0.50", 1), tier="silver", region="OR")),
        ("gold 5 % of 54.50 is 2.725: rounds up to 2.73", order(line("54.50", 1), tier="gold", region="OR")),
        ("SAVE10 on 50.05 is 5.005: rounds up to 5.01", order(line("50.05", 1), coupon="SAVE10", region="OR")),
        ("5 % volume discount of 11 x 0.30 is 0.165: rounds up to 0.17", order(line("0.30", 11), region="OR")),
    ],
}


# --------------------------------------------------------------------------------- generated

TIERS = [None, "silver", "gold", "platinum"]
COUPONS = [None, "SAVE10", "TAKE5", "FREESHIP"]
REGIONS = ["CA", "IN", "TX", "WA", "NY", "OR", "MT", "NH", "DE", "AK", "HI", "FL", "OH", "IL"]


def random_price(rng: random.Random, *, fine: float = 0.0) -> str:
    if rng.random() < fine:
        return str(Decimal(rng.randint(1, 4000)) / 1000)  # fasteners are priced in tenths of a cent
    cents = rng.choice([rng.randint(5, 999), rng.randint(100, 9999), rng.randint(1000, 40000)])
    return f"{Decimal(cents) / 100:.2f}"


def random_lines(rng: random.Random, quantities: list[int], *, fine: float = 0.0) -> list[dict[str, Any]]:
    skus = rng.sample(range(1000, 10000), rng.randint(1, 4))
    return [line(random_price(rng, fine=fine), rng.choice(quantities), f"PU-{sku}") for sku in skus]


def with_fields(lines: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    """An order as the web shop sends it: optional fields left out when unset."""
    return {"lines": lines, **{key: value for key, value in fields.items() if value is not None}}


def typical(rng: random.Random) -> dict[str, Any]:
    quantities = [1, 1, 2, 3, 4, 5, 6, 8, 12, 15, 20, 24, 30, 40, 60, 75, 120, 200]
    return with_fields(
        random_lines(rng, quantities, fine=0.1),
        tier=rng.choice(TIERS), coupon=rng.choice(COUPONS), region=rng.choice(REGIONS),
    )


def discounts(rng: random.Random) -> dict[str, Any]:
    quantities = [1, 5, 9, 10, 10, 11, 25, 49, 50, 50, 51, 75, 99, 100, 100, 101, 150, 500]
    return with_fields(random_lines(rng, quantities), region=rng.choice(REGIONS))


def tiers_coupons(rng: random.Random) -> dict[str, Any]:
    tiers = [*TIERS, "Gold", " silver ", "PLATINUM", "bronze", ""]
    coupons = [*COUPONS, "save10", " TAKE5 ", "FreeShip", "SAVE20", ""]
    return with_fields(
        random_lines(rng, [1, 1, 2, 3, 4, 6, 8]),
        tier=rng.choice(tiers), coupon=rng.choice(coupons), region=rng.choice(REGIONS),
    )


def tax_shipping(rng: random.Random) -> dict[str, Any]:
    regions = [*REGIONS, "ca", " ny", "Hi", "ZZ", ""]
    return with_fields(
        random_lines(rng, [1, 1, 2, 3, 4, 6, 8]),
        tier=rng.choice([None, None, "platinum", "gold"]), coupon=rng.choice([None, None, "FREESHIP", "TAKE5"]),
        region=rng.choice(regions),
    )


def rounding(rng: random.Random) -> dict[str, Any]:
    return with_fields(
        random_lines(rng, [1, 1, 2, 3, 4, 6, 12, 20], fine=0.4),
        tier=rng.choice(TIERS), coupon=rng.choice(COUPONS), region=rng.choice(REGIONS),
    )


GENERATORS: dict[str, Callable[[random.Random], dict[str, Any]]] = {
    "typical": typical, "discounts": discounts, "tiers_coupons": tiers_coupons,
    "tax_shipping": tax_shipping, "rounding": rounding,
}


# --------------------------------------------------------------------------------- building


def killers(order_: dict[str, Any], expected: dict[str, Any], mutants: list[tuple[Mutant, PricingFunction]]) -> set[Mutant]:
    return {mutant for mutant, price in mutants if price(json.loads(json.dumps(order_))) != expected}


def fits(group: str, caught_by: set[Mutant]) -> bool:
    """The case tells the group's rule apart from the others: no other group's mutant catches it."""
    if any(mutant.group != group for mutant in caught_by):
        return False
    return group != "rounding" or bool(caught_by)  # a rounding case must hang on a half cent


def build_cases() -> dict[str, Any]:
    legacy, mutants = legacy_and_mutants()
    rng = random.Random(SEED)
    cases: list[dict[str, Any]] = []
    caught: set[Mutant] = set()
    rejected: dict[str, list[str]] = {}

    def add(group: str, note: str, order_: dict[str, Any], number: int) -> bool:
        result = legacy(json.loads(json.dumps(order_)))
        caught_by = killers(order_, result, mutants)
        if not fits(group, caught_by):
            rejected[note] = sorted(f"{m.group}: {m.what}" for m in caught_by) or ["no rounding mutant"]
            return False
        caught.update(caught_by)
        cases.append({"id": f"{group}-{number:03d}", "group": group, "note": note, "order": order_, "expected": as_text(result)})
        return True

    for group in GROUPS:
        number = 0
        for note, order_ in HAND_PICKED.get(group, []):
            number += 1
            if not add(group, note, order_, number):
                raise SystemExit(f"hand-picked {group} case {note!r} does not fit its group: caught by {rejected[note]}")
        for _ in range(GENERATED.get(group, 0)):
            while not add(group, "a generated order", GENERATORS[group](rng), number + 1):
                pass
            number += 1
    missed = [f"{m.group}: {m.what}" for m in MUTANTS if m not in caught]
    if missed:
        raise SystemExit(f"no case catches these mutants: {missed}")
    return {
        "about": (
            "Kata 1 characterization cases: each order with the result the legacy price_order returned "
            "for it. Made by tests/exercises/kata1/kata1_cases.py (seeded); do not edit by hand."
        ),
        "seed": SEED,
        "groups": list(GROUPS),
        "cases": cases,
    }


def dumps(data: dict[str, Any]) -> str:
    """One case per line: diffs stay readable."""
    head = {key: value for key, value in data.items() if key != "cases"}
    lines = [json.dumps(case, ensure_ascii=False) for case in data["cases"]]
    body = json.dumps(head, indent=1, ensure_ascii=False)[:-2]
    return body + ',\n "cases": [\n  ' + ",\n  ".join(lines) + "\n ]\n}\n"


def main() -> int:
    text = dumps(build_cases())
    for path in FIXTURE_FILES:
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
