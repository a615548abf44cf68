"""Sharing exam practice: `course quiz --share` writes quizzes/results.json from the stored attempts, and the
grading run reads it into the report's `practice` section, self-reported, its numbers recomputed, and a file
it cannot use turned into a stated problem (never a crash, never a grade)."""

from __future__ import annotations

import json
import os
import re
from io import StringIO
from pathlib import Path

import jsonschema
import pytest
from support import REPO

from harness.cli import build_parser
from harness.quiz.attempts import ANSWERS_FILE, TERMINAL, Answered, Attempt, AttemptStore
from harness.quiz.commands import NOTHING_TO_SHARE, run
from harness.quiz.forms import EXAM, QUIZ
from harness.quiz.practice import MAX_BYTES, SHARED_RESULTS, read_practice
from harness.quiz.scoring import scaled_score
from harness.quiz.share import share, summary
from harness.quiz.summary import NOT_SHARED, status_lines

SCHEMA = json.loads((REPO / "harness" / "report.schema.json").read_text())
PRACTICE_SCHEMA = {"$defs": SCHEMA["$defs"], **SCHEMA["properties"]["practice"]}
EARLY, LATER, FUTURE = "2025-03-01T10:00:00+00:00", "2025-03-08T10:00:00+00:00", "2099-01-01T00:00:00+00:00"


def attempt(kind: str, answers: list[tuple[str, int, bool]], *, week: int | None = None, form: int | None = None,
            how: str = TERMINAL, at: str = EARLY) -> Attempt:
    """An attempt whose questions are (id, domain, right)."""
    questions = tuple(
        Answered(id=qid, domain=domain, task=f"{domain}.1", order=(0, 1, 2, 3), chosen=(0,), right=right)
        for qid, domain, right in answers
    )
    name = f"form {form}" if kind == EXAM else "weak" if week is None else f"week {week}"
    return Attempt(
        kind=kind, name=name, week=week, form=form, seed=1, started_at=at, finished_at=at, seconds_used=60.0,
        time_limit=None, timed_out=False, how=how, questions=questions,
    )


WEEK1_FIRST = attempt(QUIZ, [("a", 1, True), ("b", 1, True), ("c", 2, True), ("d", 2, False)], week=1)
WEEK1_SECOND = attempt(QUIZ, [("a", 1, False), ("b", 1, True), ("c", 2, True), ("d", 2, False)], week=1, at=LATER)
WEEK1_KEYED = attempt(QUIZ, [("a", 1, True), ("b", 1, True), ("c", 2, True), ("d", 2, True)], week=1, how=ANSWERS_FILE)
EXAM1 = attempt(EXAM, [(f"e{n}", 3, n < 7) for n in range(10)], form=1, at=LATER)  # 7 of 10
DRILL = attempt(QUIZ, [("d", 2, True), ("a", 1, False)], at=LATER)  # the weak drill: no week
ATTEMPTS = [WEEK1_FIRST, WEEK1_SECOND, WEEK1_KEYED, EXAM1, DRILL]


def shared_file(root: Path, attempts: list[Attempt] = ATTEMPTS) -> Path:
    path = share(root, attempts)
    assert path == root / SHARED_RESULTS
    return path


