"""The Serverless Heist grader: exploit the vulnerable StreamItems app, then harden it.

Exploit phase: the grader deploys its own pristine copy of the vulnerable app (vulnerable/, locked with
this grader) with harness/kit/sam_deploy.py, plants this student's flags (derived from a seed, with a
nonce per run, so neither a neighbour's flags nor hard-coded ones match), and runs each of the student's
exploits (exploits/<flaw>.py, ``exploit(target)``) in a student process. A flaw's check passes when its
exploit returned that flaw's flag.

Fix phase: the grader deploys the student's template.yaml and src/ the same way, plants fresh flags
through the API as the victim would, and then, with IAM enforcement on for the deployed code, runs the
student's exploits again and its own exploit suite, and a functional suite (a signed victim creates,
lists and reads her own items; a bad request gets a 400; a subscriber of the account still hears about
new items). A flaw is fixed when every exploit of it fails and the feature it touches still works.

Where the backend enforces IAM (IAM_ENFORCEMENT), both phases run with it on: the deployed function's
calls are judged by its role, and the attacker's SNS calls by her policies and the topic's policy, as
on AWS. The open topic is then judged by what mallory and a user of another account can do to it; on a
backend without enforcement, by evaluating the topic's policy for another account (_judge_topic_policy).

Each phase runs once per grading run (the backend is reset between checks, so the first check of a
phase deploys and plays it, and the later checks read its outcome). Run with ``course grade heist``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from harness import expect, fail
from harness.backends import DEPLOYED_API_OVER_HTTP, IAM_ENFORCEMENT
from harness.exercise_files import ExerciseFiles
from harness.kit import sam_deploy
from harness.kit.iam import parse_policy
from harness.kit.iam_enforcement import enforcing_iam
from harness.kit.messages import short
from harness.kit.served_api import HttpAnswer, Identity, ServedApi, make_user
from harness.kit.stacks import Stack
from harness.student.proxy import StudentError, StudentExited

HERE = Path(__file__).resolve().parent
VULNERABLE = HERE / "vulnerable"
TEMPLATE = "template.yaml"
STACK = "streamitems-heist"
ADMIN_TABLE = f"{STACK}-admin"
TOKEN_VARIABLE = "PARTNER_FEED_TOKEN"
OUTSIDER_ACCOUNT = "111122223333"
README = "labs/heist/README.md"
SEED_VARIABLES = ("HEIST_SEED", "GITHUB_ACTOR")
LOCAL_SEED = "local-student"
EXPLOIT_SECONDS = 6  # one exploit's time limit
EXPLOITS_BUDGET = 16  # all six of one phase: with the deploy and the suite, within a check's 30 s
VICTIM_SAVES_EVERY = 0.25  # seconds between the victim's saves while the open_topic exploit runs

NO_AUTH, SCAN_ALL, ERROR_LEAK = "no_auth", "scan_all", "error_leak"
WILDCARD_ROLE, OPEN_TOPIC, NO_VALIDATION = "wildcard_role", "open_topic", "no_validation"
FLAWS = (NO_AUTH, SCAN_ALL, ERROR_LEAK, WILDCARD_ROLE, OPEN_TOPIC, NO_VALIDATION)
FIX_DEPLOYS = "test_the_hardened_app_deploys"

LEAK_MARKERS = ("Traceback", "/var/task", "botocore", "File \"", TOKEN_VARIABLE, "when calling the", "Error(")
MISSING_TOKEN = {"message": "Missing Authentication Token"}  # API Gateway's answer to an unsigned call
TITLE_LIMIT, NOTES_LIMIT = 200, 2000

# ------------------------------------------------------------------------------------------ hints

EXPLOIT_HINTS = {
    NO_AUTH: "Compare the Auth of every method in template.yaml: one of them answers a request nobody signed. "
             "target['shared_item_id'] is an item the victim shared.",
    SCAN_ALL: "Sign a request as the attacker (heist_client.call(target, ..., signed=True)), then read "
              "list_items in src/app.py: whose items does a Scan return?",
    ERROR_LEAK: "What does handler() answer when something in it raises? Send the API something the code "
                "cannot parse, and read the whole answer.",
    WILDCARD_ROLE: "Read list_items: where does the name of the table it reads come from? Then read the "
                   "role's Resource. target['admin_table'] is the back office's table.",
    OPEN_TOPIC: "Read UpdatesTopicPolicy: who may subscribe? A queue of yours (attacker_client(target, 'sqs')) "
                "can listen on target['topic_arn'] while the victim saves items: keep receiving for a few seconds.",
    NO_VALIDATION: "Read create_item: which fields of the body end up in the stored item, and what else does the "
                   "answer hold? target['draft_item_id'] is the victim's draft, which share links hide.",
}
FIX_HINTS = {
    NO_AUTH: "Remove `Auth: Authorizer: NONE` from ReadItem so that every method uses the API's AWS_IAM "
             "default: an unsigned call must get API Gateway's 403, never reach the function.",
    SCAN_ALL: "List with a Query on the owner-index for the caller (requestContext.identity.userArn), never a "
              "Scan; GET /items/{id} answers 404 unless the item's owner is the caller.",
    ERROR_LEAK: "Answer errors with a fixed message ({\"error\": \"internal error\"}, or a 400 saying what "
                "was wrong with the input): no repr, traceback or environment; remove DEBUG.",
    WILDCARD_ROLE: "Scope the role: dynamodb:PutItem, GetItem and Query on the items table and its index "
                   "(DynamoDBCrudPolicy on StreamItemsTable does it), sns:Publish on the topic: no Resource \"*\"; "
                   "and drop the `catalog` parameter.",
    OPEN_TOPIC: "Give the topic KmsMasterKeyId (alias/aws/sns or a key of yours) and a policy that names only "
                "this account's root (Principal {AWS: !Sub \"arn:aws:iam::${AWS::AccountId}:root\"}: each identity's own "
                "IAM policy then decides, and mallory's grants no SNS), never Principal \"*\".",
    NO_VALIDATION: "Validate POST bodies: a JSON object with title (string, 1-200 characters) and optional "
                   "notes (string, at most 2000), nothing else; answer 400 otherwise; id and owner are set by "
                   "the server only.",
}
DEPLOY_HINT = ("Deploy it yourself: `course backend up`, then `bash labs/heist/deploy.sh`, and read the first "
               "FAILED event (`awslocal cloudformation describe-stack-events --stack-name streamitems-heist`).")


# ------------------------------------------------------------------------------------------ flags


def seed() -> str:
    return next((os.environ[v] for v in SEED_VARIABLES if os.environ.get(v)), LOCAL_SEED)


def seed_note() -> str:
    return f"(Flags derived from the seed {seed()!r}.)"


def flag(flaw: str, nonce: str) -> str:
    """This student's flag for this flaw in this run: HMAC of the seed, so a neighbour's never matches."""
    digest = hmac.new(seed().encode(), f"{flaw}:{nonce}".encode(), hashlib.sha256).hexdigest()[:20]
    return f"HEIST{{{flaw}:{digest}}}"


# --------------------------------------------------------------------------------------- scenario


@dataclass
class Scenario:
    stack: Stack
    api_id: str
    api: ServedApi
    victim: Identity
    mallory: Identity
    flags: dict[str, str]
    topic_arn: str
    functions: list[str]
    target: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """What one exploit run gave: its answer (text), or why it failed to run."""

    output: str = ""
    error: str = ""

    def found(self, wanted: str) -> bool:
        return wanted in self.output


def one(stack: Stack, kind: str) -> str:
    found = stack.of_type(kind)
    return found[0].physical_id if found else ""


def deploy(folder: Path) -> Stack:
    return sam_deploy.deploy(folder, TEMPLATE, STACK)


def scenario(stack: Stack, nonce: str) -> Scenario:
    api_id = one(stack, "AWS::ApiGateway::RestApi")
    stages = boto3.client("apigateway").get_stages(restApiId=api_id)["item"] if api_id else []
    stage = next((s["stageName"] for s in stages if s["stageName"] != "Stage"), "prod")
    iam = boto3.client("iam")
    victim = make_user(iam, "victim-alice")
    mallory = make_user(iam, "mallory")
    flags = {flaw: flag(flaw, nonce) for flaw in FLAWS}
    functions = [r.physical_id for r in stack.of_type("AWS::Lambda::Function")]
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    made = Scenario(stack, api_id, ServedApi(endpoint, api_id, stage), victim, mallory, flags, one(stack, "AWS::SNS::Topic"), functions)
    made.target = {
        "api_url": made.api.base, "endpoint": endpoint, "region": "us-east-1",
        "attacker": {"access_key_id": mallory.access_key_id, "secret_access_key": mallory.secret_access_key,
                     "arn": mallory.arn},
        "victim_arn": victim.arn, "stack": STACK, "admin_table": ADMIN_TABLE, "topic_arn": made.topic_arn,
    }
    return made


def plant_token(made: Scenario) -> None:
    """Ops put the partner feed's token in the function's environment (the error-leak flag)."""
    client = boto3.client("lambda")
    for name in made.functions:
        variables = (client.get_function_configuration(FunctionName=name).get("Environment") or {}).get("Variables") or {}
        client.update_function_configuration(FunctionName=name, Environment={"Variables": {**variables, TOKEN_VARIABLE: made.flags[ERROR_LEAK]}})
        client.get_function_configuration(FunctionName=name)  # the update completes at this read (lambda_updates.py)


def plant_admin(made: Scenario) -> None:
    dynamodb = boto3.client("dynamodb")
    try:
        dynamodb.describe_table(TableName=ADMIN_TABLE)
    except dynamodb.exceptions.ResourceNotFoundException:  # a hardened template may leave it to the back office
        dynamodb.create_table(TableName=ADMIN_TABLE, BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "name", "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "name", "KeyType": "HASH"}])
    dynamodb.put_item(TableName=ADMIN_TABLE, Item={"name": {"S": "payout-account"}, "secret": {"S": made.flags[WILDCARD_ROLE]}})


class VictimActivity:
    """The victim saves items through the API while an exploit runs (what the open topic announces)."""

    def __init__(self, made: Scenario) -> None:
        self.made, self.stop, self.thread = made, threading.Event(), threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        # The first save comes one interval in, as the others: one made before the exploit's queue has
        # subscribed reaches nobody, and an exploit that returns at once no longer waits for it (the
        # function's cold start).
        while not self.stop.wait(VICTIM_SAVES_EVERY):
            try:
                self.made.api.call("POST", "/items", as_identity=self.made.victim,
                                   body={"title": "Late-night list", "notes": self.made.flags[OPEN_TOPIC]})
            except Exception:  # noqa: BLE001 - the victim keeps trying; the exploit's outcome is what counts
                pass

    def __enter__(self) -> VictimActivity:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=40)


def run_exploits(exercise: ExerciseFiles, made: Scenario) -> dict[str, Outcome]:
    """Each exploit in turn, each within its own limit and all within the phase's budget."""
    outcomes, deadline = {}, time.monotonic() + EXPLOITS_BUDGET
    for flaw in FLAWS:
        left = deadline - time.monotonic()
        outcomes[flaw] = (run_exploit(exercise, flaw, made, min(EXPLOIT_SECONDS, left)) if left > 0.5 else
                          Outcome(error=f"it was not run: the exploits before it used up their {EXPLOITS_BUDGET} s"))
    return outcomes


