"""Tests of the Kata 4 grader: each plausible mistake in deploy_version.sh loses the checks about it.

Full marks for the reference and the correct solutions (correct/), a low starter and the README's check
table are tests/exercises/test_every_exercise.py's. Every mistake here is an edit of the reference
script, graded in a child `pytest` as a student would run it (tests/grader_tests.py).
"""

from __future__ import annotations

from pathlib import Path

from grader_tests import ExerciseUnderTest
from support import REPO

KATA = ExerciseUnderTest("kata4")
KATA_ID = KATA.id
SCRIPT = "deploy_version.sh"

RUNS = "test_deploy_version_sh_runs_on_a_function_with_no_versions"
PUBLISHES = "test_the_first_run_publishes_one_version_of_the_folders_code"
DESCRIPTION = "test_the_version_has_the_description_given"
CREATES_LIVE = "test_the_first_run_creates_live_on_the_new_version"
PRINTS = "test_the_script_prints_the_version_live_points_at"
SAME_CODE = "test_a_second_run_with_the_same_code_publishes_nothing"
NEW_CODE = "test_a_run_with_changed_code_publishes_it_and_moves_live"
FINISHES = "test_a_run_after_a_deploy_stopped_before_publishing_finishes_it"
AFTER_RUNS = (PUBLISHES, DESCRIPTION, CREATES_LIVE, PRINTS, SAME_CODE, NEW_CODE, FINISHES)

GRADER = KATA.grader()
grade = KATA.grade
assert_only_failures = KATA.assert_only_failures

WAIT = '  awslocal lambda wait function-updated-v2 --function-name "$FUNCTION"\n'
ALIAS_BLOCK = (
    'if awslocal lambda get-alias --function-name "$FUNCTION" --name "$ALIAS" >/dev/null 2>&1; then\n'
    '  awslocal lambda update-alias --function-name "$FUNCTION" --name "$ALIAS" --function-version "$VERSION" >/dev/null\n'
    "else\n"
    '  awslocal lambda create-alias --function-name "$FUNCTION" --name "$ALIAS" --function-version "$VERSION" >/dev/null\n'
    "fi\n"
)
PUBLISH = (
    'VERSION=$(awslocal lambda publish-version --function-name "$FUNCTION" --description "$DESCRIPTION" \\\n'
    '  --code-sha256 "$CODE_SHA" --query Version --output text)\n'
)
UPLOAD_IF_CHANGED = 'if [ "$CODE_SHA" != "$CURRENT_SHA" ]; then\n'


