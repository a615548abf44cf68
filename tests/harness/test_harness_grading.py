"""The grading plugin, exercised on small courses made in a temp dir (pytester, in a subprocess)."""

from __future__ import annotations

import json
import re
import textwrap
import typing

import jsonschema
import pytest
from support import REPO

from harness.judging import MISSING_POINTS
from harness.limits import MAX_SECTION_CHARS

SCHEMA = json.loads((REPO / "harness" / "report.schema.json").read_text())

MANIFEST = """
[course]
name = "Test Course"
version = "9.9"

[[exercise]]
id = "ex1"
title = "Exercise One"
week = 0
folder = "labs/ex1"
points = 11
domain = 1

[[exercise]]
id = "ex2"
title = "Exercise Two"
week = 1
folder = "labs/ex2"
points = 4
domain = 2
"""

# A second exercise that always passes: proof that a broken first one leaves it alone.
HEALTHY_GRADER = """
import pytest

@pytest.mark.points(4, hint="n/a")
def test_healthy(exercise):
    '''Healthy exercise works'''
    module = exercise.load("code.py")
    assert module.answer() == 42
"""
HEALTHY_CODE = "def answer():\n    return 42\n"


def make_course(pytester: pytest.Pytester, ex1_grader: str, ex1_code: str | None = "def handler():\n    return 1\n") -> None:
    pytester.makefile(".toml", course=MANIFEST)
    for folder, grader, code in (("labs/ex1", ex1_grader, ex1_code), ("labs/ex2", HEALTHY_GRADER, HEALTHY_CODE)):
        path = pytester.path / folder
        path.mkdir(parents=True)
        (path / f"test_{folder[-3:]}.py").write_text(textwrap.dedent(grader))
        if code is not None:
            (path / "code.py").write_text(code)


def grade(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict]:
    result = pytester.runpytest_subprocess("-p", "harness.plugin", "--course-root", str(pytester.path), *args, timeout=300)
    report_file = pytester.path / "reports" / "grade-report.json"
    assert report_file.is_file(), f"no report written:\n{result.stdout.str()}\n{result.stderr.str()}"
    return result, json.loads(report_file.read_text())


def exercise(report: dict, exercise_id: str) -> dict:
    return next(e for e in report["exercises"] if e["id"] == exercise_id)


def check(report: dict, exercise_id: str, check_id: str) -> dict:
    return next(c for c in exercise(report, exercise_id)["checks"] if c["id"] == check_id)


def assert_healthy_exercise_graded(report: dict) -> None:
    ex2 = exercise(report, "ex2")
    assert (ex2["points"], ex2["max"], ex2["status"]) == (4, 4, "complete")


SCORING_GRADER = """
import pytest
from harness import fail, not_graded

@pytest.mark.points(3, hint="unused")
def test_passes():
    pass

@pytest.mark.points(2, hint="Look at step 2.")
def test_fails():
    '''Fails with a message'''
    fail("Expected 1 for input 'x', got 2.")

@pytest.mark.points(4, hint="Check the boundary.")
def test_partial(partial_credit):
    for n in range(4):
        with partial_credit.part(f"n={n}"):
            assert n != 3, f"expected n<3, got {n}"

@pytest.mark.points(1, hint="n/a")
def test_not_gradable():
    not_graded("needs Lambda to run code")

@pytest.mark.points(1, hint="Finish the failing one.", requires="test_fails")
def test_blocked():
    pass
"""


def test_points_and_partial_credit_are_summed_right(pytester: pytest.Pytester) -> None:
    make_course(pytester, SCORING_GRADER)
    result, report = grade(pytester)
    ex1 = exercise(report, "ex1")
    assert [c["outcome"] for c in ex1["checks"]] == ["passed", "failed", "partial", "not_graded", "blocked"]
    assert check(report, "ex1", "test_partial")["points"] == 3.0  # 3 of 4 parts
    assert (ex1["points"], ex1["max"]) == (6.0, 10.0)  # 3 + 0 + 3 + (excluded) + 0
    assert report["totals"]["points"] == 10.0 and report["totals"]["max"] == 14.0
    assert report["totals"]["not_graded"] == 1
    assert_healthy_exercise_graded(report)


