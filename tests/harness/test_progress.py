"""Progress that remembers (harness/progress.py): status, grade-summary.md and the scoreboard show every
exercise's latest full result across runs; a run of selected checks is a partial run, never a grade;
a first run over many exercises stays short; checks waiting on another are counted as waiting."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ci_support import ANSWER_CHECK, TINY_MANIFEST, clean_environment
from ci_support import course as run_course

from harness import progress
from harness.manifest import load_course

WAITING_CHECK = '''
@pytest.mark.points(1, hint="Answer first.", requires="test_the_answer_is_42")
def test_the_answer_is_still_42(exercise):
    """The answer is still 42"""
    assert exercise.load("answer.py").ANSWER == 42
'''
MANIFEST = TINY_MANIFEST.replace("points = 1", "points = 2")  # two checks in each exercise


def course(*args: str) -> subprocess.CompletedProcess[str]:
    return run_course(*args, env=clean_environment(), timeout=120)


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    for name in ("one", "two"):
        (root / "ex" / name).mkdir(parents=True)
        grader = "import pytest\n\n" + ANSWER_CHECK + WAITING_CHECK
        (root / "ex" / name / f"test_{name}.py").write_text(grader, encoding="utf-8")
        (root / "ex" / name / "answer.py").write_text("ANSWER = 0\n", encoding="utf-8")
    (root / "course.toml").write_text(MANIFEST, encoding="utf-8")
    assert course("lock", "--course-root", str(root)).returncode == 0  # graders.lock and starters.lock
    return root


def answer(root: Path, exercise: str, value: int) -> None:
    (root / "ex" / exercise / "answer.py").write_text(f"ANSWER = {value}\n", encoding="utf-8")


def grade(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return course("grade", "--course-root", str(root), "--report-dir", str(root / "reports"), *args)


def status(root: Path) -> str:
    done = course("status", "--course-root", str(root), "--report-dir", str(root / "reports"))
    assert done.returncode == 0, done.stderr
    return done.stdout


def flat(text: str) -> str:
    """The output with the terminal's line wrapping undone."""
    return " ".join(text.split())


def line_of(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if name in line)


def test_grading_one_exercise_keeps_the_others_in_status_and_the_summary(tiny: Path) -> None:
    answer(tiny, "one", 42)
    grade(tiny, "one")
    grade(tiny, "two")
    report = json.loads((tiny / "reports" / "grade-report.json").read_text())
    assert [e["id"] for e in report["exercises"]] == ["two"]  # the run's own report stays the run's
    shown = status(tiny)
    assert "2/2" in line_of(shown, "First Answer (one)") and "complete; graded " in line_of(shown, "First Answer (one)")
    assert "0/2" in line_of(shown, "Second Answer (two)")
    assert "Next: `course grade two`" in shown
    summary = (tiny / "reports" / "grade-summary.md").read_text()
    assert "## Tiny Course: 2 / 4 points (50%)" in summary
    assert "| 1 | First Answer (`one`) | 2 / 2 | complete; graded " in summary


def test_a_run_of_selected_checks_is_partial_and_never_replaces_the_full_result(tiny: Path) -> None:
    grade(tiny, "one")  # 0 / 2
    answer(tiny, "one", 42)
    done = grade(tiny, "one", "--", "-k", "is_42")
    report = json.loads((tiny / "reports" / "grade-report.json").read_text())
    assert report["exercises"][0]["partial_run"] is True
    assert "partial run" in done.stdout
    shown = status(tiny)
    first = line_of(shown, "First Answer (one)")
    assert "0/2" in first and "later partial run 1/1 (1 check)" in first, first
    assert "files changed since" in first  # answer.py changed after the full grade
    assert "Next: `course grade one`" in shown
    grade(tiny, "one")  # a full run supersedes both
    first = line_of(status(tiny), "First Answer (one)")
    assert "2/2" in first and "partial" not in first and "changed" not in first, first


