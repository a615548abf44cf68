"""Answers from a file or standard input: the text and JSON forms, the key printed in the same form, and
files that do not fit the attempt refused with the reason."""

from __future__ import annotations

import json

import pytest
from support import REPO

from harness.quiz import Bank
from harness.quiz.answers import AnswersError, apply, key_text, parse
from harness.quiz.forms import exam_paper, quiz_paper


def test_the_text_form_reads_ids_letters_headers_and_comments() -> None:
    sheet = parse("# mine\nseed 3\nform 2\n\nw1-a B\nw1-b a, c  # two\nw1-c -\nw1-d\n")
    assert sheet.headers == {"seed": 3, "form": 2}
    assert sheet.answers == {"w1-a": "B", "w1-b": "AC", "w1-c": "", "w1-d": ""}


def test_the_json_forms_read_the_same() -> None:
    wrapped = parse(json.dumps({"seed": 3, "answers": {"w1-a": "b", "w1-b": ["C", "A"], "w1-c": None}}))
    assert wrapped.headers == {"seed": 3} and wrapped.answers == {"w1-a": "B", "w1-b": "AC", "w1-c": ""}
    assert parse('{"w1-a": "B"}').answers == {"w1-a": "B"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("w1-a B\nw1-a C\n", "line 2: question w1-a is answered twice"),
        ("w1-a B2\n", "line 1: 'B2' is not a set of option letters"),
        ("seed one\n", "line 1: `seed` must be followed by a whole number"),
        ("{not json", "not valid JSON"),
        ('["B"]', "JSON answers are an object"),
        ('{"w1-a": 2}', "question w1-a: the answer must be letters"),
    ],
)
def test_a_file_that_cannot_be_read_says_where(text: str, message: str) -> None:
    with pytest.raises(AnswersError, match=message):
        parse(text, name="mine.txt")


def test_the_key_read_back_answers_every_question_right(bank: Bank) -> None:
    paper = exam_paper(bank, 2, seed=11)
    text = key_text(paper, "course exam --form 2 --seed 11")
    assert text.splitlines()[1:3] == ["seed 11", "form 2"]
    chosen = apply(parse(text), paper)
    assert chosen == {position: item.key for position, item in enumerate(paper.items)}


def test_letters_are_the_ones_the_seed_shows(bank: Bank) -> None:
    paper = exam_paper(bank, 1, seed=1)
    item = paper.items[0]
    assert apply(parse(f"{item.id} {item.key_letters}"), paper) == {0: item.key}


def test_a_file_for_another_seed_or_form_is_refused(bank: Bank) -> None:
    paper = exam_paper(bank, 1, seed=1)
    with pytest.raises(AnswersError, match="answers seed 2, but this attempt is seed 1"):
        apply(parse("seed 2\n"), paper)
    with pytest.raises(AnswersError, match="form 2"):
        apply(parse("form 2\n"), paper)
    with pytest.raises(AnswersError, match="week 3, but this attempt is week 1"):
        apply(parse("week 3\n"), quiz_paper(bank, 1, seed=1))


def test_questions_outside_the_paper_and_letters_beyond_its_options_are_refused(bank: Bank) -> None:
    paper = exam_paper(bank, 1, seed=1)
    with pytest.raises(AnswersError, match="not in this form: w9-nowhere"):
        apply(parse("w9-nowhere A"), paper)
    single = next(item for item in paper.items if item.question.choose == 1)
    with pytest.raises(AnswersError, match=f"question {single.id} has options A-D, not E"):
        apply(parse(f"{single.id} E"), paper)


def test_a_multiple_response_answer_with_too_few_letters_is_scored_wrong_not_refused(bank: Bank) -> None:
    paper = exam_paper(bank, 1, seed=1)
    position, item = next((p, i) for p, i in enumerate(paper.items) if i.question.choose == 2)
    chosen = apply(parse(f"{item.id} {item.key_letters[0]}"), paper)
    assert chosen == {position: frozenset({min(item.key)})} and chosen[position] != item.key


def test_the_documented_example_reads_as_documented(bank: Bank) -> None:
    readme = (REPO / "quizzes" / "README.md").read_text(encoding="utf-8")
    example = readme.split("### Answers file", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    sheet = parse(example)
    assert sheet.headers == {"seed": 1, "form": 1}
    assert list(sheet.answers.values()) == ["B", "AC", ""]
    for question_id in sheet.answers:
        bank.get(question_id)  # real questions