def test_a_not_gradable_check_is_left_out_of_the_maximum_not_passed(pytester: pytest.Pytester) -> None:
    make_course(pytester, SCORING_GRADER)
    _, report = grade(pytester)
    not_gradable = check(report, "ex1", "test_not_gradable")
    assert not_gradable["outcome"] == "not_graded" and not_gradable["points"] == 0
    assert exercise(report, "ex1")["max"] == exercise(report, "ex1")["declared_points"] - 1
    assert "not graded on this backend" in not_gradable["message"]


def test_a_failed_prerequisite_says_finish_it_first(pytester: pytest.Pytester) -> None:
    make_course(pytester, SCORING_GRADER)
    _, report = grade(pytester)
    blocked = check(report, "ex1", "test_blocked")
    assert blocked["message"].startswith("Finish 'Fails with a message' first")


def test_a_failure_reads_checked_expected_got_hint_and_where_to_read(pytester: pytest.Pytester) -> None:
    make_course(pytester, SCORING_GRADER)
    result, report = grade(pytester)
    failed = check(report, "ex1", "test_fails")
    assert failed["title"] == "Fails with a message"
    assert failed["message"] == "Expected 1 for input 'x', got 2."
    assert failed["hint"] == "Look at step 2."
    assert failed["read"] == "labs/ex1/README.md"
    result.stdout.fnmatch_lines(["*Exercise One › Fails with a message*", "Expected 1 for input 'x', got 2.", "Hint: Look at step 2."])
    partial = check(report, "ex1", "test_partial")
    assert "3 of 4 cases passed" in partial["message"] and "n=3: expected n<3, got 3" in partial["message"]


def test_report_files_match_the_schema_and_hold_no_absolute_paths(pytester: pytest.Pytester) -> None:
    make_course(pytester, SCORING_GRADER)
    _, report = grade(pytester)
    jsonschema.validate(report, SCHEMA)
    assert report["schema_version"] == 2 and report["practice"] is None  # nothing shared
    assert report["backend"]["name"] == "moto" and report["backend"]["endpoint"].startswith("http://127.0.0.1:")
    raw = (pytester.path / "reports" / "grade-report.json").read_text()
    assert str(pytester.path) not in raw
    summary = (pytester.path / "reports" / "grade-summary.md").read_text()
    assert summary.startswith("## Test Course: 10 / 14 points")
    assert "| 0 | Exercise One (`ex1`) | 6 / 10 | in progress (1 not graded here) |" in summary
    assert "| ex1 | Fails with a message | 0 / 2 | Expected 1 for input 'x', got 2. | Look at step 2. |" in summary


SHARED_PRACTICE = {
    "format": "course-quiz-results", "version": 1, "shared_at": "2026-10-04T18:30:00+00:00",
    "quizzes": [{"week": 1, "attempts": 2, "best": {"right": 9, "questions": 12, "finished_at": "2026-10-03T10:00:00+00:00"},
                 "latest": {"right": 6, "questions": 12, "finished_at": "2026-10-04T10:00:00+00:00"}}],
    "exams": [{"form": 2, "attempts": 1, "best": {"right": 65, "questions": 65, "finished_at": "2026-10-04T12:00:00+00:00",
                                                  "scaled": 1000},
               "latest": {"right": 65, "questions": 65, "finished_at": "2026-10-04T12:00:00+00:00"}}],
    "domains": [{"domain": 2, "questions": 20, "right": 13}],
}


