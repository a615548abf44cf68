"""Scoring an attempt: all or nothing per question, a scaled score for the mock exam, a breakdown by domain.

The scaled score (quizzes/README.md, "Scoring"): every question of the form counts (the real exam scores 50
of its 65 and does not say which), and the raw share of right answers maps linearly onto 100-1000:

    scaled = 100 + 900 * right / questions, rounded to the nearest whole number (a half rounds up)

so a blank attempt scores 100 and every question right 1000. The pass mark is the exam's, 720: with 65
questions that is 45 right (69.2 %). A domain "meets" the mark when its own share of right answers is at
least the pass share, (720 - 100) / 900 = 68.9 %; the exam, like the real one, is compensatory: only the
total decides the pass.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from ..manifest import EXAM_DOMAINS
from .forms import Item, Paper
from .model import TASKS

TIME_LIMIT = 130 * 60  # seconds: the exam's 130 minutes
MIN_SCALED, MAX_SCALED, PASS_SCALED = 100, 1000, 720
PASS_SHARE = (PASS_SCALED - MIN_SCALED) / (MAX_SCALED - MIN_SCALED)

Answers = Mapping[int, frozenset[int]]  # item position in the paper -> the shown positions chosen


def is_right(item: Item, chosen: frozenset[int] | None) -> bool:
    """All or nothing: exactly the key's options, no more and no fewer."""
    return chosen is not None and chosen == item.key


def scaled_score(right: int, questions: int) -> int:
    if questions <= 0:
        return MIN_SCALED
    return math.floor(MIN_SCALED + (MAX_SCALED - MIN_SCALED) * right / questions + 0.5)


@dataclass(frozen=True)
class Tally:
    """Right answers out of questions, for a domain or a task statement."""

    key: str  # "2" for a domain, "2.1" for a task statement
    name: str
    right: int
    questions: int

    @property
    def percent(self) -> float:
        return round(100 * self.right / self.questions, 1) if self.questions else 0.0

    @property
    def meets(self) -> bool:
        return self.questions > 0 and self.right / self.questions >= PASS_SHARE


@dataclass(frozen=True)
class Result:
    paper: Paper
    answers: dict[int, frozenset[int]]
    right: tuple[bool, ...]  # per item, in the paper's order

    @property
    def correct(self) -> int:
        return sum(self.right)

    @property
    def total(self) -> int:
        return len(self.paper.items)

    @property
    def percent(self) -> float:
        return round(100 * self.correct / self.total, 1) if self.total else 0.0

    @property
    def scaled(self) -> int:
        return scaled_score(self.correct, self.total)

    @property
    def passed(self) -> bool:
        return self.scaled >= PASS_SCALED

    @property
    def missed(self) -> list[int]:
        """Positions of the items not answered right (unanswered ones included)."""
        return [position for position, right in enumerate(self.right) if not right]

    @property
    def domains(self) -> list[Tally]:
        return [
            _tally(str(domain), name, [(item, right) for item, right in self._pairs() if item.question.domain == domain])
            for domain, name in EXAM_DOMAINS.items()
        ]

    @property
    def tasks(self) -> list[Tally]:
        return [
            _tally(task, title, [(item, right) for item, right in self._pairs() if item.question.task == task])
            for task, title in TASKS.items()
        ]

    def _pairs(self) -> list[tuple[Item, bool]]:
        return list(zip(self.paper.items, self.right))


def _tally(key: str, name: str, pairs: list[tuple[Item, bool]]) -> Tally:
    return Tally(key=key, name=name, right=sum(right for _, right in pairs), questions=len(pairs))


def score(paper: Paper, answers: Answers) -> Result:
    kept = {position: frozenset(chosen) for position, chosen in answers.items() if 0 <= position < len(paper.items)}
    right = tuple(is_right(item, kept.get(position)) for position, item in enumerate(paper.items))
    return Result(paper=paper, answers=kept, right=right)
