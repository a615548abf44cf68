"""Drawing quizzes and assembling mock exam forms: the domain split, two forms that barely overlap,
seeds that give the same attempt again, and shuffled options whose keys stay right."""

from __future__ import annotations

from collections import Counter

import pytest
from bank_support import bank_of, single

from harness.quiz import Bank
from harness.quiz.forms import (
    EXAM_SIZE,
    EXAM_SPLIT,
    FORM_SEED,
    FORMS,
    QUIZ_SIZE,
    FormError,
    allocate,
    assemble_forms,
    exam_paper,
    quiz_paper,
)
from harness.quiz.model import TASKS

MAX_SHARED = 15  # issue 16: two forms share at most 15 questions


def test_a_form_follows_the_exam_domain_split_of_21_17_15_12(bank: Bank) -> None:
    assert EXAM_SPLIT == {1: 21, 2: 17, 3: 15, 4: 12} and EXAM_SIZE == 65
    for form in assemble_forms(bank):
        assert len(form) == EXAM_SIZE and len({q.id for q in form}) == EXAM_SIZE
        assert Counter(q.domain for q in form) == Counter(EXAM_SPLIT)


def test_every_form_covers_every_task_statement(bank: Bank) -> None:
    for form in assemble_forms(bank):
        assert {q.task for q in form} == set(TASKS)


def test_the_two_forms_are_distinct_and_share_at_most_15_questions(bank: Bank) -> None:
    first, second = assemble_forms(bank)
    shared = {q.id for q in first} & {q.id for q in second}
    assert len(shared) <= MAX_SHARED
    assert {q.id for q in first} != {q.id for q in second}


@pytest.mark.parametrize("seed", [1, 2, 99])
def test_any_seed_assembles_forms_that_share_at_most_15_questions(bank: Bank, seed: int) -> None:
    first, second = assemble_forms(bank, seed)
    assert len({q.id for q in first} & {q.id for q in second}) <= MAX_SHARED


def test_form_assembly_is_deterministic_per_seed(bank: Bank) -> None:
    assert assemble_forms(bank, 5) == assemble_forms(bank, 5)
    assert assemble_forms(bank, 5) != assemble_forms(bank, 6)
    assert assemble_forms(bank) == assemble_forms(bank, FORM_SEED)


def test_a_form_is_the_same_questions_at_every_attempt_in_an_order_the_attempt_seed_gives(bank: Bank) -> None:
    one, other = exam_paper(bank, 1, seed=1), exam_paper(bank, 1, seed=2)
    assert {item.id for item in one.items} == {item.id for item in other.items}
    assert [item.id for item in one.items] != [item.id for item in other.items]
    assert exam_paper(bank, 1, seed=1) == one  # the same seed, the same questions, order and letters
    assert {item.id for item in exam_paper(bank, 2, seed=1).items} != {item.id for item in one.items}


def test_a_quiz_is_12_questions_of_its_week_drawn_by_the_seed(bank: Bank) -> None:
    for week in range(6):
        paper = quiz_paper(bank, week, seed=3)
        assert len(paper.items) == QUIZ_SIZE
        assert all(week in item.question.weeks for item in paper.items)
        assert quiz_paper(bank, week, seed=3) == paper
    assert [i.id for i in quiz_paper(bank, 1, seed=3).items] != [i.id for i in quiz_paper(bank, 1, seed=4).items]


@pytest.mark.parametrize("seed", range(5))
def test_shuffled_options_keep_the_key_on_the_correct_options(bank: Bank, seed: int) -> None:
    for form in FORMS:
        for item in exam_paper(bank, form, seed).items:
            assert sorted(item.order) == list(range(len(item.question.options)))
            shown_keys = {item.letters[position] for position in item.key}
            assert len(shown_keys) == item.question.choose
            for position, option in enumerate(item.options):
                assert option.correct == (item.letters[position] in shown_keys)
                assert option is item.question.options[item.order[position]]
            assert item.to_bank(item.key) == item.question.keys
            assert item.from_bank(item.question.keys) == item.key


def test_shuffling_moves_keys_around(bank: Bank) -> None:
    positions = Counter(item.key_letters for item in exam_paper(bank, 1, seed=1).items if item.question.choose == 1)
    assert len(positions) == 4  # the keys are not all where the bank wrote them


def test_allocate_shares_by_largest_remainders_and_never_above_a_weight() -> None:
    assert allocate(15, {"3.1": 12, "3.2": 10, "3.3": 10, "3.4": 14}) == {"3.1": 4, "3.2": 3, "3.3": 3, "3.4": 5}
    assert allocate(3, {"a": 1, "b": 10}) == {"a": 0, "b": 3}
    assert sum(allocate(7, {"a": 1, "b": 1, "c": 5}).values()) == 7


def test_a_bank_too_small_for_a_form_says_which_domain(tmp_path) -> None:
    small = bank_of(tmp_path, single("w1-only-one"))
    with pytest.raises(FormError, match="domain 1"):
        assemble_forms(small)
    with pytest.raises(FormError, match="week 3"):
        quiz_paper(small, 3, seed=1)