def test_shared_practice_is_carried_in_the_report_and_its_summary_and_changes_no_point(pytester: pytest.Pytester) -> None:
    make_course(pytester, SCORING_GRADER)
    (pytester.path / "quizzes").mkdir()
    (pytester.path / "quizzes" / "results.json").write_text(json.dumps(SHARED_PRACTICE))
    _, report = grade(pytester)
    jsonschema.validate(report, SCHEMA)
    practice = report["practice"]
    assert practice["self_reported"] is True and practice["source"] == "quizzes/results.json"
    assert practice["quizzes"][0]["best"] == {"right": 9, "questions": 12, "percent": 75.0, "finished_at": "2026-10-03T10:00:00+00:00"}
    assert (practice["exams"][0]["best"]["scaled"], practice["exams"][0]["best"]["passed"]) == (1000, True)
    assert practice["domains"] == [{"domain": 2, "name": "Security", "questions": 20, "right": 13, "percent": 65.0, "meets": False}]
    assert (report["totals"]["points"], report["totals"]["max"]) == (10.0, 14.0)  # as without it
    summary = (pytester.path / "reports" / "grade-summary.md").read_text()
    assert "### Exam practice (self-reported, not part of the grade)" in summary
    assert "| Week 1 quiz | 75% (9/12) | 50% (6/12) | 2 |" in summary
    assert "| Mock exam, form 2 | 1000 (pass), 100% (65/65) |" in summary and "2 Security 65% (13/20)." in summary


def test_the_report_orders_checks_as_the_grader_file_does_under_xdist(pytester: pytest.Pytester) -> None:
    make_course(pytester, SCORING_GRADER)
    _, serial = grade(pytester)
    result, parallel = grade(pytester, "-n", "2")
    strip = lambda r: [(e["id"], [(c["id"], c["outcome"], c["points"]) for c in e["checks"]]) for e in r["exercises"]]  # noqa: E731
    assert strip(parallel) == strip(serial)
    # The controller starts no emulator: the report and the scoreboard name the workers' own.
    endpoints = parallel["backend"]["endpoint"].split(", ")
    assert endpoints and all(re.fullmatch(r"http://127\.0\.0\.1:\d+", endpoint) for endpoint in endpoints), endpoints
    where = ", one emulator per worker at " if len(endpoints) > 1 else " at "
    shown = " ".join(result.stdout.str().split())  # the scoreboard wraps long lines
    assert f"Backend: moto{where}{parallel['backend']['endpoint']} (chosen by default)" in shown
    assert parallel["totals"] == serial["totals"]


def test_a_check_without_points_is_an_authoring_error(pytester: pytest.Pytester) -> None:
    make_course(pytester, "def test_forgot_points():\n    pass\n")
    _, report = grade(pytester)
    forgot = check(report, "ex1", "test_forgot_points")
    assert forgot["outcome"] == "error"
    assert forgot["message"] == MISSING_POINTS.format(check="labs/ex1/test_ex1.py::test_forgot_points")
    assert exercise(report, "ex1")["status"] == "error"


PREREQUISITE_TYPO_GRADER = """
import pytest

@pytest.mark.points(1, hint="n/a", requires="test_later")
def test_first():
    pass

@pytest.mark.points(1, hint="n/a")
def test_later():
    pass

@pytest.mark.points(1, hint="n/a", requires="test_misspelt")
def test_third():
    pass
"""


def test_a_prerequisite_that_is_unknown_or_below_its_dependant_is_an_authoring_error(pytester: pytest.Pytester) -> None:
    make_course(pytester, PREREQUISITE_TYPO_GRADER)
    _, report = grade(pytester)
    first, third = check(report, "ex1", "test_first"), check(report, "ex1", "test_third")
    assert first["outcome"] == third["outcome"] == "error"
    assert first["message"].startswith("Grader authoring error (test_ex1.py, line ") and "defined below it" in first["message"]
    assert "'test_misspelt', which is not a check in that file" in third["message"]
    assert check(report, "ex1", "test_later")["outcome"] == "passed"
    assert_healthy_exercise_graded(report)


