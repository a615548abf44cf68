"""Scoring: one key of four, several keys all or nothing, the scaled score's mapping and pass mark, the
breakdown by domain."""

from __future__ import annotations

import pytest
from bank_support import bank_of, multiple, single

from harness.quiz import Bank
from harness.quiz.forms import EXAM, Item, Paper, exam_paper
from harness.quiz.scoring import MAX_SCALED, MIN_SCALED, PASS_SCALED, is_right, scaled_score, score


def paper_of(bank: Bank) -> Paper:
    """The bank's questions with options in the bank's order (letter A = the first option)."""
    items = tuple(Item(question=q, order=tuple(range(len(q.options)))) for q in bank.questions)
    return Paper(kind=EXAM, name="form 1", seed=0, form=1, items=items)


@pytest.fixture
def small(tmp_path) -> Paper:
    return paper_of(bank_of(tmp_path, single("w1-one", key=2), multiple("w1-two", keys=(0, 3))))


def test_a_single_answer_is_right_only_with_its_key(small: Paper) -> None:
    item = small.items[0]
    assert is_right(item, frozenset({2}))
    assert not is_right(item, frozenset({1}))
    assert not is_right(item, None)


@pytest.mark.parametrize(
    ("chosen", "right"),
    [({0, 3}, True), ({0}, False), ({3}, False), ({0, 3, 4}, False), ({1, 2}, False), (set(), False)],
)
def test_multiple_response_is_all_or_nothing(small: Paper, chosen: set[int], right: bool) -> None:
    assert is_right(small.items[1], frozenset(chosen)) is right
    result = score(small, {1: frozenset(chosen)})
    assert result.right[1] is right and result.correct == int(right)


def test_the_scaled_score_is_linear_from_100_to_1000_and_720_passes() -> None:
    assert (MIN_SCALED, MAX_SCALED, PASS_SCALED) == (100, 1000, 720)
    assert scaled_score(0, 65) == 100 and scaled_score(65, 65) == 1000
    assert scaled_score(45, 65) == 723 and scaled_score(44, 65) == 709  # 45 of 65 is the least that passes
    assert scaled_score(1, 2) == 550
    assert scaled_score(1, 8) == 213  # 212.5 rounds up


def test_the_keys_score_1000_and_a_blank_attempt_100(bank: Bank) -> None:
    paper = exam_paper(bank, 1, seed=1)
    perfect = score(paper, {position: item.key for position, item in enumerate(paper.items)})
    assert (perfect.correct, perfect.scaled, perfect.passed, perfect.missed) == (65, 1000, True, [])
    blank = score(paper, {})
    assert (blank.correct, blank.scaled, blank.passed, len(blank.missed)) == (0, 100, False, 65)


def test_the_breakdown_counts_each_domain_and_task_statement(bank: Bank) -> None:
    paper = exam_paper(bank, 2, seed=4)
    answers = {p: item.key for p, item in enumerate(paper.items) if item.question.domain == 2}
    result = score(paper, answers)
    domains = {tally.key: (tally.right, tally.questions, tally.meets) for tally in result.domains}
    assert domains == {"1": (0, 21, False), "2": (17, 17, True), "3": (0, 15, False), "4": (0, 12, False)}
    tasks = {tally.key: tally for tally in result.tasks}
    assert sum(t.questions for t in tasks.values()) == 65
    assert all(t.right == t.questions for key, t in tasks.items() if key.startswith("2."))
    assert result.scaled == 335 and not result.passed  # 100 + 900 * 17 / 65 = 335.4
