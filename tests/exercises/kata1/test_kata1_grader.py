"""Tests of the Kata 1 grader: the untouched legacy starter keeps its behaviour points, and each
plausible mistake loses the points of the check that is about that mistake (and only those). Full
marks for the reference and the correct refactors, a low starter and the README's check table are
tests/exercises/test_every_exercise.py's.

Every grading run is a child `pytest` process, as a student would run it (tests/grader_tests.py); the
rules' finer points are tested directly on the grader's helpers, which is quicker.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import kata1_cases
import pytest
from grader_tests import ExerciseUnderTest, points_marker, readme_text
from support import REPO

KATA = ExerciseUnderTest("kata1")
KATA_ID = KATA.id
MODULE = "order_pricing.py"

IMPORTS = "test_order_pricing_imports_and_keeps_price_order"
TYPICAL = "test_typical_orders_are_priced_as_before"
EDGE = "test_edge_cases_keep_their_results"
DISCOUNTS = "test_volume_discounts_keep_their_bands"
TIERS_COUPONS = "test_loyalty_tiers_and_coupons_keep_their_rules"
TAX_SHIPPING = "test_tax_and_shipping_are_unchanged"
ROUNDING = "test_half_cents_still_round_half_up"
LENGTH = "test_no_function_is_too_long"
COMPLEXITY = "test_every_function_is_simple_enough"
MAGIC = "test_no_magic_numbers_in_function_bodies"
NAMES = "test_names_say_what_they_hold"
DOCSTRINGS = "test_public_functions_have_docstrings"
BEHAVIOUR = [IMPORTS, TYPICAL, EDGE, DISCOUNTS, TIERS_COUPONS, TAX_SHIPPING, ROUNDING]
STRUCTURE = [LENGTH, COMPLEXITY, MAGIC, NAMES, DOCSTRINGS]


GRADER = KATA.grader()  # for its constants and helpers
grade = KATA.grade
assert_only_failures = KATA.assert_only_failures


def mutant(tmp_path: Path, *edits: tuple[str, str], count: int = 1) -> Path:
    return KATA.mutant(tmp_path, MODULE, *edits, count=count)


# --------------------------------------------------------------------------- the frozen cases


def test_both_copies_of_the_frozen_cases_are_exactly_what_the_generator_makes() -> None:
    expected = kata1_cases.dumps(kata1_cases.build_cases())
    for path in kata1_cases.FIXTURE_FILES:
        stale = f"{path} is stale: run python tests/exercises/kata1/kata1_cases.py"
        assert path.read_text(encoding="utf-8") == expected, stale


def test_the_untouched_starter_reproduces_every_frozen_case() -> None:
    legacy = KATA.grader(MODULE)  # the legacy starter, loaded as a module like a grader file
    cases = json.loads((REPO / KATA.folder / "characterization_cases.json").read_text(encoding="utf-8"))["cases"]
    assert len(cases) > 300
    for case in cases:
        result = legacy.price_order(case["order"])
        assert all(type(value) is Decimal for value in result.values()), case["id"]
        assert {key: str(value) for key, value in result.items()} == case["expected"], case["id"]


def test_every_group_holds_hand_picked_and_generated_cases_with_unique_ids() -> None:
    cases = kata1_cases.build_cases()["cases"]
    assert len({case["id"] for case in cases}) == len(cases)
    for group in kata1_cases.GROUPS:
        notes = [case["note"] for case in cases if case["group"] == group]
        assert len(notes) >= 14, group
        if group != "typical":
            assert any(note != "a generated order" for note in notes), group


# ------------------------------------------------------------------------------------ the starter


def test_the_untouched_starter_keeps_its_behaviour_points_and_fails_only_the_structure_checks(tmp_path: Path) -> None:
    run = KATA.grade_starter(tmp_path)
    KATA.assert_sane(run)
    kata = run.exercise(KATA_ID)
    assert kata["points"] == sum(run.check(KATA_ID, c)["max"] for c in BEHAVIOUR)
    assert sorted(run.failed_checks(KATA_ID)) == sorted(STRUCTURE)
    # The places README.md quotes from these messages.
    assert "price_order (line 33) has 76 lines" in run.check(KATA_ID, LENGTH)["message"]
    assert "price_order (line 33) scores 35" in run.check(KATA_ID, COMPLEXITY)["message"]
    assert "'0.15' (price_order, line 48)" in run.check(KATA_ID, MAGIC)["message"]
    assert "'qd' (a variable in price_order, line 37)" in run.check(KATA_ID, NAMES)["message"]
    assert "price_order (line 33) has none" in run.check(KATA_ID, DOCSTRINGS)["message"]


# ------------------------------------------------------------------------- behaviour mistakes


def test_half_even_rounding_loses_only_the_rounding_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        ("from decimal import ROUND_HALF_UP, Decimal", "from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal"),
        ("amount.quantize(CENT, rounding=ROUND_HALF_UP)", "amount.quantize(CENT, rounding=ROUND_HALF_EVEN)"),
    )
    (check,) = assert_only_failures(grade(code, tmp_path), ROUNDING)
    assert check["points"] == 0
    assert "orders with an amount that ends in exactly half a cent" in check["message"]
    assert "rounding-" in check["message"] and "instead of Decimal(" in check["message"]
    assert check["hint"] == GRADER.ROUNDING_HINT


def test_rounding_through_float_loses_only_the_rounding_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        ('CENT = Decimal("0.01")', 'CENT = Decimal("0.01")\nCENT_PLACES = 2'),
        ("return amount.quantize(CENT, rounding=ROUND_HALF_UP)", "return Decimal(repr(round(float(amount), CENT_PLACES))).quantize(CENT)"),
    )
    (check,) = assert_only_failures(grade(code, tmp_path), ROUNDING)
    assert "rounding-" in check["message"]


def test_a_volume_band_that_starts_one_piece_late_loses_only_the_discount_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("if quantity >= minimum_quantity:", "if quantity > minimum_quantity:"))
    (check,) = assert_only_failures(grade(code, tmp_path), DISCOUNTS)
    assert check["points"] == 0
    assert "discounts-002 (10 pieces: the 5 % band starts here)" in check["message"]
    assert check["hint"] == GRADER.DISCOUNT_HINT


def test_a_coupon_minimum_turned_into_above_loses_only_the_tier_and_coupon_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("amount >= SAVE10_MINIMUM", "amount > SAVE10_MINIMUM"))
    (check,) = assert_only_failures(grade(code, tmp_path), TIERS_COUPONS)
    assert "SAVE10 on exactly 50.00" in check["message"]


def test_a_shipping_band_turned_into_above_loses_only_the_tax_and_shipping_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("if amount >= minimum_amount:", "if amount > minimum_amount or minimum_amount == NO_CHARGE:"))
    (check,) = assert_only_failures(grade(code, tmp_path), TAX_SHIPPING)
    assert "shipping 4.99 from exactly 50.00" in check["message"]


def test_shipping_charged_for_an_order_of_nothing_loses_only_the_edge_case_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        ("lines = shipped_lines(order)\n", 'lines = shipped_lines(order)\n    has_lines = bool(order.get("lines"))\n'),
        ("shipping(lines, net, free_shipping, region)", "shipping(has_lines, net, free_shipping, region)"),
    )
    (check,) = assert_only_failures(grade(code, tmp_path), EDGE)
    assert "only a line of 0 pieces" in check["message"]
    assert "shipping Decimal('9.99') instead of Decimal('0.00')" in check["message"]


def test_an_exception_in_price_order_names_the_students_file_and_line(tmp_path: Path) -> None:
    code = mutant(tmp_path, ('line.get("qty", 0) > 0', 'line["qty"] > 0'))
    (check,) = assert_only_failures(grade(code, tmp_path), EDGE)
    assert re.search(r"raised KeyError: 'qty' \(katas/kata1_clean_code/order_pricing\.py, line \d+\)", check["message"])


def test_amounts_returned_as_floats_get_the_decimal_hint_and_no_structure_points(tmp_path: Path) -> None:
    code = mutant(tmp_path, ('"total": net + tax + shipping_charge,', '"total": float(net + tax + shipping_charge),'))
    run = grade(code, tmp_path)
    KATA.assert_sane(run)
    typical = run.check(KATA_ID, TYPICAL)
    assert typical["outcome"] == "failed"
    assert "(a float) instead of Decimal(" in typical["message"]
    assert typical["hint"] == GRADER.FLOAT_HINT
    assert {run.check(KATA_ID, c)["outcome"] for c in STRUCTURE} == {"blocked"}


def test_zero_amounts_without_cents_get_the_two_decimal_places_hint(tmp_path: Path) -> None:
    code = mutant(tmp_path, ('NO_CHARGE = Decimal("0.00")', "NO_CHARGE = Decimal(0)"))
    run = grade(code, tmp_path)
    KATA.assert_sane(run)
    typical = run.check(KATA_ID, TYPICAL)
    assert typical["outcome"] == "failed"
    assert "Decimal('0') instead of Decimal('0.00')" in typical["message"]
    assert typical["hint"] == GRADER.CENTS_HINT


def test_a_result_without_the_five_keys_gets_the_result_hint(tmp_path: Path) -> None:
    code = mutant(tmp_path, ('"discount": subtotal - net,', '"discounts": subtotal - net,'))
    run = grade(code, tmp_path)
    KATA.assert_sane(run)
    typical = run.check(KATA_ID, TYPICAL)
    assert "returned a dict with the keys" in typical["message"] and "'discounts'" in typical["message"]
    assert typical["hint"] == GRADER.RESULT_HINT


def test_a_changed_signature_fails_the_import_check_and_blocks_the_others(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("def price_order(order):", "def price_order(lines, tier, coupon, region):"))
    run = grade(code, tmp_path)
    KATA.assert_sane(run)
    check = run.check(KATA_ID, IMPORTS)
    assert check["outcome"] == "failed"
    assert "it is declared price_order(lines, tier, coupon, region)" in check["message"]
    others = {c["id"] for c in run.exercise(KATA_ID)["checks"]} - {IMPORTS}
    assert {run.check(KATA_ID, c)["outcome"] for c in others} == {"blocked"}


def test_a_module_without_price_order_names_what_it_defines(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("def price_order(order):", "def price(order):"))
    run = grade(code, tmp_path)
    KATA.assert_sane(run)
    check = run.check(KATA_ID, IMPORTS)
    assert check["outcome"] == "failed"
    assert "to define price_order(order), the public function every caller uses; it defines ['CENT'," in check["message"]
    assert "'ROUND_HALF_UP'" in check["message"] and "'price', 'sales_tax'" in check["message"]


def test_a_refactor_that_writes_into_the_callers_order_loses_the_behaviour_checks_it_reaches(tmp_path: Path) -> None:
    normalise = '    region = normalized(order.get("region")).upper()\n'
    code = mutant(tmp_path, (normalise, normalise + '    order["region"] = region  # "tidied" for the caller\n'))
    run = grade(code, tmp_path)
    KATA.assert_sane(run)
    lost = run.failed_checks(KATA_ID)
    assert lost and set(lost) <= set(BEHAVIOUR), lost  # the groups holding orders whose region it rewrote
    for check_id in lost:
        check = run.check(KATA_ID, check_id)
        assert "returned the legacy result but changed the order it was given into" in check["message"], check
        assert check["hint"] == GRADER.MUTATION_HINT


def test_a_result_in_an_ordered_dict_is_judged_like_a_plain_dict(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        ("from decimal import ROUND_HALF_UP, Decimal", "from collections import OrderedDict\nfrom decimal import ROUND_HALF_UP, Decimal"),
        ('    return {\n        "subtotal": subtotal,', '    return OrderedDict({\n        "subtotal": subtotal,'),
        ('        "total": net + tax + shipping_charge,\n    }', '        "total": net + tax + shipping_charge,\n    })'),
    )
    assert_only_failures(grade(code, tmp_path))


def test_a_syntax_error_blocks_every_other_check_and_the_report_is_still_written(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("def sales_tax(region, amount):", "def sales_tax(region, amount)"))
    run = grade(code, tmp_path)
    KATA.assert_sane(run)
    check = run.check(KATA_ID, IMPORTS)
    assert re.search(r"katas/kata1_clean_code/order_pricing\.py has a syntax error on line \d+", check["message"])
    assert run.exercise(KATA_ID)["points"] == 0


def test_a_stub_that_prices_nothing_gets_no_structure_points(tmp_path: Path) -> None:
    root = tmp_path / "code"
    (root / KATA.folder).mkdir(parents=True)
    (root / KATA.folder / MODULE).write_text('def price_order(order):\n    """Price nothing yet."""\n    return {}\n')
    run = grade(root, tmp_path)
    KATA.assert_sane(run)
    kata = run.exercise(KATA_ID)
    assert kata["points"] == 1  # the import check only
    assert {run.check(KATA_ID, c)["outcome"] for c in STRUCTURE} == {"blocked"}
    assert "returned a dict with the keys []" in run.check(KATA_ID, TYPICAL)["message"]


# ------------------------------------------------------------------------- structure mistakes


def test_a_refactor_that_is_still_one_long_function_loses_the_length_and_complexity_checks(tmp_path: Path) -> None:
    code = KATA.other_solution(tmp_path, "wrong", "one_long_function")
    length, complexity = assert_only_failures(grade(code, tmp_path), LENGTH, COMPLEXITY)
    assert re.search(r"price_order \(line \d+\) has \d+ lines", length["message"])
    assert length["hint"] == GRADER.LENGTH_HINT
    assert re.search(r"price_order \(line \d+\) scores \d+", complexity["message"])


def test_magic_numbers_left_in_one_function_lose_only_the_magic_number_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        ("amount >= SAVE10_MINIMUM", "amount >= 50"),
        ("to_cents(amount * SAVE10_RATE)", 'to_cents(amount * Decimal("0.10"))'),
    )
    (check,) = assert_only_failures(grade(code, tmp_path), MAGIC)
    assert re.search(r"found 2: 50 \(coupon_discount, line \d+\); '0.10' \(coupon_discount, line \d+\)\.", check["message"])
    assert check["hint"] == GRADER.MAGIC_HINT


def test_cryptic_names_lose_only_the_names_check(tmp_path: Path) -> None:
    code = mutant(tmp_path)
    path = code / KATA.folder / MODULE
    text = path.read_text(encoding="utf-8")
    for old, new in (("after_volume", "s2"), ("after_tier", "s3"), ("shipping_charge", "tmp")):
        text = re.sub(rf"\b{old}\b", new, text)
    path.write_text(text, encoding="utf-8")
    (check,) = assert_only_failures(grade(code, tmp_path), NAMES)
    assert "found 3: 's2' (a variable in price_order, line" in check["message"]
    assert "'s3' (a variable in price_order" in check["message"] and "'tmp' (a variable in price_order" in check["message"]
    assert check["hint"] == GRADER.NAMES_HINT


def test_missing_or_one_word_docstrings_lose_only_the_docstring_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        ('    """Return the sales tax on an amount for a region, rounded to the cent."""\n', ""),
        ('"""Return the shipping band price for an amount after discounts."""', '"""Shipping."""'),
    )
    (check,) = assert_only_failures(grade(code, tmp_path), DOCSTRINGS)
    assert re.search(r"sales_tax \(line \d+\) has none; band_price \(line \d+\) has only 'Shipping\.'", check["message"])


def test_the_legacy_function_moved_to_another_module_is_still_judged(tmp_path: Path) -> None:
    root = tmp_path / "code"
    (root / KATA.folder).mkdir(parents=True)
    shutil.copy(REPO / KATA.folder / MODULE, root / KATA.folder / "legacy_pricing.py")
    (root / KATA.folder / MODULE).write_text('"""Order pricing."""\n\nfrom legacy_pricing import price_order\n')
    run = grade(root, tmp_path)
    checks = assert_only_failures(run, *STRUCTURE)
    for check in checks:
        assert "the 2 files of katas/kata1_clean_code" in check["message"], check["message"]
    assert "price_order (legacy_pricing.py, line 33) has 76 lines" in checks[0]["message"]


# ----------------------------------------------------------------- the rules, on their own

STATE_CODES_AND_IDIOMS = '''
from enum import Enum


class Region(Enum):
    CA = "CA"


def total(prices):
    for i, price in enumerate(prices):
        _ = i
    try:
        return sum(prices)
    except TypeError as e:
        raise ValueError(str(e)) from e
'''


def names_in(text: str) -> list[str]:
    finder = GRADER.NameFinder()
    finder.visit(ast.parse(text))
    return [name for name, *_ in finder.found if GRADER.is_cryptic(name)]


def test_the_names_rule_allows_loop_counters_state_codes_and_the_except_idiom() -> None:
    assert names_in(STATE_CODES_AND_IDIOMS) == []


@pytest.mark.parametrize(
    "snippet, flagged",
    [
        ("x = 1", ["x"]),
        ("def f(order):\n    pass", ["f"]),
        ("def pricing(o):\n    pass", ["o"]),
        ("def pricing(order):\n    tmp = order\n    x2 = tmp\n    d1 = x2", ["tmp", "x2", "d1"]),
        ("class Pricer:\n    def __init__(self):\n        self.qd = 0", ["qd"]),
        ("from decimal import Decimal as D", ["D"]),
        ("total = [n for n in range(3)]", ["n"]),
        ("for line_number, _line in enumerate([]):\n    pass", []),
        ("amount2 = 1\nline_total3 = amount2\nSAVE10 = 'SAVE10'\nX2 = 2", ["amount2", "line_total3", "X2"]),
        ("rate_2011 = 1\nband_for_100_pieces = rate_2011", []),
    ],
)
def test_the_names_rule_flags_short_numbered_and_placeholder_names(snippet: str, flagged: list[str]) -> None:
    assert names_in(snippet) == flagged


MAGIC_FREE = '''
"""Rates from 2011: 5 % and 10 %."""
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

RATE = Decimal("0.05")
BANDS = ((10, Decimal("0.05")), (50, Decimal("0.10")))


class Tier(Enum):
    GOLD = Decimal("0.05")


@dataclass
class Line:
    qty: int = 12


def rounded(amount, places=Decimal("0.01")):
    """Round to 2 places, 0.5 up."""
    if amount > 0:
        return amount.quantize(places) * 1 - Decimal("0.00") + Decimal(1) - 1
    return -1
'''


def magic_in(text: str) -> list[tuple[int, str, str]]:
    tree = ast.parse(text)
    return GRADER.magic_numbers(GRADER.Source("m.py", "m.py", text, tree))


def test_the_magic_number_rule_allows_constants_tables_enums_defaults_docstrings_zero_and_one() -> None:
    assert magic_in(MAGIC_FREE) == []


def test_the_magic_number_rule_flags_numbers_and_numeric_text_in_function_and_lambda_bodies() -> None:
    text = (
        "from decimal import Decimal\n"
        "def tax(amount):\n"
        "    def inner():\n"
        "        return 0.5\n"
        "    return amount * Decimal('0.0725') + inner() + 100\n"
        "class Pricer:\n"
        "    def band(self, net):\n"
        "        return net >= 50\n"
        "KEY = lambda band: band * 2\n"
    )
    assert magic_in(text) == [
        (4, "0.5", "tax.inner"),
        (5, "'0.0725'", "tax"),
        (5, "100", "tax"),
        (8, "50", "Pricer.band"),
        (9, "2", "<lambda>"),
    ]


def test_the_length_rule_does_not_count_blank_lines_comments_or_the_docstring() -> None:
    body = "\n".join(f"    value_{n} = {n}" for n in range(23))
    text = f'def long_enough():\n    """A docstring\n\n    over four lines.\n    """\n\n    # a comment\n{body}\n    return value_1\n'
    source = GRADER.Source("m.py", "m.py", text, ast.parse(text))
    (function,) = GRADER.functions_of(source)
    assert GRADER.code_lines(function, GRADER.docstring_lines(source.tree)) == 25


def test_methods_of_public_classes_are_public_and_nested_functions_are_not() -> None:
    text = "class Pricer:\n    def total(self):\n        def helper():\n            pass\n    def _cache(self):\n        pass\n"
    source = GRADER.Source("m.py", "m.py", text, ast.parse(text))
    assert [(f.name, f.public) for f in GRADER.functions_of(source)] == [
        ("Pricer.total", True), ("Pricer.total.helper", False), ("Pricer._cache", False)
    ]


# ---------------------------------------------------------------------- README and manifest


def test_the_readme_also_shows_the_float_cents_and_result_hints() -> None:
    readme = readme_text((REPO / KATA.folder / "README.md").read_text(encoding="utf-8"))
    for hint in (GRADER.FLOAT_HINT, GRADER.CENTS_HINT, GRADER.RESULT_HINT, GRADER.MUTATION_HINT):
        assert readme_text(hint) in readme


def test_the_readme_states_the_limits_and_the_case_count_the_grader_uses() -> None:
    readme = (REPO / KATA.folder / "README.md").read_text(encoding="utf-8")
    cases = json.loads((REPO / KATA.folder / "characterization_cases.json").read_text(encoding="utf-8"))["cases"]
    assert f"{len(cases)} orders" in readme
    assert f"no function longer than **{GRADER.MAX_FUNCTION_LINES} lines**" in readme
    assert f"cyclomatic complexity above **{GRADER.MAX_COMPLEXITY}**" in readme


def test_every_todo_of_the_starter_matches_a_readme_step() -> None:
    starter = (REPO / KATA.folder / MODULE).read_text(encoding="utf-8")
    readme = (REPO / KATA.folder / "README.md").read_text(encoding="utf-8")
    todos = re.findall(r"# TODO (\d+) \(README step (\d+)\)", starter)
    steps = re.findall(r"^### Step (\d+):", readme, re.MULTILINE)
    assert [todo for todo, _ in todos] == [step for _, step in todos] == steps == ["1", "2", "3", "4", "5", "6"]


def test_the_checks_are_the_behaviour_and_structure_ones_and_structure_weighs_more() -> None:
    declared = KATA.exercise.points
    points = {function.__name__: points_marker(function).args[0] for function in KATA.checks()}
    assert sorted(points) == sorted(BEHAVIOUR + STRUCTURE)
    assert sum(points[c] for c in BEHAVIOUR) < declared / 2 < sum(points[c] for c in STRUCTURE)


def test_a_late_volume_band_prints_exactly_the_failure_the_readme_shows(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("if quantity >= minimum_quantity:", "if quantity > minimum_quantity:"))
    run = grade(code, tmp_path, "-k", "volume")
    check = run.check(KATA_ID, DISCOUNTS)
    shown = "\n".join(
        [f"Clean Code refactoring › {check['title']}  (0/2)", check["message"], f"Hint: {check['hint']}", f"Read: {check['read']}"]
    )
    lines = [line.strip() for line in (REPO / KATA.folder / "README.md").read_text(encoding="utf-8").splitlines()]
    start = lines.index(f"Clean Code refactoring › {check['title']}  (0/2)")
    assert "\n".join(lines[start : start + len(shown.splitlines())]) == shown