def edit(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


# ------------------------------------------------------------------------------------------ the summary


def test_the_summary_keeps_terminal_attempts_best_and_latest_and_the_latest_answer_per_question() -> None:
    shared = summary(ATTEMPTS, shared_at=LATER)
    (week1,) = shared["quizzes"]
    assert week1 == {
        "week": 1, "attempts": 2,  # the answers-file attempt with every question right is left out
        "best": {"right": 3, "questions": 4, "finished_at": EARLY},
        "latest": {"right": 2, "questions": 4, "finished_at": LATER},
    }
    assert shared["exams"] == [{"form": 1, "attempts": 1, "best": {"right": 7, "questions": 10, "finished_at": LATER},
                                "latest": {"right": 7, "questions": 10, "finished_at": LATER}}]
    # a: wrong last (the drill); b: right; c: right; d: right last (the drill); e0-e6 right, e7-e9 wrong
    assert shared["domains"] == [
        {"domain": 1, "questions": 2, "right": 1}, {"domain": 2, "questions": 2, "right": 2},
        {"domain": 3, "questions": 10, "right": 7},
    ]
    assert "self-reported" in shared["about"] and "answers" not in json.dumps(shared["quizzes"])


# --------------------------------------------------------------------------------- read into the report


def test_the_shared_file_becomes_a_report_section_with_every_number_computed_by_the_course(tmp_path: Path) -> None:
    assert read_practice(tmp_path) is None  # nothing shared
    path = shared_file(tmp_path)
    section = read_practice(tmp_path)
    jsonschema.validate(section, PRACTICE_SCHEMA)
    assert section["self_reported"] is True and section["source"] == SHARED_RESULTS and "problem" not in section
    assert section["quizzes"][0]["best"]["percent"] == 75.0 and section["quizzes"][0]["latest"]["percent"] == 50.0
    exam = section["exams"][0]["best"]
    assert (exam["scaled"], exam["passed"]) == (scaled_score(7, 10), True) == (730, True)
    ready = {d["domain"]: (d["percent"], d["meets"]) for d in section["domains"]}
    assert ready == {1: (50.0, False), 2: (100.0, True), 3: (70.0, True)}
    # Percentages and scaled scores typed into the file change nothing: only the counts are read.
    def inflate(data: dict) -> None:
        data["exams"][0]["best"].update(scaled=1000, percent=100, passed=True)
        data["quizzes"][0]["best"]["percent"] = 100
    edit(path, inflate)
    assert read_practice(tmp_path) == section


def bump(key: str, value: object):
    def change(data: dict) -> None:
        data["quizzes"][0]["best"][key] = value
    return change


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (bump("right", 5), "quizzes[0].best.right must be a whole number from 0 to 4"),
        (bump("right", True), "quizzes[0].best.right must be a whole number"),
        (bump("right", 2.5), "quizzes[0].best.right must be a whole number"),
        (bump("finished_at", "2025-03-01 10:00"), "quizzes[0].best.finished_at must be a date and time with its offset"),
        (lambda d: d["quizzes"][0]["best"].update(right=1), "quizzes[0].best scores lower than quizzes[0].latest"),
        (lambda d: d["quizzes"][0].update(week=9), "quizzes[0].week must be a whole number from 0 to 5"),
        (lambda d: d["quizzes"].append(dict(d["quizzes"][0])), "week 1 is listed twice"),
        (lambda d: d["exams"][0].update(form=3), "exams[0].form must be a whole number from 1 to 2"),
        (lambda d: d["domains"][0].update(right=3), "domains[0].right must be a whole number from 0 to 2"),
        (lambda d: d.update(domains={"1": 2}), "domains must be a list of objects"),
        (lambda d: d.update(shared_at=None), "shared_at must be a date and time"),
        (lambda d: d.update(version=2), "it is not version 1 of the 'course-quiz-results' format"),
        (lambda d: d.clear(), "it is not version 1"),
    ],
)
def test_a_file_that_cannot_be_used_is_a_section_saying_why(tmp_path: Path, change, problem: str) -> None:
    edit(shared_file(tmp_path), change)
    section = read_practice(tmp_path)
    assert section is not None and section["problem"].startswith(problem), section
    assert "`course quiz --share` writes it again" in section["problem"]
    assert (section["quizzes"], section["exams"], section["domains"], section["shared_at"]) == ([], [], [], None)
    jsonschema.validate(section, PRACTICE_SCHEMA)


def test_text_that_is_not_json_or_too_large_is_refused_without_being_repeated(tmp_path: Path) -> None:
    path = shared_file(tmp_path)
    path.write_text("secret words {")
    problem = read_practice(tmp_path)["problem"]
    assert problem.startswith("it is not JSON") and "secret" not in problem
    path.write_text(" " * MAX_BYTES + "{}")
    assert read_practice(tmp_path)["problem"].startswith("it is larger than 64 kB")
    path.write_text("[" * (MAX_BYTES - 1))  # deeper than Python's recursion limit
    assert read_practice(tmp_path)["problem"].startswith("it is not JSON")


