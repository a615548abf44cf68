"""Lab 6 grader: a custom metric and an alarm on order-processor (part 1), a circuit breaker and the
cold starts in Lambda's REPORT lines (part 2).

Part 1: the grader runs setup_alarm.sh, deploys the code of function/ as order-processor itself (with its
Orders table), subscribes a queue of its own to the alarm's topic, and drives traffic through the
deployed function minute by minute on the embedded backend's clock (harness/kit/clock.py): quiet
minutes, healthy minutes, failing minutes, then recovery. The alarm's state after each minute and the
notifications the queue receives are the verdict, so a wrong metric, statistic, threshold, period
count or TreatMissingData shows as the alarm doing the wrong thing at the wrong minute.

Part 2: circuit_breaker.py is played, in a student process, by harness/kit/breaker_probe with a manual
clock, on scripted sequences and seeded random ones; each observation is compared with the model
(harness/kit/breaker_model.py). cold_starts.py is compared with the REPORT lines the backend wrote for
the grader's own invocations, and with a log the grader writes (20 cold starts: nearest-rank p95 is not
the maximum there). Run it with ``course grade lab6``.
"""

from __future__ import annotations

import functools
import io
import json
import math
import random
import time
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest

from harness import PartialCredit, expect, fail, invoke_deployed, locations, scrub_paths, student_error_summary
from harness.backends import ALARM_EVALUATION, PAGED_LOG_READS, PROVISIONED_CONCURRENCY, VIRTUAL_CLOCK
from harness.exercise_files import ExerciseFiles
from harness.kit import breaker_model, clock
from harness.kit.lambda_versions import LAMBDA_TRUST
from harness.kit.log_pages import short_log_pages
from harness.kit.messages import readme_step, short
from harness.loader import load_module
from harness.student.proxy import StudentError

pytestmark = pytest.mark.start_ahead(lambda_runtime=True)  # its first check deploys and invokes the function

FUNCTION = "order-processor"
HANDLER = "order_processor.lambda_handler"
TABLE = "Orders"
TOPIC = "order-processor-alarms"
ALARM = "order-processor-errors"
SETUP_SCRIPT = "setup_alarm.sh"
NAMESPACE = "PartsUnlimited/Orders"
METRIC = "OrdersProcessed"
DIMENSIONS = [{"Name": "Service", "Value": "order-processor"}]
BREAKER_FILE = "circuit_breaker.py"
COLD_STARTS_FILE = "cold_starts.py"
README = "labs/lab6_observability/README.md"
PROBE = Path(breaker_model.__file__).with_name("breaker_probe") / "breaker_probe.py"
THRESHOLD, RESET_TIMEOUT = 3, 30.0
RANDOM_SEED, RANDOM_SEQUENCES, RANDOM_LENGTH = 6006, 200, 30
MINUTE = 60

RUNS = "test_setup_alarm_sh_runs_and_creates_the_topic_and_the_alarm"
IMPORTS = "test_circuit_breaker_defines_the_breaker_and_its_error"

step = functools.partial(readme_step, README)

# ------------------------------------------------------------------------------------------ hints
# Shown to students when a check fails; README.md lists them (tests/exercises/test_every_exercise.py).

