"""Kata 4 grader: deploy_version.sh publishes versions of price-quote and moves the alias live.

The grader creates price-quote itself (code of its own, no version, no alias), writes releases of its
own handler into copies of the student's function/ folder, runs the script, and judges what the Lambda
API shows afterwards: the versions, their code (each answers its release when invoked), their
descriptions, the alias, and the last line printed. The embedded backend keeps an update in progress
until the function's status is read, as AWS keeps it for seconds (harness/emulator/lambda_updates.py):
a script that publishes without waiting is refused here as there. Run it with ``course grade kata4``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import boto3
import pytest

from harness import expect, fail, invoke_deployed, scrub_paths
from harness.backends import CALL_LOG
from harness.call_log import ApiCall
from harness.exercise_files import ExerciseFiles, ScriptResult
from harness.kit.lambda_versions import (
    WAIT_HINT,
    alias,
    create_function,
    lambda_calls,
    refused_while_updating,
    versions,
    weights,
    with_release,
)
from harness.kit.messages import readme_step, short

pytestmark = pytest.mark.start_ahead(student_processes=False)  # its checks deploy the student's Python, never load it

FUNCTION = "price-quote"
HANDLER = "price_quote.lambda_handler"
CODE_FILE = "function/price_quote.py"
ALIAS = "live"
SCRIPT = "deploy_version.sh"
README = "katas/kata4_alias_deploy/README.md"
INITIAL = "grader-initial"  # the release price-quote runs before the student's first deploy
FIRST, SECOND = "2026.11-A", "2026.11-B"
DESCRIPTIONS = {FIRST: "release 2026.11-A: bulk prices", SECOND: "release 2026.11-B: bulk prices, fixed"}

RUNS = "test_deploy_version_sh_runs_on_a_function_with_no_versions"

step = functools.partial(readme_step, README)

# ------------------------------------------------------------------------------------------ hints
# Shown to students when a check fails; README.md lists them (tests/exercises/test_every_exercise.py).

RUNS_HINT = (
    "Run `bash katas/kata4_alias_deploy/setup_function.sh`, then `bash katas/kata4_alias_deploy/deploy_version.sh` "
    "against a running backend (`course backend up`) and fix the first command that fails."
)
CREATE_ALIAS_HINT = (
    "The first run finds no alias live to update: look it up with `awslocal lambda get-alias --function-name "
    '"$FUNCTION" --name live` and create it with `awslocal lambda create-alias` when that fails.'
)
PUBLISHES_HINT = (
    "Upload function.zip with update-function-code and wait before you publish, and publish once: "
    "publish-version takes a snapshot of $LATEST as it is at that moment."
)
DESCRIPTION_HINT = (
    'Pass the description to publish-version: `--description "$DESCRIPTION"`, quoted (it holds spaces), with '
    "DESCRIPTION taken from $VERSION_DESCRIPTION as the starter sets it."
)
ALIAS_HINT = (
    'When get-alias finds no alias live, run `awslocal lambda create-alias --function-name "$FUNCTION" --name live '
    '--function-version "$VERSION"` with the version publish-version answered (no --routing-config in this kata).'
)
PRINTS_HINT = (
    'End with `echo "$VERSION"` and send the CLI\'s JSON to /dev/null and your other messages to stderr (`>&2`): '
    "a pipeline reads the deployed version from the last line."
)
SAME_CODE_HINT = (
    "Compare the CodeSha256 package.py prints with the function's (`get-function-configuration --query "
    "CodeSha256`) and skip update-function-code when they match: any update, even with the same code, makes "
    "the next publish-version a new version."
)
NEW_CODE_HINT = (
    'With changed code: update-function-code, wait, publish-version, then `update-alias --function-version "$VERSION"`; '
    "never delete and re-create live (callers of live would fail in between, and its permissions would go with it)."
)
FINISHES_HINT = (
    "Publish on every run, even when the code is already uploaded: publish-version answers the latest version "
    "when nothing changed since, and publishes the uploaded code when an earlier run stopped before publishing; "
    "then move live."
)

# ---------------------------------------------------------------------------------------- helpers


def lambda_client() -> Any:
    return boto3.client("lambda")


def price_quote() -> dict[str, Any]:
    """price-quote as the grader creates it: code of its own (release grader-initial), no version, no alias."""
    return create_function(FUNCTION, HANDLER, INITIAL)


def release(exercise: ExerciseFiles, tmp_path: Path, name: str) -> ExerciseFiles:
    """A copy of the student's folder whose function/ holds the grader's release ``name``."""
    return with_release(exercise, tmp_path, CODE_FILE, name)


def deploy(folder: ExerciseFiles, name: str) -> ScriptResult:
    return folder.run_script(SCRIPT, env={"VERSION_DESCRIPTION": DESCRIPTIONS[name]})


def expect_ran(result: ScriptResult, when: str, backend: Any) -> None:
    """Fail unless the run exited 0, with the sharper hint its output calls for."""
    if result.ok:
        return
    output = f"{result.stdout}\n{result.stderr}"
    message = f"Expected `bash {SCRIPT}` to exit with status 0 ({when}); {scrub_paths(result.describe())}"
    reason = refused_while_updating(output, getattr(backend, "call_log", None))
    if reason is not None:
        fail(f"{message}\n{reason}" if reason else message, hint=WAIT_HINT)
    if "ResourceNotFoundException" in output and "alias" in output.lower():
        fail(message, hint=CREATE_ALIAS_HINT)
    fail(message)


def first_deploy(exercise: ExerciseFiles, tmp_path: Path, backend: Any) -> tuple[ExerciseFiles, ScriptResult]:
    """price-quote with no version and no alias, then the student's script with release A in function/."""
    price_quote()
    folder = release(exercise, tmp_path, FIRST)
    result = deploy(folder, FIRST)
    expect_ran(result, f"{FUNCTION} exists with code of the grader's, no version, no alias", backend)
    return folder, result