def test_a_link_a_fifo_or_a_folder_is_not_read_and_nothing_blocks(tmp_path: Path) -> None:
    outside = shared_file(tmp_path / "elsewhere")
    root = tmp_path / "course"
    (root / "quizzes").mkdir(parents=True)
    (root / SHARED_RESULTS).symlink_to(outside)
    assert "symbolic link" in read_practice(root)["problem"]
    (root / SHARED_RESULTS).unlink()
    (root / "quizzes").rmdir()
    (root / "quizzes").symlink_to(outside.parent)  # the folder is the link
    assert "outside the repository" in read_practice(root)["problem"]
    (root / "quizzes").unlink()
    (root / "quizzes").mkdir()
    os.mkfifo(root / SHARED_RESULTS)  # opening it for reading would wait for a writer
    assert read_practice(root)["problem"].startswith("it is not a regular file")
    (root / SHARED_RESULTS).unlink()
    (root / SHARED_RESULTS).mkdir()
    assert read_practice(root)["problem"].startswith("it is not a regular file")


# ----------------------------------------------------------------------- course quiz --share, course status


def share_command(root: Path, reports: Path) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    code = run(build_parser().parse_args(["quiz", "--share", "--report-dir", str(reports)]), course_root=root, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_share_writes_the_file_to_commit_and_says_what_it_left_out(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    store = AttemptStore(reports)
    store.add(WEEK1_KEYED)
    code, out, _ = share_command(tmp_path, reports)
    assert code == 0 and not (tmp_path / SHARED_RESULTS).exists()
    assert out.strip() == NOTHING_TO_SHARE.format(path="reports/quiz-attempts.json", left_out=" (1 answered from a file are left out)")
    for taken in (WEEK1_FIRST, EXAM1):
        store.add(taken)
    code, out, _ = share_command(tmp_path, reports)
    assert code == 0, out
    assert out.startswith(f"Wrote {SHARED_RESULTS}: the quizzes of 1 week(s), 1 mock exam form(s), readiness in 3 exam domain(s), "
                          "from 2 attempt(s) answered in the terminal (1 answered from a file are left out).")
    assert f"git add {SHARED_RESULTS} && git commit" in out and "never part of your grade" in out
    section = read_practice(tmp_path)
    assert [q["week"] for q in section["quizzes"]] == [1] and section["exams"][0]["best"]["right"] == 7


def test_share_with_a_week_is_refused() -> None:
    out, err = StringIO(), StringIO()
    code = run(build_parser().parse_args(["quiz", "1", "--share"]), course_root=REPO, out=out, err=err)
    assert code == 2 and "not WEEK and --share" in err.getvalue()


def test_status_says_whether_the_results_are_shared_and_how_many_attempts_came_since(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    store = AttemptStore(reports)
    store.add(WEEK1_FIRST)
    lines = status_lines(reports, "reports", tmp_path)
    assert lines[-1] == NOT_SHARED.format(path=SHARED_RESULTS)
    share(tmp_path, store.attempts())
    assert re.match(rf"  Shared with your instructor: {SHARED_RESULTS}, on \d{{4}}-\d\d-\d\d \d\d:\d\d UTC\.$", status_lines(reports, "reports", tmp_path)[-1])
    store.add(attempt(QUIZ, [("a", 1, True)], week=2, at=FUTURE))
    store.add(attempt(QUIZ, [("a", 1, True)], week=2, at=FUTURE, how=ANSWERS_FILE))  # not shared, so not counted
    assert status_lines(reports, "reports", tmp_path)[-1].endswith(
        "; 1 attempt(s) since: `course quiz --share` again, then commit and push"
    )
    (tmp_path / SHARED_RESULTS).write_text("{")
    assert status_lines(reports, "reports", tmp_path)[-1].startswith(f"  {SHARED_RESULTS} cannot be used: it is not JSON")