METRIC_HINT = (
    "Call put_metric_data once for each order store_order stored, after it is stored: Namespace "
    '"PartsUnlimited/Orders", MetricName "OrdersProcessed", Dimensions [{"Name": "Service", "Value": '
    '"order-processor"}], Value 1, Unit "Count".'
)
RUNS_HINT = (
    "Run `bash labs/lab6_observability/deploy.sh`, then `bash labs/lab6_observability/setup_alarm.sh` against a "
    "running backend (`course backend up`) and fix the first command that fails."
)
CONFIG_HINT = (
    "put-metric-alarm --namespace AWS/Lambda --metric-name Errors --dimensions Name=FunctionName,Value=order-processor "
    "--statistic Sum --period 60 --evaluation-periods 3 --datapoints-to-alarm 2 --threshold 5 --comparison-operator "
    "GreaterThanOrEqualToThreshold --treat-missing-data notBreaching, with the topic in --alarm-actions and --ok-actions."
)
CALM_HINT = (
    "A minute without invocations has no Errors datapoint: notBreaching counts it as good (missing leaves the alarm "
    "INSUFFICIENT_DATA, breaching pages you at night); and the alarm must watch Errors with Sum, so that many "
    "successful invocations (Invocations, or SampleCount) never trip it."
)
ALARM_HINT = (
    "Sum of Errors per 60 s, at least 5 (GreaterThanOrEqualToThreshold 5), in 2 of the last 3 minutes "
    "(--evaluation-periods 3 --datapoints-to-alarm 2), with the topic order-processor-alarms in --alarm-actions."
)
OK_HINT = (
    "Put the same topic in --ok-actions, so the people paged hear that it recovered; the alarm returns to OK once "
    "fewer than 2 of the last 3 minutes breach."
)
BREAKER_IMPORT_HINT = (
    "circuit_breaker.py defines CircuitOpenError (an Exception) and CircuitBreaker(failure_threshold, reset_timeout, "
    "clock), with a `state` and a `call(function, *args, **kwargs)`."
)
OPENS_HINT = (
    "Count failures in a row: a success sets the count back to 0, and the circuit opens on the failure_threshold-th "
    "failure in a row (not on the first, and never on a success); the function's own exception still reaches the caller."
)
FAST_HINT = (
    "While OPEN, `call` raises CircuitOpenError at once, before calling the function: failing fast is the point, the "
    "dependency gets time to recover."
)
HALF_OPEN_HINT = (
    "Read the time from the clock you were given (self.clock()), never time.time(): once reset_timeout seconds have "
    "passed since it opened, state is HALF_OPEN and one trial call goes through (others fail fast while it runs); "
    "its success closes the circuit, its failure opens it again from that moment."
)
RANDOM_HINT = (
    "Replay the sequence the message shows on your breaker, step by step, with a clock you move by hand, and compare "
    "with README step 6's table of states."
)
PROVISION_HINT = (
    "publish-version, then create-alias (or update-alias) live to that version, put-provisioned-concurrency-config "
    "--qualifier live --provisioned-concurrent-executions 2, and poll get-provisioned-concurrency-config until its "
    "Status is READY: until then, invocations of live still start cold. On FAILED (an init that fails, say), print "
    "its StatusReason and exit 1."
)
PAGES_HINT = (
    'Follow nextToken until there is none: `for page in logs.get_paginator("filter_log_events").paginate(...)`; a '
    "page may hold fewer events than the log has, or none, and still have a next one."
)
COLD_HINT = (
    "Read every REPORT line of /aws/lambda/<function> (filter_log_events with every page), count them, count those "
    "with `Init Duration` (the cold starts), and take the nearest-rank p95 of those Init Durations: "
    "sorted(values)[ceil(0.95 * n) - 1]."
)

# --------------------------------------------------------------------------- part 1: the function


