"""Answers given in a file (`--answers FILE`, or `--answers -` for standard input), and the key in that form.

Text, one question per line (quizzes/README.md, "Answers file"):

    # a comment; blank lines are ignored
    seed 1                                   # optional: the seed the letters were shown with
    form 1                                   # optional (exam): the form; `week 1` for a quiz
    w2-iam-explicit-deny-beats-managed-allow B
    w1-sqs-fifo-ordering-per-group AC        # multiple response: every letter chosen ("A C", "a,c" too)
    w3-sam-package-artifacts -               # unanswered ("-" or nothing after the id)

or JSON: {"seed": 1, "form": 1, "answers": {"<id>": "AC", ...}} (seed and form optional), or simply
{"<id>": "AC", ...}. Letters are the ones the attempt shows, which the seed decides; a question the file does
not name is unanswered. `--key` prints a paper's key in the text form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .forms import EXAM, Paper

HEADERS = ("seed", "form", "week")
UNANSWERED = "-"


class AnswersError(ValueError):
    """The answers cannot be read or do not fit the paper; the message says where."""


@dataclass(frozen=True)
class AnswerSheet:
    answers: dict[str, str]  # question id -> letters as written ("" when unanswered)
    headers: dict[str, int] = field(default_factory=dict)  # seed, form, week when the file states them


def _letters(text: str, where: str) -> str:
    cleaned = "".join(text.replace(",", " ").split()).upper()
    if cleaned in ("", UNANSWERED):
        return ""
    if not cleaned.isalpha():
        raise AnswersError(f"{where}: {text.strip()!r} is not a set of option letters such as B or AC")
    return "".join(sorted(set(cleaned)))


def parse(text: str, *, name: str = "answers") -> AnswerSheet:
    if text.lstrip().startswith(("{", "[")):
        return _parse_json(text, name)
    answers: dict[str, str] = {}
    headers: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if not content:
            continue
        first, _, rest = content.partition(" ")
        where = f"{name}, line {number}"
        if first in HEADERS:
            if not rest.strip().isdigit():
                raise AnswersError(f"{where}: `{first}` must be followed by a whole number, not {rest.strip()!r}")
            headers[first] = int(rest.strip())
            continue
        if first in answers:
            raise AnswersError(f"{where}: question {first} is answered twice")
        answers[first] = _letters(rest, where)
    return AnswerSheet(answers=answers, headers=headers)


def _parse_json(text: str, name: str) -> AnswerSheet:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise AnswersError(f"{name}: not valid JSON ({error})") from None
    headers: dict[str, int] = {}
    if isinstance(data, dict) and isinstance(data.get("answers"), dict):
        for header in HEADERS:
            if header in data:
                if not isinstance(data[header], int) or isinstance(data[header], bool):
                    raise AnswersError(f"{name}: {header!r} must be a whole number")
                headers[header] = data[header]
        data = data["answers"]
    if not isinstance(data, dict):
        raise AnswersError(f'{name}: JSON answers are an object, {{"<question id>": "AC", ...}}')
    answers = {}
    for question_id, letters in data.items():
        where = f"{name}, question {question_id}"
        if isinstance(letters, list) and all(isinstance(letter, str) for letter in letters):
            letters = "".join(letters)
        if letters is None:
            letters = ""
        if not isinstance(letters, str):
            raise AnswersError(f"{where}: the answer must be letters such as \"AC\" or a list of letters")
        answers[str(question_id)] = _letters(letters, where)
    return AnswerSheet(answers=answers, headers=headers)


def check_headers(sheet: AnswerSheet, paper: Paper, *, name: str = "answers") -> None:
    """A file that says which seed, form or week it answers must answer this paper's."""
    stated = {"seed": paper.seed, "form": paper.form, "week": paper.week}
    for header, value in sheet.headers.items():
        if stated.get(header) is not None and value != stated[header]:
            raise AnswersError(
                f"{name} answers {header} {value}, but this attempt is {header} {stated[header]}: the letters "
                f"would name other options (give --{header} {value})"
            )


def apply(sheet: AnswerSheet, paper: Paper, *, name: str = "answers") -> dict[int, frozenset[int]]:
    """The sheet's answers as positions of the paper: {item position: shown option positions}."""
    check_headers(sheet, paper, name=name)
    positions = {item.id: position for position, item in enumerate(paper.items)}
    unknown = [question_id for question_id in sheet.answers if question_id not in positions]
    if unknown:
        what = "form" if paper.kind == EXAM else "quiz"
        shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        raise AnswersError(f"{name} answers questions that are not in this {what}: {shown}")
    chosen: dict[int, frozenset[int]] = {}
    for question_id, letters in sheet.answers.items():
        item = paper.items[positions[question_id]]
        wrong = [letter for letter in letters if letter not in item.letters]
        if wrong:
            raise AnswersError(f"{name}: question {question_id} has options {item.letters[0]}-{item.letters[-1]}, not {''.join(wrong)}")
        if letters:
            chosen[positions[question_id]] = frozenset(item.letters.index(letter) for letter in letters)
    return chosen


def key_text(paper: Paper, command: str) -> str:
    """The paper's key as an answers file: every answer right."""
    lines = [f"# {command}: the key, in the letters this seed shows", f"seed {paper.seed}"]
    if paper.form is not None:
        lines.append(f"form {paper.form}")
    if paper.week is not None:
        lines.append(f"week {paper.week}")
    lines += [f"{item.id} {item.key_letters}" for item in paper.items]
    return "\n".join(lines) + "\n"