def numbers(found: list[dict[str, Any]]) -> list[str]:
    return [v["Version"] for v in found]


def answers(qualifier: str) -> Any:
    """What price-quote answers when invoked at a version or alias: the release of its code."""
    result = invoke_deployed(FUNCTION, {}, qualifier=qualifier)
    if not result.ok:
        return f"an error, {short(result.payload)}"
    payload = result.payload
    return payload.get("release") if isinstance(payload, dict) else short(payload)


def last_line(result: ScriptResult) -> str:
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def expect_one_new_version(before: list[str], when: str) -> dict[str, Any]:
    after = versions(FUNCTION)
    new = [v for v in after if v["Version"] not in before]
    expect(new, f"Expected {when} to publish a version of {FUNCTION}; its versions are still {numbers(after) or 'none'}.")
    expect(
        len(new) == 1,
        f"Expected {when} to publish one version of {FUNCTION}; it published {len(new)}: {', '.join(numbers(new))}.",
    )
    return new[0]


def expect_release(qualifier: str, expected: str, what: str) -> None:
    got = answers(qualifier)
    if got == expected:
        return
    if got == INITIAL:
        fail(
            f"Expected {what} to run the code of function/ (release {expected!r}); it runs the code {FUNCTION} had "
            f"before your script ran (release {INITIAL!r}): the version was published before the upload."
        )
    fail(f"Expected {what} to run the code of function/ (release {expected!r}); invoking it answered {got!r}.")


def expect_live_on(version: str, when: str) -> dict[str, Any]:
    found = alias(FUNCTION, ALIAS)
    expect(found is not None, f"Expected the alias {ALIAS} of {FUNCTION} {when}; there is none.")
    assert found is not None
    expect(
        found["FunctionVersion"] == version,
        f"Expected {ALIAS} to point at version {version} {when}; it points at {found['FunctionVersion']}.",
    )
    return found


# ========================================================================================= checks


