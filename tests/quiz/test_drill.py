"""`course quiz --weak`: the task statements missed most and most recently, and which of their questions
come back first."""

from __future__ import annotations

from harness.quiz import Bank
from harness.quiz.attempts import Answered, Attempt
from harness.quiz.drill import DRILL_SIZE, RECENCY, WEAK_TASKS, drill_questions, weaknesses


def attempt(*answers: tuple[str, str, bool]) -> Attempt:
    return Attempt(
        kind="quiz", name="week 1", week=1, form=None, seed=1, started_at="2026-06-01T10:00:00+00:00",
        finished_at="2026-06-01T10:10:00+00:00", seconds_used=0, time_limit=None, timed_out=False, how="terminal",
        questions=tuple(
            Answered(id=qid, domain=int(task[0]), task=task, order=(0, 1, 2, 3), chosen=(), right=right)
            for qid, task, right in answers
        ),
    )


def test_nothing_missed_gives_no_drill(bank: Bank) -> None:
    assert weaknesses([]) == [] and drill_questions(bank, [], seed=1) == []
    assert drill_questions(bank, [attempt(("w1-x", "1.3", True))], seed=1) == []


def test_misses_weigh_more_when_recent_and_right_answers_pay_some_back() -> None:
    old = attempt(("w1-a", "2.1", False), ("w1-b", "2.1", False))
    new = attempt(("w1-c", "1.2", False), ("w1-d", "1.2", False), ("w1-e", "3.3", False), ("w1-f", "3.3", True))
    found = {w.task: w for w in weaknesses([old, new])}
    assert found["1.2"].weight == 2.0  # two misses in the latest attempt
    assert abs(found["2.1"].weight - 2 * RECENCY) < 1e-9  # the same two misses, one attempt older
    assert found["3.3"].weight == 0.5 and (found["3.3"].missed, found["3.3"].answered) == (1, 2)
    assert [w.task for w in weaknesses([old, new])] == ["1.2", "2.1", "3.3"]
    # answered right since: the task statement is no longer weak
    assert "3.3" not in {w.task for w in weaknesses([old, new, attempt(("w1-e", "3.3", True))])}


def test_the_drill_is_short_and_shares_questions_among_the_weakest_task_statements(bank: Bank) -> None:
    one = next(q for q in bank.questions if q.task == "2.1")
    history = [
        attempt(("x1", "4.3", False)),
        attempt((one.id, "2.1", False), ("x2", "2.1", False), ("x3", "2.1", False), ("x4", "1.1", False), ("x5", "3.2", False)),
    ]
    questions = drill_questions(bank, history, seed=1)
    assert len(questions) == DRILL_SIZE
    tasks = [q.task for q in questions]
    assert set(tasks) == {"2.1", "1.1", "3.2"} and len(set(tasks)) == WEAK_TASKS  # 4.3 is fourth: left out
    assert tasks.count("2.1") > tasks.count("1.1")
    assert questions[0] == one  # the question missed comes back first
    assert drill_questions(bank, history, seed=1) == questions


def test_a_question_answered_right_comes_after_unseen_ones(bank: Bank) -> None:
    pool = sorted((q for q in bank.questions if q.task == "4.3"), key=lambda q: q.id)
    history = [attempt(*[(q.id, "4.3", True) for q in pool[:3]], ("x", "4.3", False), ("y", "4.3", False))]
    questions = drill_questions(bank, history, seed=2)
    unseen = len(pool) - 3
    assert len(questions) == DRILL_SIZE > unseen
    assert {q.id for q in questions[:unseen]}.isdisjoint({q.id for q in pool[:3]})  # every unseen one first
