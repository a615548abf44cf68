"""CloudWatch Logs filter pattern syntax: which log events a pattern matches, and what it binds.

The three kinds of "Filter pattern syntax for metric filters, subscription filters, and filter log
events" (CloudWatch Logs User Guide):

- terms: ``ERROR``, ``"Internal Server Error"``, ``ERROR -Exiting`` (must not contain), ``?ERROR
  ?WARN`` (any of), ``%regex%``; case-sensitive, and all the plain terms must appear;
- JSON: ``{ $.level = "ERROR" }``, ``{ $.latency > 500 && ($.user.id = 1 || $.tags[0] = "x*") }``:
  ``=`` and ``!=`` on strings (``*`` a wildcard, ``%regex%``) and numbers, ``<``, ``<=``, ``>``, ``>=``
  on numbers, ``IS TRUE``/``IS FALSE``/``IS NULL``, ``EXISTS``/``NOT EXISTS``; the event must be JSON;
- space-delimited: ``[ip, user, ..., status = 4* || status = 5*, bytes > 1000]``: the event split on
  spaces, a ``"quoted"`` or ``[bracketed]`` part counting as one field, ``...`` standing for any number
  of fields, and conditions on the named fields.

An empty pattern matches every event. ``compile_pattern`` raises FilterPatternError for a pattern
CloudWatch would refuse. A match binds what a metric filter's value and dimensions refer to:
``$.path`` in a JSON event, ``$name`` for a space-delimited field.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MISSING = object()


class FilterPatternError(ValueError):
    pass


@dataclass(frozen=True)
class Match:
    document: Any = MISSING  # the event's JSON, for a JSON pattern
    fields: dict[str, str] = field(default_factory=dict)  # named fields, for a space-delimited pattern

    def resolve(self, reference: str) -> Any:
        """A metric filter's ``metricValue`` or dimension: ``$.path``, ``$field``, or a literal."""
        reference = reference.strip()
        if reference.startswith("$.") or reference == "$":
            if self.document is MISSING:
                return MISSING
            return _select(self.document, _parse_selector(reference))
        if reference.startswith("$"):
            return self.fields.get(reference[1:], MISSING)
        return reference


Pattern = Callable[[str], "Match | None"]


@functools.lru_cache(maxsize=512)
def compile_pattern(text: str | None) -> Pattern:
    text = (text or "").strip()
    if not text:
        return lambda message: Match()
    if text.startswith("{"):
        return _json_pattern(text)
    if text.startswith("["):
        return _space_delimited_pattern(text)
    return _terms_pattern(text)


def matches(pattern: str | None, message: str) -> bool:
    return compile_pattern(pattern)(message) is not None


# Terms ------------------------------------------------------------------------------------------

_TERM = re.compile(r'[?-]?(?:"(?:[^"\\]|\\.)*"|%[^%]*%|[^\s"]+)')


def _terms_pattern(text: str) -> Pattern:
    required: list[Callable[[str], bool]] = []
    excluded: list[Callable[[str], bool]] = []
    optional: list[Callable[[str], bool]] = []
    position = 0
    for token in _TERM.finditer(text):
        if text[position : token.start()].strip():
            raise FilterPatternError(f"Invalid filter pattern: {text}")
        position = token.end()
        term = token.group()
        kind = {"?": optional, "-": excluded}.get(term[0], required)
        if term[0] in "?-":
            term = term[1:]
        if not term:
            raise FilterPatternError(f"Invalid filter pattern: {text}")
        kind.append(_term_matcher(term))
    if text[position:].strip():
        raise FilterPatternError(f"Invalid filter pattern: {text}")

    def match(message: str) -> Match | None:
        if not all(term(message) for term in required) or any(term(message) for term in excluded):
            return None
        if optional and not any(term(message) for term in optional):
            return None
        return Match()

    return match


def _term_matcher(term: str) -> Callable[[str], bool]:
    if len(term) >= 2 and term[0] == term[-1] == "%":
        expression = _regex(term)
        return lambda message: expression.search(message) is not None
    if len(term) >= 2 and term[0] == term[-1] == '"':
        phrase = json.loads(term)
        return lambda message: phrase in message
    return lambda message: term in message


def _regex(term: str) -> re.Pattern[str]:
    try:
        return re.compile(term[1:-1])
    except re.error as error:
        raise FilterPatternError(f"Invalid regular expression {term}: {error}") from None


# Values compared in JSON and space-delimited patterns -------------------------------------------

_OPERATORS = ("!=", "<=", ">=", "=", "<", ">")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")