def run_exploit(exercise: ExerciseFiles, flaw: str, made: Scenario, seconds: float) -> Outcome:
    name = f"exploits/{flaw}.py"
    if not exercise.path(name).is_file():
        return Outcome(error=f"{exercise.shown(name)} is missing")
    try:
        module = exercise.load(name)
        with module.time_limit(seconds):
            if flaw == OPEN_TOPIC:
                with VictimActivity(made):
                    answer = module.exploit(made.target)
            else:
                answer = module.exploit(made.target)
    except StudentExited as error:
        return Outcome(error=str(error))
    except StudentError as error:
        return Outcome(error=f"exploit() raised {error.type_name}: {short(error.message, 200)}")
    except Exception as error:  # noqa: BLE001 - StudentCodeError at import, StudentExited: the script's failure
        return Outcome(error=short(str(error), 300))
    return Outcome(output=answer if isinstance(answer, str) else json.dumps(answer, default=str))


# ---------------------------------------------------------------------------------- exploit phase

_phases: dict[tuple[str, str], Any] = {}


@dataclass
class ExploitPhase:
    flags: dict[str, str]
    outcomes: dict[str, Outcome]
    error: str = ""


def exploit_phase(exercise: ExerciseFiles) -> ExploitPhase:
    key = (str(exercise.folder), "exploit")
    if key not in _phases:
        _phases[key] = _play_exploit_phase(exercise)
    return _phases[key]


