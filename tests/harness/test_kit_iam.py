"""The grader kit's IAM policy evaluator (harness/kit/iam.py), on cases whose answer IAM's
documentation settles: wildcards, case, ARN segments, explicit and default deny, NotAction,
NotResource, NotPrincipal, conditions, principals, and documents IAM would reject."""

from __future__ import annotations

from typing import Any

import pytest

from harness.kit import documents, iam

ACCOUNT = "123456789012"


def policy(*statements: dict[str, Any], kind: str = "identity") -> Any:
    parsed = iam.parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, kind=kind)
    return parsed


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


ORDERS = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Orders"


@pytest.mark.parametrize(
    ("pattern", "action", "matches"),
    [
        ("dynamodb:GetItem", "dynamodb:GetItem", True),
        ("dynamodb:getitem", "DynamoDB:GetItem", True),
        ("dynamodb:*", "dynamodb:Scan", True),
        ("dynamodb:Get*", "dynamodb:GetItem", True),
        ("dynamodb:Get*", "dynamodb:PutItem", False),
        ("dynamodb:*Item", "dynamodb:DeleteItem", True),
        ("dynamodb:?etItem", "dynamodb:GetItem", True),
        ("dynamodb:?etItem", "dynamodb:GGetItem", False),
        ("*", "iam:PassRole", True),
        ("dynamodb:GetItem", "dynamodb:GetItems", False),
        ("dynamodb:GetItem", "secretsmanager:GetItem", False),
    ],
)
def test_actions_match_with_wildcards_and_ignore_case(pattern: str, action: str, matches: bool) -> None:
    assert iam.action_matches(pattern, action) is matches


