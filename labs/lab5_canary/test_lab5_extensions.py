"""Lab 5 grader (optional extension): template.yaml's canary, run by CodeDeploy, judged by what live does.

Graded apart from the lab (`course grade lab5-ext`) and reported beside the course total, not in it.
The grader deploys the student's template.yaml itself, as `cloudformation package` + `deploy` would
(deploy_sam.sh is given): each AWS::Serverless::Function's CodeUri becomes the grader's own upload of a
release (a handler that answers its release, or one that fails), so that which version ran is told by
the answer. It never reads how the template is written: it redeploys with new code and watches the
alias live (its version and routing config) while it moves the backend's clock (harness/kit/clock.py)
through the canary's 5 minutes, with invocations that succeed or fail. The embedded backend runs
CodeDeploy's traffic shift on that clock (harness/emulator/codedeploy_traffic.py).
Run it with ``course grade lab5-ext`` or ``pytest labs/lab5_canary/test_lab5_extensions.py``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

import boto3
import pytest

from harness import expect, fail, invoke_deployed
from harness.backends import CODEDEPLOY_TRAFFIC_SHIFT, SAM_TRANSFORM, VIRTUAL_CLOCK
from harness.exercise_files import ExerciseFiles
from harness.kit import clock
from harness.kit.lambda_versions import LAMBDA_TRUST, alias, module_zip, release_source, weights
from harness.kit.messages import readme_step, short
from harness.kit.stacks import TemplateError, dump_template, load_template, read_stack

pytestmark = pytest.mark.start_ahead(student_processes=False)  # its checks deploy the student's Python, never load it

TEMPLATE = "template.yaml"
STACK = "price-quote-canary"
BUCKET = "lab5-grader-artifacts"
MODULE = "price_quote"
ALIAS = "live"
STABLE, CANARY = "2026.11-1", "2026.12-1"
BROKEN = "broken"  # a release whose every invocation fails
WEIGHT = 0.1
CANARY_SECONDS = 300  # Canary10Percent5Minutes
PERIOD = 60  # the alarm's period the README asks for
OTHER_FUNCTION = "price-quote-legacy"
INVOCATIONS = 30  # through live during a broken canary: about 3 reach it (the routing is seeded)
README = "labs/lab5_canary/README.md"

FIRST_DEPLOY = "test_the_first_deploy_puts_live_on_the_first_version"
SHIFTS = "test_a_deploy_of_new_code_sends_10_percent_of_live_to_it"
ROLLS_BACK = "test_errors_of_the_new_version_roll_the_canary_back"

step = functools.partial(readme_step, README)

# ------------------------------------------------------------------------------------------ hints
# Shown to students when a check fails; README.md lists them (tests/exercises/test_every_exercise.py).

FIRST_DEPLOY_HINT = (
    "Give PriceQuoteFunction `AutoPublishAlias: live`: SAM then publishes a version of the code at every deploy "
    "that changes it and points the alias live at it (the first deploy makes version 1)."
)
CANARY_HINT = (
    "Add `DeploymentPreference: {Type: Canary10Percent5Minutes, Alarms: [!Ref PriceQuoteErrorsAlarm]}` to the "
    "function: a deploy with new code then leaves live on the old version and gives 10 % to the new one "
    "(AllAtOnce moves everything at once; Linear shifts in steps)."
)
COMPLETES_HINT = (
    "Type: Canary10Percent5Minutes moves all traffic 5 minutes after the 10 %; the alarm must stay quiet while "
    "nothing fails: alarm on Errors (not Invocations), Threshold 0 with GreaterThanThreshold, and "
    "TreatMissingData: notBreaching (a minute without invocations is not a failure)."
)
ROLLBACK_HINT = (
    "Give the function an alarm on its own errors and name it under DeploymentPreference's Alarms: Namespace "
    "AWS/Lambda, MetricName Errors, Dimensions [{Name: FunctionName, Value: !Ref PriceQuoteFunction}], Statistic "
    "Sum, Period 60, EvaluationPeriods 1, Threshold 0, ComparisonOperator GreaterThanThreshold."
)
OTHERS_HINT = (
    "The alarm must watch this function only: Dimensions [{Name: FunctionName, Value: !Ref PriceQuoteFunction}]. "
    "Without dimensions, AWS/Lambda Errors counts the errors of every function in the account and region."
)

# ---------------------------------------------------------------------------------- deploying


def code_of(release: str) -> bytes:
    """The grader's package of a release: a handler answering it, or failing at every invocation."""
    source = (
        "def lambda_handler(event, context):\n    raise RuntimeError('release broken: the bulk discount divides by zero')\n"
        if release == BROKEN
        else release_source(release)
    )
    return module_zip(MODULE, source)


