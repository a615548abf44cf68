"""Tests of the Lab 5 grader: each plausible mistake in a canary release loses the checks about it.

Full marks for the reference and the correct solutions (correct/), a low starter and the README's check
table are tests/exercises/test_every_exercise.py's. Every mistake here is an edit of the reference,
graded in a child `pytest` as a student would run it (tests/grader_tests.py); most runs select only
the checks the edited file concerns.
"""

from __future__ import annotations

from pathlib import Path

from grader_tests import ExerciseUnderTest
from support import REPO

LAB = ExerciseUnderTest("lab5")
LAB_ID = LAB.id

RUNS = "test_deploy_canary_sh_runs_where_live_serves_version_1"
PUBLISHES = "test_deploy_canary_publishes_the_folders_code_as_a_new_version"
SHIFTS = "test_live_stays_on_version_1_and_sends_10_percent_to_the_canary"
PRINTS = "test_deploy_canary_prints_the_canary_version_last"
SAME_CODE = "test_a_second_run_with_the_same_code_changes_nothing"
PROMOTED = "test_deploy_canary_after_a_promote_shifts_nothing"
MEASURES = "test_measure_split_counts_the_versions_that_answered"
PRINTS_SPLIT = "test_print_split_prints_each_versions_share"
PROMOTES = "test_promote_sh_sends_all_traffic_to_the_canary"
PROMOTE_NOTHING = "test_promote_sh_with_nothing_shifting_changes_nothing"
ROLLS_BACK = "test_rollback_sh_puts_all_traffic_back_on_lives_version"
ROLLBACK_NOTHING = "test_rollback_sh_with_nothing_shifting_is_a_clear_no_op"
DEPLOY_CHECKS = (PUBLISHES, SHIFTS, PRINTS, SAME_CODE, PROMOTED)

GRADER = LAB.grader()
grade = LAB.grade
assert_only_failures = LAB.assert_only_failures

DEPLOY_ONLY = ("-k", "deploy_canary or live_stays or second_run")
MEASURE_ONLY = ("-k", "measure_split or print_split")
PROMOTE_ONLY = ("-k", "promote")
ROLLBACK_ONLY = ("-k", "rollback")

WAIT = '  awslocal lambda wait function-updated-v2 --function-name "$FUNCTION"\n'
SHIFT = (
    'awslocal lambda update-alias --function-name "$FUNCTION" --name "$ALIAS" --function-version "$STABLE" \\\n'
    '  --routing-config "AdditionalVersionWeights={$CANARY=$CANARY_WEIGHT}" >/dev/null\n'
)
COUNT = '        counts[answer["ExecutedVersion"]] += 1\n'
EMPTY_ROUTING = "  --routing-config 'AdditionalVersionWeights={}' >/dev/null\n"


def mutant(tmp_path: Path, filename: str, *edits: tuple[str, str]) -> Path:
    return LAB.mutant(tmp_path, filename, *edits)


# -------------------------------------------------------------------------- the grader and starter


def test_the_grader_has_exactly_the_checks_these_tests_name() -> None:
    assert [check.__name__ for check in LAB.checks()] == [
        RUNS, *DEPLOY_CHECKS, MEASURES, PRINTS_SPLIT, PROMOTES, PROMOTE_NOTHING, ROLLS_BACK, ROLLBACK_NOTHING,
    ]


def test_the_untouched_starter_fails_every_check_it_can_and_scores_nothing(tmp_path: Path) -> None:
    run = LAB.grade_starter(tmp_path)
    assert_only_failures(
        run, RUNS, MEASURES, PRINTS_SPLIT, PROMOTES, PROMOTE_NOTHING, ROLLS_BACK, ROLLBACK_NOTHING, blocked=DEPLOY_CHECKS
    )
    assert run.exercise(LAB_ID)["points"] == 0
    assert "NotImplementedError: TODO 6" in run.check(LAB_ID, MEASURES)["message"]
    assert "write TODO 9 of README step 9 first" in run.check(LAB_ID, ROLLBACK_NOTHING)["message"]


# ------------------------------------------------------------------------------ deploy_canary.sh