def function_zip(exercise: ExerciseFiles) -> bytes:
    """The student's function/ folder as Lambda's deployment package (zipped here: nothing of it runs)."""
    folder = exercise.path("function")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def deploy_function(exercise: ExerciseFiles) -> None:
    """order-processor from function/, with its Orders table, as deploy.sh makes it."""
    boto3.client("dynamodb").create_table(
        TableName=TABLE,
        AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    role = boto3.client("iam").create_role(RoleName=f"{FUNCTION}-role", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    client = boto3.client("lambda")
    client.create_function(
        FunctionName=FUNCTION,
        Runtime="python3.12",
        Handler=HANDLER,
        Role=role["Role"]["Arn"],
        Code={"ZipFile": function_zip(exercise)},
        Environment={"Variables": {"ORDERS_TABLE": TABLE}},
        TracingConfig={"Mode": "Active"},
        Timeout=10,
        MemorySize=128,
    )
    client.get_waiter("function_active_v2").wait(FunctionName=FUNCTION)


def good_order(number: int) -> dict[str, Any]:
    return {"order_id": f"o-{number}", "customer_id": "c-7", "total": "19.90"}


def bad_order(number: int) -> dict[str, Any]:
    return {"order_id": f"o-bad-{number}", "customer_id": "c-7"}  # no total: InvalidOrderError


class Traffic:
    """Invocations of the deployed function; a valid batch that fails stops the check with the reason."""

    def __init__(self) -> None:
        self.count = 0

    def invoke(self, orders: list[dict[str, Any]], *, should_fail: bool = False) -> Any:
        self.count += 1
        result = invoke_deployed(FUNCTION, {"orders": orders})
        if not should_fail and not result.ok:
            fail(
                f"Expected {FUNCTION} to store a valid batch {short(orders)}; it failed with {short(result.payload)}.",
                hint="Fix the function first: with valid orders the handler must succeed (see README step 1).",
            )
        if should_fail and result.ok:
            fail(
                f"Expected {FUNCTION} to fail on an order without a total (InvalidOrderError); it answered "
                f"{short(result.payload)}. Keep the given store_order: the alarm is judged on these failures.",
                hint="Keep the given store_order and lambda_handler; only add the metric (README step 1).",
            )
        return result

    def minute(self, good: int, bad: int = 0) -> None:
        """``good`` successful and ``bad`` failing invocations, then the minute ends (alarms evaluated)."""
        for _ in range(bad):
            self.invoke([bad_order(self.count)], should_fail=True)
        for _ in range(good):
            self.invoke([good_order(self.count)])
        clock.advance(MINUTE)


def alarm_state() -> str:
    alarms = boto3.client("cloudwatch").describe_alarms(AlarmNames=[ALARM])["MetricAlarms"]
    return alarms[0]["StateValue"] if alarms else "missing"


def topic_arn() -> str | None:
    topics = boto3.client("sns").list_topics()["Topics"]
    return next((t["TopicArn"] for t in topics if t["TopicArn"].rsplit(":", 1)[-1] == TOPIC), None)


def subscribe_inbox() -> str:
    """A queue of the grader's own, subscribed to the alarm's topic: where the notifications must arrive."""
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="grader-alarm-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = topic_arn()
    expect(topic, f"Expected setup_alarm.sh to create the SNS topic {TOPIC}; the backend has no topic of that name.")
    boto3.client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return url


def notifications(url: str) -> list[dict[str, Any]]:
    """The alarm notifications the inbox received so far (each SNS envelope's Message, parsed)."""
    sqs = boto3.client("sqs")
    found = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            body = json.loads(message["Body"])
            try:
                found.append(json.loads(body.get("Message", "{}")) if isinstance(body, dict) else {})
            except json.JSONDecodeError:
                found.append({"Message": body.get("Message")})
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def states_named(found: list[dict[str, Any]]) -> list[str]:
    return [n.get("NewStateValue", "?") for n in found if n.get("AlarmName") == ALARM]


def set_up_alarm(exercise: ExerciseFiles, *, deploy: bool = True) -> str:
    """setup_alarm.sh run, the function deployed (when the check invokes it), the inbox subscribed.

    The script runs first, from the state every check that runs it starts from (a reset backend), so the
    first run is replayed in the others (harness/script_replay.py) instead of run again: the alarm names
    the function, it does not need it to exist, and RUNS (which the others require) runs it without one."""
    result = exercise.run_script(SETUP_SCRIPT)
    if not result.ok:
        fail(f"Expected `bash {SETUP_SCRIPT}` to exit with status 0; {scrub_paths(result.describe())}", hint=RUNS_HINT)
    expect(alarm_state() != "missing", f"Expected `bash {SETUP_SCRIPT}` to create the alarm {ALARM}; describe-alarms finds none.", hint=RUNS_HINT)
    if deploy:
        deploy_function(exercise)
    return subscribe_inbox()


def calm_phase(traffic: Traffic) -> dict[str, str]:
    """Three quiet minutes, then two healthy ones (6 successful invocations each): the alarm's states."""
    clock.advance(3 * MINUTE)
    after_quiet = alarm_state()
    traffic.minute(good=6)
    traffic.minute(good=6)
    return {"quiet": after_quiet, "healthy": alarm_state()}


def failing_phase(traffic: Traffic) -> list[str]:
    """Two minutes of 5 failing and 1 successful invocations: the alarm's state after each."""
    states = []
    for _ in range(2):
        traffic.minute(good=1, bad=5)
        states.append(alarm_state())
    return states


# ------------------------------------------------------------------------------ part 1: the metric


def orders_processed(since: datetime) -> tuple[float, set[str]]:
    """OrdersProcessed's sum with exactly the README's dimensions since ``since``, and the units sent."""
    points = boto3.client("cloudwatch").get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=METRIC,
        Dimensions=DIMENSIONS,
        StartTime=since - timedelta(minutes=5),
        EndTime=datetime.now(timezone.utc) + timedelta(minutes=5),
        Period=MINUTE,
        Statistics=["Sum"],
    )["Datapoints"]
    return sum(p["Sum"] for p in points), {p.get("Unit", "None") for p in points}


def metrics_seen() -> str:
    """What the function did send to CloudWatch, for a message: metric names, namespaces and dimensions."""
    metrics = [m for m in boto3.client("cloudwatch").list_metrics()["Metrics"] if m["Namespace"] != "AWS/Lambda"]
    if not metrics:
        return "no custom metric at all"
    shown = []
    for metric in metrics[:5]:
        dimensions = ", ".join(f"{d['Name']}={d['Value']}" for d in metric.get("Dimensions", []))
        shown.append(f"{metric['Namespace']} {metric['MetricName']} {{{dimensions}}}")
    return "only " + "; ".join(shown)


# ========================================================================================= checks: part 1


@pytest.mark.points(3, hint=METRIC_HINT, read=step(1))
def test_the_function_counts_each_stored_order_in_orders_processed(exercise: ExerciseFiles, partial_credit: PartialCredit) -> None:
    """order-processor sends OrdersProcessed once per stored order (namespace, dimension, unit Count)"""
    deploy_function(exercise)
    since = datetime.now(timezone.utc)
    traffic = Traffic()
    traffic.invoke([good_order(n) for n in range(3)])
    after_three, units = orders_processed(since)
    with partial_credit.part("a batch of 3 valid orders counts 3"):
        expect(
            after_three == 3,
            f"Expected OrdersProcessed ({NAMESPACE}, Service=order-processor) to sum to 3 after one invocation with 3 "
            f"orders; it sums to {after_three:g}" + ("" if after_three else f": CloudWatch has {metrics_seen()}") + ".",
        )
    traffic.invoke([good_order(10), good_order(11), bad_order(12), good_order(13)], should_fail=True)
    after_failure, units = orders_processed(since)
    with partial_credit.part("a batch that fails at its third order counts the 2 stored before it"):
        expect(
            after_failure - after_three == 2,
            "Expected OrdersProcessed to grow by 2 for a batch whose third order is invalid (2 orders stored, then "
            f"InvalidOrderError); it grew by {after_failure - after_three:g}.",
        )
    with partial_credit.part("its unit is Count"):
        expect(units == {"Count"}, f"Expected OrdersProcessed's datapoints to have the unit Count; they have {sorted(units) or 'none'}.")


@pytest.mark.points(2, hint=RUNS_HINT, read=step("2-3"))
def test_setup_alarm_sh_runs_and_creates_the_topic_and_the_alarm(exercise: ExerciseFiles) -> None:
    """setup_alarm.sh runs and creates the topic and the alarm; a second run changes nothing"""
    set_up_alarm(exercise, deploy=False)
    again = exercise.run_script(SETUP_SCRIPT)
    expect(again.ok, f"Expected a second `bash {SETUP_SCRIPT}` to exit with status 0 (nothing to change); {scrub_paths(again.describe())}")
    topics = [t for t in boto3.client("sns").list_topics()["Topics"] if t["TopicArn"].endswith(f":{TOPIC}")]
    expect(len(topics) == 1, f"Expected one topic {TOPIC} after two runs; there are {len(topics)}.")


@pytest.mark.points(3, hint=CONFIG_HINT, read=step(3), requires=RUNS)
def test_the_alarm_watches_the_functions_errors_as_the_readme_says(exercise: ExerciseFiles, partial_credit: PartialCredit) -> None:
    """the alarm watches order-processor's Errors: Sum per minute, 5 or more in 2 of 3 minutes, notBreaching, the topic on ALARM and OK"""
    set_up_alarm(exercise, deploy=False)
    alarm = boto3.client("cloudwatch").describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]
    topic = topic_arn()
    with partial_credit.part("metric: Errors in AWS/Lambda with the dimension FunctionName=order-processor alone"):
        got = (alarm.get("Namespace"), alarm.get("MetricName"), [(d["Name"], d["Value"]) for d in alarm.get("Dimensions", [])])
        expect(got == ("AWS/Lambda", "Errors", [("FunctionName", FUNCTION)]), f"Expected AWS/Lambda Errors with FunctionName={FUNCTION}; the alarm watches {got}.")
    with partial_credit.part("statistic Sum over 60 s periods"):
        got = (alarm.get("Statistic") or alarm.get("ExtendedStatistic"), alarm.get("Period"))
        expect(got == ("Sum", MINUTE), f"Expected the statistic Sum over 60 s periods; the alarm has {got[0]} over {got[1]} s.")
    with partial_credit.part("5 or more errors in 2 of the last 3 periods"):
        threshold, operator = alarm.get("Threshold"), alarm.get("ComparisonOperator")
        # Errors are whole numbers: "> 4" trips exactly when ">= 5" does.
        same = (operator, threshold) in (("GreaterThanOrEqualToThreshold", 5.0), ("GreaterThanThreshold", 4.0))
        periods = (alarm.get("DatapointsToAlarm", alarm.get("EvaluationPeriods")), alarm.get("EvaluationPeriods"))
        expect(
            same and periods == (2, 3),
            f"Expected >= 5 in 2 of 3 periods; the alarm has {operator} {threshold:g} in {periods[0]} of {periods[1]} periods.",
        )
    with partial_credit.part("TreatMissingData notBreaching"):
        got = alarm.get("TreatMissingData", "missing")
        expect(got == "notBreaching", f"Expected TreatMissingData notBreaching (a quiet minute is a healthy one); the alarm has {got}.")
    with partial_credit.part(f"the topic {TOPIC} in AlarmActions and OKActions"):
        actions = (alarm.get("AlarmActions", []), alarm.get("OKActions", []))
        expect(actions == ([topic], [topic]), f"Expected AlarmActions and OKActions to be [{topic}]; they are {actions[0]} and {actions[1]}.")