def mutant(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    return KATA.mutant(tmp_path, SCRIPT, *edits)


# -------------------------------------------------------------------------- the grader and starter


def test_the_grader_has_exactly_the_checks_these_tests_name() -> None:
    assert [check.__name__ for check in KATA.checks()] == [RUNS, *AFTER_RUNS]


def test_the_untouched_starter_fails_the_first_run_and_every_other_check_waits(tmp_path: Path) -> None:
    run = KATA.grade_starter(tmp_path)
    assert_only_failures(run, RUNS, blocked=AFTER_RUNS)
    assert run.exercise(KATA_ID)["points"] == 0
    assert "write the TODOs of README steps 1 to 6 first" in run.check(KATA_ID, RUNS)["message"]


# --------------------------------------------------------------------------- waiting for the update


def test_publishing_without_waiting_is_refused_and_the_message_says_nothing_waited(tmp_path: Path) -> None:
    run = grade(mutant(tmp_path, (WAIT, "")), tmp_path)
    (runs,) = assert_only_failures(run, RUNS, blocked=AFTER_RUNS)
    assert "An update is in progress for resource: arn:aws:lambda:us-east-1:123456789012:function:price-quote" in runs["message"]
    assert "called PublishVersion after UpdateFunctionCode without reading the function's status" in runs["message"]
    assert runs["hint"] == GRADER.WAIT_HINT


def test_a_sleep_instead_of_the_waiter_is_not_waiting_for_the_update(tmp_path: Path) -> None:
    run = grade(mutant(tmp_path, (WAIT, "  sleep 1\n")), tmp_path, "-k", "runs_on")
    (runs,) = assert_only_failures(run, RUNS)
    assert "ResourceConflictException" in runs["message"] and runs["hint"] == GRADER.WAIT_HINT


# ------------------------------------------------------------------------------------- the alias


def test_a_script_that_only_updates_the_alias_fails_the_first_run_with_the_create_hint(tmp_path: Path) -> None:
    only_update = '  awslocal lambda update-alias --function-name "$FUNCTION" --name "$ALIAS" --function-version "$VERSION" >/dev/null\n'
    run = grade(mutant(tmp_path, (ALIAS_BLOCK, only_update.lstrip())), tmp_path)
    (runs,) = assert_only_failures(run, RUNS, blocked=AFTER_RUNS)
    assert "ResourceNotFoundException" in runs["message"] and "UpdateAlias" in runs["message"]
    assert runs["hint"] == GRADER.CREATE_ALIAS_HINT


def test_a_script_that_always_creates_the_alias_fails_every_later_run(tmp_path: Path) -> None:
    always_create = 'awslocal lambda create-alias --function-name "$FUNCTION" --name "$ALIAS" --function-version "$VERSION" >/dev/null\n'
    run = grade(mutant(tmp_path, (ALIAS_BLOCK, always_create)), tmp_path)
    same, new, finishes = assert_only_failures(run, SAME_CODE, NEW_CODE, FINISHES)
    for check in (same, new, finishes):
        assert "(ResourceConflictException) when calling the CreateAlias operation" in check["message"], check["message"]
        assert "Alias already exists" in check["message"]


def test_deleting_and_creating_the_alias_again_loses_only_the_in_place_part(tmp_path: Path) -> None:
    recreate = (
        'awslocal lambda delete-alias --function-name "$FUNCTION" --name "$ALIAS" 2>/dev/null || true\n'
        'awslocal lambda create-alias --function-name "$FUNCTION" --name "$ALIAS" --function-version "$VERSION" >/dev/null\n'
    )
    run = grade(mutant(tmp_path, (ALIAS_BLOCK, recreate)), tmp_path, "-k", "runs_on or changed_code")
    (new,) = assert_only_failures(run, NEW_CODE)
    assert "your script deleted live (DeleteAlias) and created it again" in new["message"]


# --------------------------------------------------------------------------------- the version


def test_no_description_loses_only_the_description_check(tmp_path: Path) -> None:
    run = grade(mutant(tmp_path, (' --description "$DESCRIPTION"', "")), tmp_path)
    (description,) = assert_only_failures(run, DESCRIPTION)
    assert "Expected version 1's description to be 'release 2026.11-A: bulk prices'" in description["message"]


def test_an_unquoted_description_breaks_the_command_and_the_first_run(tmp_path: Path) -> None:
    run = grade(mutant(tmp_path, ('--description "$DESCRIPTION"', "--description $DESCRIPTION")), tmp_path, "-k", "runs_on")
    (runs,) = assert_only_failures(run, RUNS)
    assert "Unknown options" in runs["message"], runs["message"]


def test_publishing_before_the_upload_loses_the_checks_about_the_published_code(tmp_path: Path) -> None:
    # (without --code-sha256, which would refuse to publish the code not uploaded yet: a sharper script)
    early = PUBLISH.replace(' \\\n  --code-sha256 "$CODE_SHA"', "")
    assert early != PUBLISH
    run = grade(mutant(tmp_path, (PUBLISH, ""), (UPLOAD_IF_CHANGED, early + UPLOAD_IF_CHANGED)), tmp_path)
    publishes, same, new, _ = assert_only_failures(run, PUBLISHES, SAME_CODE, NEW_CODE, FINISHES)
    assert "it runs the code price-quote had before your script ran (release 'grader-initial')" in publishes["message"]
    assert "the versions went from ['1'] to ['1', '2']" in same["message"]
    assert "invoking it answered '2026.11-A'" in new["message"], new["message"]


def test_uploading_on_every_run_publishes_a_version_of_unchanged_code(tmp_path: Path) -> None:
    run = grade(mutant(tmp_path, (UPLOAD_IF_CHANGED, "if true; then\n")), tmp_path)
    (same,) = assert_only_failures(run, SAME_CODE)
    assert "the code was uploaded again, and any update makes publish-version publish" in same["message"]
    assert same["hint"] == GRADER.SAME_CODE_HINT


def test_stopping_early_when_the_code_is_uploaded_never_finishes_an_interrupted_deploy(tmp_path: Path) -> None:
    stop_early = (
        '  echo "$FUNCTION already runs this code" >&2\n',
        (
            '  echo "$FUNCTION already runs this code" >&2\n'
            '  awslocal lambda get-alias --function-name "$FUNCTION" --name "$ALIAS" --query FunctionVersion --output text\n'
            "  exit 0\n"
        ),
    )
    run = grade(mutant(tmp_path, stop_early), tmp_path)
    (finishes,) = assert_only_failures(run, FINISHES)
    assert "still has only the versions ['1']" in finishes["message"] and "'2026.11-A'" in finishes["message"]


# ------------------------------------------------------------------------------------- the output


def test_printing_a_sentence_last_loses_only_the_output_check(tmp_path: Path) -> None:
    ending = ('echo "$ALIAS -> version $VERSION" >&2\necho "$VERSION"\n', 'echo "$VERSION"\necho "$ALIAS -> version $VERSION"\n')
    run = grade(mutant(tmp_path, ending), tmp_path, "-k", "runs_on or prints")
    (prints,) = assert_only_failures(run, PRINTS)
    assert "got 'live -> version 1'" in prints["message"]


# ------------------------------------------------------------------ the failure the docs show


def test_publishing_without_waiting_prints_exactly_the_failure_the_readme_shows(tmp_path: Path) -> None:
    run = grade(mutant(tmp_path, (WAIT, "")), tmp_path, "-k", "runs_on")
    check = run.check(KATA_ID, RUNS)
    shown = "\n".join(
        [f"Lambda versions and aliases › {check['title']}", check["message"], f"Hint: {check['hint']}", f"Read: {check['read']}"]
    )
    lines = [line.strip() for line in (REPO / KATA.folder / "README.md").read_text(encoding="utf-8").splitlines()]
    start = lines.index(f"Lambda versions and aliases › {check['title']}  (0/2)")
    count = len(shown.splitlines())
    documented = "\n".join([lines[start].removesuffix("  (0/2)"), *lines[start + 1 : start + count]])
    assert documented == "\n".join(line.strip() for line in shown.splitlines()), "README.md shows another failure"