def packaged(exercise: ExerciseFiles, release: str) -> str:
    """template.yaml with every serverless function's code the grader's upload of ``release`` (what
    `cloudformation package` does with CodeUri: function/)."""
    path = exercise.path(TEMPLATE)
    if not path.is_file():
        fail(f"Expected the file {exercise.shown(TEMPLATE)}; it is missing.", hint=FIRST_DEPLOY_HINT)
    try:
        template = load_template(path.read_text(encoding="utf-8", errors="replace"))
    except TemplateError as error:
        fail(f"Expected {exercise.shown(TEMPLATE)} to be a template CloudFormation can read; {error}.")
    code = code_of(release)
    key = f"{hashlib.sha256(code).hexdigest()}.zip"
    s3 = boto3.client("s3")
    s3.put_object(Bucket=BUCKET, Key=key, Body=code)
    resources = template.get("Resources") if isinstance(template.get("Resources"), dict) else {}
    for resource in resources.values():
        if isinstance(resource, dict) and resource.get("Type") == "AWS::Serverless::Function":
            resource.setdefault("Properties", {})["CodeUri"] = {"Bucket": BUCKET, "Key": key}
    return dump_template(template)


def deploy(exercise: ExerciseFiles, release: str, which: str) -> None:
    """Create or update the stack with a change set, as `cloudformation deploy --capabilities CAPABILITY_IAM`."""
    cloudformation = boto3.client("cloudformation")
    exists = read_stack(cloudformation, STACK) is not None
    if not exists:
        boto3.client("s3").create_bucket(Bucket=BUCKET)
    body = packaged(exercise, release)
    try:
        created = cloudformation.create_change_set(
            StackName=STACK,
            ChangeSetName=f"grader-{'update' if exists else 'create'}",
            ChangeSetType="UPDATE" if exists else "CREATE",
            TemplateBody=body,
            Capabilities=["CAPABILITY_IAM"],
        )
    except cloudformation.exceptions.ClientError as error:
        fail(f"Expected {which} of {exercise.shown(TEMPLATE)} to be accepted; CloudFormation answered: {error}.")
    change_set = cloudformation.describe_change_set(ChangeSetName=created["Id"])
    if change_set["Status"] == "FAILED":
        fail(f"Expected {which} of {exercise.shown(TEMPLATE)} to make a change set; it FAILED: {change_set.get('StatusReason')}.")
    cloudformation.execute_change_set(ChangeSetName=created["Id"])
    stack = read_stack(cloudformation, STACK)
    if stack is None or not stack.complete:
        reason = f" ({stack.reason})" if stack and stack.reason else ""
        fail(f"Expected the stack {STACK} to be complete after {which}; it is {stack.status if stack else 'gone'}{reason}.")


def the_function() -> str:
    stack = read_stack(boto3.client("cloudformation"), STACK)
    functions = stack.of_type("AWS::Lambda::Function") if stack else []
    expect(
        len(functions) == 1,
        f"Expected the stack {STACK} to hold one Lambda function; it holds {stack.listing() if stack else 'nothing'}.",
    )
    return functions[0].physical_id


def live_state(function: str) -> tuple[str | None, dict[str, float]]:
    found = alias(function, ALIAS)
    return (found or {}).get("FunctionVersion"), weights(found)


