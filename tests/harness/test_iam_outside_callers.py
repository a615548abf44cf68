"""Outside callers' SNS calls judged by IAM enforcement (harness/emulator/iam_enforcement.py, iam_callers.py).

An IAM user with an access key (what the heist's attacker is), or another STS session, calls SNS
directly: within the topic's account an Allow in either the identity's policies or the topic policy is
enough, an explicit Deny anywhere wins, and a refusal is SNS's own 403 AuthorizationError.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from harness.backends import EmbeddedMoto
from harness.kit.iam_enforcement import enforcing_iam
from harness.kit.served_api import Identity, make_user

ACCOUNT = "123456789012"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
PARTNER = "111122223333"
NOTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}


def document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def topic(name: str, *statements: dict) -> str:
    boto3.client("sqs").create_queue(QueueName="ears")  # what subscribe() subscribes, so that a Publish delivers
    sns = boto3.client("sns")
    arn = sns.create_topic(Name=name)["TopicArn"]
    if statements:
        sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=document(*statements))
    return arn


def grant(principal: object, action: object, resource: str, effect: str = "Allow", **condition: dict) -> dict:
    statement = {"Effect": effect, "Principal": principal, "Action": action, "Resource": resource}
    return {**statement, "Condition": condition} if condition else statement


def client(identity: Identity, service: str = "sns") -> object:
    return boto3.client(service, aws_access_key_id=identity.access_key_id, aws_secret_access_key=identity.secret_access_key,
                        aws_session_token=identity.session_token)


def attempt(call: object) -> str:
    """ "ok", or the error's code, message and status as botocore read them."""
    try:
        call()  # type: ignore[operator]
        return "ok"
    except ClientError as error:
        return f"{error.response['Error']['Code']}: {error.response['Error']['Message']} [{error.response['ResponseMetadata']['HTTPStatusCode']}]"


def user(name: str, policy: dict | None = None) -> Identity:
    return make_user(boto3.client("iam"), name, policy or NOTHING)


def subscribe(sns: object, arn: str) -> object:
    return lambda: sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=f"arn:aws:sqs:us-east-1:{ACCOUNT}:ears")  # type: ignore[attr-defined]


def publish(sns: object, arn: str) -> object:
    return lambda: sns.publish(TopicArn=arn, Message="m")  # type: ignore[attr-defined]


def test_an_open_topic_lets_anyone_in_and_a_closed_one_refuses_with_snss_own_error(aws: EmbeddedMoto) -> None:
    opened = topic("open", grant("*", ["sns:Subscribe", "sns:Publish", "sns:GetTopicAttributes"], "*"))
    closed = topic("closed", grant({"AWS": ROOT}, "sns:*", "*"))  # the account's root: IAM policies decide
    mallory = client(user("mallory"))
    calls = {name: [subscribe(mallory, arn), publish(mallory, arn), lambda arn=arn: mallory.get_topic_attributes(TopicArn=arn),
                    lambda arn=arn: mallory.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="x")]
             for name, arn in (("open", opened), ("closed", closed))}
    before = [attempt(call) for call in calls["closed"]]
    with enforcing_iam(aws.endpoint):
        got = {name: [attempt(call) for call in each] for name, each in calls.items()}
    assert before == ["ok"] * 4, before  # enforcement off: nothing is judged
    assert got["open"][:3] == ["ok"] * 3
    assert got["open"][3].startswith("AuthorizationError: ")  # the open statement does not name SetTopicAttributes
    assert got["closed"][0] == (f"AuthorizationError: User: arn:aws:iam::{ACCOUNT}:user/mallory is not authorized to perform: "
                                f"SNS:Subscribe on resource: {closed} because no identity-based policy allows the "
                                "SNS:Subscribe action [403]")
    assert all(answer.startswith("AuthorizationError: ") and answer.endswith("[403]") for answer in got["closed"])


