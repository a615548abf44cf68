"""IAM policies read and evaluated the way IAM evaluates one policy, for every grader that judges one.

The emulators store policies but never enforce them and moto has no policy simulator, so graders ask
this evaluator what a student's document allows, action by action and ARN by ARN, and never look at
how the JSON is written. tests/harness/test_kit_iam.py tests it on cases IAM's documentation settles.

The subset of IAM's policy language the course needs, evaluated the way IAM does for one policy:
- Allow and Deny statements with Action or NotAction, Resource or NotResource, and (in trust and
  resource policies) Principal or NotPrincipal, each a string or a list of strings;
- `*` (any run of characters) and `?` (one character) in all of them; actions compare
  case-insensitively, ARNs and principals case-sensitively; an ARN is compared segment by segment
  (arn:partition:service:region:account:resource), a `*` spanning colons only in the last one;
- an explicit Deny wins over any Allow, and what no statement allows is denied (default deny);
- Condition blocks are evaluated only for the keys a grader says the request carries (`context`,
  iam_conditions.py). Otherwise a statement with a Condition may or may not apply, so "allowed"
  below means allowed whatever the conditions say (a conditional Allow does not count, a
  conditional Deny might apply), and "possibly allowed" means allowed if the conditions favour it.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .iam_conditions import condition_holds
from .iam_patterns import ANYONE, action_matches, as_list, principal_matches, resource_matches, string_list

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


def shown(value: Any, limit: int = 70) -> str:
    """A value as JSON, clipped inside its quotes so that a message stays readable."""
    if isinstance(value, str) and len(value) > limit:
        value = value[: limit - 3] + "..."
    text = json.dumps(value)
    return text if len(text) <= limit + 20 else text[: limit + 17] + "..."


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
    condition: Any  # the Condition block, None when there is none

    @property
    def conditional(self) -> bool:
        return bool(self.condition)

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
    conditional: bool = False  # its Condition may or may not hold for the request

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
        return any(not m.conditional for m in self.allows) and not self.denies

    @property
    def possibly_allowed(self) -> bool:
        """Allowed when the conditions favour it: some Allow applies and no unconditional Deny does."""
        return bool(self.allows) and not any(not m.conditional for m in self.denies)


@dataclass
class Policy:
    statements: list[Statement] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # why IAM would reject the document

    def applying(
        self,
        action: str,
        resource: str | None = None,
        principal: tuple[str, str] | None = None,
        context: Mapping[str, str | None] | None = None,
    ) -> list[Match]:
        """The statements that apply to a request. With `context` (condition keys the request carries;
        None for one it does not carry), a statement whose Condition fails is left out, one whose
        Condition holds applies unconditionally; without it, every Condition may or may not hold."""
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
            holds = condition_holds(statement.condition, context) if context is not None else None
            if holds is False:
                continue
            conditional = statement.conditional and holds is not True
            matches.append(Match(statement, action_pattern, resource_pattern, conditional))
        return matches

    def decide(
        self,
        action: str,
        resource: str | None = None,
        principal: tuple[str, str] | None = None,
        context: Mapping[str, str | None] | None = None,
    ) -> Decision:
        matches = self.applying(action, resource, principal, context)
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

    ``kind`` is "identity" (Action and Resource, no Principal), "trust" (Principal and Action, no
    Resource) or "resource" (a queue's or topic's policy: Principal, Action and Resource). ``source`` is the same document as written in the file, quoted in messages. A
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


class _StatementReader:
    """Reads one statement, noting every reason IAM would reject it; read() is None when it cannot be used."""

    def __init__(self, number: int, raw: dict[str, Any], kind: str, problems: list[str]) -> None:
        self.number, self.raw, self.kind, self.problems = number, raw, kind, problems
        self.where = f"statement {number}"
        self.readable = True

    def problem(self, text: str, *, unreadable: bool = False) -> None:
        self.problems.append(f"{self.where}: {text}")
        self.readable = self.readable and not unreadable

    def header(self) -> str | None:
        sid = self.raw.get("Sid")
        if isinstance(sid, str) and sid:
            self.where += f' ("Sid": {json.dumps(sid)})'
            if not re.fullmatch(r"[A-Za-z0-9]+", sid):
                self.problem("a Sid may hold only letters and digits")
        unknown = sorted(set(self.raw) - STATEMENT_KEYS)
        if unknown:
            self.problem(f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(json.dumps, unknown))}")
        effect = self.raw.get("Effect")
        if effect not in ("Allow", "Deny"):
            self.problem(f'"Effect" must be "Allow" or "Deny", got {json.dumps(effect)}', unreadable=True)
        return effect if isinstance(effect, str) else None

    def condition(self) -> Any:
        condition = self.raw.get("Condition")
        if condition is not None and not isinstance(condition, dict):
            self.problem('"Condition" must be an object')
        return condition or None

    def one_of(self, positive: str, negative: str, *, required: bool) -> tuple[str | None, tuple[str, ...]]:
        present = [key for key in (positive, negative) if key in self.raw]
        if len(present) == 2:
            self.problem(f'has both "{positive}" and "{negative}"; use one', unreadable=True)
            return None, ()
        if not present:
            if required:
                self.problem(f'"{positive}" is missing', unreadable=True)
            return None, ()
        values = string_list(self.raw[present[0]])
        if values is None:
            got = shown(self.raw[present[0]])
            self.problem(f'"{present[0]}" must be a string or a non-empty list of strings, got {got}', unreadable=True)
            return None, ()
        return present[0], values

    def actions(self) -> tuple[str | None, tuple[str, ...]]:
        key, actions = self.one_of("Action", "NotAction", required=True)
        if any("TODO" in action for action in actions):
            self.problem(f'"{key}" still holds its TODO placeholder')
        for action in actions:
            if "TODO" not in action and not ACTION_PATTERN.match(action):
                self.problem(f'the action {shown(action)} is not "service:Action" (like "dynamodb:GetItem")')
        return key, actions

    def resources(self) -> tuple[str | None, tuple[str, ...]]:
        key, resources = self.one_of("Resource", "NotResource", required=self.kind != "trust")
        if self.kind == "trust":
            if key:
                self.problem(f'a trust policy has no "{key}" (the role itself is the resource)')
            return key, resources
        if any("TODO" in resource for resource in resources):
            self.problem(f'"{key}" still holds its TODO placeholder')
        for resource in resources:
            if "TODO" not in resource and resource != "*" and not (resource.startswith("arn:") and resource.count(":") >= 5):
                self.problem(f'the resource {shown(resource)} is not an ARN ("arn:aws:service:region:account:...") or "*"')
        return key, resources

    def principals(self) -> tuple[str | None, list[tuple[str, str]]]:
        present = [key for key in ("Principal", "NotPrincipal") if key in self.raw]
        if self.kind == "identity":
            for key in present:
                self.problem(f'"{key}" belongs in a trust or resource policy, not in a permissions policy')
            return None, []
        if len(present) != 1:
            who = "who may assume the role" if self.kind == "trust" else "who the policy is for"
            self.problem(f'needs exactly one "Principal" ({who})', unreadable=True)
            return None, []
        value = self.raw[present[0]]
        if value == "*":
            return present[0], [ANYONE]
        kinds_ok = isinstance(value, dict) and value and set(value) <= set(PRINCIPAL_KINDS)
        if not kinds_ok or not all(string_list(v) for v in value.values()):
            example = '{"Service": "lambda.amazonaws.com"}'
            self.problem(f'"{present[0]}" must be "*" or an object such as {example}, got {shown(value)}', unreadable=True)
            return None, []
        principals = []
        for principal_kind, values in value.items():
            principals.extend((principal_kind, item) for item in string_list(values) or ())
            if any("TODO" in item for item in as_list(values)):
                self.problem(f'the "{principal_kind}" principal still holds its TODO placeholder')
        return present[0], principals


def _parse_statement(number: int, raw: Any, written: Any, kind: str, problems: list[str]) -> Statement | None:
    if not isinstance(raw, dict):
        problems.append(f"statement {number} must be a JSON object, got {shown(raw)}")
        return None
    reader = _StatementReader(number, raw, kind, problems)
    effect = reader.header()
    action_key, actions = reader.actions()
    resource_key, resources = reader.resources()
    principal_key, principals = reader.principals()
    condition = reader.condition()
    if not reader.readable:
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
        condition=condition,
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


LAMBDA_SERVICE = "lambda.amazonaws.com"


OTHER_PRINCIPALS = (("Service", "ec2.amazonaws.com"), ("AWS", "arn:aws:iam::111122223333:root"))


def _trust_policy(document: Any) -> Policy | None:
    if isinstance(document, str):
        try:
            document = json.loads(urllib.parse.unquote(document))
        except ValueError:
            return None
    return parse_policy(document, kind="trust")


def trust_admits_others(document: Any) -> bool:
    """A role's trust policy also lets someone other than the Lambda service assume it (anyone, an account,
    another service), when its conditions (if any) are met."""
    policy = _trust_policy(document)
    return policy is not None and any(
        policy.decide("sts:AssumeRole", principal=other).possibly_allowed for other in OTHER_PRINCIPALS
    )


def trust_allows_lambda(document: Any) -> bool:
    """A role's trust policy lets the Lambda service assume it, when its conditions (if any) are met.

    ``document`` as IAM returns it: a dict, or JSON text (URL-encoded by the query API)."""
    policy = _trust_policy(document)
    return policy is not None and policy.decide("sts:AssumeRole", principal=("Service", LAMBDA_SERVICE)).possibly_allowed
