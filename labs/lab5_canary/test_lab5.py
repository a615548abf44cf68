"""Lab 5 grader: a canary release of price-quote through the alias live, measured, promoted, rolled back.

The grader sets price-quote up itself with versions of its own code: 1 (stable, behind live) and 2
(published, never promoted), $LATEST holding 2's code. deploy_canary.sh runs with a third release
written into a copy of function/, and is judged by the versions and the alias's routing config it
leaves. measure_split, promote.sh and rollback.sh are judged on canaries the grader sets up (1 stable,
3 at 10 %), so that each is graded apart from the others. What the backend really ran is read from
Lambda's own metrics (Invocations by ExecutedVersion); the embedded backend's routing is seeded at
every reset, so a check sees the same draws on every run. Run it with ``course grade lab5``.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest

from harness import PartialCredit, expect, fail, invoke_deployed, not_graded, scrub_paths, student_error_summary
from harness.backends import WEIGHTED_ALIAS_ROUTING
from harness.exercise_files import ExerciseFiles, ScriptResult
from harness.kit.lambda_versions import (
    WAIT_HINT,
    alias,
    create_function,
    lambda_calls,
    refused_while_updating,
    release_zip,
    versions,
    weights,
    with_release,
)
from harness.kit.logs import StudentLog
from harness.kit.messages import readme_step, short
from harness.student.proxy import StudentError

FUNCTION = "price-quote"
HANDLER = "price_quote.lambda_handler"
MODULE = "price_quote"
CODE_FILE = "function/price_quote.py"
ALIAS = "live"
README = "labs/lab5_canary/README.md"
STABLE, WITHDRAWN, CANARY = "2026.11-1", "2026.11-2 (withdrawn)", "2026.12-1"
DESCRIPTION = "release 2026.12-1: bulk discount, as a canary"
WEIGHT = 0.1
INVOCATIONS = 200
TOLERANCE = 0.05  # the canary's measured share may differ from its weight by 5 percentage points

RUNS = "test_deploy_canary_sh_runs_where_live_serves_version_1"
SAME_CODE = "test_a_second_run_with_the_same_code_changes_nothing"  # a promoted release's deploy builds on it

step = functools.partial(readme_step, README)

# ------------------------------------------------------------------------------------------ hints
# Shown to students when a check fails; README.md lists them (tests/exercises/test_every_exercise.py).

RUNS_HINT = (
    "Run `bash labs/lab5_canary/setup_function.sh`, change RELEASE in function/price_quote.py, then "
    "`bash labs/lab5_canary/deploy_canary.sh` against a running backend (`course backend up`) and fix the first "
    "command that fails."
)
PUBLISHES_HINT = (
    'As in Kata 4: upload function.zip when it changed, wait, then `publish-version --description "$DESCRIPTION"`; '
    "the version it answers is the canary."
)
SHIFT_HINT = (
    'Keep live\'s own version and give the canary the share: `update-alias --function-version "$STABLE" '
    '--routing-config "AdditionalVersionWeights={$CANARY=0.1}"`; the weight is a fraction (0.1 is 10 %) and '
    "names the version that gets it."
)
PRINTS_HINT = (
    'End with `echo "$CANARY"`, everything else on stderr (`>&2`) or before it: a pipeline reads the canary\'s '
    "version from the last line, to promote or roll back later."
)
SAME_CODE_HINT = (
    "Upload only when package.py's CodeSha256 differs from $LATEST's; publish-version then answers the canary's "
    "version again, and the same routing config set again changes nothing."
)
PROMOTED_HINT = (
    "Step 3: when live's FunctionVersion is the canary already (the release was promoted), say so on stderr, print "
    "the version and exit 0 without calling update-alias: a routing config that names live's own version is no canary."
)
MEASURE_HINT = (
    'Invoke with Qualifier="live" (the alias, not a version or $LATEST) and count answer["ExecutedVersion"]: the '
    "alias picks a version for each invocation, and only the answer says which one ran."
)
PRINT_HINT = (
    "For each version, lowest first, print `version 3: 19 of 200 (9.5 %)`: the count, the total, and "
    '100 * count / total with one decimal (f"{share:.1f}").'
)
PROMOTE_HINT = (
    "In one call, `update-alias --function-version \"$CANARY\" --routing-config 'AdditionalVersionWeights={}'`: "
    "live moves to the canary and the split ends at the same moment."
)
PROMOTE_NOTHING_HINT = (
    "When live's routing config names no version, say that there is nothing to promote and exit 0 without "
    "calling update-alias."
)
ROLLBACK_HINT = (
    "Keep live's own version (its FunctionVersion, the one before the canary, not the canary's number minus one) "
    "and empty the split: `update-alias --function-version \"$STABLE\" --routing-config 'AdditionalVersionWeights={}'`; "
    "a weight of 0 still leaves a routing config."
)
ROLLBACK_NOTHING_HINT = (
    "With no version in live's routing config there is nothing to roll back: say so and exit 0 without calling "
    "update-alias (live may have been promoted on purpose)."
)

# ------------------------------------------------------------------------------- the grader's state


def lambda_client() -> Any:
    return boto3.client("lambda")


def publish(release: str, description: str) -> str:
    """$LATEST gets the release's code (the grader waits, as a deploy must), then a version of it."""
    client = lambda_client()
    client.update_function_code(FunctionName=FUNCTION, ZipFile=release_zip(MODULE, release))
    client.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION)
    return client.publish_version(FunctionName=FUNCTION, Description=description)["Version"]