def test_within_the_account_either_policy_allows_and_an_explicit_deny_anywhere_wins(aws: EmbeddedMoto) -> None:
    mine = topic("mine")
    named = topic("named", grant({"AWS": f"arn:aws:iam::{ACCOUNT}:user/bob"}, "sns:Publish", "*"))
    denied = topic("denied", grant("*", "sns:Publish", "*", effect="Deny"))
    alice = client(user("alice", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sns:Publish", "Resource": [mine, denied]},
        {"Effect": "Deny", "Action": "sns:Publish", "Resource": named}]}))
    bob = client(user("bob"))
    with enforcing_iam(aws.endpoint):
        got = [attempt(publish(alice, mine)), attempt(publish(bob, named)), attempt(publish(alice, denied)),
               attempt(publish(bob, mine)), attempt(publish(alice, named))]
    assert got[:2] == ["ok", "ok"]  # the identity policy alone; the topic policy alone
    assert "with an explicit deny in a resource-based policy" in got[2]
    assert "because no identity-based policy allows the SNS:Publish action" in got[3]
    assert "with an explicit deny in an identity-based policy" in got[4]  # bob's Allow names bob, not alice


def test_a_group_policy_counts_and_a_role_session_is_judged_by_its_role(aws: EmbeddedMoto) -> None:
    arn = topic("updates")
    iam = boto3.client("iam")
    iam.create_group(GroupName="publishers")
    iam.put_group_policy(GroupName="publishers", PolicyName="p", PolicyDocument=document({"Effect": "Allow", "Action": "sns:Publish", "Resource": arn}))
    carol = user("carol")
    iam.add_user_to_group(GroupName="publishers", UserName="carol")
    trust = document({"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"})
    role = iam.create_role(RoleName="auditor", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.put_role_policy(RoleName="auditor", PolicyName="read", PolicyDocument=document({"Effect": "Allow", "Action": "sns:GetTopicAttributes", "Resource": "*"}))
    keys = boto3.client("sts").assume_role(RoleArn=role, RoleSessionName="audit-1")["Credentials"]
    auditor = client(Identity("auditor", keys["AccessKeyId"], keys["SecretAccessKey"], keys["SessionToken"]))
    with enforcing_iam(aws.endpoint):
        got = [attempt(publish(client(carol), arn)), attempt(lambda: auditor.get_topic_attributes(TopicArn=arn)), attempt(publish(auditor, arn))]
        grader = attempt(lambda: boto3.client("sns").set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="x"))
    assert got[:2] == ["ok", "ok"]
    assert got[2].startswith(f"AuthorizationError: User: arn:aws:sts::{ACCOUNT}:assumed-role/auditor/audit-1 is not authorized")
    assert grader == "ok"  # the dummy keys are the account itself: never judged