def _play_exploit_phase(exercise: ExerciseFiles) -> ExploitPhase:
    try:
        stack = deploy(VULNERABLE)
    except sam_deploy.DeployError as error:
        return ExploitPhase({}, {}, f"the grader's copy of the vulnerable app did not deploy: {error}")
    made = scenario(stack, uuid.uuid4().hex)
    items = boto3.resource("dynamodb").Table(f"{STACK}-items")
    shared, private, draft = (str(uuid.uuid4()) for _ in range(3))
    for item_id, title, notes, extra in ((shared, "Road trip", NO_AUTH, {}), (private, "Diary playlist", SCAN_ALL, {}),
                                         (draft, "Unreleased draft", NO_VALIDATION, {"draft": True})):
        items.put_item(Item={"id": item_id, "owner": made.victim.arn, "title": title, "notes": made.flags[notes], **extra})
    plant_admin(made)
    plant_token(made)
    made.target.update(shared_item_id=shared, draft_item_id=draft)
    with enforcing(exercise):  # the vulnerable app, judged as AWS would judge it
        return ExploitPhase(made.flags, run_exploits(exercise, made))


def enforcing(exercise: ExerciseFiles) -> Any:
    """IAM enforcement where the backend has it (elsewhere the checks that need it are not graded)."""
    return enforcing_iam() if judged_by_iam(exercise) else contextlib.nullcontext()


