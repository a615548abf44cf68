"""`course quiz --weak`: a short drill on the task statements missed most, a simple spaced repetition.

Every answer in the stored attempts (quizzes, drills and exams) weighs RECENCY ** age, where age is the
number of attempts finished after its own (the latest attempt's answers weigh 1, the one before 0.8, ...).
A task statement's weakness is the weight of its misses (unanswered counts as missed) less RIGHT_CREDIT
times the weight of its right answers; the drill takes the WEAK_TASKS weakest (weakness above 0) and shares
DRILL_SIZE questions among them in proportion to their weakness, at least one each. Within a task statement
it asks first the questions missed most and most recently, then questions not seen yet, and last the ones
answered right (longest ago first), so a question answered right comes back later rather than at once.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from .attempts import Attempt
from .model import TASKS, Bank, Question

RECENCY = 0.8
RIGHT_CREDIT = 0.5
WEAK_TASKS = 3
DRILL_SIZE = 8
UNSEEN = 0.25  # the priority of a question never asked: after those missed, before those answered right


@dataclass(frozen=True)
class Weakness:
    task: str
    weight: float
    missed: int  # misses across the stored attempts
    answered: int  # times asked across them

    @property
    def title(self) -> str:
        return TASKS.get(self.task, "")


def _weighted(attempts: Sequence[Attempt]) -> list[tuple[str, str, bool, float]]:
    """(question id, task, right, weight) for every answer, newest attempts weighing most."""
    found = []
    for index, attempt in enumerate(attempts):
        weight = RECENCY ** (len(attempts) - 1 - index)
        found += [(question.id, question.task, question.right, weight) for question in attempt.questions]
    return found


def _value(right: bool, weight: float) -> float:
    return -RIGHT_CREDIT * weight if right else weight


def weaknesses(attempts: Sequence[Attempt]) -> list[Weakness]:
    """The task statements with a weakness above 0, weakest first."""
    tally: dict[str, list[float]] = {}
    for _, task, right, weight in _weighted(attempts):
        entry = tally.setdefault(task, [0.0, 0, 0])
        entry[0] += _value(right, weight)
        entry[1] += not right
        entry[2] += 1
    found = [Weakness(task, weight, int(missed), int(asked)) for task, (weight, missed, asked) in tally.items()]
    return sorted((w for w in found if w.weight > 1e-9), key=lambda w: (-w.weight, w.task))


def _shares(size: int, weights: dict[str, float], available: dict[str, int]) -> dict[str, int]:
    """size split by weight (largest remainders), at least one each, none above what is available."""
    shares = {task: min(1, available[task]) for task in weights}
    total = sum(weights.values())
    while sum(shares.values()) < min(size, sum(available.values())):
        # the task furthest below its proportional share gets the next question
        open_tasks = sorted(task for task in weights if shares[task] < available[task])
        task = max(open_tasks, key=lambda t: size * weights[t] / total - shares[t])  # first of equals wins
        shares[task] += 1
    return shares


def drill_questions(bank: Bank, attempts: Sequence[Attempt], seed: int, size: int = DRILL_SIZE) -> list[Question]:
    """The drill's questions, weakest task statement first; empty when nothing was missed."""
    weak = weaknesses(attempts)[:WEAK_TASKS]
    pools = {w.task: sorted((q for q in bank.questions if q.task == w.task), key=lambda q: q.id) for w in weak}
    weak = [w for w in weak if pools[w.task]]
    if not weak:
        return []
    priority: dict[str, float] = {}
    for question_id, _, right, weight in _weighted(attempts):
        priority[question_id] = priority.get(question_id, 0.0) + _value(right, weight)
    shares = _shares(size, {w.task: w.weight for w in weak}, {w.task: len(pools[w.task]) for w in weak})
    rng = random.Random(f"weak {seed}")
    chosen: list[Question] = []
    for w in weak:
        pool = pools[w.task]
        rng.shuffle(pool)  # breaks ties between equal priorities
        pool.sort(key=lambda q: -priority.get(q.id, UNSEEN))
        chosen += pool[: shares[w.task]]
    return chosen