@pytest.mark.points(2, hint=RUNS_HINT, read=step("1-6"))
def test_deploy_version_sh_runs_on_a_function_with_no_versions(exercise: ExerciseFiles, tmp_path: Path, backend: Any) -> None:
    """deploy_version.sh runs where price-quote has no version and no alias yet"""
    first_deploy(exercise, tmp_path, backend)


@pytest.mark.points(3, hint=PUBLISHES_HINT, read=step("3-4"), requires=RUNS)
def test_the_first_run_publishes_one_version_of_the_folders_code(exercise: ExerciseFiles, tmp_path: Path, backend: Any) -> None:
    """the first run publishes one version, holding the code of function/"""
    first_deploy(exercise, tmp_path, backend)
    version = expect_one_new_version([], "the first `bash deploy_version.sh`")
    expect_release(version["Version"], FIRST, f"version {version['Version']}")


@pytest.mark.points(2, hint=DESCRIPTION_HINT, read=step(4), requires=RUNS)
def test_the_version_has_the_description_given(exercise: ExerciseFiles, tmp_path: Path, backend: Any) -> None:
    """the version's description is $VERSION_DESCRIPTION"""
    first_deploy(exercise, tmp_path, backend)
    published = versions(FUNCTION)
    expect(published, f"Expected a version of {FUNCTION} after the first `bash deploy_version.sh`; there is none.")
    got = published[-1].get("Description", "")
    expect(
        got == DESCRIPTIONS[FIRST],
        f"Expected version {published[-1]['Version']}'s description to be {DESCRIPTIONS[FIRST]!r} (the "
        f"VERSION_DESCRIPTION the script was run with), got {got!r}.",
    )


@pytest.mark.points(2, hint=ALIAS_HINT, read=step(5), requires=RUNS)
def test_the_first_run_creates_live_on_the_new_version(exercise: ExerciseFiles, tmp_path: Path, backend: Any) -> None:
    """the first run creates live, pointing at the new version with no traffic split"""
    first_deploy(exercise, tmp_path, backend)
    published = numbers(versions(FUNCTION))
    expect(published, f"Expected a version of {FUNCTION} for {ALIAS} to point at; the first run published none.")
    found = expect_live_on(published[-1], "after the first run (the version it published)")
    split = weights(found)
    expect(not split, f"Expected {ALIAS} to send all its traffic to version {published[-1]}; it splits it: {split}.")


@pytest.mark.points(1, hint=PRINTS_HINT, read=step(6), requires=RUNS)
def test_the_script_prints_the_version_live_points_at(exercise: ExerciseFiles, tmp_path: Path, backend: Any) -> None:
    """the last line the script prints is the version live points to"""
    _, result = first_deploy(exercise, tmp_path, backend)
    found = alias(FUNCTION, ALIAS)
    expect(found is not None, f"Expected the alias {ALIAS} after the first run, to compare the output with; there is none.")
    assert found is not None
    got = last_line(result)
    expect(
        got == found["FunctionVersion"],
        f"Expected the last line `bash {SCRIPT}` prints to be {found['FunctionVersion']} (the version {ALIAS} points "
        f"to), got {got!r}." + ("" if got else " It printed nothing on stdout."),
    )


@pytest.mark.points(3, hint=SAME_CODE_HINT, read=step("2-3"), requires=RUNS)
def test_a_second_run_with_the_same_code_publishes_nothing(exercise: ExerciseFiles, tmp_path: Path, backend: Any) -> None:
    """a second run with the same code publishes nothing and leaves live where it is"""
    folder, _ = first_deploy(exercise, tmp_path, backend)
    before, live_before = numbers(versions(FUNCTION)), alias(FUNCTION, ALIAS)
    second = deploy(folder, FIRST)
    when = "a second `bash deploy_version.sh` with function/ unchanged"
    expect(second.ok, f"Expected {when} to exit with status 0; {scrub_paths(second.describe())}")
    after = numbers(versions(FUNCTION))
    expect(
        after == before,
        f"Expected {when} to publish nothing; the versions went from {before} to {after}"
        + (" (the code was uploaded again, and any update makes publish-version publish)." if len(after) > len(before) else "."),
    )
    live_after = alias(FUNCTION, ALIAS)
    expect(
        (live_after or {}).get("FunctionVersion") == (live_before or {}).get("FunctionVersion"),
        f"Expected {ALIAS} to stay on version {(live_before or {}).get('FunctionVersion')} after {when}; it is now on "
        f"{(live_after or {}).get('FunctionVersion')}.",
    )