def judged_by_iam(exercise: ExerciseFiles) -> bool:
    return IAM_ENFORCEMENT in exercise.backend.capabilities  # type: ignore[attr-defined]


def expect_flag(exercise: ExerciseFiles, flaw: str) -> None:
    phase = exploit_phase(exercise)
    if phase.error:
        fail(phase.error, hint="This is the grader's own app: report it to the course maintainers.")
    outcome = phase.outcomes[flaw]
    if outcome.error:
        fail(f"Expected exploits/{flaw}.py's exploit(target) to return the {flaw} flag; {outcome.error}.")
    expect(outcome.found(phase.flags[flaw]),
           f"Expected exploits/{flaw}.py's exploit(target), run against a fresh deployment of the vulnerable app, "
           f"to return text containing the {flaw} flag (HEIST{{{flaw}:...}}); it returned {short(outcome.output, 300)!r}.")


def exploit_check(flaw: str) -> Any:
    return pytest.mark.points(2, hint=EXPLOIT_HINTS[flaw], read=f"{README}, Phase 1")


@pytest.mark.needs(DEPLOYED_API_OVER_HTTP)
@exploit_check(NO_AUTH)
def test_exploit_no_auth(exercise: ExerciseFiles, report_note: list[str]) -> None:
    """exploit no_auth: an unsigned call reads the victim's shared item"""
    report_note.append(seed_note())
    expect_flag(exercise, NO_AUTH)


@pytest.mark.needs(DEPLOYED_API_OVER_HTTP)
@exploit_check(SCAN_ALL)
def test_exploit_scan_all(exercise: ExerciseFiles, report_note: list[str]) -> None:
    """exploit scan_all: another user's items come back in mallory's list"""
    report_note.append(seed_note())
    expect_flag(exercise, SCAN_ALL)


@pytest.mark.needs(DEPLOYED_API_OVER_HTTP)
@exploit_check(ERROR_LEAK)
def test_exploit_error_leak(exercise: ExerciseFiles, report_note: list[str]) -> None:
    """exploit error_leak: an error answer shows the partner token"""
    report_note.append(seed_note())
    expect_flag(exercise, ERROR_LEAK)


@pytest.mark.needs(DEPLOYED_API_OVER_HTTP)
@exploit_check(WILDCARD_ROLE)
def test_exploit_wildcard_role(exercise: ExerciseFiles, report_note: list[str]) -> None:
    """exploit wildcard_role: the API reads the back-office admin table"""
    report_note.append(seed_note())
    expect_flag(exercise, WILDCARD_ROLE)


@pytest.mark.needs(DEPLOYED_API_OVER_HTTP)
@exploit_check(OPEN_TOPIC)
def test_exploit_open_topic(exercise: ExerciseFiles, report_note: list[str]) -> None:
    """exploit open_topic: an outsider's queue hears the victim's private notes"""
    report_note.append(seed_note())
    expect_flag(exercise, OPEN_TOPIC)


@pytest.mark.needs(DEPLOYED_API_OVER_HTTP)
@exploit_check(NO_VALIDATION)
def test_exploit_no_validation(exercise: ExerciseFiles, report_note: list[str]) -> None:
    """exploit no_validation: a crafted body overwrites the victim's draft and returns it"""
    report_note.append(seed_note())
    expect_flag(exercise, NO_VALIDATION)


# -------------------------------------------------------------------------------------- fix phase


@dataclass
class FixPhase:
    deploy_error: str = ""
    problems: dict[str, list[str]] = field(default_factory=lambda: {flaw: [] for flaw in FLAWS})

    def problem(self, flaw: str, text: str) -> None:
        self.problems[flaw].append(text)


def fix_phase(exercise: ExerciseFiles) -> FixPhase:
    key = (str(exercise.folder), "fix")
    if key not in _phases:
        _phases[key] = _play_fix_phase(exercise)
    return _phases[key]


def item_id(answer: HttpAnswer) -> str | None:
    body = answer.body if answer.status == 201 else None
    if isinstance(body, dict):
        item = body.get("item") if isinstance(body.get("item"), dict) else body
        return item.get("id") if isinstance(item.get("id"), str) else None
    return None


def listed_ids(answer: HttpAnswer) -> set[str]:
    body = answer.body
    items = body.get("items") if isinstance(body, dict) else body
    return {i.get("id") for i in items if isinstance(i, dict)} if isinstance(items, list) else set()