@pytest.mark.points(7, hint=ALARM_HINT, read=step(3), requires=RUNS)
@pytest.mark.needs(VIRTUAL_CLOCK, ALARM_EVALUATION)
def test_the_alarm_follows_the_functions_failures_and_notifies_the_topic(exercise: ExerciseFiles, partial_credit: PartialCredit) -> None:
    """the alarm stays OK through quiet and healthy minutes, goes to ALARM after two failing minutes (not one) and back to OK, notifying the topic's queue"""
    # One timeline, minute by minute: every deploy is a cold start, so the phases share one (README "Grade your work").
    inbox = set_up_alarm(exercise)
    clock.start_of_period(MINUTE)  # here, not in set_up_alarm: the checks before it need no clock
    traffic = Traffic()
    calm = calm_phase(traffic)
    with partial_credit.part("OK after three quiet minutes"):
        expect(calm["quiet"] == "OK", f"Expected the alarm OK after three minutes without invocations; it is {calm['quiet']}.", hint=CALM_HINT)
    with partial_credit.part("OK after two healthy minutes"):
        expect(
            calm["healthy"] == "OK",
            f"Expected the alarm OK after two minutes of 6 successful invocations each (Errors 0); it is {calm['healthy']}.",
            hint=CALM_HINT,
        )
    first, second = failing_phase(traffic)
    with partial_credit.part("not ALARM after one failing minute"):
        expect(
            first != "ALARM",
            f"Expected the alarm not in ALARM after one minute with 5 failing invocations (one bad minute of three is a "
            f"blip: 2 of 3 must breach); it is {first}.",
        )
    received = states_named(notifications(inbox))
    with partial_credit.part("ALARM after the second failing minute, and the queue notified"):
        expect(second == "ALARM", f"Expected the alarm in ALARM after two minutes with 5 failing invocations each; it is {second}.")
        expect(
            "ALARM" in received,
            f"Expected an ALARM notification of {ALARM} in a queue subscribed to {TOPIC}; it received {received or 'nothing'}.",
        )
    with partial_credit.part("OK again once the function succeeds, and the queue notified"):
        expect(second == "ALARM", "Expected the alarm to return from ALARM to OK; it was never in ALARM (see above).", hint=OK_HINT)
        for _ in range(3):
            traffic.minute(good=2)
            if alarm_state() == "OK":
                break
        now = alarm_state()
        expect(now == "OK", f"Expected the alarm OK after three minutes of successful invocations only; it is {now}.", hint=OK_HINT)
        received = states_named(notifications(inbox))
        expect(
            "OK" in received,
            f"Expected an OK notification of {ALARM} in the queue subscribed to {TOPIC}; it received {received or 'nothing'}.",
            hint=OK_HINT,
        )