def live_on_version_1() -> None:
    """Version 1 (stable) behind live, version 2 published and never promoted, $LATEST holding 2's code."""
    create_function(FUNCTION, HANDLER, STABLE)
    lambda_client().publish_version(FunctionName=FUNCTION, Description="the stable release")
    publish(WITHDRAWN, "a release that was rolled back")
    lambda_client().create_alias(FunctionName=FUNCTION, Name=ALIAS, FunctionVersion="1")


def canary_running() -> str:
    """live_on_version_1, then version 3 published and given 10 % of live: a canary under way."""
    live_on_version_1()
    canary = publish(CANARY, DESCRIPTION)
    lambda_client().update_alias(
        FunctionName=FUNCTION, Name=ALIAS, FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {canary: WEIGHT}}
    )
    return canary


def promoted() -> str:
    """A canary that was promoted: live on version 3 alone, versions 1 and 2 still there."""
    live_on_version_1()
    canary = publish(CANARY, DESCRIPTION)
    lambda_client().update_alias(FunctionName=FUNCTION, Name=ALIAS, FunctionVersion=canary)
    return canary


# ---------------------------------------------------------------------------------------- helpers


def run(exercise: ExerciseFiles, script: str, backend: Any, when: str, hint: str | None = None) -> ScriptResult:
    """Run a script of the lab; fail unless it exits 0, with the waiting hint when an update was in progress."""
    result = exercise.run_script(script, env={"VERSION_DESCRIPTION": DESCRIPTION})
    if result.ok:
        return result
    message = f"Expected `bash {script}` to exit with status 0 ({when}); {scrub_paths(result.describe())}"
    reason = refused_while_updating(f"{result.stdout}\n{result.stderr}", getattr(backend, "call_log", None))
    if reason is not None:
        fail(f"{message}\n{reason}" if reason else message, hint=WAIT_HINT)
    fail(message, hint=hint)


def deploy_canary(exercise: ExerciseFiles, tmp_path: Path, backend: Any) -> tuple[ExerciseFiles, ScriptResult]:
    live_on_version_1()
    folder = with_release(exercise, tmp_path, CODE_FILE, CANARY)
    result = run(folder, "deploy_canary.sh", backend, f"live on version 1, version 2 never promoted, release {CANARY} in function/")
    return folder, result


def live_state() -> tuple[str | None, dict[str, float]]:
    found = alias(FUNCTION, ALIAS)
    return (found or {}).get("FunctionVersion"), weights(found)


def describe(state: tuple[str | None, dict[str, float]]) -> str:
    version, split = state
    if not split:
        return f"all its traffic on version {version}"
    shares = ", ".join(f"{weight:g} to version {v}" for v, weight in sorted(split.items()))
    return f"version {version} with {shares}"