def _play_fix_phase(exercise: ExerciseFiles) -> FixPhase:
    phase = FixPhase()
    try:
        stack = deploy(exercise.folder)
    except sam_deploy.DeployError as error:
        phase.deploy_error = str(error)
        return phase
    made = scenario(stack, uuid.uuid4().hex)
    if not made.api_id:
        phase.deploy_error = f"the stack has no REST API ({stack.listing()})"
        return phase
    plant_admin(made)
    plant_token(made)
    _judge_topic_encryption(made, phase)
    if not judged_by_iam(exercise):
        _judge_topic_policy(made, phase)
    # Elsewhere the role is not enforced; wildcard_role, which needs it, is then not graded.
    with enforcing(exercise):
        _functional_and_exploits(exercise, made, phase, judged_by_iam(exercise))
    return phase


def _functional_and_exploits(exercise: ExerciseFiles, made: Scenario, phase: FixPhase, iam_judged: bool) -> None:
    api, victim, flags = made.api, made.victim, made.flags
    listener = _subscribe_listener(made.topic_arn)
    created: dict[str, str] = {}
    for flaw, title in ((NO_AUTH, "Road trip"), (SCAN_ALL, "Diary playlist"), (NO_VALIDATION, "Unreleased draft")):
        answer = api.call("POST", "/items", as_identity=victim, body={"title": title, "notes": flags[flaw]})
        found = item_id(answer)
        if found is None:
            broken = f"the feature is broken: a signed POST /items by the item's owner should answer 201 with the item's id; {answer.request} answered {answer.described()}"
            for each in FLAWS:
                phase.problem(each, broken)
            return
        created[flaw] = found
    own = api.call("GET", "/items", as_identity=victim)
    mine = api.call("GET", f"/items/{created[NO_AUTH]}", as_identity=victim)
    bad = api.call("POST", "/items", as_identity=victim, body="{not json")
    made.target.update(shared_item_id=created[NO_AUTH], draft_item_id=created[NO_VALIDATION])
    outcomes = run_exploits(exercise, made)
    for flaw, outcome in outcomes.items():
        if outcome.found(flags[flaw]) and (flaw != OPEN_TOPIC or iam_judged):  # without IAM, anyone may subscribe
            phase.problem(flaw, f"your exploits/{flaw}.py still returns the {flaw} flag from the hardened app")
    if not (own.status == 200 and set(created.values()) <= listed_ids(own)):
        phase.problem(SCAN_ALL, f"the feature is broken: the owner's signed GET /items should list her 3 items; {own.request} answered {own.described()}")
    if not (mine.status == 200 and flags[NO_AUTH] in mine.text):
        for flaw in (NO_AUTH, SCAN_ALL):
            phase.problem(flaw, f"the feature is broken: the owner's signed GET /items/{{id}} should answer 200 with her item; {mine.request} answered {mine.described()}")
    _no_auth(made, created, phase)
    _scan_all(made, created, phase)
    _error_leak(made, bad, phase)
    _wildcard_role(made, phase)
    _no_validation(made, created, phase)
    if made.topic_arn and not _heard(listener, flags[NO_AUTH]):
        phase.problem(OPEN_TOPIC, "the feature is broken: a queue of this account subscribed to the topic heard nothing "
                                  "of the items the owner created (the app must still publish)")
    if iam_judged:
        _try_the_topic(made, phase)
    _failing_dependency(made, phase)


def _failing_dependency(made: Scenario, phase: FixPhase) -> None:
    """Last, a dependency fails (the topic is gone): the app's own error answer must not leak either."""
    if not made.topic_arn:
        return
    boto3.client("sns").delete_topic(TopicArn=made.topic_arn)
    answer = made.api.call("POST", "/items", as_identity=made.victim, body={"title": "while SNS is down"})
    _expect_no_leak(made, "a POST while the topic is unavailable (the app's unhandled-error path)", answer, phase)


def _no_auth(made: Scenario, created: dict[str, str], phase: FixPhase) -> None:
    for method, path, body in (("GET", f"/items/{created[NO_AUTH]}", None), ("GET", "/items", None),
                               ("POST", "/items", {"title": "anonymous"})):
        answer = made.api.call(method, path, body=body, signed=False)
        if answer.status != 403 or answer.body != MISSING_TOKEN:
            phase.problem(NO_AUTH, f"an unsigned {method} {path} should be refused by API Gateway itself (403 "
                                   f"{json.dumps(MISSING_TOKEN)}), before the function runs; {answer.request} answered {answer.described()}")
    resources = boto3.client("apigateway").get_resources(restApiId=made.api_id, embed=["methods"])["items"]
    for resource in resources:
        for method, detail in (resource.get("resourceMethods") or {}).items():
            if method != "OPTIONS" and (detail or {}).get("authorizationType") != "AWS_IAM":
                phase.problem(NO_AUTH, f"{method} {resource['path']} has authorization "
                                       f"{(detail or {}).get('authorizationType')!r}, not AWS_IAM")


