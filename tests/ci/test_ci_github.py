"""`course grade` on GitHub Actions (COURSE_CI=github): job summary, annotations, step outputs, JUnit XML."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from ci_support import clean_environment, course, make_tiny_course, read_report

from harness.grade import BELOW_THRESHOLD, INTEGRITY_FAILED
from harness.report import integrity_banner

WORKFLOW_COMMAND = re.compile(r"^::(error|warning|notice)( [a-z]+=[^,:\r\n]*(,[a-z]+=[^,:\r\n]*)*)?::[^\r\n]*$")
SERVER, REPOSITORY, SHA = "https://github.com", "student/cloud-course", "0123abcd"


class Run:
    """One `course grade` as the grading workflow runs it, with the runner's files in a temp dir."""

    def __init__(self, root: Path, *args: str, **env: str) -> None:
        runner = root.parent / "runner"
        runner.mkdir(exist_ok=True)
        self.summary_file, self.output_file = runner / "step-summary.md", runner / "github-output"
        self.reports = root.parent / "reports"
        environment = clean_environment(
            COURSE_CI="github",
            GITHUB_STEP_SUMMARY=str(self.summary_file),
            GITHUB_OUTPUT=str(self.output_file),
            GITHUB_SERVER_URL=SERVER,
            GITHUB_REPOSITORY=REPOSITORY,
            GITHUB_SHA=SHA,
        )
        environment.update(env)
        self.done = course("grade", "--course-root", str(root), "--report-dir", str(self.reports), *args, env=environment)
        self.report = read_report(self.reports)

    @property
    def summary(self) -> str:
        return self.summary_file.read_text() if self.summary_file.is_file() else ""

    @property
    def outputs(self) -> dict[str, str]:
        text = self.output_file.read_text() if self.output_file.is_file() else ""
        return dict(line.split("=", 1) for line in text.splitlines())

    @property
    def commands(self) -> list[str]:
        return [line for line in self.done.stdout.splitlines() if line.startswith("::")]


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return make_tiny_course(tmp_path / "course")


def break_exercise_two(root: Path) -> None:
    """double() raises on line 5: the annotation must point there."""
    (root / "ex/two/answer.py").write_text("ANSWER = 42\n\n\ndef double(n):\n    raise ValueError('not yet')\n")


def test_a_failing_check_keeps_the_run_green_and_is_annotated_on_the_students_line(tiny: Path) -> None:
    break_exercise_two(tiny)
    run = Run(tiny)
    assert run.done.returncode == 0, run.done.stdout + run.done.stderr
    expected = (
        "::error file=ex/two/answer.py,line=5,title=Second Answer › double(21) is 42 (0/1)::"
        "Your code raised ValueError: not yet (ex/two/answer.py, line 5).%0AHint: Define double(n) in answer.py."
        "%0ARead: ex/two/README.md"
    )
    assert run.commands == [expected]
    assert all(WORKFLOW_COMMAND.match(command) for command in run.commands)


def test_the_job_summary_has_the_scoreboard_table_and_links_the_failing_line(tiny: Path) -> None:
    break_exercise_two(tiny)
    summary = Run(tiny).summary
    assert summary.startswith("## Tiny Course: 2 / 3 points (66.7%)")
    assert "| Week | Exercise | Points | Status |" in summary
    assert "| 1 | First Answer (`one`) | 1 / 1 | complete |" in summary
    assert "| 2 | Second Answer (`two`) | 1 / 2 | in progress |" in summary
    link = f"{SERVER}/{REPOSITORY}/blob/{SHA}/ex/two/answer.py#L5"
    row = next(line for line in summary.splitlines() if line.startswith("| two | double(21) is 42 |"))
    assert f"(at [ex/two/answer.py:5]({link}))" in row and row.endswith("| Define double(n) in answer.py. |")
    assert "Annotations on your files: 1 of 1 failing checks." in summary
    assert "`grade-report` artifact" in summary


def test_step_outputs_give_score_max_percent_and_integrity(tiny: Path) -> None:
    break_exercise_two(tiny)
    assert Run(tiny).outputs == {"score": "2", "max": "3", "percent": "66.7", "integrity": "unlocked"}