def test_a_canary_published_without_waiting_is_refused_with_the_waiting_hint(tmp_path: Path) -> None:
    run = grade(mutant(tmp_path, "deploy_canary.sh", (WAIT, "")), tmp_path, *DEPLOY_ONLY)
    (runs,) = assert_only_failures(run, RUNS, blocked=DEPLOY_CHECKS)
    assert "called PublishVersion after UpdateFunctionCode without reading the function's status" in runs["message"]
    assert runs["hint"] == GRADER.WAIT_HINT


def test_reversed_weights_send_90_percent_to_the_new_version_and_lose_the_shift_check(tmp_path: Path) -> None:
    reversed_shift = SHIFT.replace('--function-version "$STABLE"', '--function-version "$CANARY"').replace(
        "{$CANARY=$CANARY_WEIGHT}", "{$STABLE=$CANARY_WEIGHT}"
    )
    run = grade(mutant(tmp_path, "deploy_canary.sh", (SHIFT, reversed_shift)), tmp_path, *DEPLOY_ONLY)
    (shifts,) = assert_only_failures(run, SHIFTS)
    assert "it is version 3 with 0.1 to version 1: reversed, 90 % of the traffic goes to the new version" in shifts["message"]


def test_a_weight_in_percent_loses_the_shift_check(tmp_path: Path) -> None:
    run = grade(mutant(tmp_path, "deploy_canary.sh", ("CANARY_WEIGHT=0.1", "CANARY_WEIGHT=10")), tmp_path, *DEPLOY_ONLY)
    (shifts,) = assert_only_failures(run, SHIFTS)
    assert "weights are fractions: 0.1, not 10" in shifts["message"]


def test_moving_all_of_live_at_once_is_no_canary(tmp_path: Path) -> None:
    all_at_once = 'awslocal lambda update-alias --function-name "$FUNCTION" --name "$ALIAS" --function-version "$CANARY" >/dev/null\n'
    run = grade(mutant(tmp_path, "deploy_canary.sh", (SHIFT, all_at_once)), tmp_path, *DEPLOY_ONLY)
    (shifts,) = assert_only_failures(run, SHIFTS)
    assert "Expected live to stay on version 1 (the stable one)" in shifts["message"]
    assert "it is all its traffic on version 3" in shifts["message"]


def test_a_canary_of_the_stable_version_plus_one_names_the_wrong_version(tmp_path: Path) -> None:
    run = grade(
        mutant(tmp_path, "deploy_canary.sh", ("{$CANARY=$CANARY_WEIGHT}", "{$((STABLE + 1))=$CANARY_WEIGHT}")),
        tmp_path,
        *DEPLOY_ONLY,
    )
    (shifts,) = assert_only_failures(run, SHIFTS)
    assert "version 2 is the one never promoted, not the canary" in shifts["message"]


def test_uploading_on_every_run_publishes_and_shifts_again(tmp_path: Path) -> None:
    run = grade(
        mutant(tmp_path, "deploy_canary.sh", ('if [ "$CODE_SHA" != "$CURRENT_SHA" ]; then', "if true; then")),
        tmp_path,
        *DEPLOY_ONLY,
    )
    (same,) = assert_only_failures(run, SAME_CODE, blocked=(PROMOTED,))  # a promoted release's deploy builds on it
    assert "the versions went from ['1', '2', '3'] to ['1', '2', '3', '4']" in same["message"]


def test_a_deploy_without_step_3_shifts_a_promoted_release_to_itself(tmp_path: Path) -> None:
    """README step 3: when live serves the canary already (promoted), say so, print it and stop."""
    run = grade(mutant(tmp_path, "deploy_canary.sh", ('if [ "$STABLE" = "$CANARY" ]; then', "if false; then")), tmp_path, *DEPLOY_ONLY)
    (promoted,) = assert_only_failures(run, PROMOTED)
    assert "Expected live to stay on version 3 alone after `bash deploy_canary.sh` again" in promoted["message"]
    assert "it is version 3 with 0.1 to version 3" in promoted["message"]
    assert promoted["hint"] == GRADER.PROMOTED_HINT