# ================================================================================= checks: part 2


def play(exercise: ExerciseFiles, sequences: list[list[dict[str, Any]]], threshold: int = THRESHOLD) -> list[list[dict[str, Any]]]:
    """The observations of each sequence on the student's breaker (played in a student process)."""
    probe = load_module(PROBE)
    locations.touched(exercise.path(BREAKER_FILE))  # a failure points at the student's file, not the probe
    try:
        return probe.run(str(exercise.path(BREAKER_FILE)), threshold, RESET_TIMEOUT, sequences)
    except StudentError as error:
        fail(f"Expected the breaker to play {BREAKER_FILE}'s calls; {student_error_summary(error)}", hint=BREAKER_IMPORT_HINT)


def judge(exercise: ExerciseFiles, sequences: list[list[dict[str, Any]]], threshold: int = THRESHOLD) -> None:
    for steps, got in zip(sequences, play(exercise, sequences, threshold)):
        difference = breaker_model.first_difference(steps, got, breaker_model.expected(threshold, RESET_TIMEOUT, steps))
        if difference:
            fail(f"CircuitBreaker(failure_threshold={threshold}, reset_timeout={RESET_TIMEOUT:g}, clock=...): {difference}")


call, advance = breaker_model.call, breaker_model.advance
OPENED = [call(False)] * THRESHOLD


