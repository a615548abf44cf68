"""Kata 1 grader: the legacy order pricing, refactored without changing a single result.

Behaviour checks call ``price_order`` on the frozen characterization cases (characterization_cases.json,
beside this file: orders and the results the legacy code returned for them) and compare every amount
exactly. Structure checks read the student's Python files with ``ast`` and radon and judge five Clean
Code rules. Any refactor that keeps the results and follows the rules gets full marks, whatever its
shape: helper functions, tables, dataclasses, Enums, classes.
Run it with ``course grade kata1`` or ``pytest katas/kata1_clean_code``.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest
from radon.complexity import cc_visit

from harness import expect, fail, student_error_summary
from harness.exercise_files import ExerciseFiles
from harness.kit.messages import readme_step, short
from harness.student.proxy import RemoteObject, StudentError, StudentExited
from harness.student_files import is_grader_file

MODULE = "order_pricing.py"
FUNCTION = "price_order"
PARAMETER = "order"
README = "katas/kata1_clean_code/README.md"
CASES_FILE = Path(os.path.abspath(__file__)).with_name("characterization_cases.json")  # locked with this file
RESULT_KEYS = ("subtotal", "discount", "tax", "shipping", "total")
IMPORTS = "test_order_pricing_imports_and_keeps_price_order"
TYPICAL = "test_typical_orders_are_priced_as_before"

# The rules. README.md states the same limits.
MAX_FUNCTION_LINES = 25
MAX_COMPLEXITY = 7
ALLOWED_NUMBERS = frozenset({Decimal(0), Decimal(1)})  # and their negatives
ALLOWED_SHORT_NAMES = frozenset({"i", "j", "k", "id", "ok", "db", "io"})
EXCEPTION_NAMES = frozenset({"e", "ex", "exc", "err"})  # `except ValueError as e` is an idiom
CRYPTIC_NAME = re.compile(r"[a-z_]*[a-z]\d+|(tmp|temp|foo|bar|baz|qux|stuff|thing)\d*")
# An upper-case constant may carry a code's digits (SAVE10 is the coupon SAVE10): only X2-style ones are cryptic.
CRYPTIC_CONSTANT = re.compile(r"[a-z]{1,2}\d+|(tmp|temp|foo|bar|baz|qux|stuff|thing)\d*")
NUMERIC_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
MIN_DOCSTRING_WORDS = 2
LISTED = 8  # offenders named in one message
LISTED_CASES = 3  # differing orders shown in one message
ORDER_CHARS = 260  # of an order's JSON shown in a message

step = functools.partial(readme_step, README)

RULES = f"{README}, The pricing rules"

# ------------------------------------------------------------------------------------------ hints
# Shown to students when a check fails. README.md lists them too; tests/exercises/test_every_exercise.py
# keeps the two in step.

IMPORT_HINT = (
    "Keep the public function as the legacy code declares it, def price_order(order): in order_pricing.py; "
    "run `python -c \"import order_pricing\"` in the kata folder to see why it does not import."
)
TYPICAL_HINT = (
    "A refactoring changes the shape of the code, never its results: undo your last step (`git diff` shows "
    "it), grade again, and redo it in smaller steps, grading after each one."
)
EDGE_HINT = (
    "Lines with qty 0 or below are skipped (a missing qty counts as 0); missing or null lines, tier, coupon "
    "or region mean none; shipping is charged whenever at least one piece ships, even on a 0.00 order."
)
DISCOUNT_HINT = (
    "Volume discounts are per line: 15 % from 100 pieces, 10 % from 50, 5 % from 10 (>=, not >), added up "
    "over the lines and rounded to the cent once, before the tier discount."
)
TIER_COUPON_HINT = (
    "Tier discount: silver 3 %, gold 5 %, platinum 8 % of the amount after volume discounts; SAVE10 (10 % "
    "from 50.00) and TAKE5 (5.00 off from 25.00, >=) look at the amount after the tier discount; tier and "
    "coupon ignore case and surrounding spaces."
)
TAX_SHIPPING_HINT = (
    "Tax and the shipping band both use the amount after every discount; tax by region, ignoring case and "
    "spaces (5 % where no rate is listed); shipping 9.99 below 50.00, 4.99 from 50.00, free from 100.00 or "
    "for platinum or FREESHIP, plus 15.00 to AK and HI."
)
ROUNDING_HINT = (
    "Round with quantize(Decimal('0.01'), rounding=ROUND_HALF_UP) at exactly the legacy points (subtotal, "
    "volume discount total, tier discount, SAVE10, tax), never through float or round(): 0.725 is 0.73."
)
LENGTH_HINT = (
    "Extract Function: move each commented block of a long function (order lines, tier, coupon, tax, "
    "shipping) into a function named after what it computes, and call them from price_order."
)
COMPLEXITY_HINT = (
    "Each if, elif, for, while, and, or and conditional expression adds 1: replace if/elif chains with a "
    "table (a dict of rates) and move decisions into small functions; `radon cc -s order_pricing.py` shows "
    "every function's score."
)
MAGIC_HINT = (
    "Name each number at module level (GOLD_DISCOUNT_RATE = Decimal('0.05'), FREE_SHIPPING_FROM = "
    "Decimal('100.00')) or keep related ones in a table; only 0 and 1 may stay in a function body."
)
NAMES_HINT = (
    "Rename each one after what it holds (s -> subtotal, qd -> volume_discount, r -> region); your editor's "
    "Rename refactoring changes every use at once. Only i, j, k and _ may be a single letter."
)
DOCSTRING_HINT = (
    "Open every public function (name without a leading underscore) with a docstring that says what it "
    "returns, e.g. \"\"\"Return the sales tax on an amount for a region, rounded to the cent.\"\"\""
)
FLOAT_HINT = (
    "Keep money in Decimal from start to end: a float cannot hold 0.1 exactly, so results drift by a cent "
    "and come back as float instead of Decimal."
)
CENTS_HINT = (
    "Every amount in the result has two decimal places, Decimal('0.00') and not Decimal('0'): quantize to "
    "Decimal('0.01'), or start from Decimal('0.00') as the legacy code does."
)
RESULT_HINT = "price_order returns a dict with exactly the keys subtotal, discount, tax, shipping and total."
MUTATION_HINT = (
    "Leave the order you are given as it was: read from it and build new dicts and lists for what you normalise "
    "(dict(order), [dict(line) for line in lines]), never assign into it, pop from it or sort it in place."
)

# ----------------------------------------------------------------------------- the frozen cases


@functools.cache
def cases_by_group() -> dict[str, list[dict[str, Any]]]:
    data = json.loads(CASES_FILE.read_text(encoding="utf-8"))
    groups: dict[str, list[dict[str, Any]]] = {group: [] for group in data["groups"]}
    for case in data["cases"]:
        groups[case["group"]].append(case)
    return groups


def shown_order(order: dict[str, Any]) -> str:
    """The order as the cases file writes it (JSON), cut to a line or two."""
    text = json.dumps(order)
    return text if len(text) <= ORDER_CHARS else text[: ORDER_CHARS - 3] + "..."


@dataclass
class Difference:
    text: str
    hint: str | None = None


def shown_amount(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"Decimal('{value}')"
    if isinstance(value, float):
        return f"{value!r} (a float)"
    return f"{short(value, 60)} (a {type(value).__name__})"


def difference(result: Any, expected: dict[str, str]) -> Difference | None:
    """How a result differs from the legacy one; None when it is identical (same keys, same Decimals)."""
    if not isinstance(result, dict):
        return Difference(f"returned {short(result, 120)} instead of a dict", RESULT_HINT)
    if set(result) != set(RESULT_KEYS):
        return Difference(f"returned a dict with the keys {sorted(result)}, not {list(RESULT_KEYS)}", RESULT_HINT)
    wrong = []
    hint = None
    for key in RESULT_KEYS:
        got, want = result[key], Decimal(expected[key])
        if isinstance(got, Decimal) and not isinstance(got, bool) and str(got) == str(want):
            continue
        wrong.append(f"{key} {shown_amount(got)} instead of Decimal('{want}')")
        if isinstance(got, float):
            hint = FLOAT_HINT
        elif hint is None and isinstance(got, (Decimal, int)) and not isinstance(got, bool) and got == want:
            hint = CENTS_HINT
    if not wrong:
        return None
    return Difference("returned " + ", ".join(wrong), hint)


def is_function(value: Any) -> bool:
    """A callable in the student process (any attribute that is not plain data arrives as a RemoteObject)."""
    return isinstance(value, RemoteObject) and value.is_callable


def price_order_of(exercise: ExerciseFiles) -> RemoteObject:
    module = exercise.load(MODULE)
    function = getattr(module, FUNCTION, None)
    expect(is_function(function), f"Expected {exercise.shown(MODULE)} to define {FUNCTION}(order).", hint=IMPORT_HINT)
    return function


def plain_result(result: Any) -> Any:
    """A dict subclass (OrderedDict, defaultdict) stays in the student process: its items, copied here."""
    if isinstance(result, RemoteObject) and result.is_instance_of(dict):
        return dict(list(result.items()))
    return result


def check_group(exercise: ExerciseFiles, group: str, what: str) -> None:
    """Every case of the group priced exactly as the legacy code priced it; else the first few that differ."""
    price_order = price_order_of(exercise)
    cases = cases_by_group()[group]
    failures: list[tuple[dict[str, Any], Difference]] = []
    for case in cases:
        try:
            # The student process gets its own copy of the order, and sends it back as the call left it.
            returned, arguments = price_order.call_and_see_arguments(case["order"])
            result = plain_result(returned)
        except StudentExited:
            raise  # the process is gone: the harness reports the exit, no other case can run
        except StudentError as error:  # the student's code raised: that case differs, the others run
            failures.append((case, Difference(f"raised {student_error_summary(error)}")))
            continue
        found = difference(result, case["expected"])
        if found is None and arguments[:1] != [case["order"]]:
            changed = shown_order(arguments[0]) if arguments else "something else"
            found = Difference(f"returned the legacy result but changed the order it was given into {changed}", MUTATION_HINT)
        if found is not None:
            failures.append((case, found))
    if not failures:
        return
    lines = [f"Expected the legacy results for all {len(cases)} {what}; {len(failures)} differ:"]
    for case, found in failures[:LISTED_CASES]:
        lines.append(f"- {case['id']} ({case['note']}): {FUNCTION}({shown_order(case['order'])}) {found.text}.")
    if len(failures) > LISTED_CASES:
        lines.append(f"- ... and {len(failures) - LISTED_CASES} more (all in {CASES_FILE.name}, group {group!r}).")
    fail("\n".join(lines), hint=next((found.hint for _, found in failures if found.hint), None))


# --------------------------------------------------------------------------- the student's code


@dataclass
class Source:
    relative: str  # inside the kata folder
    shown: str  # as the student sees it
    text: str
    tree: ast.Module


@dataclass
class StudentCode:
    """The student's Python files, and how a message names a place in them."""

    sources: list[Source]
    folder: str

    @property
    def shown(self) -> str:
        return self.sources[0].shown if len(self.sources) == 1 else f"the {len(self.sources)} files of {self.folder}"

    def place(self, source: Source, line: int) -> str:
        return f"line {line}" if len(self.sources) == 1 else f"{source.relative}, line {line}"


