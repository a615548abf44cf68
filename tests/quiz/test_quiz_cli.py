"""`course quiz` and `course exam` without a terminal, as instructors and scripts run them: answers from a
file or standard input, the key, the export, `course status`'s section, and the loops driven by a script."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from engine_support import FakeClock, course
from support import REPO

from harness.cli import build_parser
from harness.quiz import Bank
from harness.quiz.attempts import AttemptStore
from harness.quiz.commands import NO_MISSES, run
from harness.quiz.export import EXPORT_FORMAT, EXPORT_VERSION
from harness.quiz.forms import exam_paper, quiz_paper
from harness.quiz.references import check_titles
from harness.quiz.scoring import TIME_LIMIT
from harness.quiz.summary import NO_ATTEMPTS
from harness.quiz.ui import LATE_ANSWER, TIME_UP

SCALED = re.compile(r"\): (\d+) / 1000, (PASS|FAIL)")


def scaled(output: str) -> int:
    found = SCALED.search(output)
    assert found, output[-2000:]
    return int(found.group(1))


def test_the_keys_of_form_1_seed_1_score_1000(tmp_path: Path) -> None:
    key = course("exam", "--seed", "1", "--key", "--report-dir", str(tmp_path))
    assert key.returncode == 0, key.stderr
    (tmp_path / "key.txt").write_text(key.stdout)
    done = course("exam", "--seed", "1", "--answers", str(tmp_path / "key.txt"), "--report-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert scaled(done.stdout) == 1000 and "65 of 65 right" in done.stdout and "PASS" in done.stdout
    (attempt,) = AttemptStore(tmp_path).attempts()
    assert (attempt.scaled, attempt.form, attempt.seed, attempt.how) == (1000, 1, 1, "answers file")


def test_a_blank_attempt_scores_the_minimum_100_and_lists_every_question_missed(tmp_path: Path) -> None:
    (tmp_path / "blank.txt").write_text("")
    done = course("exam", "--seed", "1", "--answers", str(tmp_path / "blank.txt"), "--report-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert scaled(done.stdout) == 100 and "FAIL" in done.stdout and "Missed questions (65)" in done.stdout
    assert done.stdout.count("✗ Not answered.") == 65


def test_answers_on_standard_input_and_the_seed_from_the_file(tmp_path: Path, bank: Bank) -> None:
    key = course("exam", "--form", "2", "--seed", "5", "--key").stdout
    done = course("exam", "--answers", "-", "--report-dir", str(tmp_path), stdin=key)  # the file says seed 5, form 2
    assert done.returncode == 0, done.stderr
    assert "Mock exam, form 2 (seed 5): 1000 / 1000" in done.stdout


def test_json_answers_score_as_the_text_form(tmp_path: Path, bank: Bank) -> None:
    paper = exam_paper(bank, 1, seed=3)
    right = {item.id: item.key_letters for item in paper.items[:45]}  # 45 right: the least that passes
    (tmp_path / "a.json").write_text(json.dumps({"seed": 3, "answers": right}))
    done = course("exam", "--answers", str(tmp_path / "a.json"), "--report-dir", str(tmp_path))
    assert scaled(done.stdout) == 723 and "PASS" in done.stdout


def test_a_domain_breakdown_is_printed(tmp_path: Path, bank: Bank) -> None:
    paper = exam_paper(bank, 1, seed=1)
    lines = [f"{item.id} {item.key_letters}" for item in paper.items if item.question.domain == 4]
    (tmp_path / "d4.txt").write_text("\n".join(lines))
    done = course("exam", "--seed", "1", "--answers", str(tmp_path / "d4.txt"), "--report-dir", str(tmp_path))
    assert re.search(r"4 Troubleshooting and Optimization\s+12/12\s+100 %\s+meets the mark", done.stdout)
    assert re.search(r"1 Development with AWS Services\s+0/21\s+0 %\s+needs work", done.stdout)


def test_answers_for_another_seed_are_refused(tmp_path: Path) -> None:
    key = course("exam", "--seed", "1", "--key").stdout
    done = course("exam", "--seed", "2", "--answers", "-", "--report-dir", str(tmp_path), stdin=key)
    assert done.returncode == 2 and "answers seed 1, but this attempt is seed 2" in done.stderr
    assert not AttemptStore(tmp_path).attempts()


def test_a_quiz_from_a_file_gives_feedback_with_every_explanation_and_the_checks_titles(tmp_path: Path, bank: Bank) -> None:
    seed = next(s for s in range(50) if any(i.question.checks for i in quiz_paper(bank, 2, s).items))
    paper = quiz_paper(bank, 2, seed)
    first = paper.items[0]
    (tmp_path / "q.txt").write_text(f"{first.id} {first.key_letters}\n")
    done = course("quiz", "2", "--seed", str(seed), "--answers", str(tmp_path / "q.txt"), "--report-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert f"✓ Right: {first.key_letters}." in done.stdout and done.stdout.count("✗ Not answered.") == 11
    assert "1 of 12 right" in done.stdout
    flat = " ".join(done.stdout.split())
    for option in first.question.options:
        assert " ".join(option.why.split())[:60] in flat
    titles = check_titles(REPO)
    item = next(i for i in paper.items if i.question.checks)
    check = item.question.checks[0]
    assert f'see: {check.exercise}, check "{titles[check.id]}"' in flat
    (attempt,) = AttemptStore(tmp_path).attempts()
    assert (attempt.kind, attempt.week, attempt.right, attempt.total, attempt.scaled) == ("quiz", 2, 1, 12, None)


def test_the_check_titles_are_the_graders_docstrings() -> None:
    titles = check_titles(REPO)
    assert titles["lab2:test_setup_messaging_sh_runs_and_creates_the_topic_and_queues"] == (
        "setup_messaging.sh runs on an empty backend and creates the topic, queue and DLQ"
    )


def test_the_export_is_the_whole_bank_in_the_documented_shape(bank: Bank) -> None:
    done = course("quiz", "--export", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["format"], data["version"]) == (EXPORT_FORMAT, EXPORT_VERSION)
    assert set(data) == {"format", "version", "course", "exam", "forms", "questions"}
    assert len(data["questions"]) == len(bank.questions)
    assert [len(ids) for ids in data["forms"].values()] == [65, 65]
    question = data["questions"][0]
    assert set(question) == {
        "id", "domain", "task", "task_title", "weeks", "type", "choose", "stem", "options", "answer", "references",
        "forms", "source",
    }
    assert set(question["options"][0]) == {"letter", "text", "correct", "why"}
    for entry in data["questions"]:
        assert entry["answer"] == "".join(o["letter"] for o in entry["options"] if o["correct"])
        assert {ref["kind"] for ref in entry["references"]} <= {"documentation", "check", "reading"}
    checks = [ref for entry in data["questions"] for ref in entry["references"] if ref["kind"] == "check"]
    assert checks and all(ref["title"] != ref["test"] for ref in checks)
    assert data["exam"]["scaled_score"] == {"min": 100, "max": 1000, "pass": 720}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["quiz"], "give a week (`course quiz 1`), --weak, --export json or --share"),
        (["quiz", "1", "--weak"], "not WEEK and --weak"),
        (["exam", "--resume"], "there is no unfinished exam to resume"),
        (["exam", "--resume", "--seed", "3"], "--resume takes no --seed"),
        (["exam", "--answers", "-"], "depend on the seed the questions were shown with: give --seed N"),
    ],
)
def test_usage_errors_exit_2_and_say_why(tmp_path: Path, args: list[str], message: str) -> None:
    done = course(*args, "--report-dir", str(tmp_path))
    assert done.returncode == 2 and message in done.stderr


def test_a_week_outside_the_course_is_refused_by_the_parser() -> None:
    done = course("quiz", "9")
    assert done.returncode == 2 and "not a course week (0-5)" in done.stderr


def test_status_sums_up_quizzes_exams_and_the_weakest_task_statements(tmp_path: Path, bank: Bank) -> None:
    reports = tmp_path / "reports"
    before = course("status", "--report-dir", str(reports))
    assert NO_ATTEMPTS in before.stdout
    (tmp_path / "blank.txt").write_text("")
    course("exam", "--seed", "1", "--answers", str(tmp_path / "blank.txt"), "--report-dir", str(reports))
    key = course("exam", "--seed", "2", "--key").stdout
    course("exam", "--answers", "-", "--report-dir", str(reports), stdin=key)
    paper = quiz_paper(bank, 0, seed=1)
    half = "\n".join(f"{item.id} {item.key_letters}" for item in paper.items[:6])
    course("quiz", "0", "--seed", "1", "--answers", "-", "--report-dir", str(reports), stdin=half)
    lines = course("status", "--report-dir", str(reports)).stdout.splitlines()
    at = lines.index(f"Exam practice ({reports}/quiz-attempts.json)")
    section = lines[at:]
    assert any(re.match(r"  Week 0 quiz\s+best 50% \(6/12\), latest 50% \(6/12\) on .*, 1 attempt$", line) for line in section)
    assert any(re.match(r"  Mock exam, form 1\s+best 1000 \(pass\), latest 1000 \(pass\) on .*, 2 attempts$", line) for line in section)
    assert any(line.startswith("  Weakest task statements: ") and "`course quiz --weak`" in line for line in section)
    assert any("Not taken yet: week 1, week 2" in line for line in section)


def test_the_weak_drill_asks_the_task_statements_missed(tmp_path: Path, bank: Bank) -> None:
    nothing = course("quiz", "--weak", "--report-dir", str(tmp_path))
    assert nothing.returncode == 0 and NO_MISSES.split("(")[0] in nothing.stdout
    paper = quiz_paper(bank, 2, seed=8)
    right = "\n".join(f"{i.id} {i.key_letters}" for i in paper.items if not i.question.task.startswith("2.1"))
    course("quiz", "2", "--seed", "8", "--answers", "-", "--report-dir", str(tmp_path), stdin=right)
    missed = {i.question.task for i in paper.items if i.question.task.startswith("2.1")}
    drill = course("quiz", "--weak", "--seed", "1", "--key", "--report-dir", str(tmp_path))
    assert drill.returncode == 0, drill.stderr
    ids = [line.split()[0] for line in drill.stdout.splitlines() if line.startswith("w")]
    assert ids and {bank.get(qid).task for qid in ids} == missed


# ----------------------------------------------------------------------------- the loops, scripted


def scripted(lines: list[str], before_each: dict[int, float] | None = None, clock: FakeClock | None = None):
    """An input() that types ``lines`` one by one (then end of input), moving the clock first where told."""
    typed: Iterator[str] = iter(lines)
    count = 0

    def ask(prompt: str) -> str:
        nonlocal count
        if clock is not None and before_each and count in before_each:
            clock.advance(before_each[count])
        count += 1
        return next(typed)  # StopIteration is not EOFError: turn it into one

    def guarded(prompt: str) -> str:
        try:
            return ask(prompt)
        except StopIteration:
            raise EOFError from None

    return guarded


def run_course(argv: list[str], ask, clock: FakeClock) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    code = run(build_parser().parse_args(argv), course_root=REPO, out=out, err=err, ask=ask, clock=clock)
    return code, out.getvalue(), err.getvalue()


def test_the_exam_loop_quits_saves_and_resumes_then_submits(tmp_path: Path, bank: Bank, clock: FakeClock) -> None:
    paper = exam_paper(bank, 1, seed=9)
    keys = [item.key_letters for item in paper.items]
    code, out, _ = run_course(
        ["exam", "--seed", "9", "--report-dir", str(tmp_path)], scripted([keys[0], "m", keys[1], "q"]), clock
    )
    assert code == 0 and "`course exam --resume` continues" in out
    record = AttemptStore(tmp_path).open_exam()
    assert record is not None and sum(1 for q in record["questions"] if q["chosen"]) == 2

    refused = run_course(["exam", "--report-dir", str(tmp_path)], scripted([]), clock)
    assert refused[0] == 2 and "`course exam --resume` continues it" in refused[2]

    rest = keys[2:] + ["s", "y"]
    code, out, _ = run_course(["exam", "--resume", "--report-dir", str(tmp_path)], scripted(rest), clock)
    assert code == 0 and "resumed: 2 of 65 answered" in out
    assert "Mock exam, form 1 (seed 9): 1000 / 1000, PASS" in out
    (attempt,) = AttemptStore(tmp_path).attempts()
    assert attempt.scaled == 1000 and attempt.questions[1].flagged and AttemptStore(tmp_path).open_exam() is None


def test_the_review_screen_lists_unanswered_and_flagged_and_jumps_back(tmp_path: Path, bank: Bank, clock: FakeClock) -> None:
    paper = exam_paper(bank, 2, seed=4)
    keys = [item.key_letters for item in paper.items]
    script = [keys[0], "p", "m", "", ""] + keys[2:] + ["u", keys[1], "s", "y"]  # flag 1, skip 2; review; jump to 2
    code, out, _ = run_course(["exam", "--form", "2", "--seed", "4", "--report-dir", str(tmp_path)], scripted(script), clock)
    assert code == 0
    review = out.split("Review ·", 1)[1]
    assert review.startswith(" 64 answered, 1 unanswered, 1 flagged")
    assert "Unanswered: 2\n" in review and "Flagged: 1\n" in review
    assert "(seed 4): 1000 / 1000" in out


def test_the_timer_ends_the_exam_and_a_late_answer_is_not_counted(tmp_path: Path, bank: Bank, clock: FakeClock) -> None:
    paper = exam_paper(bank, 1, seed=2)
    keys = [item.key_letters for item in paper.items]
    # two answers in time; the third is typed after 130 minutes and 1 second
    script = scripted(keys[:3], before_each={2: TIME_LIMIT + 1}, clock=clock)
    code, out, _ = run_course(["exam", "--seed", "2", "--report-dir", str(tmp_path)], script, clock)
    assert code == 0
    text = " ".join(out.split())  # rich wraps long lines
    assert LATE_ANSWER in text and TIME_UP.format(minutes=130) in text
    assert "2 of 65 right" in text and "Time ran out." in text
    (attempt,) = AttemptStore(tmp_path).attempts()
    assert attempt.timed_out and attempt.right == 2 and attempt.seconds_used == TIME_LIMIT


def test_the_quiz_loop_gives_feedback_after_each_answer(tmp_path: Path, bank: Bank, clock: FakeClock) -> None:
    paper = quiz_paper(bank, 1, seed=6)
    wrong = next(letter for letter in paper.items[1].letters if letter not in paper.items[1].key_letters)
    script = [paper.items[0].key_letters, "Z", wrong] + [""] * 10
    code, out, _ = run_course(["quiz", "1", "--seed", "6", "--report-dir", str(tmp_path)], scripted(script), clock)
    assert code == 0
    assert f"✓ Right: {paper.items[0].key_letters}." in out
    assert "Type letters from A to" in out
    assert f"✗ Wrong: you chose {wrong}; the answer is {paper.items[1].key_letters}." in out
    assert "1 of 12 right" in out
    quit_early = run_course(["quiz", "1", "--seed", "6", "--report-dir", str(tmp_path)], scripted(["q"]), clock)
    assert "nothing saved" in quit_early[1] and len(AttemptStore(tmp_path).attempts()) == 1


def test_discard_drops_the_unfinished_exam(tmp_path: Path, clock: FakeClock) -> None:
    run_course(["exam", "--seed", "1", "--report-dir", str(tmp_path)], scripted(["q"]), clock)
    assert AttemptStore(tmp_path).open_exam() is not None
    code, out, _ = run_course(["exam", "--discard", "--report-dir", str(tmp_path)], scripted([]), clock)
    assert code == 0 and "Dropped the unfinished exam." in out
    assert AttemptStore(tmp_path).open_exam() is None and AttemptStore(tmp_path).attempts() == []
