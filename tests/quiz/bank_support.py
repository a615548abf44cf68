"""Small question banks for the loader and lint tests: sound questions, to be edited into bad ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from harness.quiz import Bank, Question, read_bank

DOC = {
    "title": "Condition expressions - Amazon DynamoDB",
    "url": "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html",
}
NUMBER_WORDS = {2: "two", 3: "three"}


def option(text: str, correct: bool = False) -> dict[str, Any]:
    found: dict[str, Any] = {"text": text, "why": f"Why {text!r} is {'right' if correct else 'wrong'}."}
    if correct:
        found["correct"] = True
    return found


def single(
    qid: str = "w1-sample",
    *,
    key: int = 0,
    task: str = "1.3",
    weeks: list[int] | None = None,
    stem: str | None = None,
    texts: list[str] | None = None,
) -> dict[str, Any]:
    """A sound single-answer question: four options of equal length, the key at position `key`."""
    texts = texts or [f"Option {letter}: one plausible action." for letter in "ABCD"]
    return {
        "id": qid,
        "domain": int(task[0]),
        "task": task,
        "weeks": weeks if weeks is not None else [int(qid[1])],
        "stem": stem or f"A developer in scenario {qid} must pick one action. What should the developer do?",
        "choose": 1,
        "options": [option(text, correct=index == key) for index, text in enumerate(texts)],
        "references": [dict(DOC)],
    }


def multiple(
    qid: str = "w1-several", *, keys: tuple[int, ...] = (0, 2), count: int = 5, texts: list[str] | None = None
) -> dict[str, Any]:
    """A sound multiple-response question: `count` options of equal length, `keys` correct."""
    question = single(qid, key=-1, texts=texts or [f"Option {chr(65 + i)}: one plausible step." for i in range(count)])
    question["choose"] = len(keys)
    question["stem"] = f"A developer in scenario {qid} must take several steps. (Choose {NUMBER_WORDS[len(keys)]}.)"
    for index in keys:
        question["options"][index] = option(question["options"][index]["text"], correct=True)
    return question


def write_bank(folder: Path, files: dict[str, list[dict[str, Any]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, questions in files.items():
        (folder / name).write_text(yaml.safe_dump({"questions": questions}, sort_keys=False), encoding="utf-8")
    return folder


def bank_of(folder: Path, *questions: dict[str, Any], name: str = "week1.yaml") -> Bank:
    bank, problems = read_bank(write_bank(folder, {name: list(questions)}))
    assert not problems, [str(problem) for problem in problems]
    return bank


def only(bank: Bank) -> Question:
    (question,) = bank.questions
    return question