def answers(qualifier: str) -> Any:
    result = invoke_deployed(FUNCTION, {}, qualifier=qualifier)
    if not result.ok:
        return f"an error, {short(result.payload)}"
    return result.payload.get("release") if isinstance(result.payload, dict) else short(result.payload)


def update_alias_calls(backend: Any, since: int) -> list[Any]:
    return [c for c in lambda_calls(getattr(backend, "call_log", None))[since:] if c.operation == "UpdateAlias"]


def calls_so_far(backend: Any) -> int:
    return len(lambda_calls(getattr(backend, "call_log", None)))


def what_lambda_ran(since: datetime, versions_asked: set[str]) -> dict[str, int]:
    """Invocations of live by the version that ran (of those asked about), from Lambda's AWS/Lambda metrics."""
    cloudwatch = boto3.client("cloudwatch")
    ran: dict[str, int] = {}
    for version in sorted(versions_asked):
        dimensions = [
            {"Name": "FunctionName", "Value": FUNCTION},
            {"Name": "Resource", "Value": f"{FUNCTION}:{ALIAS}"},
            {"Name": "ExecutedVersion", "Value": version},
        ]
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/Lambda",
            MetricName="Invocations",
            Dimensions=dimensions,
            StartTime=since - timedelta(minutes=5),
            EndTime=datetime.now(timezone.utc) + timedelta(minutes=5),
            Period=60,
            Statistics=["Sum"],
        )["Datapoints"]
        count = int(sum(point["Sum"] for point in points))
        if count:
            ran[version] = count
    return ran


def as_counts(value: Any) -> dict[str, int] | None:
    """The student's counts as {version: count} ({"1": 181}); None when they are not counts."""
    if not isinstance(value, dict):
        return None
    try:
        return {str(version): int(count) for version, count in value.items() if int(count)}
    except (TypeError, ValueError):
        return None


# ========================================================================================= checks


@pytest.mark.points(2, hint=RUNS_HINT, read=step("1-5"))
def test_deploy_canary_sh_runs_where_live_serves_version_1(exercise: ExerciseFiles, tmp_path: Path, backend: Any) -> None:
    """deploy_canary.sh runs where live serves version 1"""
    deploy_canary(exercise, tmp_path, backend)


@pytest.mark.points(2, hint=PUBLISHES_HINT, read=step("1-2"), requires=RUNS)
def test_deploy_canary_publishes_the_folders_code_as_a_new_version(
    exercise: ExerciseFiles, tmp_path: Path, backend: Any, partial_credit: PartialCredit
) -> None:
    """deploy_canary.sh publishes the code of function/ as one new version, with the description given"""
    deploy_canary(exercise, tmp_path, backend)
    new = [v for v in versions(FUNCTION) if v["Version"] not in ("1", "2")]
    expect(new, f"Expected `bash deploy_canary.sh` to publish a version of {FUNCTION}; it still has versions 1 and 2 only.")
    with partial_credit.part("one new version"):
        expect(len(new) == 1, f"Expected one new version; `bash deploy_canary.sh` published {[v['Version'] for v in new]}.")
    canary = new[-1]
    with partial_credit.part("its code is function/'s"):
        got = answers(canary["Version"])
        expect(
            got == CANARY,
            f"Expected version {canary['Version']} to run the code of function/ (release {CANARY!r}); invoking it "
            f"answered {got!r}" + (" (version 2's code: the version was published before the upload)." if got == WITHDRAWN else "."),
        )
    with partial_credit.part("the description"):
        expect(
            canary.get("Description") == DESCRIPTION,
            f"Expected version {canary['Version']}'s description to be {DESCRIPTION!r} (VERSION_DESCRIPTION), got "
            f"{canary.get('Description')!r}.",
        )


