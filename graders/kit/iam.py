"""IAM policies read and evaluated the way IAM evaluates one policy, for every grader that judges one.

The emulators store policies but never enforce them and moto has no policy simulator, so graders ask
this evaluator what a student's document allows, action by action and ARN by ARN, and never look at
how the JSON is written. tests/test_kit_iam.py tests it on cases IAM's documentation settles.

The subset of IAM's policy language the course needs, evaluated the way IAM does for one policy:
- Allow and Deny statements with Action or NotAction, Resource or NotResource, and (in trust
  policies) Principal or NotPrincipal, each a string or a list of strings;
- `*` (any run of characters) and `?` (one character) in all of them; actions compare
  case-insensitively, ARNs and principals case-sensitively; an ARN is compared segment by segment
  (arn:partition:service:region:account:resource), a `*` spanning colons only in the last one;
- an explicit Deny wins over any Allow, and what no statement allows is denied (default deny);
- Condition blocks are not evaluated. A statement with a Condition may or may not apply, so
  "allowed" below means allowed whatever the conditions say (a conditional Allow does not count,
  a conditional Deny might apply), and "possibly allowed" means allowed if the conditions favour it.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

POLICY_VERSION = "2012-10-17"
STATEMENT_KEYS = {
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
}
PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")
ACTION_PATTERN = re.compile(r"^(\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+)$")
ASSUME_ACTIONS = ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML")
ANYONE = ("*", "*")  # the principal "*": anybody at all


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def string_list(value: Any) -> tuple[str, ...] | None:
    """A policy element as a tuple of strings, or None when it is something else (a number, {})."""
    values = as_list(value)
    if not values or not all(isinstance(item, str) for item in values):
        return None
    return tuple(values)


def shown(value: Any, limit: int = 70) -> str:
    """A value as JSON, clipped inside its quotes so that a message stays readable."""
    if isinstance(value, str) and len(value) > limit:
        value = value[: limit - 3] + "..."
    text = json.dumps(value)
    return text if len(text) <= limit + 20 else text[: limit + 17] + "..."


def glob_match(pattern: str, text: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcards: `*` any run of characters (none included), `?` exactly one."""
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.fullmatch(regex, text, re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None


def action_matches(pattern: str, action: str) -> bool:
    return glob_match(pattern, action, ignore_case=True)


def resource_matches(pattern: str, arn: str) -> bool:
    """`*` matches every resource; otherwise the six ARN segments match one by one."""
    if pattern == "*":
        return True
    pattern_parts, arn_parts = pattern.split(":", 5), arn.split(":", 5)
    if len(pattern_parts) < 6 or len(arn_parts) < 6:
        return glob_match(pattern, arn)
    return all(glob_match(p, a) for p, a in zip(pattern_parts, arn_parts))


def _principal_value(kind: str, value: str) -> str:
    if kind == "AWS" and re.fullmatch(r"\d{12}", value):
        return f"arn:aws:iam::{value}:root"  # an account id stands for the account's root
    return value


def principal_matches(kind: str, pattern: str, principal: tuple[str, str]) -> bool:
    if kind == "*":
        return True
    wanted_kind, wanted = principal
    if pattern == "*" and kind == "AWS":
        return True  # "AWS": "*" is anybody, signed in or not
    return kind == wanted_kind and glob_match(_principal_value(kind, pattern), _principal_value(kind, wanted))


@dataclass(frozen=True)
class Statement:
    number: int  # 1-based, as a student counts them
    source: dict[str, Any]  # as written in the file (ACCOUNT_ID not filled in), for quoting
    effect: str
    action_key: str  # "Action" or "NotAction"
    actions: tuple[str, ...]
    resource_key: str | None  # "Resource", "NotResource", or None (trust policies have none)
    resources: tuple[str, ...]
    principal_key: str | None  # "Principal", "NotPrincipal", or None (identity policies have none)
    principals: tuple[tuple[str, str], ...]  # (kind, value); ANYONE for "*"
    conditional: bool

    @property
    def name(self) -> str:
        sid = self.source.get("Sid")
        return (
            f'statement {self.number} ("Sid": {json.dumps(sid)})'
            if isinstance(sid, str) and sid
            else f"statement {self.number}"
        )

    def quote(self, key: str) -> str:
        """One element exactly as the student wrote it: `"Action": "dynamodb:*"`."""
        text = f"{json.dumps(key)}: {json.dumps(self.source.get(key))}"
        return text if len(text) <= 240 else text[:237] + "..."

    def matched_action(self, action: str) -> tuple[bool, str | None]:
        hits = [pattern for pattern in self.actions if action_matches(pattern, action)]
        if self.action_key == "NotAction":
            return not hits, None
        return bool(hits), (hits[0] if hits else None)

    def matched_resource(self, arn: str) -> tuple[bool, str | None]:
        hits = [pattern for pattern in self.resources if resource_matches(pattern, arn)]
        if self.resource_key == "NotResource":
            return not hits, None
        return bool(hits), (hits[0] if hits else None)

    def matched_principal(self, principal: tuple[str, str]) -> bool:
        hits = any(principal_matches(kind, value, principal) for kind, value in self.principals)
        return not hits if self.principal_key == "NotPrincipal" else hits


@dataclass(frozen=True)
class Match:
    """A statement that applies to a request, and the patterns through which it does."""

    statement: Statement
    action_pattern: str | None  # None: through NotAction
    resource_pattern: str | None  # None: through NotResource, or no resource asked about

    def culprit(self, cause: str = "action") -> str:
        """The element to quote when this statement grants too much: the action, or the resource."""
        statement = self.statement
        if statement.action_key == "NotAction":
            return statement.quote("NotAction")
        if statement.resource_key == "NotResource":
            return statement.quote("NotResource")
        if cause == "resource" and statement.resource_key:
            return statement.quote("Resource")
        return statement.quote("Action")


@dataclass(frozen=True)
class Decision:
    allows: tuple[Match, ...]
    denies: tuple[Match, ...]

    @property
    def allowed(self) -> bool:
        """Allowed whatever any Condition says: an unconditional Allow applies and no Deny might."""
        return any(not m.statement.conditional for m in self.allows) and not self.denies

    @property
    def possibly_allowed(self) -> bool:
        """Allowed when the conditions favour it: some Allow applies and no unconditional Deny does."""
        return bool(self.allows) and not any(not m.statement.conditional for m in self.denies)


@dataclass
class Policy:
    statements: list[Statement] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # why IAM would reject the document

    def applying(
        self, action: str, resource: str | None = None, principal: tuple[str, str] | None = None
    ) -> list[Match]:
        matches = []
        for statement in self.statements:
            action_ok, action_pattern = statement.matched_action(action)
            if not action_ok:
                continue
            resource_pattern = None
            if resource is not None:
                if statement.resource_key is None:
                    continue
                resource_ok, resource_pattern = statement.matched_resource(resource)
                if not resource_ok:
                    continue
            if principal is not None and (
                statement.principal_key is None or not statement.matched_principal(principal)
            ):
                continue
            matches.append(Match(statement, action_pattern, resource_pattern))
        return matches

    def decide(self, action: str, resource: str | None = None, principal: tuple[str, str] | None = None) -> Decision:
        matches = self.applying(action, resource, principal)
        return Decision(
            allows=tuple(m for m in matches if m.statement.effect == "Allow"),
            denies=tuple(m for m in matches if m.statement.effect == "Deny"),
        )

    def allows_with_action_only(self, action: str, resource: str) -> list[Statement]:
        """Allow statements that name the action but not the resource: a near miss worth showing."""
        return [
            s
            for s in self.statements
            if s.effect == "Allow"
            and s.resource_key
            and s.matched_action(action)[0]
            and not s.matched_resource(resource)[0]
        ]


def parse_policy(document: Any, *, kind: str = "identity", source: Any = None) -> Policy:
    """Read a policy document (dict) into statements, noting every reason IAM would reject it.

    ``kind`` is "identity" (Action and Resource, no Principal) or "trust" (Principal and Action, no
    Resource). ``source`` is the same document as written in the file, quoted in messages. A
    statement that cannot be read is left out of the evaluation and reported as a problem.
    """
    policy = Policy()
    source = document if source is None else source
    if not isinstance(document, dict):
        policy.problems.append(f"the document must be a JSON object {{...}}, got {type(document).__name__}")
        return policy
    if document.get("Version") != POLICY_VERSION:
        policy.problems.append(f'"Version" must be "{POLICY_VERSION}", got {json.dumps(document.get("Version"))}')
    unknown = sorted(set(document) - {"Version", "Id", "Statement"})
    if unknown:
        policy.problems.append(
            f"unknown top-level key{'s' if len(unknown) > 1 else ''} {', '.join(map(json.dumps, unknown))}"
        )
    statements = document.get("Statement")
    if statements is None or statements == []:
        policy.problems.append('"Statement" is missing or empty')
        return policy
    sources = as_list(source.get("Statement")) if isinstance(source, dict) else []
    for number, raw in enumerate(as_list(statements), start=1):
        written = sources[number - 1] if number <= len(sources) and isinstance(sources[number - 1], dict) else raw
        statement = _parse_statement(number, raw, written, kind, policy.problems)
        if statement is not None:
            policy.statements.append(statement)
    return policy


def _parse_statement(number: int, raw: Any, written: Any, kind: str, problems: list[str]) -> Statement | None:
    where = f"statement {number}"
    if not isinstance(raw, dict):
        problems.append(f"{where} must be a JSON object, got {shown(raw)}")
        return None
    if isinstance(raw.get("Sid"), str) and raw["Sid"]:
        where += f' ("Sid": {json.dumps(raw["Sid"])})'
        if not re.fullmatch(r"[A-Za-z0-9]+", raw["Sid"]):
            problems.append(f"{where}: a Sid may hold only letters and digits")
    unknown = sorted(set(raw) - STATEMENT_KEYS)
    if unknown:
        problems.append(f"{where}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(json.dumps, unknown))}")
    readable = True
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        problems.append(f'{where}: "Effect" must be "Allow" or "Deny", got {json.dumps(effect)}')
        readable = False

    def one_of(positive: str, negative: str, *, required: bool) -> tuple[str | None, tuple[str, ...]]:
        nonlocal readable
        present = [key for key in (positive, negative) if key in raw]
        if len(present) == 2:
            problems.append(f'{where}: has both "{positive}" and "{negative}"; use one')
            readable = False
            return None, ()
        if not present:
            if required:
                problems.append(f'{where}: "{positive}" is missing')
                readable = False
            return None, ()
        values = string_list(raw[present[0]])
        if values is None:
            problems.append(
                f'{where}: "{present[0]}" must be a string or a non-empty list of strings, got {shown(raw[present[0]])}'
            )
            readable = False
            return None, ()
        return present[0], values

    action_key, actions = one_of("Action", "NotAction", required=True)
    if any("TODO" in action for action in actions):
        problems.append(f'{where}: "{action_key}" still holds its TODO placeholder')
    for action in actions:
        if "TODO" in action:
            continue
        elif not ACTION_PATTERN.match(action):
            problems.append(f'{where}: the action {shown(action)} is not "service:Action" (like "dynamodb:GetItem")')
    resource_key, resources = one_of("Resource", "NotResource", required=kind == "identity")
    principal_key = None
    principals: list[tuple[str, str]] = []
    if kind == "identity":
        for key in ("Principal", "NotPrincipal"):
            if key in raw:
                problems.append(f'{where}: "{key}" belongs in a trust or resource policy, not in a permissions policy')
        if any("TODO" in resource for resource in resources):
            problems.append(f'{where}: "{resource_key}" still holds its TODO placeholder')
        for resource in resources:
            if "TODO" in resource:
                continue
            elif resource != "*" and not (resource.startswith("arn:") and resource.count(":") >= 5):
                problems.append(
                    f'{where}: the resource {shown(resource)} is not an ARN ("arn:aws:service:region:account:...") or "*"'
                )
    else:
        if resource_key:
            problems.append(f'{where}: a trust policy has no "{resource_key}" (the role itself is the resource)')
        present = [key for key in ("Principal", "NotPrincipal") if key in raw]
        if len(present) != 1:
            problems.append(f'{where}: needs exactly one "Principal" (who may assume the role)')
            readable = False
        else:
            principal_key = present[0]
            value = raw[principal_key]
            if value == "*":
                principals.append(ANYONE)
            elif (
                isinstance(value, dict)
                and value
                and set(value) <= set(PRINCIPAL_KINDS)
                and all(string_list(v) for v in value.values())
            ):
                for principal_kind, values in value.items():
                    principals.extend((principal_kind, item) for item in string_list(values) or ())
                    if any("TODO" in item for item in as_list(values)):
                        problems.append(f'{where}: the "{principal_kind}" principal still holds its TODO placeholder')
            else:
                problems.append(
                    f'{where}: "{principal_key}" must be "*" or an object such as {{"Service": "lambda.amazonaws.com"}}, '
                    f"got {shown(value)}"
                )
                readable = False
    condition = raw.get("Condition")
    if condition is not None and not isinstance(condition, dict):
        problems.append(f'{where}: "Condition" must be an object')
    if not readable:
        return None
    return Statement(
        number=number,
        source=written if isinstance(written, dict) else raw,
        effect=str(effect),
        action_key=str(action_key),
        actions=actions,
        resource_key=resource_key,
        resources=resources,
        principal_key=principal_key,
        principals=tuple(principals),
        conditional=bool(condition),
    )


def trust_principals(policy: Policy) -> list[tuple[Statement, tuple[str, str] | None]]:
    """Who an Allow statement lets assume the role: (statement, principal), None for NotPrincipal."""
    admitted: list[tuple[Statement, tuple[str, str] | None]] = []
    for statement in policy.statements:
        if statement.effect != "Allow" or not any(statement.matched_action(a)[0] for a in ASSUME_ACTIONS):
            continue
        if statement.principal_key == "NotPrincipal":
            admitted.append((statement, None))
        else:
            admitted.extend((statement, principal) for principal in statement.principals)
    return admitted


def fill_in(document: Any, placeholder: str, value: str) -> Any:
    """The document with ``placeholder`` replaced in every string, as setup_iam.sh does with sed."""
    if isinstance(document, str):
        return document.replace(placeholder, value)
    if isinstance(document, list):
        return [fill_in(item, placeholder, value) for item in document]
    if isinstance(document, dict):
        return {key: fill_in(item, placeholder, value) for key, item in document.items()}
    return document


def first_difference(expected: Any, got: Any, path: str = "") -> str | None:
    """Where two JSON documents first differ, as `Statement[0].Resource: "a" versus "b"`."""
    if isinstance(expected, dict) and isinstance(got, dict):
        for key in list(expected) + [k for k in got if k not in expected]:
            inner = f"{path}.{key}" if path else key
            if key not in got:
                return f"{inner} is missing"
            if key not in expected:
                return f"{inner} is extra"
            found = first_difference(expected[key], got[key], inner)
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(got, list):
        for index, (a, b) in enumerate(zip(expected, got)):
            found = first_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        if len(expected) != len(got):
            index = min(len(expected), len(got))
            return f"{path}[{index}] is {'missing' if len(expected) > len(got) else 'extra'}"
        return None
    if expected != got:
        return f"{path or 'the document'}: {json.dumps(expected)[:120]} expected, {json.dumps(got)[:120]} found"
    return None


LAMBDA_SERVICE = "lambda.amazonaws.com"


def trust_allows_lambda(document: Any) -> bool:
    """A role's trust policy lets the Lambda service assume it, when its conditions (if any) are met.

    ``document`` as IAM returns it: a dict, or JSON text (URL-encoded by the query API)."""
    if isinstance(document, str):
        try:
            document = json.loads(urllib.parse.unquote(document))
        except ValueError:
            return False
    policy = parse_policy(document, kind="trust")
    return policy.decide("sts:AssumeRole", principal=("Service", LAMBDA_SERVICE)).possibly_allowed