def moved_in_place(calls: list[ApiCall]) -> str:
    """Why the alias was not simply moved (deleted, or created again), from the calls of the run; "" if it was."""
    deleted = [c for c in calls if c.operation == "DeleteAlias"]
    if deleted:
        return f"your script deleted {ALIAS} (DeleteAlias) and created it again instead of moving it with update-alias"
    return ""


@pytest.mark.points(3, hint=NEW_CODE_HINT, read=step("3-5"), requires=RUNS)
def test_a_run_with_changed_code_publishes_it_and_moves_live(exercise: ExerciseFiles, tmp_path: Path, backend: Any) -> None:
    """a run with changed code publishes a new version and moves live to it in place"""
    first_deploy(exercise, tmp_path, backend)
    before = numbers(versions(FUNCTION))
    log = getattr(backend, "call_log", None)
    calls_before = len(lambda_calls(log))
    second = deploy(release(exercise, tmp_path, SECOND), SECOND)
    when = f"`bash deploy_version.sh` with changed code in function/ (release {SECOND})"
    expect(second.ok, f"Expected {when} to exit with status 0; {scrub_paths(second.describe())}")
    version = expect_one_new_version(before, when)["Version"]
    expect_release(version, SECOND, f"version {version}, published by {when},")
    found = expect_live_on(version, f"after {when}")
    expect(not weights(found), f"Expected {ALIAS} to send all its traffic to version {version}; it splits it: {weights(found)}.")
    why = moved_in_place(lambda_calls(log)[calls_before:])
    expect(not why, f"Expected {ALIAS} to be moved to version {version} in place after {when}; {why}.")


@pytest.mark.needs(CALL_LOG)
@pytest.mark.points(2, hint=FINISHES_HINT, read=step(4), requires=RUNS)
def test_a_run_after_a_deploy_stopped_before_publishing_finishes_it(
    exercise: ExerciseFiles, tmp_path: Path, backend: Any
) -> None:
    """a run after a deploy that stopped between upload and publish finishes it"""
    first_deploy(exercise, tmp_path, backend)
    before = numbers(versions(FUNCTION))
    colleague = "price quotes (configuration edited by a colleague)"

    def a_colleague_updates_the_function(call: ApiCall) -> None:
        # Just before the student's publish: another update, so that the publish is refused (in progress).
        lambda_client().update_function_configuration(FunctionName=FUNCTION, Description=colleague)

    log = backend.call_log
    log.before(lambda call: call.service == "lambda" and call.operation == "PublishVersion", a_colleague_updates_the_function)
    changed = release(exercise, tmp_path, SECOND)
    deploy(changed, SECOND)  # stopped by the colleague's update, or recovered by itself: either is fine
    if log.hook_errors:
        raise log.hook_errors[0]
    lambda_client().get_waiter("function_updated_v2").wait(FunctionName=FUNCTION)  # the colleague's update ends
    third = deploy(changed, SECOND)
    when = (
        f"`bash deploy_version.sh` run again with release {SECOND}, after a run that uploaded it but could not publish "
        "(another update was in progress)"
    )
    expect(third.ok, f"Expected {when} to exit with status 0; {scrub_paths(third.describe())}")
    published = [v for v in versions(FUNCTION) if v["Version"] not in before]
    expect(
        published,
        f"Expected {when} to publish the uploaded code; {FUNCTION} still has only the versions {before}, and {ALIAS} "
        f"still runs release {answers(ALIAS)!r}.",
    )
    newest = published[-1]["Version"]
    expect_release(newest, SECOND, f"version {newest}, published by {when},")
    expect_live_on(newest, f"after {when}")