@pytest.mark.points(3, hint=SHIFT_HINT, read=step("3-4"), requires=RUNS)
def test_live_stays_on_version_1_and_sends_10_percent_to_the_canary(exercise: ExerciseFiles, tmp_path: Path, backend: Any) -> None:
    """live stays on version 1 and sends 10 % of its traffic to the new version"""
    deploy_canary(exercise, tmp_path, backend)
    new = [v["Version"] for v in versions(FUNCTION) if v["Version"] not in ("1", "2")]
    expect(new, "Expected `bash deploy_canary.sh` to publish a canary version; it published none.")
    canary = new[-1]
    version, split = state = live_state()
    expected = f"version 1 with 0.1 to version {canary}"
    got = describe(state)
    if version == canary and "1" in split:
        fail(
            f"Expected live to be {expected} after `bash deploy_canary.sh`; it is {got}: reversed, "
            f"{100 - split['1'] * 100:g} % of the traffic goes to the new version."
        )
    expect(version == "1", f"Expected live to stay on version 1 (the stable one) after `bash deploy_canary.sh`; it is {got}.")
    expect(split, f"Expected live to send 10 % of its traffic to version {canary}; it is {got} (no routing config).")
    expect(
        set(split) == {canary},
        f"Expected live's routing config to name the new version {canary}; it is {got}"
        + (" (version 2 is the one never promoted, not the canary)." if "2" in split else "."),
    )
    expect(
        abs(float(split[canary]) - WEIGHT) < 1e-9,
        f"Expected version {canary}'s weight to be 0.1 (10 %); it is {split[canary]:g}"
        + (" (weights are fractions: 0.1, not 10)." if float(split[canary]) >= 1 else "."),
    )


@pytest.mark.points(1, hint=PRINTS_HINT, read=step(5), requires=RUNS)
def test_deploy_canary_prints_the_canary_version_last(exercise: ExerciseFiles, tmp_path: Path, backend: Any) -> None:
    """the last line deploy_canary.sh prints is the canary's version"""
    _, result = deploy_canary(exercise, tmp_path, backend)
    new = [v["Version"] for v in versions(FUNCTION) if v["Version"] not in ("1", "2")]
    expect(new, "Expected `bash deploy_canary.sh` to publish a canary version; it published none.")
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    got = lines[-1] if lines else ""
    expect(
        got == new[-1],
        f"Expected the last line `bash deploy_canary.sh` prints to be {new[-1]} (the canary's version), got {got!r}."
        + ("" if got else " It printed nothing on stdout."),
    )


@pytest.mark.points(2, hint=SAME_CODE_HINT, read=step("1-4"), requires=RUNS)
def test_a_second_run_with_the_same_code_changes_nothing(exercise: ExerciseFiles, tmp_path: Path, backend: Any) -> None:
    """a second deploy_canary.sh with the same code changes nothing"""
    folder, _ = deploy_canary(exercise, tmp_path, backend)
    before, live_before = [v["Version"] for v in versions(FUNCTION)], live_state()
    when = "a second `bash deploy_canary.sh` with function/ unchanged"
    run(folder, "deploy_canary.sh", backend, when)
    after, live_after = [v["Version"] for v in versions(FUNCTION)], live_state()
    expect(after == before, f"Expected {when} to publish nothing; the versions went from {before} to {after}.")
    expect(
        live_after == live_before,
        f"Expected live to stay {describe(live_before)} after {when}; it is {describe(live_after)}.",
    )


@pytest.mark.points(1, hint=PROMOTED_HINT, read=step(3), requires=SAME_CODE)
def test_deploy_canary_after_a_promote_shifts_nothing(exercise: ExerciseFiles, tmp_path: Path, backend: Any) -> None:
    """deploy_canary.sh after its canary was promoted shifts nothing and prints live's version"""
    folder, _ = deploy_canary(exercise, tmp_path, backend)
    new = [v["Version"] for v in versions(FUNCTION) if v["Version"] not in ("1", "2")]
    expect(new, "Expected `bash deploy_canary.sh` to publish a canary version; it published none.")
    canary = new[-1]
    lambda_client().update_alias(FunctionName=FUNCTION, Name=ALIAS, FunctionVersion=canary,
                                 RoutingConfig={"AdditionalVersionWeights": {}})  # promoted, as promote.sh would
    before, since = [v["Version"] for v in versions(FUNCTION)], calls_so_far(backend)
    when = f"`bash deploy_canary.sh` again, function/ unchanged, after live was promoted to version {canary}"
    result = run(folder, "deploy_canary.sh", backend, when, hint=PROMOTED_HINT)
    state = live_state()
    expect(state == (canary, {}), f"Expected live to stay on version {canary} alone after {when}; it is {describe(state)}.")
    updates = update_alias_calls(backend, since)
    expect(not updates, f"Expected {when} to leave live alone; it called UpdateAlias {short(updates[0].params) if updates else ''}.")
    after = [v["Version"] for v in versions(FUNCTION)]
    expect(after == before, f"Expected {when} to publish nothing; the versions went from {before} to {after}.")
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    expect(lines and lines[-1] == canary, f"Expected the last line {when} prints to be {canary} (live's version); "
                                          f"got {lines[-1] if lines else 'nothing'!r}.")