def describe(state: tuple[str | None, dict[str, float]]) -> str:
    version, split = state
    if version is None:
        return "no alias live at all"
    if not split:
        return f"all its traffic on version {version}"
    shares = ", ".join(f"{weight:g} to version {v}" for v, weight in sorted(split.items()))
    return f"version {version} with {shares}"


def deployments() -> list[dict[str, Any]]:
    """CodeDeploy's deployments of every application and group, oldest first."""
    codedeploy = boto3.client("codedeploy")
    found = []
    for application in codedeploy.list_applications()["applications"]:
        for group in codedeploy.list_deployment_groups(applicationName=application)["deploymentGroups"]:
            ids = codedeploy.list_deployments(applicationName=application, deploymentGroupName=group)["deployments"]
            found += [codedeploy.get_deployment(deploymentId=i)["deploymentInfo"] for i in ids]
    return sorted(found, key=lambda d: d["createTime"])


def last_deployment() -> str:
    found = deployments()
    if not found:
        return "CodeDeploy ran no deployment"
    last = found[-1]
    error = (last.get("errorInformation") or {}).get("message")
    return f"CodeDeploy's deployment is {last['status']}" + (f" ({short(error, 240)[1:-1]})" if error else "")


def invoke_live(function: str, times: int) -> list[Any]:
    return [invoke_deployed(function, {"sku": "PU-1001", "quantity": 100}, qualifier=ALIAS) for _ in range(times)]


def canary_started(exercise: ExerciseFiles, release: str) -> str:
    """The first release deployed, then ``release``: the function, with live shifting at 10 % (or failed)."""
    # The backend's clock flows with the wall clock: start at a period boundary, so that the alarm's next
    # evaluation is a whole period away and only run_clock reaches it, however slow the deploys are.
    clock.start_of_period(PERIOD)
    deploy(exercise, STABLE, "the first deploy")
    function = the_function()
    deploy(exercise, release, "a second deploy with new code")
    state = live_state(function)
    expect(
        state == ("1", {"2": WEIGHT}),
        f"Expected live to be version 1 with 0.1 to version 2 after a deploy with new code; it is {describe(state)}; "
        f"{last_deployment()}.",
        hint=CANARY_HINT,
    )
    return function