def _comparison(operator: str, literal: str) -> Callable[[Any], bool]:
    """A test of one value (a JSON value, or a space-delimited field's text) against a literal."""
    relation = "=" if operator == "!=" else operator
    if len(literal) >= 2 and literal[0] == literal[-1] == "%":
        if relation != "=":
            raise FilterPatternError(f"A regular expression only compares with = or !=, not {operator}")
        expression = _regex(literal)

        def found(value: Any) -> bool:
            return isinstance(value, str) and expression.search(value) is not None

    elif _NUMBER.match(literal):
        number = float(literal)

        def found(value: Any) -> bool:
            given = _number_of(value)
            return given is not None and _compare(relation, given, number)

    else:
        if relation != "=":
            raise FilterPatternError(f"{operator} compares numbers; {literal} is not a number")
        text = json.loads(literal) if literal.startswith('"') else literal
        wildcard = re.compile("^" + ".*".join(re.escape(part) for part in text.split("*")) + "$", re.DOTALL)

        def found(value: Any) -> bool:
            given = _text_of(value)
            return given is not None and wildcard.match(given) is not None

    if operator == "!=":
        return lambda value: value is not MISSING and not found(value)
    return lambda value: value is not MISSING and found(value)


def _compare(operator: str, value: float, number: float) -> bool:
    return {
        "=": value == number,
        "!=": value != number,
        "<": value < number,
        "<=": value <= number,
        ">": value > number,
        ">=": value >= number,
    }[operator]


def _number_of(value: Any) -> float | None:
    if isinstance(value, bool) or value is None or value is MISSING:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        return float(value)
    return None


def _text_of(value: Any) -> str | None:
    if value is MISSING or isinstance(value, (dict, list)):
        return None
    return json.dumps(value) if not isinstance(value, str) else value


# JSON -------------------------------------------------------------------------------------------

_JSON_TOKEN = re.compile(
    r'\s*(?:(?P<op>&&|\|\||!=|<=|>=|=|<|>|\(|\))|(?P<string>"(?:[^"\\]|\\.)*")|(?P<regex>%[^%]*%)'
    r"|(?P<word>[^\s()=!<>&|\"]+))"
)


def _json_pattern(text: str) -> Pattern:
    if not text.endswith("}"):
        raise FilterPatternError(f"Invalid filter pattern: {text}")
    tokens = _tokens(text[1:-1], text)
    parser = _JsonParser(tokens, text)
    test = parser.expression()
    if parser.position != len(tokens):
        raise FilterPatternError(f"Invalid filter pattern: {text}")

    def match(message: str) -> Match | None:
        try:
            document = json.loads(message)
        except ValueError:
            return None
        if not isinstance(document, (dict, list)):
            return None
        return Match(document=document) if test(document) else None

    return match


def _tokens(body: str, text: str) -> list[str]:
    tokens, position = [], 0
    while body[position:].strip():
        found = _JSON_TOKEN.match(body, position)
        if not found or found.end() == position:
            raise FilterPatternError(f"Invalid filter pattern: {text}")
        tokens.append(found.group().strip())
        position = found.end()
    return tokens


class _JsonParser:
    """expression := term ('||' term)*; term := factor ('&&' factor)*; factor := '(' expression ')' | test."""

    def __init__(self, tokens: list[str], text: str) -> None:
        self.tokens, self.text, self.position = tokens, text, 0

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise FilterPatternError(f"Invalid filter pattern: {self.text}")
        self.position += 1
        return token

    def expression(self) -> Callable[[Any], bool]:
        tests = [self.term()]
        while self.peek() == "||":
            self.take()
            tests.append(self.term())
        return tests[0] if len(tests) == 1 else (lambda document: any(test(document) for test in tests))

    def term(self) -> Callable[[Any], bool]:
        tests = [self.factor()]
        while self.peek() == "&&":
            self.take()
            tests.append(self.factor())
        return tests[0] if len(tests) == 1 else (lambda document: all(test(document) for test in tests))

    def factor(self) -> Callable[[Any], bool]:
        if self.peek() == "(":
            self.take()
            inner = self.expression()
            if self.take() != ")":
                raise FilterPatternError(f"Invalid filter pattern: {self.text}")
            return inner
        selector = self.take()
        if not selector.startswith("$"):
            raise FilterPatternError(f"Invalid filter pattern: {self.text} ({selector!r} is not a $. selector)")
        path = _parse_selector(selector)
        word = self.take()
        if word in _OPERATORS:
            compare = _comparison(word, self.take())
            return lambda document: compare(_select(document, path))
        if word.upper() == "IS":
            expected = {"TRUE": True, "FALSE": False, "NULL": None}.get(self.take().upper(), MISSING)
            if expected is MISSING:
                raise FilterPatternError(f"Invalid filter pattern: {self.text}")
            return lambda document: (value := _select(document, path)) is not MISSING and value is expected
        if word.upper() == "EXISTS":
            return lambda document: _select(document, path) is not MISSING
        if word.upper() == "NOT" and self.take().upper() == "EXISTS":
            return lambda document: _select(document, path) is MISSING
        raise FilterPatternError(f"Invalid filter pattern: {self.text}")