@pytest.mark.points(3, hint=MEASURE_HINT, read=step(6))
@pytest.mark.needs(WEIGHTED_ALIAS_ROUTING)  # without it every invocation runs live's own version: no split to measure
def test_measure_split_counts_the_versions_that_answered(
    exercise: ExerciseFiles, backend: Any, partial_credit: PartialCredit
) -> None:
    """measure_split counts the version that answered each invocation of live"""
    if getattr(backend, "call_log", None) is None:
        not_graded(f"{backend.name} does not tell the grader which version ran each invocation")
    canary = canary_running()
    module = exercise.load("measure_split.py")
    started = datetime.now(timezone.utc)
    call = f"measure_split({FUNCTION!r}, {ALIAS!r}, {INVOCATIONS})"
    try:
        returned = module.measure_split(FUNCTION, ALIAS, INVOCATIONS)
    except StudentError as error:
        fail(f"Expected {call} to return the counts; {student_error_summary(error)}")
    counts = as_counts(returned)
    expect(counts is not None, f"Expected {call} to return a dict of counts by version, like {{'1': 181, '3': 19}}; got {short(returned)}.")
    assert counts is not None
    ran = what_lambda_ran(started, {"1", "2", canary} | set(counts))
    with partial_credit.part("counts match what Lambda ran"):
        shown = " and ".join(f"version {v} {n} times" for v, n in sorted(ran.items())) or "no invocation of live at all"
        expect(
            counts == ran,
            f"Expected {call} to count what each answer's ExecutedVersion said; it returned {counts}, while the backend "
            f"ran {shown}.",
        )
    with partial_credit.part("the canary's share is within 5 points of its weight"):
        total = sum(counts.values())
        share = counts.get(canary, 0) / total if total else 0.0
        expect(
            abs(share - WEIGHT) <= TOLERANCE,
            f"Expected the measured share of version {canary} (weight 10 %) to be within 5 percentage points of 10 % "
            f"for {INVOCATIONS} invocations of live; {call} counted {counts.get(canary, 0)} of {total} ({share:.1%}).",
        )


PRINTED_COUNTS = {"3": 19, "12": 7, "1": 174}  # 200 in all: 87.0 %, 9.5 %, 3.5 %


@pytest.mark.points(1, hint=PRINT_HINT, read=step(7))
def test_print_split_prints_each_versions_share(exercise: ExerciseFiles, student_log: StudentLog) -> None:
    """print_split prints each version's count and share in percent"""
    module = exercise.load("measure_split.py")
    call = f"print_split({PRINTED_COUNTS})"
    student_log.mark()
    try:
        module.print_split(dict(PRINTED_COUNTS))
    except StudentError as error:
        fail(f"Expected {call} to print the split; {student_error_summary(error)}")
    lines = student_log.lines()
    total = sum(PRINTED_COUNTS.values())
    found = []
    for version in sorted(PRINTED_COUNTS, key=int):
        count = PRINTED_COUNTS[version]
        share = f"{100 * count / total:.1f}"
        pattern = re.compile(rf"\b{version}\b.*\b{count}\b.*\b{total}\b.*(?<![\d.]){re.escape(share)} ?%")
        where = [index for index, line in enumerate(lines) if pattern.search(line)]
        expect(
            where,
            f"Expected {call} to print a line like `version {version}: {count} of {total} ({share} %)`; it printed "
            f"{short(lines, 400)}.",
        )
        found.append(where[0])
    expect(
        found == sorted(found),
        f"Expected {call} to print the versions lowest first (1, 3, 12: as numbers, not as text); it printed "
        f"{short(lines, 400)}.",
    )