STOPPING_CONFTEST = """
def pytest_runtest_logreport(report):
    if report.when == "call" and "test_later" in report.nodeid:
        raise RuntimeError("stop the run")
"""


def test_a_run_that_stops_early_is_not_a_grade(pytester: pytest.Pytester) -> None:
    make_course(pytester, PREREQUISITE_TYPO_GRADER.replace(', requires="test_later"', "").replace(', requires="test_misspelt"', ""))
    (pytester.path / "labs" / "ex1" / "conftest.py").write_text(STOPPING_CONFTEST)
    result, report = grade(pytester)
    assert result.ret == pytest.ExitCode.INTERNAL_ERROR
    ex1 = exercise(report, "ex1")
    assert ex1["status"] == "error" and ex1["max"] == ex1["declared_points"] and ex1["points"] < ex1["max"]
    assert any("Only 1 of its 3 checks reported a result" in error for error in ex1["errors"])
    assert report["harness_errors"] and "not a grade" in report["harness_errors"][0]
    assert report["totals"]["percent"] < 100


LOADING_GRADER = """
import pytest

@pytest.mark.points(5, hint="Make code.py import cleanly.")
def test_loads(exercise):
    '''Code loads'''
    exercise.load("code.py").handler()

@pytest.mark.points(5, hint="n/a")
def test_loads_again(exercise):
    exercise.load("code.py").handler()
"""

CRASHES = {
    "syntax error": ("def handler(:\n    return 1\n", "labs/ex1/code.py has a syntax error on line 1"),
    "import-time exception": ("import json\nCONFIG = json.loads('{')\ndef handler(): pass\n", "Importing labs/ex1/code.py raised JSONDecodeError"),
    "sys.exit at import": ("import sys\nsys.exit(3)\n", "labs/ex1/code.py called sys.exit(3) while being imported"),
    "os._exit in the handler": ("import os\ndef handler():\n    os._exit(1)\n", "Your code ended its process: it exited with status 1"),
    "SIGKILL of its own process": ("import os, signal\ndef handler():\n    os.kill(os.getpid(), signal.SIGKILL)\n", "Your code ended its process: it was ended by SIGKILL"),
    "a loop inside C code": ("def handler():\n    any(iter(int, 1))\n", "This check took longer than 2 s and was stopped"),
    "an infinite loop": ("def handler():\n    while True:\n        pass\n", "This check took longer than 2 s and was stopped"),
    "a missing file": (None, "labs/ex1/code.py is missing"),
}


@pytest.mark.parametrize("kind", CRASHES)
def test_each_kind_of_crash_fails_only_its_exercise_and_the_report_is_still_written(pytester: pytest.Pytester, kind: str) -> None:
    code, expected = CRASHES[kind]
    make_course(pytester, LOADING_GRADER, ex1_code=code)
    _, report = grade(pytester, "--check-timeout", "2")
    loads = check(report, "ex1", "test_loads")
    assert loads["outcome"] == "failed", loads
    assert expected in loads["message"]
    assert loads["hint"], "every failure carries a hint"
    assert exercise(report, "ex1")["points"] == 0
    assert_healthy_exercise_graded(report)


def test_megabytes_of_output_are_cut_in_the_terminal_and_the_report(pytester: pytest.Pytester) -> None:
    code = "def handler():\n    print('x' * 5_000_000)\n    raise ValueError('y' * 3_000_000)\n"
    make_course(pytester, LOADING_GRADER, ex1_code=code)
    result, report = grade(pytester)
    assert len(check(report, "ex1", "test_loads")["message"]) <= MAX_SECTION_CHARS + 200
    assert len(result.stdout.str()) < 200_000
    assert_healthy_exercise_graded(report)