@dataclass
class FunctionInfo:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    name: str  # qualified: Class.method, outer.inner
    source: Source
    public: bool


def student_code(exercise: ExerciseFiles) -> StudentCode:
    """Every Python file of the student's kata folder: helpers moved to another module count too."""
    folder = exercise.folder
    paths = sorted(
        path for path in folder.rglob("*.py")
        if not is_grader_file(path)
        and not any(part.startswith(".") or part == "__pycache__" for part in path.relative_to(folder).parts)
    )
    sources = []
    for path in paths:
        relative = path.relative_to(folder).as_posix()
        shown = exercise.shown(relative)
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            tree = ast.parse(text, filename=shown)
        except SyntaxError as error:
            fail(
                f"{shown} has a syntax error on line {error.lineno}: {error.msg}; the rules are judged on code that parses.",
                hint=f"Run `python -m py_compile {shown}` and fix the line it names.",
            )
        sources.append(Source(relative, shown, text, tree))
    expect(sources, f"Found no Python file in {exercise.shown(MODULE)}'s folder.", hint=IMPORT_HINT)
    return StudentCode(sources, str(Path(exercise.shown(MODULE)).parent.as_posix()))


def functions_of(source: Source) -> list[FunctionInfo]:
    found: list[FunctionInfo] = []

    def visit(node: ast.AST, prefix: str, public_scope: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                public = public_scope and not child.name.startswith("_")
                found.append(FunctionInfo(child, prefix + child.name, source, public))
                visit(child, f"{prefix}{child.name}.", False)  # nested functions are not public
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.", public_scope and not child.name.startswith("_"))
            else:
                visit(child, prefix, public_scope)

    visit(source.tree, "", True)
    return found


def docstring_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


def code_lines(function: FunctionInfo, skipped: set[int]) -> int:
    """Lines of a function from its def to its end, not counting blank lines, comments and docstrings."""
    text_lines = function.source.text.splitlines()
    count = 0
    for number in range(function.node.lineno, (function.node.end_lineno or function.node.lineno) + 1):
        stripped = text_lines[number - 1].strip() if number <= len(text_lines) else ""
        if stripped and not stripped.startswith("#") and number not in skipped:
            count += 1
    return count


def listed(items: list[str]) -> str:
    shown = "; ".join(items[:LISTED])
    return shown + (f"; and {len(items) - LISTED} more" if len(items) > LISTED else "")


def complexities(source: Source) -> Iterator[tuple[str, int, int]]:
    """(name, line, cyclomatic complexity) of every function and method, closures included (radon)."""
    seen: set[tuple[str, int]] = set()

    def walk(blocks: list[Any], prefix: str = "") -> Iterator[tuple[str, int, int]]:
        for block in blocks:
            if hasattr(block, "methods"):  # a class
                yield from walk([*block.methods, *block.inner_classes], f"{prefix}{block.name}.")
                continue
            name = f"{prefix}{block.name}" if prefix or not block.is_method else f"{block.classname}.{block.name}"
            if (block.name, block.lineno) not in seen:
                seen.add((block.name, block.lineno))
                yield name, block.lineno, block.complexity
            yield from walk(block.closures, f"{name}.")

    yield from walk(sorted(cc_visit(source.text), key=lambda block: block.lineno))


class NumberFinder(ast.NodeVisitor):
    """Numbers, and numbers written as text (Decimal('0.15')), inside function bodies."""

    def __init__(self, docstrings: set[int]) -> None:
        self.docstrings = docstrings
        self.scopes: list[tuple[str, bool]] = []  # (qualified name, is a function)
        self.found: list[tuple[int, str, str]] = []  # (line, the literal as written, function)

    def _enter(self, name: str, is_function: bool, body: list[ast.AST]) -> None:
        qualified = f"{self.scopes[-1][0]}.{name}" if self.scopes else name
        self.scopes.append((qualified, is_function))
        for node in body:
            self.visit(node)
        self.scopes.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        # decorators and default values run when the function is defined, outside its body
        self._enter(node.name, True, node.body)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._enter("<lambda>", True, [node.body])

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._enter(node.name, False, node.body)

    def visit_Constant(self, node: ast.Constant) -> None:
        if not (self.scopes and self.scopes[-1][1]):
            return  # module level or a class body: constants, tables, Enum members, dataclass defaults
        number = literal_number(node, self.docstrings)
        if number is not None and abs(number) not in ALLOWED_NUMBERS:
            self.found.append((node.lineno, repr(node.value), self.scopes[-1][0]))


def literal_number(node: ast.Constant, docstrings: set[int]) -> Decimal | None:
    value = node.value
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if isinstance(value, str) and node.lineno not in docstrings and NUMERIC_TEXT.fullmatch(value.strip()):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None


def magic_numbers(source: Source) -> list[tuple[int, str, str]]:
    finder = NumberFinder(docstring_lines(source.tree))
    finder.visit(source.tree)
    return finder.found


class NameFinder(ast.NodeVisitor):
    """Every name the code gives something: functions, classes, parameters, variables, attributes, aliases."""

    def __init__(self) -> None:
        self.scopes: list[str] = []
        self.found: list[tuple[str, int, str, str]] = []  # (name, line, kind, where)

    def _add(self, name: str | None, node: ast.AST, kind: str) -> None:
        if name:
            self.found.append((name, getattr(node, "lineno", 0), kind, ".".join(self.scopes)))

    def _scoped(self, name: str, node: ast.AST) -> None:
        self.scopes.append(name)
        self.generic_visit(node)
        self.scopes.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._add(node.name, node, "function")
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.scopes.append(node.name)
        self.visit(node.args)
        for statement in node.body:
            self.visit(statement)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._add(node.name, node, "class")
        self._scoped(node.name, node)

    def visit_arg(self, node: ast.arg) -> None:
        if node.arg not in ("self", "cls"):
            self._add(node.arg, node, "parameter")

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Store):
            self._add(node.id, node, "variable")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.ctx, ast.Store) and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
            self._add(node.attr, node, "attribute")
        self.generic_visit(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name and node.name not in EXCEPTION_NAMES:
            self._add(node.name, node, "exception")
        self.generic_visit(node)

    def visit_alias(self, node: ast.alias) -> None:
        if node.asname:
            self._add(node.asname, node, "import alias")


def is_cryptic(name: str) -> bool:
    base = name.strip("_")
    if not base or base in ALLOWED_SHORT_NAMES:
        return False
    if len(base) == 2 and base.isalpha() and base.isupper():
        return False  # a two-letter code as a constant or Enum member: CA, NY, AK
    pattern = CRYPTIC_CONSTANT if base.isupper() else CRYPTIC_NAME
    return len(base) <= 2 or bool(pattern.fullmatch(base.lower()))


# ------------------------------------------------------------------------------------- behaviour


@pytest.mark.points(1, hint=IMPORT_HINT, read=step(1))
def test_order_pricing_imports_and_keeps_price_order(exercise: ExerciseFiles) -> None:
    """order_pricing.py imports and still defines price_order(order)"""
    module = exercise.load(MODULE)
    function = getattr(module, FUNCTION, None)
    expect(
        is_function(function),
        f"Expected {exercise.shown(MODULE)} to define {FUNCTION}(order), the public function every caller uses; "
        f"it defines {module.names()}.",
    )
    described = function.describe()
    if described["signature"] is None:
        return  # a callable without a signature (a C function): the behaviour checks will judge it
    parameters = described["parameters"]
    first_ok = bool(parameters) and parameters[0]["name"] == PARAMETER and parameters[0]["kind"] == "POSITIONAL_OR_KEYWORD"
    others_optional = all(p["has_default"] or p["kind"] in ("VAR_POSITIONAL", "VAR_KEYWORD") for p in parameters[1:])
    expect(
        first_ok and others_optional,
        f"Expected {FUNCTION} to keep the legacy signature {FUNCTION}(order), since callers pass the order by "
        f"position or as order=...; it is declared {FUNCTION}{described['signature']}.",
    )


@pytest.mark.points(2, hint=TYPICAL_HINT, read=step(1), requires=IMPORTS)
def test_typical_orders_are_priced_as_before(exercise: ExerciseFiles) -> None:
    """typical orders are priced exactly as the legacy code priced them"""
    check_group(exercise, "typical", "typical orders (generated: 1 to 4 lines, every tier, coupon and region)")


@pytest.mark.points(2, hint=EDGE_HINT, read=RULES, requires=IMPORTS)
def test_edge_cases_keep_their_results(exercise: ExerciseFiles) -> None:
    """edge cases keep their results (empty order, zero and negative quantities, free items)"""
    check_group(exercise, "edge", "edge-case orders")


@pytest.mark.points(2, hint=DISCOUNT_HINT, read=RULES, requires=IMPORTS)
def test_volume_discounts_keep_their_bands(exercise: ExerciseFiles) -> None:
    """volume discounts keep their bands (10, 50 and 100 pieces)"""
    check_group(exercise, "discounts", "volume-discount orders (quantities around 10, 50 and 100)")


@pytest.mark.points(2, hint=TIER_COUPON_HINT, read=RULES, requires=IMPORTS)
def test_loyalty_tiers_and_coupons_keep_their_rules(exercise: ExerciseFiles) -> None:
    """loyalty tiers and coupons keep their rates and minimums"""
    check_group(exercise, "tiers_coupons", "orders with a loyalty tier or a coupon")


@pytest.mark.points(2, hint=TAX_SHIPPING_HINT, read=RULES, requires=IMPORTS)
def test_tax_and_shipping_are_unchanged(exercise: ExerciseFiles) -> None:
    """sales tax by region and shipping bands are unchanged"""
    check_group(exercise, "tax_shipping", "orders testing regions and shipping bands")


@pytest.mark.points(2, hint=ROUNDING_HINT, read=RULES, requires=IMPORTS)
def test_half_cents_still_round_half_up(exercise: ExerciseFiles) -> None:
    """half-cent amounts still round half up to the cent"""
    check_group(exercise, "rounding", "orders with an amount that ends in exactly half a cent")


# ------------------------------------------------------------------------------------- structure
# Judged only once typical orders are priced as before: a short file that prices nothing is no refactor.


@pytest.mark.points(4, hint=LENGTH_HINT, read=step(5), requires=TYPICAL)
def test_no_function_is_too_long(exercise: ExerciseFiles) -> None:
    """no function is longer than 25 lines"""
    code = student_code(exercise)
    too_long = []
    for source in code.sources:
        skipped = docstring_lines(source.tree)
        for function in functions_of(source):
            length = code_lines(function, skipped)
            if length > MAX_FUNCTION_LINES:
                too_long.append(f"{function.name} ({code.place(source, function.node.lineno)}) has {length} lines")
    expect(
        not too_long,
        f"Expected every function in {code.shown} to be at most {MAX_FUNCTION_LINES} lines long (from def to "
        f"its end, not counting blank lines, comments and the docstring): {listed(too_long)}.",
    )


@pytest.mark.points(4, hint=COMPLEXITY_HINT, read=step(5), requires=TYPICAL)
def test_every_function_is_simple_enough(exercise: ExerciseFiles) -> None:
    """every function's cyclomatic complexity is at most 7"""
    code = student_code(exercise)
    too_complex = []
    for source in code.sources:
        for name, line, complexity in complexities(source):
            if complexity > MAX_COMPLEXITY:
                too_complex.append(f"{name} ({code.place(source, line)}) scores {complexity}")
    expect(
        not too_complex,
        f"Expected every function in {code.shown} to have a cyclomatic complexity (radon) of at most "
        f"{MAX_COMPLEXITY}: {listed(too_complex)}.",
    )


@pytest.mark.points(4, hint=MAGIC_HINT, read=step(3), requires=TYPICAL)
def test_no_magic_numbers_in_function_bodies(exercise: ExerciseFiles) -> None:
    """no magic numbers in function bodies: numbers are named constants"""
    code = student_code(exercise)
    found = []
    for source in code.sources:
        for line, literal, function in magic_numbers(source):
            found.append(f"{literal} ({function}, {code.place(source, line)})")
    expect(
        not found,
        f"Expected no number but 0 and 1 in the function bodies of {code.shown}, whether written as a number "
        f"or as text as in Decimal('0.15'); found {len(found)}: {listed(found)}.",
    )


@pytest.mark.points(3, hint=NAMES_HINT, read=step(2), requires=TYPICAL)
def test_names_say_what_they_hold(exercise: ExerciseFiles) -> None:
    """names say what they hold (no l, s, qd, tmp or x2)"""
    code = student_code(exercise)
    cryptic: dict[tuple[str, str], str] = {}
    for source in code.sources:
        finder = NameFinder()
        finder.visit(source.tree)
        for name, line, kind, where in finder.found:
            if is_cryptic(name) and (source.relative, name) not in cryptic:
                inside = f" in {where}" if where else ""
                cryptic[(source.relative, name)] = f"{name!r} (a {kind}{inside}, {code.place(source, line)})"
    found = list(cryptic.values())
    expect(
        not found,
        f"Expected names in {code.shown} that say what they hold: not one or two letters (except i, j, k and _), "
        f"nor tmp, x2 or d1; found {len(found)}: {listed(found)}.",
    )


@pytest.mark.points(3, hint=DOCSTRING_HINT, read=step(6), requires=TYPICAL)
def test_public_functions_have_docstrings(exercise: ExerciseFiles) -> None:
    """every public function has a docstring"""
    code = student_code(exercise)
    missing = []
    for source in code.sources:
        for function in functions_of(source):
            if not function.public:
                continue
            docstring = (ast.get_docstring(function.node) or "").strip()
            if len(docstring.split()) < MIN_DOCSTRING_WORDS:
                what = f"has only {docstring!r}" if docstring else "has none"
                missing.append(f"{function.name} ({code.place(source, function.node.lineno)}) {what}")
    expect(
        not missing,
        f"Expected a docstring of at least {MIN_DOCSTRING_WORDS} words on every public function in {code.shown}: "
        f"{listed(missing)}.",
    )