@pytest.mark.points(1, hint=BREAKER_IMPORT_HINT, read=step(4))
def test_circuit_breaker_defines_the_breaker_and_its_error(exercise: ExerciseFiles) -> None:
    """circuit_breaker.py defines CircuitBreaker and CircuitOpenError, and a new breaker is CLOSED"""
    module = exercise.load(BREAKER_FILE)
    names = module.names()
    expect("CircuitBreaker" in names and "CircuitOpenError" in names, f"Expected CircuitBreaker and CircuitOpenError in {BREAKER_FILE}; it defines {names}.")
    expect(module.CircuitOpenError.is_subclass_of(Exception), "Expected CircuitOpenError to be an Exception subclass.")
    judge(exercise, [[]])


@pytest.mark.points(2, hint=OPENS_HINT, read=step(5), requires=IMPORTS)
def test_the_circuit_opens_after_the_configured_failures_in_a_row(exercise: ExerciseFiles) -> None:
    """CLOSED → OPEN on the failure_threshold-th failure in a row; a success sets the count back"""
    judge(exercise, [
        [call(True), call(True), call(True)],
        [call(False), call(False), call(True), call(False), call(False), call(True)],
        [call(False), call(False), call(False)],
    ])
    judge(exercise, [[call(False), call(True), call(False)]], threshold=2)


@pytest.mark.points(2, hint=FAST_HINT, read=step(5), requires=IMPORTS)
def test_an_open_circuit_fails_fast_without_calling_the_function(exercise: ExerciseFiles) -> None:
    """while OPEN, calls fail fast with CircuitOpenError and the function is not called"""
    judge(exercise, [[*OPENED, call(True), advance(10), call(False), advance(RESET_TIMEOUT - 10.5), call(True)]])


@pytest.mark.points(3, hint=HALF_OPEN_HINT, read=step(6), requires=IMPORTS)
def test_after_the_reset_timeout_one_trial_call_closes_or_opens_the_circuit(exercise: ExerciseFiles) -> None:
    """after reset_timeout on the breaker's clock: HALF_OPEN, one trial call; success closes, failure opens again"""
    judge(exercise, [
        [*OPENED, advance(RESET_TIMEOUT), call(True), call(False), call(False)],
        [*OPENED, advance(RESET_TIMEOUT + 5), call(False), call(True), advance(RESET_TIMEOUT - 1), call(True), advance(1), call(True)],
        [*OPENED, advance(RESET_TIMEOUT), {"op": "trial_with_nested_call"}, call(True)],
    ])


@pytest.mark.points(3, hint=RANDOM_HINT, read=step(6), requires=IMPORTS)
def test_random_call_sequences_behave_like_the_model(exercise: ExerciseFiles) -> None:
    """200 random sequences of calls and waits (seeded) give the README's states and outcomes at every step"""
    seeds = [RANDOM_SEED * 1000 + index for index in range(RANDOM_SEQUENCES)]
    sequences = [breaker_model.random_sequence(random.Random(seed), RESET_TIMEOUT, RANDOM_LENGTH) for seed in seeds]
    for seed, steps, got in zip(seeds, sequences, play(exercise, sequences)):
        difference = breaker_model.first_difference(steps, got, breaker_model.expected(THRESHOLD, RESET_TIMEOUT, steps))
        if difference:
            fail(
                f"Random sequence with seed {seed} (breaker_model.random_sequence(random.Random({seed}), "
                f"{RESET_TIMEOUT:g}, {RANDOM_LENGTH})), CircuitBreaker(failure_threshold={THRESHOLD}, "
                f"reset_timeout={RESET_TIMEOUT:g}): {difference}"
            )


# ------------------------------------------------------------------------------ part 2: cold starts


LOAD_TEST = "order-processor-load-test"
LOAD_TEST_INITS = [
    212.40, 230.15, 245.02, 251.33, 260.71, 266.09, 271.48, 280.26, 288.93, 295.17,
    301.64, 310.05, 322.81, 335.40, 348.12, 362.57, 377.90, 395.36, 412.08, 640.55,
]  # 20 cold starts: nearest-rank p95 is the 19th (412.08), not the maximum (640.55)
LOAD_TEST_WARM = 16


def report_lines_of(function_name: str) -> list[str]:
    """The backend's truth: every REPORT line it wrote for the function."""
    logs = boto3.client("logs")
    lines = []
    try:
        for page in logs.get_paginator("filter_log_events").paginate(logGroupName=f"/aws/lambda/{function_name}"):
            lines += [e["message"].rstrip("\n") for e in page["events"] if e["message"].startswith("REPORT RequestId:")]
    except logs.exceptions.ResourceNotFoundException:
        return []  # no log group yet: nothing ran
    return lines


