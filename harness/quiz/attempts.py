"""Quiz and exam attempts, kept in one JSON file beside the grade reports: reports/quiz-attempts.json.

The shape (quizzes/README.md, "Attempts file", documents it for readers of the file):

    {"version": 1,
     "attempts": [ATTEMPT, ...],          # finished attempts, oldest first
     "open_exam": OPEN or null}           # the mock exam in progress, saved after every answer

An ATTEMPT says what was asked and how it went, question by question (options as the bank numbers them,
so a changed shuffle never changes what was chosen); OPEN is what `course exam --resume` needs. The file
is written whole, to a temporary file first and then renamed, so an interrupted write leaves the last good
file; a file that cannot be read is set aside as quiz-attempts.json.unreadable and a new one begun.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .forms import EXAM, Item, Paper
from .model import Bank
from .scoring import PASS_SCALED, Result, scaled_score
from .session import Clock, Sitting

ATTEMPTS_JSON = "quiz-attempts.json"
ATTEMPTS_VERSION = 1
TERMINAL, ANSWERS_FILE = "terminal", "answers file"


class AttemptsError(ValueError):
    """A saved attempt cannot be used (its questions are no longer in the bank)."""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Answered:
    """One question of a finished attempt."""

    id: str
    domain: int
    task: str
    order: tuple[int, ...]  # the bank's option shown at each letter
    chosen: tuple[int, ...]  # the bank's options chosen; empty: unanswered
    right: bool
    flagged: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "domain": self.domain, "task": self.task, "order": list(self.order),
            "chosen": list(self.chosen), "right": self.right, "flagged": self.flagged,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Answered:
        return cls(
            id=str(data["id"]), domain=int(data["domain"]), task=str(data["task"]), order=tuple(data["order"]),
            chosen=tuple(data["chosen"]), right=bool(data["right"]), flagged=bool(data.get("flagged", False)),
        )


@dataclass(frozen=True)
class Attempt:
    kind: str  # "quiz" or "exam"
    name: str  # "week 1", "weak" (the drill), "form 1"
    week: int | None
    form: int | None
    seed: int
    started_at: str
    finished_at: str
    seconds_used: float
    time_limit: float | None
    timed_out: bool
    how: str  # TERMINAL or ANSWERS_FILE
    questions: tuple[Answered, ...]

    @property
    def right(self) -> int:
        return sum(question.right for question in self.questions)

    @property
    def total(self) -> int:
        return len(self.questions)

    @property
    def percent(self) -> float:
        return round(100 * self.right / self.total, 1) if self.total else 0.0

    @property
    def scaled(self) -> int | None:
        return scaled_score(self.right, self.total) if self.kind == EXAM else None

    def to_json(self) -> dict[str, Any]:
        domains: dict[str, dict[str, int]] = {}
        for question in self.questions:
            tally = domains.setdefault(str(question.domain), {"right": 0, "questions": 0})
            tally["right"] += question.right
            tally["questions"] += 1
        scaled = self.scaled
        return {
            "kind": self.kind, "name": self.name, "week": self.week, "form": self.form, "seed": self.seed,
            "started_at": self.started_at, "finished_at": self.finished_at,
            "seconds_used": round(self.seconds_used, 1), "time_limit": self.time_limit,
            "timed_out": self.timed_out, "how": self.how,
            "score": {
                "right": self.right, "questions": self.total, "percent": self.percent, "scaled": scaled,
                "passed": None if scaled is None else scaled >= PASS_SCALED,
            },
            "domains": dict(sorted(domains.items())),
            "questions": [question.to_json() for question in self.questions],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Attempt:
        return cls(
            kind=str(data["kind"]), name=str(data["name"]), week=data.get("week"), form=data.get("form"),
            seed=int(data["seed"]), started_at=str(data["started_at"]), finished_at=str(data["finished_at"]),
            seconds_used=float(data.get("seconds_used", 0)), time_limit=data.get("time_limit"),
            timed_out=bool(data.get("timed_out", False)), how=str(data.get("how", TERMINAL)),
            questions=tuple(Answered.from_json(question) for question in data["questions"]),
        )


def finished(sitting: Sitting, result: Result, *, how: str, finished_at: str | None = None) -> Attempt:
    paper = sitting.paper
    questions = tuple(
        Answered(
            id=item.id, domain=item.question.domain, task=item.question.task, order=item.order,
            chosen=item.to_bank(sitting.answers.get(position, ())), right=result.right[position],
            flagged=position in sitting.flagged,
        )
        for position, item in enumerate(paper.items)
    )
    return Attempt(
        kind=paper.kind, name=paper.name, week=paper.week, form=paper.form, seed=paper.seed,
        started_at=sitting.started_at, finished_at=finished_at or now(), seconds_used=sitting.used(),
        time_limit=sitting.limit, timed_out=sitting.expired or sitting.late > 0, how=how, questions=questions,
    )


def open_record(sitting: Sitting) -> dict[str, Any]:
    """What `course exam --resume` needs: the paper as shown, the answers and flags, the time used."""
    paper = sitting.paper
    return {
        "form": paper.form, "seed": paper.seed, "started_at": sitting.started_at,
        "seconds_used": round(sitting.used(), 1), "time_limit": sitting.limit,
        "questions": [
            {
                "id": item.id, "order": list(item.order), "chosen": list(item.to_bank(sitting.answers.get(position, ()))),
                "flagged": position in sitting.flagged,
            }
            for position, item in enumerate(paper.items)
        ],
    }


def reopen(record: dict[str, Any], bank: Bank, clock: Clock) -> Sitting:
    """The sitting an open record describes, its timer continuing from the time used."""
    items, answers, flagged = [], {}, set()
    for position, entry in enumerate(record["questions"]):
        try:
            question = bank.get(entry["id"])
        except KeyError:
            raise AttemptsError(f"question {entry['id']} of the saved exam is no longer in the bank") from None
        order = tuple(entry["order"])
        if sorted(order) != list(range(len(question.options))):
            raise AttemptsError(f"question {entry['id']} of the saved exam has changed options since")
        item = Item(question=question, order=order)
        items.append(item)
        if entry.get("chosen"):
            answers[position] = item.from_bank(entry["chosen"])
        if entry.get("flagged"):
            flagged.add(position)
    form = record["form"]
    paper = Paper(kind=EXAM, name=f"form {form}", seed=int(record["seed"]), form=form, items=tuple(items))
    return Sitting(
        paper=paper, started_at=str(record["started_at"]), limit=record.get("time_limit"), answers=answers,
        flagged=flagged, used_before=float(record.get("seconds_used", 0)), clock=clock,
    )


class AttemptStore:
    """reports/quiz-attempts.json (or ATTEMPTS_JSON in another report directory)."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / ATTEMPTS_JSON

    def _read(self) -> dict[str, Any]:
        empty: dict[str, Any] = {"version": ATTEMPTS_VERSION, "attempts": [], "open_exam": None}
        if not self.path.exists():
            return empty
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            data = None
        if not isinstance(data, dict) or data.get("version") != ATTEMPTS_VERSION or not isinstance(data.get("attempts"), list):
            self.path.replace(self.path.with_name(ATTEMPTS_JSON + ".unreadable"))
            return empty
        return data

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{ATTEMPTS_JSON}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        os.replace(temporary, self.path)

    def attempts(self) -> list[Attempt]:
        found = []
        for entry in self._read()["attempts"]:
            try:
                found.append(Attempt.from_json(entry))
            except (KeyError, TypeError, ValueError):
                continue  # an entry this version cannot read is kept in the file, left out here
        return found

    def open_exam(self) -> dict[str, Any] | None:
        record = self._read().get("open_exam")
        return record if isinstance(record, dict) else None

    def save_open(self, sitting: Sitting) -> None:
        data = self._read()
        data["open_exam"] = open_record(sitting)
        self._write(data)

    def drop_open(self) -> None:
        data = self._read()
        if data.get("open_exam") is not None:
            data["open_exam"] = None
            self._write(data)

    def add(self, attempt: Attempt, *, closes_open_exam: bool = False) -> None:
        data = self._read()
        data["attempts"].append(attempt.to_json())
        if closes_open_exam:
            data["open_exam"] = None
        self._write(data)