def test_a_node_id_run_is_partial_too(tiny: Path) -> None:
    answer(tiny, "one", 42)
    node = str(tiny / "ex/one/test_one.py") + "::test_the_answer_is_42"
    args = ["-p", "harness.plugin", "--course-root", str(tiny), "--report-dir", str(tiny / "reports"), node]
    subprocess.run([sys.executable, "-m", "pytest", *args], cwd=tiny, env=clean_environment(), timeout=120, check=False)
    report = json.loads((tiny / "reports" / "grade-report.json").read_text())
    assert report["exercises"][0].get("partial_run") is True, report["exercises"][0]
    assert "partial run (1 check), not a grade" in line_of(status(tiny), "First Answer (one)")
    grade(tiny, "one")  # the folder and a node id: the whole exercise is graded
    assert "partial" not in line_of(status(tiny), "First Answer (one)")


def test_checks_waiting_on_another_are_counted_as_waiting_not_errors(tiny: Path) -> None:
    answer(tiny, "one", 7)  # started, wrong: its second check waits on the first
    done = grade(tiny, "one")
    last = done.stdout.strip().splitlines()[-1]
    assert "1 failed" in last and "1 waiting" in last and "error" not in last, last
    assert "⧗ 1 more check(s) of First Answer wait for the ones above to pass: The answer is still 42" in flat(done.stdout)
    plain = run_course("grade", "--course-root", str(tiny), "--report-dir", str(tiny / "r2"), "--all-failures", "one",
                       env=clean_environment(), timeout=120)
    assert "Finish 'The answer is 42' first" in flat(plain.stdout) and "⧗" not in plain.stdout


def test_a_first_run_gives_an_untouched_exercise_one_line(tiny: Path) -> None:
    answer(tiny, "one", 7)
    done = grade(tiny)
    assert "not started: Second Answer (two): open ex/two/README.md, step 1 (`course grade two` lists its 2 checks)" in flat(done.stdout)
    assert "✗ First Answer › The answer is 42" in done.stdout  # the exercise in progress: in full
    assert "✗ Second Answer" not in done.stdout
    assert done.stdout.index("✗ First Answer") < done.stdout.index("not started: Second")
    everything = grade(tiny, "--all-failures")
    assert "✗ Second Answer › The answer is 42" in everything.stdout
    report = json.loads((tiny / "reports" / "grade-report.json").read_text())
    assert [e.get("starter_untouched", False) for e in report["exercises"]] == [False, True]


def test_another_code_root_starts_a_new_record(tmp_path: Path) -> None:
    course_ = load_course(Path(__file__).resolve().parents[2])
    first = {"code_root": ".", "finished_at": "2026-12-01T10:00:00+00:00", "git_commit": None,
             "backend": {"name": "moto"}, "exercises": [{"id": "kata1", "folder": "x", "errors": [], "checks": [{}],
                                                           "points": 1, "max": 31, "status": "in progress"}]}
    progress.record(first, tmp_path, code_root=tmp_path, course=course_)  # type: ignore[arg-type]
    other = {**first, "code_root": "solutions", "exercises": [{**first["exercises"][0], "id": "lab1"}]}
    remembered = progress.record(other, tmp_path, code_root=tmp_path, course=course_)  # type: ignore[arg-type]
    assert list(remembered["exercises"]) == ["lab1"] and remembered["code_root"] == "solutions"


def test_headline_of_a_run_of_extensions_only_names_them() -> None:
    totals = {"points": 0, "max": 0, "percent": 0, "optional_points": 18, "optional_max": 18}
    assert progress.headline("Course", totals) == "Course: optional extensions 18 / 18 points (100%)"
    assert progress.headline("Course", {**totals, "points": 19.6667, "max": 219, "percent": 9}) == "Course: 19.7 / 219 points (9%)"


def test_an_unreadable_progress_file_is_an_empty_record(tmp_path: Path) -> None:
    (tmp_path / progress.PROGRESS_JSON).write_text("{oops", encoding="utf-8")
    assert progress.load(tmp_path)["exercises"] == {}