def _scan_all(made: Scenario, created: dict[str, str], phase: FixPhase) -> None:
    mallory = made.mallory
    made.api.call("POST", "/items", as_identity=mallory, body={"title": "mallory's own"})
    listing = made.api.call("GET", "/items", as_identity=mallory)
    leaked = listed_ids(listing) & set(created.values())
    if leaked or made.flags[SCAN_ALL] in listing.text:
        phase.problem(SCAN_ALL, f"mallory's signed GET /items returned the victim's items ({len(leaked)} of them)")
    for which in (NO_AUTH, SCAN_ALL):
        answer = made.api.call("GET", f"/items/{created[which]}", as_identity=mallory)
        if made.flags[which] in answer.text:
            phase.problem(SCAN_ALL, f"mallory's signed GET /items/{{id}} of the victim's item answered it: {answer.request} answered {answer.described()}")


MALFORMED = (
    ("a body that is not JSON", "{not json"),
    ("a JSON list", "[1, 2]"),
    ("a title that is a number", json.dumps({"title": 7})),
    ("a body that is JSON null", "null"),
)


def _error_leak(made: Scenario, bad_json: Any, phase: FixPhase) -> None:
    if bad_json.status != 400 or not isinstance(bad_json.body, dict) or "error" not in bad_json.body:
        phase.problem(ERROR_LEAK, f"a body that is not JSON should answer 400 with {{\"error\": \"...\"}}; {bad_json.request} answered {bad_json.described()}")
    answers = [(what, made.api.call("POST", "/items", as_identity=made.mallory, body=raw)) for what, raw in MALFORMED]
    answers.append(("an unknown id", made.api.call("GET", "/items/%00%ff", as_identity=made.mallory)))
    answers.append(("an unknown catalog", made.api.call("GET", "/items", as_identity=made.mallory, query={"catalog": "nope"})))
    for what, answer in answers:
        _expect_no_leak(made, what, answer, phase)


def _expect_no_leak(made: Scenario, what: str, answer: Any, phase: FixPhase) -> None:
    if made.flags[ERROR_LEAK] in answer.text:
        phase.problem(ERROR_LEAK, f"{what} answered the partner token: {answer.request} answered {answer.described()}")
    names = [n for n in (f"{STACK}-items", ADMIN_TABLE, made.topic_arn, *made.functions) if n and n in answer.text]
    markers = [m for m in LEAK_MARKERS if m in answer.text] + names
    if markers:
        phase.problem(ERROR_LEAK, f"{what} answered internal details ({', '.join(markers)}): {answer.request} answered {answer.described()}")


PROBE = '''import boto3, os
def handler(event, context):
    dynamodb, done = boto3.client("dynamodb"), []
    for name, call in (("GetItem", lambda: dynamodb.get_item(TableName=event["table"], Key={"name": {"S": "payout-account"}})),
                       ("Scan", lambda: dynamodb.scan(TableName=event["table"]))):
        try:
            call()
            done.append(name)
        except Exception as error:
            pass
    return {"done": done}
'''


def _wildcard_role(made: Scenario, phase: FixPhase) -> None:
    """A probe run as the API's own role (IAM enforced) tries to read the admin table: it must be refused."""
    answer = made.api.call("GET", "/items", as_identity=made.mallory, query={"catalog": ADMIN_TABLE})
    if made.flags[WILDCARD_ROLE] in answer.text:
        phase.problem(WILDCARD_ROLE, f"GET /items?catalog={ADMIN_TABLE} answered the admin table's secret: {answer.request} answered {answer.described()}")
    client = boto3.client("lambda")
    for number, name in enumerate(made.functions):
        role = client.get_function_configuration(FunctionName=name)["Role"]
        probe = f"heist-role-probe-{number}"
        client.create_function(FunctionName=probe, Runtime="python3.12", Role=role, Handler="probe.handler",
                               Code={"ZipFile": _zip({"probe.py": PROBE})}, Timeout=10)
        result = client.invoke(FunctionName=probe, Payload=json.dumps({"table": ADMIN_TABLE}))
        done = json.loads(result["Payload"].read() or b"{}").get("done") if "FunctionError" not in result else ["(the probe failed)"]
        if done:
            phase.problem(WILDCARD_ROLE, f"{name}'s role may still {' and '.join(done)} the admin table {ADMIN_TABLE} "
                                         "(a probe ran with that role, IAM enforced)")