def test_printing_a_sentence_last_loses_only_the_output_check(tmp_path: Path) -> None:
    last = "# Step 5: the canary's version, alone on the last line.\necho \"$CANARY\"\n"
    code = mutant(tmp_path, "deploy_canary.sh", (last, last + 'echo "canary deployed"\n'))
    (prints,) = assert_only_failures(grade(code, tmp_path, *DEPLOY_ONLY), PRINTS)
    assert "got 'canary deployed'" in prints["message"]


# ------------------------------------------------------------------------------- measure_split.py


def test_a_measurement_from_the_weights_instead_of_the_answers_loses_the_counting_part(tmp_path: Path) -> None:
    from_weights = (
        (
            "    for _ in range(invocations):\n"
            "        # Step 6: Lambda names the version that ran in every answer (X-Amz-Executed-Version).\n"
            "        answer = client.invoke(FunctionName=function_name, Qualifier=alias, Payload=payload)\n"
            + COUNT
            + "    return dict(counts)\n"
        ),
        (
            "    live = client.get_alias(FunctionName=function_name, Name=alias)\n"
            '    shares = (live.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}\n'
            "    for version, weight in shares.items():\n"
            "        counts[version] = round(weight * invocations)\n"
            '    counts[live["FunctionVersion"]] = invocations - sum(counts.values())\n'
            "    return dict(counts)\n"
        ),
    )
    run = grade(mutant(tmp_path, "measure_split.py", from_weights), tmp_path, *MEASURE_ONLY)
    (measures,) = assert_only_failures(run, MEASURES)
    assert measures["outcome"] == "partial" and measures["message"].startswith("1 of 2 cases passed")
    assert "it returned {'3': 20, '1': 180}, while the backend ran no invocation of live at all" in measures["message"]


def test_a_measurement_of_latest_instead_of_the_alias_loses_the_whole_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, "measure_split.py", ("FunctionName=function_name, Qualifier=alias,", "FunctionName=function_name,"))
    (measures,) = assert_only_failures(grade(code, tmp_path, *MEASURE_ONLY), MEASURES)
    assert measures["outcome"] == "failed"
    assert "{'$LATEST': 200}" in measures["message"]


def test_a_measurement_of_the_canary_version_itself_loses_the_whole_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, "measure_split.py", ("Qualifier=alias,", 'Qualifier="3",'))
    (measures,) = assert_only_failures(grade(code, tmp_path, *MEASURE_ONLY), MEASURES)
    assert "{'3': 200}" in measures["message"] and "(100.0%)" in measures["message"]


def test_printing_versions_in_text_order_loses_the_print_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, "measure_split.py", ("sorted(counts, key=int)", "sorted(counts)"))
    (printed,) = assert_only_failures(grade(code, tmp_path, *MEASURE_ONLY), PRINTS_SPLIT)
    assert "lowest first (1, 3, 12: as numbers, not as text)" in printed["message"]


def test_printing_fractions_instead_of_percent_loses_the_print_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, "measure_split.py", ("({100 * counts[version] / total:.1f} %)", "({counts[version] / total:.3f})"))
    (printed,) = assert_only_failures(grade(code, tmp_path, *MEASURE_ONLY), PRINTS_SPLIT)
    assert "version 1: 174 of 200 (87.0 %)" in printed["message"]


# ------------------------------------------------------------------------- promote.sh, rollback.sh


def test_a_promote_that_leaves_the_routing_config_loses_the_promote_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, "promote.sh", (' --function-version "$CANARY" \\\n' + EMPTY_ROUTING, ' --function-version "$CANARY" >/dev/null\n'))
    (promotes,) = assert_only_failures(grade(code, tmp_path, *PROMOTE_ONLY), PROMOTES)
    assert "the split still names a version" in promotes["message"]


def test_a_promote_in_two_calls_loses_the_promote_check(tmp_path: Path) -> None:
    """README step 8: "in one call": live moves to the canary and the split ends at the same moment."""
    one_call = ' --function-version "$CANARY" \\\n' + EMPTY_ROUTING
    two_calls = (' --function-version "$CANARY" >/dev/null\n'
                 'awslocal lambda update-alias --function-name "$FUNCTION" --name "$ALIAS" \\\n' + EMPTY_ROUTING)
    (promotes,) = assert_only_failures(grade(mutant(tmp_path, "promote.sh", (one_call, two_calls)), tmp_path, *PROMOTE_ONLY), PROMOTES)
    assert "to move live in one UpdateAlias call" in promotes["message"] and "it made 2" in promotes["message"]


