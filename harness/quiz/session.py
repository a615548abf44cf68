"""One sitting of a paper: the answers and flags so far, and the exam's timer.

The timer counts the time the exam is open: each answer saves the time used so far, and `course exam
--resume` continues from it (the clock stops while the exam is closed). When the time used reaches the
limit, an answer is refused (not counted) and the exam is scored with what was answered before.
The clock is injectable: a test passes a function that returns the seconds it wants.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .forms import Paper
from .scoring import Result, score

Clock = Callable[[], float]  # seconds; only differences between readings matter


def clock_text(seconds: float) -> str:
    """Seconds as h:mm:ss."""
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


class TimeUp(Exception):
    """An answer came after the time limit: it is not counted."""


@dataclass
class Sitting:
    paper: Paper
    started_at: str  # ISO 8601, when the attempt began
    limit: float | None = None  # seconds; None: untimed (quizzes)
    answers: dict[int, frozenset[int]] = field(default_factory=dict)
    flagged: set[int] = field(default_factory=set)
    used_before: float = 0.0  # seconds used in earlier openings of this attempt
    clock: Clock = time.monotonic
    opened_at: float = field(init=False)
    late: int = field(default=0, init=False)  # answers refused because time was up

    def __post_init__(self) -> None:
        self.opened_at = self.clock()

    def used(self) -> float:
        """Seconds used so far, never more than the limit."""
        used = self.used_before + max(0.0, self.clock() - self.opened_at)
        return min(used, self.limit) if self.limit is not None else used

    def left(self) -> float | None:
        return None if self.limit is None else max(0.0, self.limit - self.used())

    @property
    def expired(self) -> bool:
        left = self.left()
        return left is not None and left <= 0

    def answer(self, position: int, chosen: frozenset[int]) -> None:
        """Record an answer (an empty set clears it); TimeUp, and nothing recorded, after the limit."""
        if self.expired:
            self.late += 1
            raise TimeUp
        if chosen:
            self.answers[position] = frozenset(chosen)
        else:
            self.answers.pop(position, None)

    def toggle_flag(self, position: int) -> bool:
        """Flag or unflag a question for review; whether it is flagged now."""
        if position in self.flagged:
            self.flagged.discard(position)
            return False
        self.flagged.add(position)
        return True

    @property
    def unanswered(self) -> list[int]:
        return [position for position in range(len(self.paper.items)) if position not in self.answers]

    def result(self) -> Result:
        return score(self.paper, self.answers)
