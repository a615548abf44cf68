"""What an attempt asks: a week's quiz drawn from the bank, or a mock exam form, with its options shuffled.

Everything here is a pure function of the bank and a seed, so an attempt's seed (recorded with it) gives
the same questions in the same order with the same letters again.

Mock exam forms follow DVA-C02's domain split, 21/17/15/12 of 65 questions. Within a domain, each task
statement gets a share of the domain's questions in proportion to its questions in the bank (largest
remainders), so every form covers the task statements as the bank does. The forms are assembled once from
the bank with FORM_SEED: each task statement's questions are shuffled and dealt in turn, form 1 first, so
the forms share no question while the bank has enough (they wrap around, and overlap, only when it runs
short). A form is therefore the same set of questions at every attempt; the attempt's own seed orders the
questions and their options.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .model import Bank, Option, Question

LETTERS = "ABCDEFGH"
QUIZ_SIZE = 12  # a week's quiz
EXAM_SPLIT = {1: 21, 2: 17, 3: 15, 4: 12}  # DVA-C02 exam guide v2.1: 32/26/24/18 % of 65 questions
EXAM_SIZE = sum(EXAM_SPLIT.values())
FORMS = (1, 2)
FORM_SEED = 16  # the seed the forms are assembled with (issue 16); changing it changes every form

QUIZ, EXAM = "quiz", "exam"


class FormError(ValueError):
    """The bank cannot give what was asked (too few questions for a week or a domain)."""


@dataclass(frozen=True)
class Item:
    """A question as one attempt shows it: ``order[i]`` is the bank option shown at letter i."""

    question: Question
    order: tuple[int, ...]

    @property
    def id(self) -> str:
        return self.question.id

    @property
    def letters(self) -> str:
        return LETTERS[: len(self.order)]

    @property
    def options(self) -> tuple[Option, ...]:
        return tuple(self.question.options[index] for index in self.order)

    @property
    def key(self) -> frozenset[int]:
        """The positions shown (0 = A) that hold the correct options."""
        return frozenset(shown for shown, index in enumerate(self.order) if self.question.options[index].correct)

    @property
    def key_letters(self) -> str:
        return letters_of(self.key)

    def to_bank(self, shown: Iterable[int]) -> tuple[int, ...]:
        """Shown positions as the bank's option positions (what an attempt stores)."""
        return tuple(sorted(self.order[position] for position in shown))

    def from_bank(self, indices: Iterable[int]) -> frozenset[int]:
        return frozenset(self.order.index(index) for index in indices)


def letters_of(positions: Iterable[int]) -> str:
    return "".join(LETTERS[position] for position in sorted(positions))


@dataclass(frozen=True)
class Paper:
    """The questions of one attempt, in the order asked."""

    kind: str  # QUIZ or EXAM
    name: str  # "week 1", "weak", "form 1"
    seed: int
    items: tuple[Item, ...]
    week: int | None = None
    form: int | None = None

    @property
    def title(self) -> str:
        if self.kind == EXAM:
            return f"Mock exam, form {self.form}"
        return "Drill: your weakest task statements" if self.week is None else f"Week {self.week} quiz"


def shuffled(question: Question, rng: random.Random) -> Item:
    order = list(range(len(question.options)))
    rng.shuffle(order)
    return Item(question=question, order=tuple(order))


def _by_id(questions: Iterable[Question]) -> list[Question]:
    return sorted(questions, key=lambda question: question.id)  # the files' order plays no part


def week_questions(bank: Bank, week: int) -> list[Question]:
    return _by_id(question for question in bank.questions if week in question.weeks)


def quiz_paper(bank: Bank, week: int, seed: int, size: int = QUIZ_SIZE) -> Paper:
    """``size`` questions of the week, drawn and shuffled by ``seed``."""
    pool = week_questions(bank, week)
    if not pool:
        raise FormError(f"the question bank has no question for week {week}")
    rng = random.Random(f"quiz {week} {seed}")
    chosen = rng.sample(pool, min(size, len(pool)))
    return Paper(kind=QUIZ, name=f"week {week}", seed=seed, week=week, items=tuple(shuffled(q, rng) for q in chosen))


def paper_of(questions: Sequence[Question], *, name: str, seed: int) -> Paper:
    """A quiz of given questions (the drill), options shuffled by ``seed``."""
    rng = random.Random(f"{name} {seed}")
    return Paper(kind=QUIZ, name=name, seed=seed, items=tuple(shuffled(question, rng) for question in questions))


def allocate(total: int, weights: dict[str, int]) -> dict[str, int]:
    """``total`` split in proportion to ``weights`` by largest remainders, no share above its weight
    (ties go to the first key in sorted order)."""
    whole = sum(weights.values())
    if total > whole:
        raise FormError(f"{total} questions asked of {whole}")
    exact = {key: total * weight / whole for key, weight in weights.items()}
    shares = {key: min(int(value), weights[key]) for key, value in exact.items()}
    by_remainder = sorted(weights, key=lambda key: (-(exact[key] - int(exact[key])), key))
    while sum(shares.values()) < total:
        for key in by_remainder:
            if shares[key] < weights[key] and sum(shares.values()) < total:
                shares[key] += 1
    return shares


def assemble_forms(bank: Bank, seed: int = FORM_SEED, count: int = len(FORMS)) -> tuple[tuple[Question, ...], ...]:
    """``count`` forms by the exam's domain split (see the module's docstring), in bank order of ids."""
    rng = random.Random(f"forms {seed}")
    forms: list[list[Question]] = [[] for _ in range(count)]
    for domain, size in EXAM_SPLIT.items():
        in_domain = _by_id(question for question in bank.questions if question.domain == domain)
        if len(in_domain) < size:
            raise FormError(f"a form needs {size} questions of domain {domain}; the bank has {len(in_domain)}")
        tasks: dict[str, list[Question]] = {}
        for question in in_domain:
            tasks.setdefault(question.task, []).append(question)
        shares = allocate(size, {task: len(questions) for task, questions in tasks.items()})
        for task in sorted(tasks):
            deck = tasks[task]
            rng.shuffle(deck)
            share = shares[task]
            for number, form in enumerate(forms):
                form += [deck[(number * share + offset) % len(deck)] for offset in range(share)]
    return tuple(tuple(_by_id(form)) for form in forms)


def exam_paper(bank: Bank, form: int, seed: int) -> Paper:
    """Form ``form`` (1 or 2), its questions and options in the order ``seed`` gives."""
    if form not in FORMS:
        raise FormError(f"there is no form {form}; the forms are {', '.join(map(str, FORMS))}")
    questions = list(assemble_forms(bank)[form - 1])
    rng = random.Random(f"exam {form} {seed}")
    rng.shuffle(questions)
    return Paper(
        kind=EXAM, name=f"form {form}", seed=seed, form=form, items=tuple(shuffled(question, rng) for question in questions)
    )