@pytest.mark.parametrize(
    ("pattern", "arn", "matches"),
    [
        (ORDERS, ORDERS, True),
        (ORDERS, ORDERS.replace("Orders", "orders"), False),  # ARNs are case-sensitive
        ("*", ORDERS, True),
        (f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/*", ORDERS, True),
        (f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Orders*", ORDERS + "Archive", True),
        ("arn:aws:dynamodb:*:*:table/Orders", ORDERS.replace("us-east-1", "us-west-2"), True),
        # A * inside a segment stays inside it: it cannot swallow the account segment too.
        (f"arn:aws:dynamodb:*:{ACCOUNT}:table/Orders", f"arn:aws:dynamodb:us-east-1:999:{ACCOUNT}:table/Orders", False),
        # In the last segment it spans colons: the Lambda console's CreateLogGroup resource.
        (
            f"arn:aws:logs:us-east-1:{ACCOUNT}:*",
            f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/f:log-stream:s",
            True,
        ),
        (
            f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/f:*",
            f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/f",
            False,
        ),
        (
            f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:s-??????",
            f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:s-AbC123",
            True,
        ),
        (
            f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:s-??????",
            f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:s-AbC12",
            False,
        ),
        (
            f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:s-??????",
            f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:s-AbC1234",
            False,
        ),
        ("arn:*", ORDERS, True),  # fewer than six segments: compared as one string
    ],
)
def test_resources_match_segment_by_segment_and_respect_case(pattern: str, arn: str, matches: bool) -> None:
    assert iam.resource_matches(pattern, arn) is matches


def test_what_no_statement_allows_is_denied() -> None:
    decision = policy(allow("dynamodb:GetItem", ORDERS)).decide("dynamodb:PutItem", ORDERS)
    assert not decision.allowed and not decision.possibly_allowed


def test_an_explicit_deny_wins_over_an_allow() -> None:
    evaluated = policy(allow("dynamodb:*", ORDERS), deny("dynamodb:Scan"))
    assert not evaluated.decide("dynamodb:Scan", ORDERS).allowed
    assert not evaluated.decide("dynamodb:Scan", ORDERS).possibly_allowed
    assert evaluated.decide("dynamodb:GetItem", ORDERS).allowed


def test_an_allow_needs_both_the_action_and_the_resource() -> None:
    evaluated = policy(allow("dynamodb:GetItem", ORDERS), allow("dynamodb:PutItem", ORDERS + "Archive"))
    assert not evaluated.decide("dynamodb:PutItem", ORDERS).allowed
    assert [s.number for s in evaluated.allows_with_action_only("dynamodb:PutItem", ORDERS)] == [2]


def test_not_action_allows_everything_it_does_not_list() -> None:
    evaluated = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert evaluated.decide("s3:GetObject", "arn:aws:s3:::bucket/key").allowed
    assert not evaluated.decide("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/admin").allowed
    assert evaluated.decide("dynamodb:Scan", ORDERS).allows[0].culprit() == '"NotAction": "iam:*"'


def test_not_resource_allows_every_resource_it_does_not_list() -> None:
    evaluated = policy({"Effect": "Allow", "Action": "dynamodb:GetItem", "NotResource": ORDERS})
    assert not evaluated.decide("dynamodb:GetItem", ORDERS).allowed
    assert evaluated.decide("dynamodb:GetItem", ORDERS.replace("Orders", "Inventory")).allowed


def test_a_conditional_allow_is_possible_but_not_certain() -> None:
    condition = {"Bool": {"aws:SecureTransport": "true"}}
    decision = policy(allow("dynamodb:GetItem", ORDERS, Condition=condition)).decide("dynamodb:GetItem", ORDERS)
    assert not decision.allowed and decision.possibly_allowed


def test_a_conditional_deny_makes_an_allow_uncertain() -> None:
    condition = {"StringEquals": {"aws:RequestedRegion": "us-west-2"}}
    decision = policy(allow("dynamodb:GetItem", ORDERS), deny("dynamodb:GetItem", Condition=condition)).decide(
        "dynamodb:GetItem", ORDERS
    )
    assert not decision.allowed and decision.possibly_allowed


def test_statements_are_quoted_as_the_student_wrote_them() -> None:
    written = {
        "Version": "2012-10-17",
        "Statement": [allow("dynamodb:*", "arn:aws:dynamodb:us-east-1:ACCOUNT_ID:table/Orders", Sid="Orders")],
    }
    evaluated = iam.parse_policy(documents.fill_in(written, "ACCOUNT_ID", ACCOUNT), source=written)
    match = evaluated.decide("dynamodb:Scan", ORDERS).allows[0]
    assert match.statement.name == 'statement 1 ("Sid": "Orders")'
    assert match.culprit("action") == '"Action": "dynamodb:*"'
    assert match.culprit("resource") == '"Resource": "arn:aws:dynamodb:us-east-1:ACCOUNT_ID:table/Orders"'


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"Statement": [allow("s3:GetObject")]}, '"Version" must be "2012-10-17"'),
        ({"Version": "2012-10-17", "Statement": []}, '"Statement" is missing or empty'),
        (
            {"Version": "2012-10-17", "Statement": [{"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}]},
            '"Effect" must be',
        ),
        (
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "NotAction": "s3:*", "Resource": "*"}],
            },
            'has both "Action" and "NotAction"',
        ),
        (
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]},
            '"Resource" is missing',
        ),
        (
            {"Version": "2012-10-17", "Statement": [allow("TODO 1: the actions")]},
            '"Action" still holds its TODO placeholder',
        ),
        ({"Version": "2012-10-17", "Statement": [allow("GetItem")]}, 'is not "service:Action"'),
        ({"Version": "2012-10-17", "Statement": [allow("s3:GetObject", "Orders")]}, "is not an ARN"),
        (
            {"Version": "2012-10-17", "Statement": [allow("s3:GetObject", Principal="*")]},
            '"Principal" belongs in a trust',
        ),
        (
            {"Version": "2012-10-17", "Statement": [allow("s3:GetObject", Sid="has spaces")]},
            "a Sid may hold only letters and digits",
        ),
    ],
)
def test_an_invalid_permissions_policy_is_explained(document: dict[str, Any], problem: str) -> None:
    problems = iam.parse_policy(document).problems
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize(
    "document",
    [
        [],
        "text",
        None,
        3,
        {"Statement": 5},
        {"Statement": [1, None, "x"]},
        {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": 3, "Resource": {}}},
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [], "Resource": ["*", 2]}]},
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": 5}}],
        },
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Robot": "x"}}],
        },
    ],
)
def test_any_json_at_all_gives_problems_instead_of_an_exception(document: Any) -> None:
    for kind in ("identity", "trust"):
        evaluated = iam.parse_policy(document, kind=kind)
        assert evaluated.problems
        assert not evaluated.decide("dynamodb:GetItem", ORDERS).possibly_allowed
        assert not evaluated.decide("sts:AssumeRole", principal=("Service", "lambda.amazonaws.com")).possibly_allowed


LAMBDA = ("Service", "lambda.amazonaws.com")


def trust(*statements: dict[str, Any]) -> Any:
    return policy(*statements, kind="trust")


def assume(principal: Any, action: Any = "sts:AssumeRole", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, **extra}


def test_a_trust_policy_admits_the_service_it_names_and_nobody_else() -> None:
    evaluated = trust(assume({"Service": "lambda.amazonaws.com"}))
    assert not evaluated.problems
    assert evaluated.decide("sts:AssumeRole", principal=LAMBDA).allowed
    assert not evaluated.decide("sts:AssumeRole", principal=("Service", "ec2.amazonaws.com")).possibly_allowed
    assert not evaluated.decide("sts:AssumeRole", principal=("AWS", f"arn:aws:iam::{ACCOUNT}:root")).possibly_allowed
    assert iam.trust_principals(evaluated) == [(evaluated.statements[0], LAMBDA)]


def test_a_star_principal_admits_anybody() -> None:
    for principal in ("*", {"AWS": "*"}):
        evaluated = trust(assume(principal))
        assert evaluated.decide("sts:AssumeRole", principal=("AWS", "arn:aws:iam::111122223333:root")).allowed


def test_an_account_id_principal_stands_for_its_root() -> None:
    evaluated = trust(assume({"AWS": "111122223333"}))
    assert evaluated.decide("sts:AssumeRole", principal=("AWS", "arn:aws:iam::111122223333:root")).allowed
    assert not evaluated.decide("sts:AssumeRole", principal=LAMBDA).possibly_allowed


def test_not_principal_admits_everybody_it_does_not_name() -> None:
    evaluated = trust({"Effect": "Allow", "NotPrincipal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
    assert evaluated.decide("sts:AssumeRole", principal=LAMBDA).allowed
    assert iam.trust_principals(evaluated) == [(evaluated.statements[0], None)]


def test_a_trust_policy_with_a_resource_is_invalid() -> None:
    evaluated = trust(assume({"Service": "lambda.amazonaws.com"}, Resource="*"))
    assert any("a trust policy has no" in p for p in evaluated.problems)


def test_fill_in_replaces_the_placeholder_in_every_string() -> None:
    written = {"Statement": [{"Resource": ["arn:aws:s3:::ACCOUNT_ID-a", "x"], "Sid": "ACCOUNT_ID", "N": 1}]}
    assert documents.fill_in(written, "ACCOUNT_ID", "1") == {
        "Statement": [{"Resource": ["arn:aws:s3:::1-a", "x"], "Sid": "1", "N": 1}]
    }


def test_first_difference_names_the_path_of_the_first_change() -> None:
    a = {"Version": "2012-10-17", "Statement": [{"Resource": "x"}, {"Resource": "y"}]}
    b = {"Version": "2012-10-17", "Statement": [{"Resource": "x"}, {"Resource": "z"}]}
    assert documents.first_difference(a, b) == 'Statement[1].Resource: "y" expected, "z" found'
    assert documents.first_difference(a, a) is None
    assert documents.first_difference(a, {"Version": "2012-10-17"}) == "Statement is missing"


@pytest.mark.parametrize(
    ("document", "allowed"),
    [
        ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}, True),
        ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]}, "Action": "sts:*"}]}, True),
        ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]}, True),
        ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}, False),
        ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}, {"Effect": "Deny", "Principal": "*", "Action": "sts:*"}]}, False),
        ('%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22lambda.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D', True),
        ("not json", False),
    ],
)
def test_a_trust_policy_lets_lambda_assume_the_role_only_when_it_says_so(document: Any, allowed: bool) -> None:
    assert iam.trust_allows_lambda(document) is allowed


# ------------------------------------------------------------------- resource policies, conditions

QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders-queue"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:order-events"
OTHER_TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:other-events"
SNS = ("Service", "sns.amazonaws.com")


def queue_policy(*conditions: dict[str, Any], principal: Any = None) -> Any:
    statement = {"Effect": "Allow", "Principal": principal or {"Service": "sns.amazonaws.com"},
                 "Action": "sqs:SendMessage", "Resource": QUEUE}
    return policy(*({**statement, "Condition": c} for c in conditions or [{}]), kind="resource")


@pytest.mark.parametrize(
    ("condition", "from_topic", "from_other", "direct"),
    [
        ({}, True, True, True),  # no condition: any topic, and anyone the principal covers
        ({"ArnEquals": {"aws:SourceArn": TOPIC}}, True, False, False),
        ({"ArnLike": {"aws:SourceArn": TOPIC}}, True, False, False),
        ({"ArnLike": {"aws:SourceArn": f"arn:aws:sns:*:{ACCOUNT}:order-*"}}, True, False, False),
        ({"StringEquals": {"AWS:SOURCEARN": TOPIC}}, True, False, False),  # condition keys ignore case
        ({"StringLike": {"aws:SourceArn": [OTHER_TOPIC, TOPIC]}}, True, True, False),  # one value is enough
        ({"ArnEqualsIfExists": {"aws:SourceArn": TOPIC}}, True, False, True),  # missing key: IfExists holds
        ({"ArnNotEquals": {"aws:SourceArn": OTHER_TOPIC}}, True, False, True),  # missing key: a negation holds
        ({"StringEquals": {"aws:SourceArn": TOPIC.upper()}}, False, False, False),  # values are case-sensitive
        ({"StringEqualsIgnoreCase": {"aws:SourceArn": TOPIC.upper()}}, True, False, False),
    ],
)
def test_a_condition_on_the_source_arn_decides_who_may_send(
    condition: dict[str, Any], from_topic: bool, from_other: bool, direct: bool
) -> None:
    parsed = queue_policy(condition)
    assert not parsed.problems
    for source, expected in ((TOPIC, from_topic), (OTHER_TOPIC, from_other), (None, direct)):
        decision = parsed.decide("sqs:SendMessage", QUEUE, SNS, context={"aws:SourceArn": source})
        assert decision.allowed is expected, (condition, source)


def test_a_condition_on_a_key_the_grader_does_not_supply_stays_conditional() -> None:
    parsed = queue_policy({"StringEquals": {"aws:SourceAccount": ACCOUNT}})
    decision = parsed.decide("sqs:SendMessage", QUEUE, SNS, context={"aws:SourceArn": TOPIC})
    assert decision.possibly_allowed and not decision.allowed


def test_every_operator_and_key_of_a_condition_must_hold() -> None:
    both = {"ArnEquals": {"aws:SourceArn": TOPIC}, "StringEquals": {"aws:SourceAccount": ACCOUNT}}
    context = {"aws:SourceArn": TOPIC, "aws:SourceAccount": "999999999999"}
    assert not queue_policy(both).decide("sqs:SendMessage", QUEUE, SNS, context=context).possibly_allowed
    context["aws:SourceAccount"] = ACCOUNT
    assert queue_policy(both).decide("sqs:SendMessage", QUEUE, SNS, context=context).allowed


def test_a_deny_whose_condition_holds_wins_and_one_whose_condition_fails_does_not_apply() -> None:
    parsed = policy(
        {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": QUEUE},
        {"Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": QUEUE,
         "Condition": {"ArnNotEquals": {"aws:SourceArn": TOPIC}}},
        kind="resource",
    )
    assert parsed.decide("sqs:SendMessage", QUEUE, SNS, context={"aws:SourceArn": TOPIC}).allowed
    assert not parsed.decide("sqs:SendMessage", QUEUE, SNS, context={"aws:SourceArn": OTHER_TOPIC}).possibly_allowed


@pytest.mark.parametrize(
    ("principal", "admits_sns", "admits_an_account"),
    [
        ("*", True, True),
        ({"AWS": "*"}, True, True),
        ({"Service": "sns.amazonaws.com"}, True, False),
        ({"AWS": ACCOUNT}, False, True),
    ],
)
def test_a_resource_policy_admits_the_principals_it_names(principal: Any, admits_sns: bool, admits_an_account: bool) -> None:
    parsed = queue_policy(principal=principal)
    account = ("AWS", f"arn:aws:iam::{ACCOUNT}:root")
    assert parsed.decide("sqs:SendMessage", QUEUE, SNS).allowed is admits_sns
    assert parsed.decide("sqs:SendMessage", QUEUE, account).allowed is admits_an_account


def test_a_resource_policy_needs_a_principal_and_a_resource() -> None:
    parsed = policy({"Effect": "Allow", "Action": "sqs:SendMessage"}, kind="resource")
    assert parsed.problems == [
        'statement 1: "Resource" is missing',
        'statement 1: needs exactly one "Principal" (who the policy is for)',
    ]
    assert parsed.statements == []