def test_a_student_exception_names_the_students_own_line(pytester: pytest.Pytester) -> None:
    code = "def handler():\n    item = {}\n    return item['Item']\n"
    make_course(pytester, LOADING_GRADER, ex1_code=code)
    _, report = grade(pytester)
    assert check(report, "ex1", "test_loads")["message"] == "Your code raised KeyError: 'Item' (labs/ex1/code.py, line 3)."


NETWORK_GRADER = """
import boto3
import pytest

@pytest.mark.points(1, hint="n/a")
def test_real_aws_is_unreachable(exercise):
    exercise.load("code.py").handler()
"""
REAL_AWS_CODE = """
import boto3

def handler():
    client = boto3.client("dynamodb", endpoint_url="https://dynamodb.us-east-1.amazonaws.com")
    client.list_tables()
"""


def test_no_connection_leaves_loopback_while_grading(pytester: pytest.Pytester) -> None:
    make_course(pytester, NETWORK_GRADER, ex1_code=REAL_AWS_CODE)
    _, report = grade(pytester)
    blocked = check(report, "ex1", "test_real_aws_is_unreachable")
    assert blocked["outcome"] == "failed"
    assert "blocked a connection to dynamodb.us-east-1.amazonaws.com:443" in blocked["message"]


def test_a_non_loopback_endpoint_is_refused(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    make_course(pytester, SCORING_GRADER)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://dynamodb.us-east-1.amazonaws.com")
    result = pytester.runpytest_subprocess("-p", "harness.plugin", "--course-root", str(pytester.path), "--backend", "localstack")
    result.stdout.fnmatch_lines(["*Refusing to grade against https://dynamodb.us-east-1.amazonaws.com*"])
    report = json.loads((pytester.path / "reports" / "grade-report.json").read_text())
    assert report["totals"]["points"] == 0
    assert all(c["outcome"] == "error" for e in report["exercises"] for c in e["checks"])


def test_an_optional_extension_is_graded_apart_from_the_total(pytester: pytest.Pytester) -> None:
    manifest = MANIFEST.replace('folder = "labs/ex1"\n', 'folder = "labs/ex1"\ngraders = ["test_ex1.py"]\n') + (
        '\n[[exercise]]\nid = "ex1-ext"\ntitle = "Exercise One, extended"\nweek = 0\nfolder = "labs/ex1"\n'
        'graders = ["test_ex1_extension.py"]\noptional = true\npoints = 2\ndomain = 1\n'
    )
    make_course(pytester, SCORING_GRADER)
    pytester.makefile(".toml", course=manifest)
    (pytester.path / "labs" / "ex1" / "test_ex1_extension.py").write_text(
        "import pytest\n\n@pytest.mark.points(2, hint='n/a')\ndef test_extended():\n    pass\n"
    )
    _, report = grade(pytester)
    jsonschema.validate(report, SCHEMA)
    assert exercise(report, "ex1-ext")["optional"] is True and exercise(report, "ex1-ext")["points"] == 2
    assert [c["id"] for c in exercise(report, "ex1")["checks"]][0] == "test_passes"
    assert (report["totals"]["points"], report["totals"]["max"]) == (10.0, 14.0)  # as without the extension
    assert (report["totals"]["optional_points"], report["totals"]["optional_max"]) == (2.0, 2.0)


NEEDS_AND_REQUIRES_GRADER = """
import pytest
from harness import fail

# The embedded backend has every capability the course names: a made-up one stands for what it lacks.
TIME_TRAVEL = "a capability no backend has"

@pytest.mark.points(2, hint="n/a")
def test_deploys():
    fail("Expected the script to exit 0, got 1.")

@pytest.mark.points(3, hint="n/a", requires="test_deploys")
@pytest.mark.needs(TIME_TRAVEL)
def test_calls_the_api():
    pass
"""


def test_a_check_the_backend_cannot_grade_stays_out_of_the_maximum_even_when_its_prerequisite_failed(
    pytester: pytest.Pytester,
) -> None:
    make_course(pytester, NEEDS_AND_REQUIRES_GRADER)
    _, report = grade(pytester)
    assert check(report, "ex1", "test_calls_the_api")["outcome"] == "not_graded"
    assert exercise(report, "ex1")["max"] == 2


EARLY_WORK_GRADER = """
import json
from pathlib import Path

import pytest
from harness import runtime

CALLS = Path(__file__).parent / "early-calls.json"

def before_backend(folder, selected):
    try:
        runtime.active_backend()
        started = True
    except RuntimeError:
        started = False
    calls = json.loads(CALLS.read_text()) if CALLS.exists() else []
    CALLS.write_text(json.dumps(calls + [[Path(folder).name, sorted(selected), started]]))

@pytest.mark.points(5, hint="n/a")
def test_passes():
    pass

@pytest.mark.points(3, hint="n/a")
def test_left_out():
    pass

@pytest.mark.points(3, hint="n/a")
def test_also_passes():
    pass
"""


def test_a_graders_early_work_runs_once_before_the_backend_starts_with_the_checks_it_grades(pytester: pytest.Pytester) -> None:
    """Lab 4 starts cfn-lint there (harness/early_work.py), so that it runs while the backend starts."""
    make_course(pytester, EARLY_WORK_GRADER)
    grade(pytester, "-k", "not left_out")
    calls = json.loads((pytester.path / "labs" / "ex1" / "early-calls.json").read_text())
    assert calls == [["ex1", ["test_also_passes", "test_passes"], False]]


def test_the_report_types_say_what_the_schema_says() -> None:
    from harness import report_types as types

    def keys(node: dict) -> tuple[set[str], set[str]]:
        return set(node["required"]), set(node["properties"]) - set(node["required"])

    exercise = SCHEMA["properties"]["exercises"]["items"]
    practice = SCHEMA["properties"]["practice"]["properties"]
    pairs = {
        types.GradeReport: SCHEMA,
        types.PracticeReport: SCHEMA["properties"]["practice"],
        types.QuizPractice: practice["quizzes"]["items"],
        types.ExamPractice: practice["exams"]["items"],
        types.DomainReadiness: practice["domains"]["items"],
        types.PracticeScore: SCHEMA["$defs"]["score"],
        types.ExamScore: SCHEMA["$defs"]["exam_score"],
        types.Totals: SCHEMA["properties"]["totals"],
        types.IntegrityReport: SCHEMA["properties"]["integrity"],
        types.CourseName: SCHEMA["properties"]["course"],
        types.BackendUsed: SCHEMA["properties"]["backend"],
        types.ExerciseReport: exercise,
        types.CheckReport: exercise["properties"]["checks"]["items"],
    }
    showcase = SCHEMA["$defs"]["showcase"]
    assert exercise["properties"]["showcase"] == {"$ref": "#/$defs/showcase"}
    pairs |= {
        types.Showcase: showcase,
        types.ShowcaseResource: showcase["properties"]["resources"]["items"],
        types.ShowcaseEndpoint: showcase["properties"]["endpoints"]["items"],
        types.ShowcaseFunction: showcase["properties"]["functions"]["items"],
        types.ShowcaseStatement: showcase["properties"]["functions"]["items"]["properties"]["statements"]["items"],
        types.ShowcaseTableAccess: showcase["properties"]["functions"]["items"]["properties"]["tables"]["items"],
        types.ShowcaseEventSource: showcase["properties"]["event_sources"]["items"],
        types.ShowcaseAlarm: showcase["properties"]["alarms"]["items"],
    }
    for typed, node in pairs.items():
        assert (set(typed.__required_keys__), set(typed.__optional_keys__)) == keys(node), typed.__name__
    assert SCHEMA["properties"]["schema_version"]["const"] == types.SCHEMA_VERSION == 2
    assert typing.get_args(typing.get_type_hints(types.GradeReport)["schema_version"]) == (types.SCHEMA_VERSION,)