def _zip(files: dict[str, str]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _no_validation(made: Scenario, created: dict[str, str], phase: FixPhase) -> None:
    api, mallory, victim, flags = made.api, made.mallory, made.victim, made.flags
    draft = created[NO_VALIDATION]
    readable = flags[NO_VALIDATION] in api.call("GET", f"/items/{draft}", as_identity=victim).text
    hijack = api.call("POST", "/items", as_identity=mallory, body={"id": draft, "title": "mine now"})
    if flags[NO_VALIDATION] in hijack.text:
        phase.problem(NO_VALIDATION, f"a POST with the victim's item id in the body answered her item: {hijack.request} answered {hijack.described()}")
    # Only when the owner could read it before (a broken read is the read feature's problem, said elsewhere).
    if readable and flags[NO_VALIDATION] not in api.call("GET", f"/items/{draft}", as_identity=victim).text:
        phase.problem(NO_VALIDATION, "a POST by mallory with {\"id\": <the victim's item id>} replaced the victim's item")
    owned = api.call("POST", "/items", as_identity=mallory, body={"title": "planted", "owner": victim.arn})
    planted = item_id(owned)
    if planted and planted in listed_ids(api.call("GET", "/items", as_identity=victim)):
        phase.problem(NO_VALIDATION, "a POST by mallory with {\"owner\": <the victim>} put an item in the victim's list")
    for what, body in (("a 300-character title", {"title": "t" * 300}), ("notes of 5,000 characters", {"title": "x", "notes": "n" * 5000}),
                       ("an empty title", {"title": ""}), ("no title", {"notes": "x"}),
                       ("an unknown field", {"title": "x", "admin": True})):
        answer = api.call("POST", "/items", as_identity=mallory, body=body)
        if answer.status != 400:
            phase.problem(NO_VALIDATION, f"{what} should answer 400; {answer.request} answered {answer.described()}")


def _subscribe_listener(topic_arn: str) -> str | None:
    if not topic_arn:
        return None
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="heist-legit-listener")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    boto3.client("sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)
    return url


def _heard(url: str | None, wanted: str) -> bool:
    if url is None:
        return False
    sqs = boto3.client("sqs")
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if messages:
            return True  # what it says is the app's choice: ids only is a fine hardening
        time.sleep(0.1)
    return False


def _judge_topic_encryption(made: Scenario, phase: FixPhase) -> None:
    if not made.topic_arn:
        phase.problem(OPEN_TOPIC, "the stack has no SNS topic: the app must still announce new items")
        return
    attributes = boto3.client("sns").get_topic_attributes(TopicArn=made.topic_arn)["Attributes"]
    if not attributes.get("KmsMasterKeyId"):
        phase.problem(OPEN_TOPIC, "the topic has no KmsMasterKeyId: messages are stored unencrypted")


def _judge_topic_policy(made: Scenario, phase: FixPhase) -> None:
    """Without IAM enforcement: the topic's policy evaluated for another account (what SNS would decide)."""
    if not made.topic_arn:
        return
    attributes = boto3.client("sns").get_topic_attributes(TopicArn=made.topic_arn)["Attributes"]
    policy = parse_policy(json.loads(attributes.get("Policy") or "{}"), kind="resource")
    outsider = f"arn:aws:iam::{OUTSIDER_ACCOUNT}:root"
    keys = {"aws:PrincipalAccount": OUTSIDER_ACCOUNT, "aws:PrincipalArn": outsider, "aws:SourceOwner": OUTSIDER_ACCOUNT,
            "aws:SourceAccount": OUTSIDER_ACCOUNT, "aws:SecureTransport": "true", "aws:SourceArn": None}
    opened = [action for action in TOPIC_ACTIONS
              if policy.decide(action, made.topic_arn, principal=("AWS", outsider), context=keys).allowed]
    if opened:
        phase.problem(OPEN_TOPIC, f"the topic policy lets another account ({OUTSIDER_ACCOUNT}) {', '.join(opened)}")


TOPIC_ACTIONS = ("sns:Subscribe", "sns:Publish", "sns:GetTopicAttributes", "sns:SetTopicAttributes")
OUTSIDER_ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sns:*", "sqs:*"], "Resource": "*"}]}


def _try_the_topic(made: Scenario, phase: FixPhase) -> None:
    """With IAM enforced: mallory (a customer, an IAM user of this account without SNS permissions) and
    the administrator of another account each try the topic; SNS must refuse every call (AuthorizationError)."""
    if not made.topic_arn:
        return
    outsider = make_user(boto3.client("iam"), "outsider-admin", OUTSIDER_ADMIN, account=OUTSIDER_ACCOUNT)
    for who, identity in (("mallory (an IAM user of this account, a customer)", made.mallory),
                          (f"the administrator of another account ({OUTSIDER_ACCOUNT})", outsider)):
        opened = [action for action, call in _topic_calls(identity, made.topic_arn) if _answered(call)]
        if opened:
            phase.problem(OPEN_TOPIC, f"{who} could {', '.join(opened)} on the topic: its policy lets them in "
                                      "(SNS answered instead of refusing with AuthorizationError)")


def _topic_calls(identity: Identity, topic_arn: str) -> list[tuple[str, Any]]:
    keys = {"aws_access_key_id": identity.access_key_id, "aws_secret_access_key": identity.secret_access_key}
    sns, sqs = boto3.client("sns", **keys), boto3.client("sqs", **keys)
    # A queue of theirs, in their account; a name of its own (an exploit's queue may hold other attributes).
    queue = sqs.create_queue(QueueName=f"grader-ears-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return [
        ("sns:Subscribe", lambda: sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)),
        ("sns:Publish", lambda: sns.publish(TopicArn=topic_arn, Message="{\"notes\": \"forged\"}")),
        ("sns:GetTopicAttributes", lambda: sns.get_topic_attributes(TopicArn=topic_arn)),
        ("sns:SetTopicAttributes", lambda: sns.set_topic_attributes(TopicArn=topic_arn, AttributeName="DisplayName", AttributeValue="owned")),
    ]


