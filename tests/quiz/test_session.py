"""One sitting: the exam's timer on a fake clock (no test waits), answers after the deadline not counted,
and an interrupted exam saved and resumed with its answers, flags and time."""

from __future__ import annotations

import json

import pytest
from engine_support import FakeClock

from harness.quiz import Bank
from harness.quiz.attempts import AttemptsError, AttemptStore, finished, reopen
from harness.quiz.forms import exam_paper
from harness.quiz.scoring import TIME_LIMIT
from harness.quiz.session import Sitting, TimeUp


def exam(bank: Bank, clock: FakeClock, seed: int = 1) -> Sitting:
    return Sitting(paper=exam_paper(bank, 1, seed), started_at="2026-06-01T10:00:00+00:00", limit=TIME_LIMIT, clock=clock)


def test_the_timer_counts_down_130_minutes(bank: Bank, clock: FakeClock) -> None:
    sitting = exam(bank, clock)
    assert TIME_LIMIT == 130 * 60 and sitting.left() == TIME_LIMIT
    clock.advance(600)
    assert sitting.used() == 600 and sitting.left() == TIME_LIMIT - 600 and not sitting.expired


def test_an_answer_after_the_deadline_is_not_counted(bank: Bank, clock: FakeClock) -> None:
    sitting = exam(bank, clock)
    first, second = sitting.paper.items[:2]
    sitting.answer(0, first.key)
    clock.advance(TIME_LIMIT - 1)
    sitting.answer(1, second.key)  # one second left: counted
    clock.advance(2)
    assert sitting.expired and sitting.left() == 0 and sitting.used() == TIME_LIMIT
    with pytest.raises(TimeUp):
        sitting.answer(2, sitting.paper.items[2].key)
    with pytest.raises(TimeUp):
        sitting.answer(0, frozenset())  # nor can an answer be taken back
    result = sitting.result()
    assert result.correct == 2 and 2 not in result.answers and sitting.late == 2


def test_a_timed_out_attempt_is_recorded_as_such(bank: Bank, clock: FakeClock, tmp_path) -> None:
    sitting = exam(bank, clock)
    clock.advance(TIME_LIMIT + 5)
    attempt = finished(sitting, sitting.result(), how="terminal")
    assert attempt.timed_out and attempt.seconds_used == TIME_LIMIT and attempt.scaled == 100


def test_an_interrupted_exam_resumes_with_its_answers_flags_and_time(bank: Bank, clock: FakeClock, tmp_path) -> None:
    store = AttemptStore(tmp_path)
    sitting = exam(bank, clock, seed=7)
    items = sitting.paper.items
    sitting.answer(0, items[0].key)
    sitting.answer(3, frozenset({0}))
    sitting.toggle_flag(3)
    clock.advance(1800)
    store.save_open(sitting)

    later = FakeClock()  # another process: its clock reads something else entirely
    later.now = 5.0
    resumed = reopen(store.open_exam(), bank, later)
    assert resumed.paper == sitting.paper
    assert resumed.answers == sitting.answers and resumed.flagged == {3}
    assert resumed.used() == 1800 and resumed.left() == TIME_LIMIT - 1800
    later.advance(TIME_LIMIT - 1800)
    assert resumed.expired  # the clock continued from where it stopped, not from the start


def test_the_open_exam_stores_bank_options_so_letters_come_back_the_same(bank: Bank, clock: FakeClock, tmp_path) -> None:
    store = AttemptStore(tmp_path)
    sitting = exam(bank, clock, seed=2)
    item = sitting.paper.items[5]
    sitting.answer(5, item.key)
    store.save_open(sitting)
    saved = json.loads(store.path.read_text())["open_exam"]["questions"][5]
    assert saved["id"] == item.id and saved["order"] == list(item.order)
    assert saved["chosen"] == list(item.question.keys)  # the bank's positions, not the letters shown


def test_a_saved_exam_whose_question_left_the_bank_cannot_resume(bank: Bank, clock: FakeClock, tmp_path) -> None:
    store = AttemptStore(tmp_path)
    store.save_open(exam(bank, clock))
    record = store.open_exam()
    record["questions"][0]["id"] = "w1-gone"
    with pytest.raises(AttemptsError, match="w1-gone"):
        reopen(record, bank, clock)


def test_finishing_records_the_attempt_and_closes_the_open_exam(bank: Bank, clock: FakeClock, tmp_path) -> None:
    store = AttemptStore(tmp_path)
    sitting = exam(bank, clock)
    store.save_open(sitting)
    for position, item in enumerate(sitting.paper.items):
        sitting.answer(position, item.key)
    store.add(finished(sitting, sitting.result(), how="terminal"), closes_open_exam=True)
    assert store.open_exam() is None
    (attempt,) = store.attempts()
    assert attempt.scaled == 1000 and attempt.form == 1 and attempt.seed == 1 and attempt.total == 65
    data = json.loads(store.path.read_text())
    assert data["version"] == 1 and data["attempts"][0]["score"] == {
        "right": 65, "questions": 65, "percent": 100.0, "scaled": 1000, "passed": True,
    }
    assert data["attempts"][0]["domains"]["1"] == {"right": 21, "questions": 21}


def test_an_unreadable_attempts_file_is_set_aside_not_lost(tmp_path) -> None:
    store = AttemptStore(tmp_path)
    store.path.write_text("{broken", encoding="utf-8")
    assert store.attempts() == []
    assert (tmp_path / "quiz-attempts.json.unreadable").read_text() == "{broken"