def truth(lines: list[str]) -> dict[str, Any]:
    inits = sorted(float(line.split("Init Duration: ")[1].split(" ms")[0]) for line in lines if "Init Duration: " in line)
    p95 = inits[math.ceil(0.95 * len(inits)) - 1] if inits else None
    return {"invocations": len(lines), "cold_starts": len(inits), "p95_init_ms": p95}


def write_load_test_log() -> None:
    """A log like Lambda's for 36 invocations of LOAD_TEST in 4 streams, 20 of them cold starts."""
    logs = boto3.client("logs")
    group = f"/aws/lambda/{LOAD_TEST}"
    logs.create_log_group(logGroupName=group)
    rng = random.Random(606)
    durations = [*LOAD_TEST_INITS, *([None] * LOAD_TEST_WARM)]
    rng.shuffle(durations)
    now = int(time.time() * 1000) - 60_000
    for stream_index in range(4):
        stream = f"2026/12/05/[$LATEST]{stream_index:032x}"
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        events = []
        for index, init in enumerate(durations[stream_index::4]):
            request = f"{stream_index:08x}-0000-4000-8000-{index:012x}"
            lines = [f"START RequestId: {request} Version: $LATEST", "stored order o-1", f"END RequestId: {request}"]
            report = f"REPORT RequestId: {request}\tDuration: {3.5 + index:.2f} ms\tBilled Duration: {4 + index} ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\t"
            lines.append(report + (f"Init Duration: {init:.2f} ms\t" if init is not None else ""))
            events += [{"timestamp": now + len(events), "message": line + "\n"} for line in lines]
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)


def invoke_with_cold_starts(exercise: ExerciseFiles) -> None:
    """order-processor invoked 5 times, its configuration changed after the third: 2 cold starts."""
    deploy_function(exercise)
    traffic = Traffic()
    for _ in range(3):
        traffic.invoke([good_order(traffic.count)])
    client = boto3.client("lambda")
    client.update_function_configuration(FunctionName=FUNCTION, Environment={"Variables": {"ORDERS_TABLE": TABLE, "RELEASE": "2"}})
    client.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION)
    for _ in range(2):
        traffic.invoke([good_order(traffic.count)])


def compare_summary(summarize: Callable[[str], Any], function_name: str, want: dict[str, Any]) -> None:
    try:
        got = summarize(function_name)
    except StudentError as error:
        fail(f"Expected summarize({function_name!r}) to answer; {student_error_summary(error)}")
    if not isinstance(got, dict):
        fail(f"Expected summarize({function_name!r}) to return a dict with invocations, cold_starts and p95_init_ms; it returned {short(got)}.")
    p95 = got.get("p95_init_ms")
    same_p95 = (p95 is None) == (want["p95_init_ms"] is None) and (p95 is None or (isinstance(p95, (int, float)) and abs(p95 - want["p95_init_ms"]) < 0.006))
    same = got.get("invocations") == want["invocations"] and got.get("cold_starts") == want["cold_starts"] and same_p95
    expect(same, f"Expected summarize({function_name!r}) to give {want} (the REPORT lines the backend wrote); it gave {short(got)}.")


@pytest.mark.points(3, hint=COLD_HINT, read=step("7-8"))
def test_cold_starts_py_reads_cold_starts_and_p95_init_duration_from_the_report_lines(
    exercise: ExerciseFiles, partial_credit: PartialCredit
) -> None:
    """cold_starts.py counts invocations, cold starts and the p95 Init Duration as the REPORT lines say"""
    invoke_with_cold_starts(exercise)
    write_load_test_log()
    module = exercise.load(COLD_STARTS_FILE)
    with partial_credit.part(f"{FUNCTION} after 5 invocations with a configuration change between"):
        compare_summary(module.summarize, FUNCTION, truth(report_lines_of(FUNCTION)))
    with partial_credit.part(f"{LOAD_TEST}: 36 invocations, 20 cold starts"):
        compare_summary(module.summarize, LOAD_TEST, truth(report_lines_of(LOAD_TEST)))


COLD = "test_cold_starts_py_reads_cold_starts_and_p95_init_duration_from_the_report_lines"
PAGE_EVENTS = 10  # the load test: 36 REPORT lines among 144 events, 4 pages by the README's pattern, 15 without