@pytest.mark.points(2, hint=PROMOTE_HINT, read=step(8))
def test_promote_sh_sends_all_traffic_to_the_canary(exercise: ExerciseFiles, backend: Any) -> None:
    """promote.sh sends all of live's traffic to the canary and removes the routing config"""
    canary = canary_running()
    since = calls_so_far(backend)
    run(exercise, "promote.sh", backend, f"live on version 1 with 0.1 to version {canary}", hint=PROMOTE_HINT)
    version, split = state = live_state()
    expect(version == canary, f"Expected live to point at the canary, version {canary}, after `bash promote.sh`; it is {describe(state)}.")
    expect(
        not split,
        f"Expected no routing config left on live after `bash promote.sh`; it is {describe(state)}: the split still names "
        "a version, so remove it with 'AdditionalVersionWeights={}'.",
    )
    updates = update_alias_calls(backend, since)  # none seen where the backend keeps no call log
    expect(
        len(updates) <= 1,
        f"Expected `bash promote.sh` to move live in one UpdateAlias call (the version and the emptied split together); "
        f"it made {len(updates)}: {'; '.join(short(call.params) for call in updates)}.",
    )


@pytest.mark.points(1, hint=PROMOTE_NOTHING_HINT, read=step(8))
def test_promote_sh_with_nothing_shifting_changes_nothing(exercise: ExerciseFiles, backend: Any) -> None:
    """promote.sh when nothing is shifting changes nothing"""
    live_on_version_1()
    since = calls_so_far(backend)
    run(exercise, "promote.sh", backend, "live on version 1 alone: no canary", hint=PROMOTE_NOTHING_HINT)
    state = live_state()
    expect(state == ("1", {}), f"Expected live to stay on version 1 alone after `bash promote.sh` with no canary; it is {describe(state)}.")
    updates = update_alias_calls(backend, since)
    expect(not updates, f"Expected `bash promote.sh` with no canary to leave live alone; it called UpdateAlias {short(updates[0].params) if updates else ''}.")


@pytest.mark.points(3, hint=ROLLBACK_HINT, read=step(9))
def test_rollback_sh_puts_all_traffic_back_on_lives_version(exercise: ExerciseFiles, backend: Any) -> None:
    """rollback.sh puts all traffic back on live's version and removes the routing config"""
    canary = canary_running()
    run(exercise, "rollback.sh", backend, f"live on version 1 with 0.1 to version {canary}", hint=ROLLBACK_HINT)
    version, split = state = live_state()
    got = describe(state)
    if version == canary:
        fail(f"Expected live back on version 1 alone after `bash rollback.sh`; it is {got}: that is the canary, promoted.")
    expect(
        version == "1",
        f"Expected live back on version 1 alone after `bash rollback.sh` (the version it pointed to before the canary); "
        f"it is {got}" + (": version 2 is the canary's number minus one, never promoted." if version == "2" else "."),
    )
    expect(
        not split,
        f"Expected no routing config left on live after `bash rollback.sh`; it is {got}"
        + (": a weight of 0 still leaves the routing config." if all(float(w) == 0 for w in split.values()) else "."),
    )


@pytest.mark.points(2, hint=ROLLBACK_NOTHING_HINT, read=step(9))
def test_rollback_sh_with_nothing_shifting_is_a_clear_no_op(exercise: ExerciseFiles, backend: Any) -> None:
    """rollback.sh when nothing is shifting is a clear no-op"""
    canary = promoted()
    since = calls_so_far(backend)
    result = run(exercise, "rollback.sh", backend, f"live on version {canary} alone, promoted", hint=ROLLBACK_NOTHING_HINT)
    state = live_state()
    expect(
        state == (canary, {}),
        f"Expected live to stay on version {canary} alone after `bash rollback.sh` with no canary (a promoted release); "
        f"it is {describe(state)}.",
    )
    updates = update_alias_calls(backend, since)
    expect(not updates, f"Expected `bash rollback.sh` with no canary to leave live alone; it called UpdateAlias {short(updates[0].params) if updates else ''}.")
    expect(
        (result.stdout + result.stderr).strip(),
        "Expected `bash rollback.sh` with no canary to say that there is nothing to roll back; it printed nothing.",
    )
