"""A failing lab check names the exam topic it trains: the task statements of the bank's questions whose
`check:` references name it, found by a fast scan that must agree with the loader."""

from __future__ import annotations

from pathlib import Path

from bank_support import single, write_bank
from support import REPO

from harness.quiz import Bank
from harness.quiz.topics import BANK_DIR, scan, topic_line
from harness.scoreboard import render

LAB2_DLQ = "test_a_failing_message_moves_to_the_dlq_after_3_receives"


def by_loader(bank: Bank) -> dict[str, tuple[str, ...]]:
    found: dict[str, set[str]] = {}
    for question in bank.questions:
        for check in question.checks:
            found.setdefault(check.id, set()).add(question.task)
    return {check: tuple(sorted(tasks)) for check, tasks in found.items()}


def test_the_scan_finds_what_the_loader_finds_in_the_whole_bank(bank: Bank) -> None:
    assert scan(REPO / BANK_DIR) == by_loader(bank)


def test_the_scan_reads_quoted_task_statements_and_lists_of_references(tmp_path: Path) -> None:
    question = single("w1-a", task="2.1")
    question["references"].append({"check": "lab3:test_one"})
    write_bank(tmp_path, {"week1.yaml": [question, single("w1-b", task="1.2")]})
    assert scan(tmp_path) == {"lab3:test_one": ("2.1",)}


def test_a_check_the_bank_cites_names_its_task_statements(bank: Bank) -> None:
    tasks = by_loader(bank)[f"lab2:{LAB2_DLQ}"]
    line = topic_line("lab2", LAB2_DLQ)
    assert line is not None and all(task in line for task in tasks)
    assert line.startswith("Exam topic: " if len(tasks) == 1 else "Exam topics: ")
    assert topic_line("lab2", f"{LAB2_DLQ}[param]") == line  # a parametrized check is the same check
    assert topic_line("lab2", "test_nothing_cites_this") is None


def report_failing(exercise_id: str, check_id: str) -> dict:
    check = {
        "id": check_id, "title": "a check", "outcome": "failed", "points": 0, "max": 2, "message": "Expected x, got y.",
        "hint": "Look at z.", "read": "labs/lab2_events/README.md, step 4", "duration": 0.1,
    }
    exercise = {
        "id": exercise_id, "title": "Lab 2", "week": 1, "folder": "labs/lab2_events", "domain": "1", "optional": False,
        "declared_points": 2, "points": 0, "max": 2, "percent": 0, "status": "in progress", "not_graded": 0,
        "errors": [], "checks": [check],
    }
    return {
        "course": {"name": "Course"}, "backend": {"name": "moto", "chosen_by": "default"}, "harness_errors": [],
        "totals": {"points": 0, "max": 2, "percent": 0, "checks": 1, "passed": 0, "not_graded": 0},
        "exercises": [exercise],
    }


def test_the_scoreboard_shows_the_exam_topic_under_a_failing_check(bank: Bank) -> None:
    text = render(report_failing("lab2", LAB2_DLQ), color=False, width=200, report_dir="reports")
    read = next(i for i, line in enumerate(text.splitlines()) if line.startswith("Read: "))
    assert text.splitlines()[read + 1] == topic_line("lab2", LAB2_DLQ)
    other = render(report_failing("lab2", "test_nothing_cites_this"), color=False, width=200, report_dir="reports")
    assert "Exam topic" not in other