@pytest.mark.points(1, hint=PAGES_HINT, read=step(7), requires=COLD)
@pytest.mark.needs(PAGED_LOG_READS)  # elsewhere the whole log comes in one page: reading the first is right by luck
def test_cold_starts_py_reads_every_page_of_the_log(exercise: ExerciseFiles) -> None:
    """cold_starts.py reads every page of the log, whatever a page holds"""
    write_load_test_log()
    want = truth(report_lines_of(LOAD_TEST))
    module = exercise.load(COLD_STARTS_FILE)
    with short_log_pages(PAGE_EVENTS):
        try:
            got = module.summarize(LOAD_TEST)
        except StudentError as error:
            fail(f"Expected summarize({LOAD_TEST!r}) to answer with the backend's pages of {PAGE_EVENTS} events; "
                 f"{student_error_summary(error)}")
    expect(
        isinstance(got, dict) and got.get("invocations") == want["invocations"] and got.get("cold_starts") == want["cold_starts"],
        f"Expected summarize({LOAD_TEST!r}) to count {want['invocations']} invocations and {want['cold_starts']} cold "
        f"starts when the backend answers FilterLogEvents {PAGE_EVENTS} events a page (as CloudWatch Logs may answer "
        f"any page short); it gave {short(got)}: not every page was read.",
    )


ALIAS = "live"
PROVISIONED = 2
FAILED_STOPS_WITHIN = 30.0  # seconds: a script that stops on FAILED ends at once; one that keeps polling is stopped


def failing_init_zip() -> bytes:
    """order-processor's code as a release whose module raises at import: its provisioned allocation FAILS."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(HANDLER.split(".")[0] + ".py", 'raise RuntimeError("ORDERS_TABLE is not configured")\n')
    return buffer.getvalue()


@pytest.mark.points(3, hint=PROVISION_HINT, read=step(9))
@pytest.mark.needs(PROVISIONED_CONCURRENCY)
def test_provision_sh_gives_live_provisioned_environments_that_start_warm(exercise: ExerciseFiles, partial_credit: PartialCredit) -> None:
    """provision.sh puts 2 provisioned environments on live, READY, and live's invocations right after it start warm"""
    deploy_function(exercise)
    result = exercise.run_script("provision.sh")
    if not result.ok:
        fail(f"Expected `bash provision.sh` to exit with status 0 where {FUNCTION} is deployed; {scrub_paths(result.describe())}")
    before = len(report_lines_of(FUNCTION))
    with partial_credit.part("live's invocations right after provision.sh have no Init Duration"):
        for number in range(3):  # the grader reads nothing first: its first read would allocate them itself
            answer = invoke_deployed(FUNCTION, {"orders": [good_order(number)]}, qualifier=ALIAS)
            expect(answer.ok, f"Expected {FUNCTION}:{ALIAS} to store a valid order; it failed with {short(answer.payload)}.")
        lines = report_lines_of(FUNCTION)[before:]
        cold = [line for line in lines if "Init Duration" in line]
        expect(
            lines and not cold,
            f"Expected the 3 invocations of {FUNCTION}:{ALIAS} right after `bash provision.sh` to start warm (REPORT "
            f"lines without Init Duration); {len(cold)} of {len(lines)} were cold starts.",
        )
    with partial_credit.part(f"{PROVISIONED} provisioned concurrent executions on the alias live, READY"):
        configs = boto3.client("lambda").list_provisioned_concurrency_configs(FunctionName=FUNCTION)["ProvisionedConcurrencyConfigs"]
        shown = [(c["FunctionArn"].rsplit(":", 1)[-1], c.get("RequestedProvisionedConcurrentExecutions"), c.get("Status")) for c in configs]
        expect(
            shown == [(ALIAS, PROVISIONED, "READY")],
            f"Expected one provisioned concurrency configuration, on {ALIAS}: ({ALIAS!r}, {PROVISIONED}, 'READY'); "
            f"the function has {shown or 'none'} (qualifier, requested, status).",
        )
    with partial_credit.part("a FAILED allocation (an init that fails) makes provision.sh exit with an error"):
        broken = boto3.client("lambda")
        broken.update_function_code(FunctionName=FUNCTION, ZipFile=failing_init_zip())
        broken.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION)
        result = exercise.run_script("provision.sh", timeout=FAILED_STOPS_WITHIN)
        when = (f"`bash provision.sh` after {FUNCTION}'s code was changed to one whose init raises (its allocation is "
                "FAILED at the first read of the configuration)")
        expect(result.returncode is not None, f"Expected {when} to stop with an error; it was still running after "
                                              f"{FAILED_STOPS_WITHIN:g} s: it kept polling a status that stays FAILED.")
        expect(not result.ok, f"Expected {when} to exit with an error (FAILED is no READY); it exited with status 0.")