def _answered(call: Any) -> bool:
    """False when SNS refused the caller (AuthorizationError); True when it let the call through, even to
    fail for another reason (a bad parameter, the key): the topic's policy did not keep the caller out."""
    try:
        call()
    except ClientError as error:
        return error.response.get("Error", {}).get("Code") != "AuthorizationError"
    return True


def expect_fixed(exercise: ExerciseFiles, flaw: str) -> None:
    phase = fix_phase(exercise)
    if phase.deploy_error:
        fail(f"Expected template.yaml to deploy; {phase.deploy_error}", hint=DEPLOY_HINT)
    problems = phase.problems[flaw]
    expect(not problems, f"Expected the hardened app to close {flaw} and keep its feature; " + "; ".join(problems[:3]) + ".")


def fix_check(flaw: str) -> Any:
    return pytest.mark.points(3, hint=FIX_HINTS[flaw], read=f"{README}, Phase 2", requires=FIX_DEPLOYS)


@pytest.mark.points(2, hint=DEPLOY_HINT, read=f"{README}, Phase 2")
def test_the_hardened_app_deploys(exercise: ExerciseFiles) -> None:
    """your template.yaml deploys as the stack streamitems-heist with its REST API"""
    phase = fix_phase(exercise)
    expect(not phase.deploy_error, f"Expected template.yaml and src/ to deploy as {STACK}; {phase.deploy_error}.")


@pytest.mark.needs(DEPLOYED_API_OVER_HTTP)
@fix_check(NO_AUTH)
def test_fix_no_auth(exercise: ExerciseFiles, report_note: list[str]) -> None:
    """fixed no_auth: every method needs a SigV4 signature"""
    report_note.append(seed_note())
    expect_fixed(exercise, NO_AUTH)


@pytest.mark.needs(DEPLOYED_API_OVER_HTTP)
@fix_check(SCAN_ALL)
def test_fix_scan_all(exercise: ExerciseFiles, report_note: list[str]) -> None:
    """fixed scan_all: a caller sees and reads only her own items"""
    report_note.append(seed_note())
    expect_fixed(exercise, SCAN_ALL)


@pytest.mark.needs(DEPLOYED_API_OVER_HTTP)
@fix_check(ERROR_LEAK)
def test_fix_error_leak(exercise: ExerciseFiles, report_note: list[str]) -> None:
    """fixed error_leak: errors say what was wrong, never how the app is built"""
    report_note.append(seed_note())
    expect_fixed(exercise, ERROR_LEAK)


@pytest.mark.needs(DEPLOYED_API_OVER_HTTP)
@pytest.mark.needs(IAM_ENFORCEMENT)
@fix_check(WILDCARD_ROLE)
def test_fix_wildcard_role(exercise: ExerciseFiles, report_note: list[str]) -> None:
    """fixed wildcard_role: the function's role reaches its own table and topic only"""
    report_note.append(seed_note())
    expect_fixed(exercise, WILDCARD_ROLE)


@pytest.mark.needs(DEPLOYED_API_OVER_HTTP)
@fix_check(OPEN_TOPIC)
def test_fix_open_topic(exercise: ExerciseFiles, report_note: list[str]) -> None:
    """fixed open_topic: the topic is encrypted with KMS and refuses mallory and other accounts"""
    report_note.append(seed_note())
    expect_fixed(exercise, OPEN_TOPIC)


@pytest.mark.needs(DEPLOYED_API_OVER_HTTP)
@fix_check(NO_VALIDATION)
def test_fix_no_validation(exercise: ExerciseFiles, report_note: list[str]) -> None:
    """fixed no_validation: POST /items takes a title and notes of bounded size, nothing else"""
    report_note.append(seed_note())
    expect_fixed(exercise, NO_VALIDATION)