def test_shared_exam_practice_is_in_the_job_summary_apart_from_the_score(tiny: Path) -> None:
    break_exercise_two(tiny)
    shared = {
        "format": "course-quiz-results", "version": 1, "shared_at": "2026-10-04T18:30:00+00:00", "quizzes": [],
        "exams": [{"form": 1, "attempts": 1, "best": {"right": 65, "questions": 65, "finished_at": "2026-10-04T12:00:00+00:00"},
                   "latest": {"right": 65, "questions": 65, "finished_at": "2026-10-04T12:00:00+00:00"}}],
        "domains": [],
    }
    (tiny / "quizzes").mkdir()
    (tiny / "quizzes" / "results.json").write_text(json.dumps(shared))
    run = Run(tiny)
    assert run.outputs == {"score": "2", "max": "3", "percent": "66.7", "integrity": "unlocked"}  # as without it
    tail = run.summary.split("### Exam practice (self-reported, not part of the grade)", 1)[1]
    assert "Shared by `course quiz --share` in `quizzes/results.json` (2026-10-04 18:30 UTC)." in tail
    assert "| Mock exam, form 1 | 1000 (pass), 100% (65/65) | 1000 (pass), 100% (65/65) | 1 |" in tail


def test_junit_xml_lands_beside_the_reports_with_one_testcase_per_check(tiny: Path) -> None:
    break_exercise_two(tiny)
    run = Run(tiny)
    suite = ElementTree.parse(run.reports / "grade-junit.xml").getroot().find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == 3
    failures = [case for case in cases if case.find("failure") is not None]
    assert [case.get("name") for case in failures] == ["test_double_doubles"]
    assert "Hint: Define double(n) in answer.py." in (failures[0].find("failure").text or "")


def test_fail_under_from_the_environment_turns_the_run_red_below_it(tiny: Path) -> None:
    break_exercise_two(tiny)
    run = Run(tiny, COURSE_FAIL_UNDER="90")
    assert run.done.returncode == 1
    assert BELOW_THRESHOLD.format(percent=66.7, threshold=90) in run.done.stdout
    assert run.summary, "the summary is written even when the gate fails"


def test_a_harness_failure_is_red_and_says_so_in_the_summary(tiny: Path) -> None:
    run = Run(tiny, "one", "--", "-k", "no_check_is_named_this")
    assert run.done.returncode == 2
    assert run.commands and run.commands[0].startswith("::error title=Grading harness failed::No grader checks were found")
    assert run.summary.startswith("## Grading did not finish")


def test_editing_a_grader_after_locking_shows_a_banner_and_fails_only_under_strict(tiny: Path) -> None:
    assert course("lock", "--course-root", str(tiny)).returncode == 0
    grader = tiny / "ex/one/test_one.py"
    grader.write_text(grader.read_text().replace("== 42", "!= 0"))
    lenient = Run(tiny)
    assert lenient.done.returncode == 0
    assert lenient.outputs["integrity"] == "modified"
    assert integrity_banner(lenient.report)[0] in lenient.summary
    assert "`ex/one/test_one.py`" in lenient.summary
    assert lenient.commands[0] == (
        "::error title=Grader files modified::These files differ from graders.lock, so this grade may not be "
        "the official one: ex/one/test_one.py"
    )
    strict = Run(tiny, COURSE_STRICT_INTEGRITY="true")
    assert strict.done.returncode == 3
    assert INTEGRITY_FAILED.format(files="ex/one/test_one.py") in strict.done.stdout


def test_a_plain_run_writes_nothing_for_github_even_inside_a_workflow(tiny: Path) -> None:
    run = Run(tiny, COURSE_CI="")
    assert run.done.returncode == 0
    assert run.commands == [] and run.summary == "" and run.outputs == {}
    assert not (run.reports / "grade-junit.xml").exists()


def test_an_unknown_ci_name_is_a_usage_error_naming_the_variable(tiny: Path) -> None:
    run = Run(tiny, COURSE_CI="gitlab")
    assert run.done.returncode == 2
    assert "Unknown CI 'gitlab' (from environment variable COURSE_CI)" in run.done.stderr