@pytest.mark.parametrize("condition", [
    {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::uploads-{ACCOUNT}"}},
    {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    {"StringEquals": {"AWS:SourceOwner": ACCOUNT}},  # the console's default topic policy
])
def test_source_conditions_are_for_services_so_they_let_no_direct_caller_in(aws: EmbeddedMoto, condition: dict) -> None:
    arn = topic("events", grant("*", ["sns:Subscribe", "sns:Publish"], "*", **condition))
    mallory = client(user("mallory"))
    with enforcing_iam(aws.endpoint):
        assert attempt(subscribe(mallory, arn)).startswith("AuthorizationError: ")


def test_principal_conditions_are_evaluated(aws: EmbeddedMoto) -> None:
    """The same account's identities all match aws:PrincipalAccount: the topic is open to every one of them."""
    account_wide = topic("account-wide", grant("*", "sns:Subscribe", "*", StringEquals={"aws:PrincipalAccount": ACCOUNT}))
    one_user = topic("one-user", grant("*", "sns:Subscribe", "*", ArnEquals={"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:user/dave"}))
    outsiders_out = topic("outsiders-out", grant("*", "sns:Subscribe", "*", effect="Deny", StringNotEquals={"aws:PrincipalAccount": ACCOUNT}))
    mallory, dave = client(user("mallory")), client(user("dave", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sns:Subscribe", "Resource": "*"}]}))
    with enforcing_iam(aws.endpoint):
        got = [attempt(subscribe(mallory, account_wide)), attempt(subscribe(mallory, one_user)),
               attempt(subscribe(dave, one_user)), attempt(subscribe(dave, outsiders_out))]
    assert got[0] == "ok"
    assert got[1].startswith("AuthorizationError: ")
    assert got[2:] == ["ok", "ok"]


def test_the_refusal_is_snss_xml_and_other_services_are_not_judged_for_outside_callers(aws: EmbeddedMoto) -> None:
    arn = topic("closed")
    mallory = user("mallory")
    request = AWSRequest(method="POST", url=f"{aws.endpoint}/", data=f"Action=Publish&Version=2010-03-31&TopicArn={arn}&Message=m",
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(mallory.access_key_id, mallory.secret_access_key), "sns", "us-east-1").add_auth(request)
    prepared = urllib.request.Request(request.url, data=request.body, headers=dict(request.headers.items()), method="POST")
    with enforcing_iam(aws.endpoint):
        try:
            urllib.request.build_opener(urllib.request.ProxyHandler({})).open(prepared, timeout=10)
            status, body = 200, ""
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode()
        queue = attempt(lambda: client(mallory, "sqs").create_queue(QueueName="mallory-ears"))
    assert status == 403
    assert body.startswith('<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type>'
                           "<Code>AuthorizationError</Code><Message>User: "), body
    assert "<RequestId>" in body
    assert queue == "ok"


def test_another_accounts_topic_needs_both_its_policy_and_the_callers(aws: EmbeddedMoto) -> None:
    """The topic lives in another account of the emulator (moto's x-moto-account-id); moto's Publish
    reaches a topic of another account by its ARN."""
    partner = boto3.client("sns")
    partner.meta.events.register("before-sign.sns.*", lambda request, **_: request.headers.__setitem__("x-moto-account-id", PARTNER))
    closed = partner.create_topic(Name="partner-closed")["TopicArn"]
    shared = partner.create_topic(Name="partner-shared")["TopicArn"]
    partner.set_topic_attributes(TopicArn=shared, AttributeName="Policy", AttributeValue=document(grant({"AWS": ACCOUNT}, "sns:Publish", "*")))
    erin = client(user("erin", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}]}))
    frank = client(user("frank"))
    with enforcing_iam(aws.endpoint):
        got = [attempt(publish(erin, closed)), attempt(publish(erin, shared)), attempt(publish(frank, shared))]
    assert closed.split(":")[4] == PARTNER
    assert "because no resource-based policy allows the SNS:Publish action" in got[0]
    assert got[1] == "ok"  # the topic policy names erin's account, and erin's own policy allows
    assert "because no identity-based policy allows the SNS:Publish action" in got[2]


def test_a_user_of_another_account_is_let_in_only_by_a_topic_policy_naming_it(aws: EmbeddedMoto) -> None:
    """make_user(account=...): the outsider is its own account's admin; the topic's account decides."""
    admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sns:*", "Resource": "*"}]}
    outsider = make_user(boto3.client("iam"), "outsider", admin, account=PARTNER)
    opened = topic("opened", grant("*", "sns:Subscribe", "*"))
    own = topic("own", grant({"AWS": ROOT}, "sns:Subscribe", "*"))
    sns = client(outsider)
    with enforcing_iam(aws.endpoint):
        got = [attempt(subscribe(sns, opened)), attempt(subscribe(sns, own))]
    assert outsider.arn == f"arn:aws:iam::{PARTNER}:user/outsider"
    assert got[0] == "ok"
    assert got[1] == (f"AuthorizationError: User: {outsider.arn} is not authorized to perform: SNS:Subscribe on resource: "
                      f"{own} because no resource-based policy allows the SNS:Subscribe action [403]")