_SELECTOR_PART = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def _parse_selector(selector: str) -> tuple[str | int, ...]:
    if not selector.startswith("$"):
        raise FilterPatternError(f"Invalid selector {selector}")
    parts: list[str | int] = []
    position = 1
    while position < len(selector):
        found = _SELECTOR_PART.match(selector, position)
        if not found:
            raise FilterPatternError(f"Invalid selector {selector}")
        parts.append(found.group(1) if found.group(1) is not None else int(found.group(2)))
        position = found.end()
    return tuple(parts)


def _select(document: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        if isinstance(part, int) and isinstance(document, list) and part < len(document):
            document = document[part]
        elif isinstance(part, str) and isinstance(document, dict) and part in document:
            document = document[part]
        else:
            return MISSING
    return document


# Space-delimited --------------------------------------------------------------------------------

ELLIPSIS = "..."
_EVENT_FIELD = re.compile(r'"([^"]*)"|\[([^\]]*)\]|(\S+)')
_FIELD_CONDITION = re.compile(r'^\s*([A-Za-z_][\w-]*)\s*(!=|<=|>=|=|<|>)\s*("(?:[^"\\]|\\.)*"|%[^%]*%|[^\s&|]+)\s*$')


@dataclass(frozen=True)
class _Field:
    name: str
    test: Callable[[dict[str, str]], bool] | None = None


def _space_delimited_pattern(text: str) -> Pattern:
    if not text.endswith("]"):
        raise FilterPatternError(f"Invalid filter pattern: {text}")
    fields = [
        _space_field(part.strip(), index, text) for index, part in enumerate(_split_outside_quotes(text[1:-1], ","))
    ]

    def match(message: str) -> Match | None:
        values = [
            next(group for group in found.groups() if group is not None) for found in _EVENT_FIELD.finditer(message)
        ]
        for bound in _alignments(fields, values):
            if all(item.test is None or item.test(bound) for item in fields):
                return Match(fields=bound)
        return None

    return match


def _space_field(part: str, index: int, text: str) -> _Field:
    if part == ELLIPSIS:
        return _Field(ELLIPSIS)
    if not part:
        return _Field(f"${index + 1}")
    alternatives = []
    for alternative in _split_outside_quotes(part, "||"):
        conditions = []
        for condition in _split_outside_quotes(alternative, "&&"):
            found = _FIELD_CONDITION.match(condition)
            if not found:
                if re.fullmatch(r"\s*[A-Za-z_][\w-]*\s*", condition) and len(_split_outside_quotes(part, "&&")) == 1:
                    return _Field(condition.strip())
                raise FilterPatternError(f"Invalid filter pattern: {text}")
            conditions.append((found.group(1), _comparison(found.group(2), found.group(3))))
        alternatives.append(conditions)
    name = alternatives[0][0][0]

    def test(bound: dict[str, str]) -> bool:
        return any(
            all(compare(bound.get(field_name, MISSING)) for field_name, compare in conditions)
            for conditions in alternatives
        )

    return _Field(name, test)


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    parts, current, quoted, position = [], "", False, 0
    while position < len(text):
        if text[position] == '"':
            quoted = not quoted
        if not quoted and text.startswith(separator, position):
            parts.append(current)
            current, position = "", position + len(separator)
            continue
        current += text[position]
        position += 1
    parts.append(current)
    return parts


def _alignments(fields: list[_Field], values: list[str]) -> Any:
    """Every way to give each named field one value and each ``...`` any number of them, in order."""

    def walk(field_index: int, value_index: int, bound: dict[str, str]) -> Any:
        if field_index == len(fields):
            if value_index == len(values):
                yield dict(bound)
            return
        item = fields[field_index]
        if item.name == ELLIPSIS:
            for end in range(value_index, len(values) + 1):
                yield from walk(field_index + 1, end, bound)
            return
        if value_index < len(values):
            bound[item.name] = values[value_index]
            yield from walk(field_index + 1, value_index + 1, bound)
            del bound[item.name]

    return walk(0, 0, {})


def numeric(value: Any) -> float | None:
    """A metric value from what a pattern bound: a number, or text that reads as one."""
    number = _number_of(value)
    return number if number is not None and math.isfinite(number) else None