def test_a_promote_that_assumes_a_canary_fails_when_nothing_is_shifting(tmp_path: Path) -> None:
    code = mutant(tmp_path, "promote.sh", ('if [ -z "$CANARY" ]; then', "if false; then"))
    (nothing,) = assert_only_failures(grade(code, tmp_path, *PROMOTE_ONLY), PROMOTE_NOTHING)
    assert "exit with status 0" in nothing["message"] and nothing["hint"] == GRADER.PROMOTE_NOTHING_HINT


def test_a_rollback_that_sets_the_canary_weight_to_0_leaves_a_routing_config(tmp_path: Path) -> None:
    code = mutant(tmp_path, "rollback.sh", (EMPTY_ROUTING, '  --routing-config "AdditionalVersionWeights={$CANARY=0}" >/dev/null\n'))
    (rolls_back,) = assert_only_failures(grade(code, tmp_path, *ROLLBACK_ONLY), ROLLS_BACK)
    assert "a weight of 0 still leaves the routing config" in rolls_back["message"]


def test_a_rollback_to_the_canarys_number_minus_one_picks_the_wrong_version(tmp_path: Path) -> None:
    code = mutant(tmp_path, "rollback.sh", ('--function-name "$FUNCTION" --name "$ALIAS" --function-version "$STABLE" \\\n', '--function-name "$FUNCTION" --name "$ALIAS" --function-version "$((CANARY - 1))" \\\n'))
    (rolls_back,) = assert_only_failures(grade(code, tmp_path, *ROLLBACK_ONLY), ROLLS_BACK)
    assert "version 2 is the canary's number minus one, never promoted" in rolls_back["message"]


def test_a_rollback_that_always_updates_the_alias_is_no_clear_no_op(tmp_path: Path) -> None:
    code = mutant(tmp_path, "rollback.sh", ('if [ -z "$CANARY" ]; then', "if false; then"))
    (nothing,) = assert_only_failures(grade(code, tmp_path, *ROLLBACK_ONLY), ROLLBACK_NOTHING)
    assert "it called UpdateAlias" in nothing["message"]


# ------------------------------------------------------------------ the failure the docs show


def test_a_measurement_from_the_weights_prints_exactly_the_failure_the_readme_shows(tmp_path: Path) -> None:
    run = grade(
        mutant(tmp_path, "measure_split.py", ("    return dict(counts)\n", "    return {'1': 180, '3': 20}\n")),
        tmp_path,
        "-k",
        "measure_split",
    )
    check = run.check(LAB_ID, MEASURES)
    shown = [f"Canary release and rollback › {check['title']}", *check["message"].splitlines(), f"Hint: {check['hint']}", f"Read: {check['read']}"]
    lines = [line.strip() for line in (REPO / LAB.folder / "README.md").read_text(encoding="utf-8").splitlines()]
    start = lines.index(f"Canary release and rollback › {check['title']}  (1.5/3)")
    documented = [lines[start].removesuffix("  (1.5/3)"), *lines[start + 1 : start + len(shown)]]
    assert documented == [line.strip() for line in shown], "README.md shows another failure than the grader prints"


# ---------------------------------------------------------------------- the given package.py


def test_every_given_package_py_is_kata4s():
    """Lab 5 gives students Kata 4's packaging script unchanged: one source, every copy identical."""
    original = REPO / "katas/kata4_alias_deploy/package.py"
    roots = ("katas", "labs", "solutions", "tests/exercises")
    copies = sorted(path for root in roots for path in (REPO / root).rglob("package.py"))
    assert len(copies) >= 8, f"expected the copies in Kata 4, Lab 5, their solutions and correct/ folders, found {copies}"
    different = [str(path.relative_to(REPO)) for path in copies if path.read_bytes() != original.read_bytes()]
    assert not different, f"these package.py files differ from katas/kata4_alias_deploy/package.py: {different}"
