"""The bank lint (issue 16): each rule fails on a small bad example, and the real bank passes every rule."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from bank_support import bank_of, multiple, only, single, write_bank
from support import REPO

from harness.quiz import read_bank
from harness.quiz.lint import RULES, grader_checks, lint
from harness.quiz.measures import LONGEST, SHORTEST, length_bias
from harness.quiz.model import TASKS

CHECKS = {"lab2": {"test_a_failing_message_moves_to_the_dlq_after_3_receives"}, "kata3": {"test_the_key_never_leaks"}}


def messages(rule: str, bank, checks=CHECKS) -> list[str]:  # noqa: ANN001 - a Bank
    return [problem.message for problem in RULES[rule](bank, checks)]


def test_the_real_bank_passes_every_rule() -> None:
    problems = lint()
    assert not problems, "\n".join(f"{problem}  [{problem.rule}]" for problem in problems)


def test_the_lint_command_prints_the_figures_and_exits_0_on_the_real_bank() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "harness.quiz.lint"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for heading in (
        "By domain",
        "By task statement",
        "By week",
        "Key positions",
        "Length bias",
        "length rank",
        "Closest stems",
    ):
        assert heading in done.stdout
    assert "The bank passes every rule." in done.stdout


def test_every_rule_is_documented_for_instructors() -> None:
    readme = (REPO / "quizzes" / "README.md").read_text(encoding="utf-8")
    assert not [rule for rule in ["structure", *RULES] if f"| {rule} |" not in readme]


def test_the_lint_command_exits_1_and_names_file_and_line_on_a_bad_bank(tmp_path: Path) -> None:
    bad = single()
    bad["options"][1]["text"] = "All of the above"
    write_bank(tmp_path, {"week1.yaml": [bad]})
    done = subprocess.run(
        [sys.executable, "-m", "harness.quiz.lint", "--bank", str(tmp_path), "--no-figures"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert f"{tmp_path / 'week1.yaml'}, line " in done.stdout and "[all-or-none]" in done.stdout


def test_a_structural_error_is_a_lint_problem(tmp_path: Path) -> None:
    bad = single()
    bad["choose"] = 2
    problems = lint(write_bank(tmp_path, {"week1.yaml": [bad]}), rules=[])
    assert [problem.rule for problem in problems] == ["structure"]


def test_ids_must_be_unique_across_files(tmp_path: Path) -> None:
    write_bank(tmp_path, {"week1.yaml": [single("w1-same")], "week5.yaml": [single("w1-same", weeks=[1, 5])]})
    bank, _ = read_bank(tmp_path)
    (message,) = messages("unique-ids", bank)
    assert "w1-same" in message and "week1.yaml, line 2" in message


def test_a_question_sits_in_its_own_week_file_and_lists_that_week(tmp_path: Path) -> None:
    moved = single("w2-moved")
    wrong_weeks = single("w1-elsewhere", weeks=[3])
    found = messages("placement", bank_of(tmp_path, moved, wrong_weeks, single("w1-home")))
    assert len(found) == 2
    assert "a week 2 question in week1.yaml" in found[0] and "the id says week 1, weeks says [3]" in found[1]


def test_every_check_reference_names_a_test_function_of_that_exercise(tmp_path: Path) -> None:
    question = single()
    question["references"] += [
        {"check": "lab2:test_a_failing_message_moves_to_the_dlq_after_3_receives"},
        {"check": "lab2:test_poison_record_goes_to_dlq"},
        {"check": "lab9:test_anything"},
    ]
    found = messages("checks", bank_of(tmp_path, question), grader_checks())
    assert len(found) == 2
    assert "lab2's grader has no function test_poison_record_goes_to_dlq" in found[0]
    assert "no exercise 'lab9' in course.toml" in found[1]


def test_grader_checks_are_found_as_the_harness_finds_grader_files(tmp_path: Path) -> None:
    (tmp_path / "course.toml").write_text(
        '[course]\nname = "C"\nversion = "1"\n'
        '[[exercise]]\nid = "kata"\ntitle = "K"\nweek = 1\nfolder = "k"\npoints = 1\ndomain = 1\n'
        'graders = ["test_main.py"]\n'
        '[[exercise]]\nid = "kata-ext"\ntitle = "E"\nweek = 1\nfolder = "k"\npoints = 1\ndomain = 1\n'
        'graders = ["test_ext.py"]\noptional = true\n'
        '[[exercise]]\nid = "lab"\ntitle = "L"\nweek = 1\nfolder = "l"\npoints = 1\ndomain = 1\n'
    )
    (tmp_path / "k").mkdir()
    (tmp_path / "l").mkdir()
    (tmp_path / "k" / "test_main.py").write_text("def test_main_check():\n    pass\n\ndef helper():\n    pass\n")
    (tmp_path / "k" / "test_ext.py").write_text("async def test_ext_check():\n    pass\n")
    (tmp_path / "l" / "test_lab.py").write_text(
        "class Helper:\n    def test_not_a_check(self):\n        pass\ndef test_lab_check():\n    pass\n"
    )
    (tmp_path / "l" / "conftest.py").write_text("def test_in_conftest():\n    pass\n")
    assert grader_checks(tmp_path) == {
        "kata": {"test_main_check"},
        "kata-ext": {"test_ext_check"},
        "lab": {"test_lab_check"},
    }


def test_single_answer_has_four_options_and_multiple_response_five_or_more(tmp_path: Path) -> None:
    five = single("w1-five", texts=[f"Option {letter}: one plausible action." for letter in "ABCDE"])
    four = multiple("w1-four", count=4)
    found = messages("option-count", bank_of(tmp_path, five, four, single(), multiple()))
    assert len(found) == 2
    assert "exactly 4 options, this one 5" in found[0] and "5 or more options, this one 4" in found[1]


def test_the_stem_says_choose_n_exactly_when_choose_is_above_one(tmp_path: Path) -> None:
    silent = multiple("w1-silent")
    silent["stem"] = "A developer must take several steps. Which steps?"
    wrong_number = multiple("w1-three", keys=(0, 1, 2), count=6)
    wrong_number["stem"] = "A developer must take several steps. (Choose two.)"
    talkative = single("w1-talkative", stem="A developer picks one action. (Choose two.)")
    found = messages("choose-phrase", bank_of(tmp_path, silent, wrong_number, talkative, multiple(), single()))
    assert len(found) == 3
    assert "must end with (Choose two.)" in found[0] and "must end with (Choose three.)" in found[1]
    assert "choose is 1 but the stem says (Choose two.)" in found[2]


@pytest.mark.parametrize(
    "text", ["All of the above", "none of the above.", "Both of the above", "None of these options"]
)
def test_no_option_is_all_or_none_of_the_above(tmp_path: Path, text: str) -> None:
    question = single()
    question["options"][2]["text"] = text
    (message,) = messages("all-or-none", bank_of(tmp_path, question))
    assert "option 3 says" in message


def test_an_option_may_mention_both_of_two_things(tmp_path: Path) -> None:
    question = single()
    question["options"][2]["text"] = (
        "The policy attached last replaces the earlier one for the actions both of them name."
    )
    assert not messages("all-or-none", bank_of(tmp_path, question))


def test_no_key_position_holds_more_than_35_percent_of_a_file(tmp_path: Path) -> None:
    keys = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3]  # position 1 holds 4 of 10
    bank = bank_of(tmp_path, *[single(f"w1-q{i}", key=key) for i, key in enumerate(keys)])
    (message,) = messages("key-positions", bank)
    assert "option 1 is the key of 4 of 10 single-answer questions (40%; at most 35%)" in message
    balanced = [0, 0, 0, 1, 1, 1, 2, 2, 3, 3]
    assert not messages(
        "key-positions", bank_of(tmp_path / "ok", *[single(f"w1-q{i}", key=k) for i, k in enumerate(balanced)])
    )


def test_key_positions_are_also_balanced_across_the_whole_bank(tmp_path: Path) -> None:
    # Each file is balanced on its own (2 of 6 = 33 %), together position 1 holds 4 of 10.
    write_bank(
        tmp_path,
        {
            "week1.yaml": [single(f"w1-q{i}", key=key) for i, key in enumerate([0, 0, 1, 2, 3, 1])],
            "week2.yaml": [single(f"w2-q{i}", key=key) for i, key in enumerate([0, 0, 3, 2])],
        },
    )
    bank, _ = read_bank(tmp_path)
    found = messages("key-positions", bank)
    assert len(found) == 2 and "week2.yaml: option 1 is the key of 2 of 4" in found[0]
    assert "the whole bank: option 1 is the key of 4 of 10" in found[1]


LONG = "Option B: one plausible action, told at greater length."
SHORT = "B: short."


def test_length_bias_is_measured_on_every_key_against_every_distractor(tmp_path: Path) -> None:
    same = [f"Option {letter}: one plausible action." for letter in "ABCD"]
    five = [f"Option {letter}: one plausible action." for letter in "ABCDE"]
    cases = [
        (single(texts=same, key=1), None),
        (single(texts=[same[0], LONG, same[2], same[3]], key=1), LONGEST),
        (single(texts=[same[0], SHORT, same[2], same[3]], key=1), SHORTEST),
        (single(texts=[LONG, same[1], LONG, same[3]], key=0), None),  # a tie for the longest hides the key
        (multiple(texts=[LONG, five[1], LONG + "!", five[3], five[4]], keys=(0, 2)), LONGEST),
        (multiple(texts=[LONG, five[1], SHORT, five[3], five[4]], keys=(0, 2)), None),  # one key long, one short
    ]
    for number, (question, expected) in enumerate(cases):
        assert length_bias(only(bank_of(tmp_path / str(number), question))) == expected, number


def test_keys_uniquely_longest_or_shortest_in_at_most_15_percent(tmp_path: Path) -> None:
    same = [f"Option {letter}: one plausible action." for letter in "ABCD"]
    questions = [single(f"w1-q{i}", key=1) for i in range(10)]
    for question in questions[:2]:  # 2 of 10 = 20 % with the key uniquely longest
        question["options"][1]["text"] = LONG
    questions[2]["options"][1]["text"] = SHORT  # 1 of 10 = 10 % uniquely shortest: allowed
    (message,) = messages("length-bias", bank_of(tmp_path, *questions))
    assert "the keys are uniquely longest in 2 of 10 questions (20%; at most 15%)" in message
    assert same  # the other options keep equal lengths


def test_near_duplicate_stems_are_flagged(tmp_path: Path) -> None:
    original = (
        "A Lambda function reads an SQS queue with a batch size of 10. One malformed message makes the "
        "whole batch return to the queue. How can the developer retry only the failing message?"
    )
    paraphrase = (
        "A Lambda function consumes an SQS queue with batch size 10. A single malformed message sends the "
        "entire batch back to the queue. How can the developer retry only that message?"
    )
    different = (
        "A team stores invoices in S3 and must keep each one unchanged for seven years, even from "
        "administrators. Which feature meets the requirement?"
    )
    bank = bank_of(
        tmp_path, single("w1-a", stem=original), single("w1-b", stem=paraphrase), single("w1-c", stem=different)
    )
    (message,) = messages("near-duplicate", bank)
    assert message.startswith("question w1-b: its stem is close to w1-a's")


def test_each_week_needs_ten_questions(tmp_path: Path) -> None:
    found = messages("week-size", bank_of(tmp_path, *[single(f"w1-q{i}") for i in range(9)]))
    assert "week 1 has 9 questions; each week needs at least 10" in found
    assert len(found) == 6  # weeks 0 and 2-5 have none


def test_each_task_statement_needs_four_questions(tmp_path: Path) -> None:
    found = messages("task-coverage", bank_of(tmp_path, *[single(f"w1-q{i}", task="1.3") for i in range(3)]))
    assert len(found) == len(TASKS)
    assert any(
        message.startswith("task 1.3 (Use data stores in application development) has 3 questions") for message in found
    )


def test_every_question_cites_aws_documentation(tmp_path: Path) -> None:
    question = single()
    question["references"] = [
        {"check": "kata3:test_the_key_never_leaks"},
        {"title": "A blog post", "url": "https://aws.amazon.com/blogs/security/x/"},
    ]
    (message,) = messages("aws-docs", bank_of(tmp_path, question, single("w1-documented")))
    assert message.startswith("question w1-sample: no reference to AWS documentation")