def run_clock(function: str, seconds: int) -> tuple[str | None, dict[str, float]]:
    """Advance the clock a period at a time (the alarm is evaluated at each boundary); stop when live stops shifting."""
    state = live_state(function)
    for _ in range(seconds // PERIOD):
        clock.advance(PERIOD)
        state = live_state(function)
        if not state[1]:
            break
    else:
        clock.advance(seconds % PERIOD + 1)
        state = live_state(function)
    return state


def other_function_failing() -> None:
    """Another function of the account, whose invocations all fail."""
    role = boto3.client("iam").create_role(RoleName=f"{OTHER_FUNCTION}-role", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    client = boto3.client("lambda")
    client.create_function(
        FunctionName=OTHER_FUNCTION,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler=f"{MODULE}.lambda_handler",
        Code={"ZipFile": code_of(BROKEN)},
    )
    client.get_waiter("function_active_v2").wait(FunctionName=OTHER_FUNCTION)


# ========================================================================================= checks

# The backend must apply SAM, have a clock to move and run CodeDeploy's shift on it (the embedded one does).
extension = pytest.mark.needs(SAM_TRANSFORM, VIRTUAL_CLOCK, CODEDEPLOY_TRAFFIC_SHIFT)


@pytest.mark.points(2, hint=FIRST_DEPLOY_HINT, read=step(10))
@extension
def test_the_first_deploy_puts_live_on_the_first_version(exercise: ExerciseFiles) -> None:
    """the first deploy of template.yaml makes the alias live on version 1"""
    deploy(exercise, STABLE, "the first deploy")
    function = the_function()
    state = live_state(function)
    expect(state == ("1", {}), f"Expected the first deploy to make the alias live on version 1 of {function}; there is {describe(state)}.")
    answer = invoke_live(function, 1)[0]
    got = answer.payload.get("release") if isinstance(answer.payload, dict) else short(answer.payload)
    expect(
        answer.ok and got == STABLE,
        f"Expected an invocation of {function}:live to run the deployed release {STABLE!r}; it answered {got!r}"
        + (f" ({answer.function_error})." if answer.function_error else "."),
        hint="Keep Handler: price_quote.lambda_handler and CodeUri: function/: the grader deploys its own code there.",
    )


@pytest.mark.points(3, hint=CANARY_HINT, read=step(11), requires=FIRST_DEPLOY)
@extension
def test_a_deploy_of_new_code_sends_10_percent_of_live_to_it(exercise: ExerciseFiles) -> None:
    """a deploy with new code keeps live on version 1 and sends 10 % to version 2, through CodeDeploy"""
    canary_started(exercise, CANARY)
    found = deployments()
    expect(
        found and found[-1]["status"] == "InProgress",
        f"Expected a CodeDeploy deployment in progress while live shifts; {last_deployment()}.",
    )


@pytest.mark.points(3, hint=COMPLETES_HINT, read=step("11-12"), requires=SHIFTS)
@extension
def test_a_healthy_canary_takes_all_traffic_after_5_minutes(exercise: ExerciseFiles) -> None:
    """a healthy canary takes all of live's traffic after 5 minutes, with no routing config left"""
    function = canary_started(exercise, CANARY)
    answers = invoke_live(function, 10)
    expect(all(a.ok for a in answers), "Expected every invocation of the healthy release to succeed (the grader's own code).")
    state = run_clock(function, CANARY_SECONDS)
    if state == ("1", {}):
        fail(
            f"Expected live to move all its traffic to version 2 after 5 minutes without a single error; it went back "
            f"to version 1: {last_deployment()}. Your alarm went into ALARM though nothing failed."
        )
    expect(
        state == ("2", {}),
        f"Expected live to have all its traffic on version 2 after 5 minutes of a healthy canary (Canary10Percent5Minutes); "
        f"it is {describe(state)}; {last_deployment()}.",
    )


@pytest.mark.points(4, hint=ROLLBACK_HINT, read=step(12), requires=SHIFTS)
@extension
def test_errors_of_the_new_version_roll_the_canary_back(exercise: ExerciseFiles) -> None:
    """errors of the new version during the canary put all of live's traffic back on version 1"""
    function = canary_started(exercise, BROKEN)
    answers = invoke_live(function, INVOCATIONS)
    failed = sum(1 for a in answers if a.function_error)
    expect(failed, f"Expected some of {INVOCATIONS} invocations of live to reach the broken canary (the grader's scenario).")
    state = run_clock(function, CANARY_SECONDS)
    if state == ("2", {}):
        fail(
            f"Expected live to go back to version 1 after {failed} of {INVOCATIONS} invocations failed on the canary (version 2); "
            f"the broken version took all the traffic after 5 minutes: {last_deployment()}. No alarm of the "
            "deployment group went into ALARM."
        )
    expect(
        state == ("1", {}),
        f"Expected live to have all its traffic back on version 1 after {failed} invocations of the canary failed; "
        f"it is {describe(state)}; {last_deployment()}.",
    )


@pytest.mark.points(2, hint=OTHERS_HINT, read=step(12), requires=ROLLS_BACK)
@extension
def test_errors_of_another_function_leave_the_canary_alone(exercise: ExerciseFiles) -> None:
    """errors of another function do not roll this function's canary back"""
    other_function_failing()
    function = canary_started(exercise, CANARY)
    failures = [invoke_deployed(OTHER_FUNCTION, {}) for _ in range(3)]
    expect(all(f.function_error for f in failures), f"Expected {OTHER_FUNCTION} to fail (the grader's scenario).")
    invoke_live(function, 5)
    state = run_clock(function, CANARY_SECONDS)
    expect(
        state != ("1", {}),
        f"Expected live's canary to go on (version 2 gets its traffic): only another function ({OTHER_FUNCTION}) "
        f"failed, never version 2; live went back to all its traffic on version 1: {last_deployment()}.",
    )
