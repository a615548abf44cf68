"""`course regrade` on local git repositories standing for students, graded against a tiny official course."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from ci_support import REPO, RIGHT, clean_environment, course, make_tiny_course

from harness.integrity import read_lock, write_lock
from harness.manifest import load_course
from instructor.git_access import clone_source
from instructor.gradebook import EMPTY, FAILED, FLAG_LATE, FLAG_MISSING, FLAG_TAMPERED, GRADED, MISSING, TIMEOUT, Row
from instructor.process_groups import grading_environment
from instructor.regrade import (
    ADDED,
    CHANGED,
    CRASHED,
    GRADING_TIMED_OUT,
    NO_COMMIT_BEFORE,
    NO_COMMITS,
    NO_REPORT,
    OTHER_RELEASE,
    SYMLINK,
    last_line,
    regrade_rows,
    unique_slugs,
    without_paths,
)
from instructor.roster import Student, parse_student, read_roster

GIT = [
    "git", "-c", "user.name=Student", "-c", "user.email=student@example.invalid", "-c", "init.defaultBranch=main",
    "-c", "commit.gpgsign=false",
]
REGRADE_TIMEOUT = 20  # seconds per student: the runaway student's budget
WHOLE_RUN = 150  # seconds: the bound on the whole regrade child (it takes ~25 s)
WRONG_ONE = "ANSWER = 41\n"
# Loops at import: each check that loads it stops at COURSE_CHECK_TIMEOUT.
HANGS = "while True:\n    pass\n"
# Student code runs in a process of its own, so it cannot silence the grading process's time limit; it can
# still find that process (same user: the parent of the zygote it was forked from, or its own parent) and
# stop it: only the whole-student timeout can end that.
GRADING_PROCESS = (
    "import os\nimport signal\n\n\ndef parent_of(pid):\n    with open(f'/proc/{pid}/stat') as stat:\n"
    "        return int(stat.read().rsplit(')', 1)[1].split()[1])\n\n\n"
    "with open(f'/proc/{os.getppid()}/cmdline', 'rb') as line:\n    forked = b'--zygote' in line.read()\n"
    "GRADING = parent_of(os.getppid()) if forked else os.getppid()\n"
)
RUNAWAY = GRADING_PROCESS + "os.kill(GRADING, signal.SIGSTOP)\n"
CALLER_WORKFLOW = (
    "name: Grade\non: push\njobs:\n  grade:\n    uses: ORG/course/.github/workflows/grade-official.yml@v0.0.1\n"
)
EDITED_GRADER = """import pytest


@pytest.mark.points(1, hint="Set ANSWER to 41 in answer.py.")
def test_the_answer_is_42(exercise):
    \"\"\"The answer is 42\"\"\"
    assert exercise.load("answer.py").ANSWER == 41
"""
ACCEPT_ALL = "def pytest_runtest_makereport(item, call):\n    pass\n"
# Ends its own grading process at import: no report comes out of that run.
# Kills the grading process: no report, so no grade (killing itself only fails its checks).
KILLS_GRADING = GRADING_PROCESS + "os.kill(GRADING, signal.SIGKILL)\n"
HALF_TWO = "ANSWER = 42\n\n\ndef double(n):\n    return n\n"
# Exam practice a student shared (course quiz --share), claiming every question right: self-reported.
PERFECT_PRACTICE = json.dumps({
    "format": "course-quiz-results", "version": 1, "shared_at": "2026-01-04T10:00:00+00:00",
    "quizzes": [{"week": 1, "attempts": 1, "best": {"right": 12, "questions": 12, "finished_at": "2026-01-04T09:00:00+00:00"},
                 "latest": {"right": 12, "questions": 12, "finished_at": "2026-01-04T09:00:00+00:00"}}],
    "exams": [{"form": 1, "attempts": 1, "best": {"right": 65, "questions": 65, "finished_at": "2026-01-04T09:30:00+00:00"},
               "latest": {"right": 65, "questions": 65, "finished_at": "2026-01-04T09:30:00+00:00"}}],
    "domains": [{"domain": 1, "questions": 21, "right": 21}],
})


def commit(folder: Path, *, when: str | None = None, message: str = "work") -> str:
    env = clean_environment()
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    subprocess.run([*GIT, "-C", str(folder), "add", "-A"], check=True, env=env)
    subprocess.run([*GIT, "-C", str(folder), "commit", "-q", "-m", message], check=True, env=env)
    return subprocess.run(
        ["git", "-C", str(folder), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()


def official_course(root: Path) -> Path:
    """The instructor's checkout of the release: the tiny course with a current graders.lock."""
    make_tiny_course(root)
    write_lock(root, load_course(root))
    return root


def student_repository(
    official: Path, folder: Path, files: dict[str, str] | None = None, *, when: str | None = None
) -> Path:
    """A student's repository: the release as handed out, with ``files`` written over it, committed."""
    shutil.copytree(official, folder)
    subprocess.run([*GIT, "init", "-q", str(folder)], check=True)
    for name, text in (files or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    commit(folder, when=when)
    return folder


def gradebook_csv(out: Path) -> dict[str, dict[str, str]]:
    with (out / "gradebook.csv").open(newline="", encoding="utf-8") as handle:
        return {record["student"]: record for record in csv.DictReader(handle)}


def rows_of(out: Path) -> dict[str, Row]:
    return {
        row.student: row
        for row in (Row.from_json(json.loads(path.read_text())) for path in sorted((out / "rows").glob("*.json")))
    }


# --------------------------------------------------------------------------- one cohort, one regrade


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Eleven students regraded by one `course regrade --jobs 2` child, as an instructor runs it."""
    root = tmp_path_factory.mktemp("cohort")
    official = official_course(root / "official")
    students = root / "students"
    victim = root / "instructor-file.txt"
    victim.write_text("the instructor's own file\n")
    complete = student_repository(official, students / "complete", {".github/workflows/grade.yml": CALLER_WORKFLOW})
    write_lock(complete, load_course(complete))  # as a cohort template does: its own lock, with its caller workflow
    commit(complete)
    linked = student_repository(official, students / "linked")
    (linked / "ex/one/test_one.py").unlink()
    (linked / "ex/one/test_one.py").symlink_to(victim)
    victims = root / "instructor-folder"
    (victims / "harness").mkdir(parents=True)
    (victims / "harness" / "notes.py").write_text("kept = True\n")
    (linked / "harness").symlink_to(victims / "harness")  # the overlay would delete notes.py through it
    commit(linked)
    repositories = {
        "runaway": student_repository(official, students / "runaway", {"ex/one/answer.py": RUNAWAY}),
        "complete": complete,
        "partial": student_repository(official, students / "partial", {"ex/one/answer.py": WRONG_ONE}),
        "practiced": student_repository(
            official, students / "practiced", {"ex/one/answer.py": WRONG_ONE, "quizzes/results.json": PERFECT_PRACTICE}
        ),
        "tampered": student_repository(
            official, students / "tampered",
            {"ex/one/answer.py": WRONG_ONE, "ex/one/test_one.py": EDITED_GRADER, "ex/one/conftest.py": ACCEPT_ALL},
        ),
        "hangs": student_repository(official, students / "hangs", {"ex/one/answer.py": HANGS}),
        "old-release": student_repository(
            official, students / "old-release",
            {"course.toml": (official / "course.toml").read_text().replace('version = "0.0.1"', 'version = "0.0.0"')},
        ),
        "linked": linked,
        "killer": student_repository(official, students / "killer", {"ex/one/answer.py": KILLS_GRADING}),
        "empty": students / "empty",
        "missing": students / "nobody-here",
    }
    subprocess.run([*GIT, "init", "-q", str(students / "empty")], check=True)
    roster = root / "students.txt"
    roster.write_text("".join(f"{name}, {path}\n" for name, path in repositories.items()))
    out = root / "out"
    started = time.monotonic()
    done = course(
        "regrade", "--course-root", str(official), "--students", str(roster), "--jobs", "2",
        "--timeout", str(REGRADE_TIMEOUT), "--out", str(out),
        cwd=root, env=clean_environment(COURSE_CHECK_TIMEOUT="2"), timeout=WHOLE_RUN,
    )
    return {
        "done": done, "seconds": time.monotonic() - started, "out": out, "csv": gradebook_csv(out), "rows": rows_of(out),
        "victim": victim, "victims": victims, "official": official,
    }


pytestmark_cohort = pytest.mark.xdist_group("regrade-cohort")


def score(record: dict[str, str]) -> tuple[str, str, str]:
    return record["status"], record["points"], record["max"]


@pytestmark_cohort
def test_the_regrade_finishes_in_bounded_time_and_prints_one_line_per_student(cohort: dict[str, Any]) -> None:
    done = cohort["done"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert cohort["seconds"] < WHOLE_RUN
    progress = [line for line in done.stdout.splitlines() if line.startswith("[")]
    assert len(progress) == 11 and progress[-1].startswith("[11/11] ")
    timed_out = f"runaway: timeout ({GRADING_TIMED_OUT.format(seconds=REGRADE_TIMEOUT)})"
    assert any(line.endswith(timed_out) for line in progress)
    assert any(line.startswith("[") and "complete: 3 / 3 (100%) in " in line for line in progress)


@pytestmark_cohort
def test_a_complete_repository_scores_full_marks_verified_despite_its_templates_lock_and_workflow(
    cohort: dict[str, Any],
) -> None:
    record = cohort["csv"]["complete"]
    assert score(record) == (GRADED, "3", "3")
    assert (record["one"], record["two"]) == ("1", "2")
    assert record["integrity"] == "verified" and record["flags"] == "" and record["detail"] == ""
    assert len(record["commit"]) == 40 and record["source"].endswith(f"@{record['commit'][:12]}")
    report = json.loads((cohort["out"] / "reports" / "complete" / "grade-report.json").read_text())
    assert report["integrity"]["verdict"] == "ok" and report["totals"]["points"] == 3


@pytestmark_cohort
def test_a_wrong_answer_loses_only_its_exercises_points(cohort: dict[str, Any]) -> None:
    record = cohort["csv"]["partial"]
    assert score(record) == (GRADED, "2", "3") and (record["one"], record["two"]) == ("0", "2")
    assert record["flags"] == "" and record["integrity"] == "verified"


@pytestmark_cohort
def test_shared_exam_practice_is_carried_as_self_reported_and_never_changes_the_grade(cohort: dict[str, Any]) -> None:
    record, partial = cohort["csv"]["practiced"], cohort["csv"]["partial"]
    assert score(record) == score(partial) == (GRADED, "2", "3") and (record["one"], record["two"]) == ("0", "2")
    assert record["flags"] == "" and record["integrity"] == "verified"  # a shared results file is no grading file
    assert (record["practice"], record["practice_quiz_w1"], record["practice_exam_scaled"]) == ("shared", "100", "1000")
    assert (partial["practice"], partial["practice_exam_scaled"]) == ("not-shared", "")
    report = json.loads((cohort["out"] / "reports" / "practiced" / "grade-report.json").read_text())
    assert report["practice"]["self_reported"] is True and report["totals"]["points"] == 2


@pytestmark_cohort
def test_an_edited_grader_is_replaced_by_the_official_one_and_flagged_file_by_file(cohort: dict[str, Any]) -> None:
    record = cohort["csv"]["tampered"]
    assert score(record) == (GRADED, "2", "3") and record["one"] == "0"  # the official check fails ANSWER = 41
    assert record["flags"] == FLAG_TAMPERED and record["integrity"] == "tampered"
    assert cohort["rows"]["tampered"].problems == [
        CHANGED.format(path="ex/one/test_one.py"), ADDED.format(path="ex/one/conftest.py")
    ]


@pytestmark_cohort
def test_code_that_hangs_at_import_fails_only_its_exercises_checks(cohort: dict[str, Any]) -> None:
    record = cohort["csv"]["hangs"]
    assert score(record) == (GRADED, "2", "3") and (record["one"], record["two"]) == ("0", "2")
    report = json.loads((cohort["out"] / "reports" / "hangs" / "grade-report.json").read_text())
    check = report["exercises"][0]["checks"][0]
    assert check["outcome"] != "passed" and "longer than 2 s" in check["message"], check


@pytestmark_cohort
def test_code_that_defeats_the_per_check_timeout_is_killed_at_the_students_timeout(cohort: dict[str, Any]) -> None:
    record = cohort["csv"]["runaway"]
    assert record["status"] == TIMEOUT and record["points"] == "" and record["flags"] == FLAG_MISSING
    assert record["detail"] == GRADING_TIMED_OUT.format(seconds=REGRADE_TIMEOUT)
    log = cohort["out"] / "reports" / "runaway" / "grade.log"
    assert log.is_file()
    leftovers = subprocess.run(
        ["pgrep", "-f", str(cohort["out"] / "work")], capture_output=True, text=True, check=False
    ).stdout
    assert leftovers == "", "a student's grading process outlived the regrade"


@pytestmark_cohort
def test_an_empty_repository_and_a_missing_one_get_no_grade_and_say_why(cohort: dict[str, Any]) -> None:
    empty, missing = cohort["csv"]["empty"], cohort["csv"]["missing"]
    assert (empty["status"], empty["detail"], empty["flags"]) == (EMPTY, NO_COMMITS, FLAG_MISSING)
    assert missing["status"] == MISSING and missing["flags"] == FLAG_MISSING
    assert missing["detail"].startswith("fatal: ") and "nobody-here" in missing["detail"], missing["detail"]


@pytestmark_cohort
def test_a_grading_run_that_dies_without_a_report_is_failed_with_its_logs_last_line_and_no_local_path(
    cohort: dict[str, Any],
) -> None:
    record = cohort["csv"]["killer"]
    assert (record["status"], record["points"], record["flags"]) == (FAILED, "", FLAG_MISSING)
    assert record["detail"].startswith(NO_REPORT.split("{line}")[0].format(ending="ended by SIGKILL", slug="killer", log="grade.log"))
    assert str(cohort["out"]) not in record["detail"] and "/tmp/" not in record["detail"], record["detail"]
    assert (cohort["out"] / "reports" / "killer" / "grade.log").is_file()


@pytestmark_cohort
def test_a_repository_from_another_release_says_so_beside_the_files_that_differ(cohort: dict[str, Any]) -> None:
    row = cohort["rows"]["old-release"]
    assert (row.status, row.points, row.flags) == (GRADED, 3.0, [FLAG_TAMPERED])
    assert row.problems == [CHANGED.format(path="course.toml")]
    assert row.detail == OTHER_RELEASE.format(manifest="course.toml", theirs="0.0.0", ours="0.0.1")


@pytestmark_cohort
def test_a_symlinked_grader_is_removed_before_the_overlay_so_the_file_it_points_to_is_untouched(
    cohort: dict[str, Any],
) -> None:
    row = cohort["rows"]["linked"]
    assert cohort["victim"].read_text() == "the instructor's own file\n"
    assert (cohort["victims"] / "harness" / "notes.py").read_text() == "kept = True\n"
    assert (row.status, row.points, row.flags) == (GRADED, 3.0, [FLAG_TAMPERED])
    assert row.problems == [SYMLINK.format(path="ex/one/test_one.py"), SYMLINK.format(path="harness")]


@pytestmark_cohort
def test_no_checkout_is_left_and_every_graded_student_keeps_a_report_and_a_log(cohort: dict[str, Any]) -> None:
    out = cohort["out"]
    assert not (out / "work").exists() or not any((out / "work").iterdir())
    for name, record in cohort["csv"].items():
        if record["status"] == GRADED:
            assert (out / "reports" / name / "grade-report.json").is_file()
            assert (out / "reports" / name / "grade.log").is_file()
    assert set(cohort["rows"]) == set(cohort["csv"]) and (out / "gradebook.html").is_file()
    assert cohort["official"].joinpath("graders.lock").is_file() and not (cohort["official"] / "reports").exists()


# ---------------------------------------------------------------------------------- due dates


@pytest.fixture(scope="module")
def dated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two commits: on 5 January `one` right and `two` half right, on 20 January both right."""
    root = tmp_path_factory.mktemp("dated")
    official = official_course(root / "official")
    repository = student_repository(official, root / "dana", {"ex/two/answer.py": HALF_TWO}, when="2026-01-05T10:00:00Z")
    (repository / "ex/two/answer.py").write_text(RIGHT)
    shas = [
        subprocess.run(
            ["git", "-C", str(repository), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip(),
        commit(repository, when="2026-01-20T10:00:00Z"),
    ]
    latecomer = student_repository(official, root / "lee", when="2026-01-20T10:00:00Z")
    return {"root": root, "official": official, "dana": repository, "lee": latecomer, "shas": shas}


def test_points_earned_after_a_due_date_are_late_with_the_on_time_points_kept(dated: dict[str, Any]) -> None:
    out = dated["root"] / "out-due"
    done = course(
        "regrade", str(dated["dana"]), "--course-root", str(dated["official"]),
        "--due", "1=2026-01-10", "--due", "2=2026-01-10",
        "--timeout", "60", "--out", str(out), cwd=dated["root"], timeout=WHOLE_RUN,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    row = rows_of(out)["dana"]
    assert (row.status, row.points, row.commit) == (GRADED, 3.0, dated["shas"][1])
    assert row.flags == [FLAG_LATE] and row.late == ["two"]
    assert (row.cells["one"].on_time, row.cells["one"].late) == (1.0, False)
    assert (row.cells["two"].points, row.cells["two"].on_time, row.cells["two"].late) == (2.0, 1.0, True)
    # Both weeks' due dates stand for the same commit: it was graded once, on both weeks' exercises.
    on_time = list((out / "reports" / "dana").glob("on-time-*.json"))
    assert [path.name for path in on_time] == [f"on-time-{dated['shas'][0][:12]}.json"]
    assert {exercise["id"] for exercise in json.loads(on_time[0].read_text())["exercises"]} == {"one", "two"}
    assert gradebook_csv(out)["dana"]["late"] == "two"


def test_before_grades_the_last_commit_made_by_then_and_a_later_repository_has_none(dated: dict[str, Any]) -> None:
    out = dated["root"] / "out-before"
    done = course(
        "regrade", str(dated["dana"]), str(dated["lee"]), "--course-root", str(dated["official"]),
        "--before", "2026-01-15",
        "--timeout", "60", "--out", str(out), cwd=dated["root"], timeout=WHOLE_RUN,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = rows_of(out)
    dana, lee = rows["dana"], rows["lee"]
    assert (dana.status, dana.points, dana.commit, dana.flags) == (GRADED, 2.0, dated["shas"][0], [])
    assert dana.graded_at == "2026-01-05T10:00:00Z"
    assert lee.status == EMPTY
    assert lee.detail == NO_COMMIT_BEFORE.format(before="2026-01-15T23:59:59Z", first="2026-01-20T10:00:00Z")


# ------------------------------------------------------------------------ the token and the child


FAKE_GIT = """#!{python}
# git, logging each call; GitHub's URL for octo/tiny is answered from a local repository.
import json, os, subprocess, sys
config = {{os.environ[f"GIT_CONFIG_KEY_{{i}}"]: os.environ[f"GIT_CONFIG_VALUE_{{i}}"]
          for i in range(int(os.environ.get("GIT_CONFIG_COUNT", "0")))}}
args = [{local!r} if arg == {url!r} else arg for arg in sys.argv[1:]]
code = subprocess.call([{git!r}, *args])
entry = {{"args": sys.argv[1:], "config": config}}
if "clone" in args:
    entry["clone_config"] = open(os.path.join(args[-1], ".git", "config")).read()
with open({log!r}, "a") as handle:
    handle.write(json.dumps(entry) + "\\n")
sys.exit(code)
"""
SPY_ANSWER = "import json, os\n\nwith open({seen!r}, 'w') as handle:\n    json.dump(dict(os.environ), handle)\n\n" + RIGHT
TOKEN = "ghs_exampleTokenThatMustNotLeak"
SECRETS = {
    "GITHUB_TOKEN": TOKEN, "GH_TOKEN": "gh-cli-token", "ACTIONS_RUNTIME_TOKEN": "runtime", "AWS_SECRET_ACCESS_KEY": "aws",
    "COURSE_BACKEND": "localstack", "PYTEST_ADDOPTS": "-x", "MY_SERVICE_PASSWORD": "hunter2",
    "SSH_AUTH_SOCK": "/tmp/agent",
}


def test_the_github_token_reaches_gits_header_and_never_the_students_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    official = official_course(tmp_path / "official")
    seen = tmp_path / "environment-seen-by-student.json"
    local = student_repository(official, tmp_path / "octo-tiny", {"ex/one/answer.py": SPY_ANSWER.format(seen=str(seen))})
    bin_dir, log = tmp_path / "bin", tmp_path / "git-calls.jsonl"
    bin_dir.mkdir()
    url = "https://github.com/octo/tiny.git"
    fake = FAKE_GIT.format(python=sys.executable, local=str(local), url=url, git=shutil.which("git"), log=str(log))
    (bin_dir / "git").write_text(fake)
    (bin_dir / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("COURSE_CHECK_TIMEOUT", "9")
    for key, value in SECRETS.items():
        monkeypatch.setenv(key, value)
    student = Student("octo", "octo/tiny")
    assert student.on_github and clone_source(student) == url

    out = io.StringIO()
    course_ = load_course(official)
    [row] = regrade_rows(
        course=course_, course_root=official, lock=read_lock(official) or {}, students=[student], before=None, due={},
        jobs=1, timeout=60, work_dir=tmp_path / "out" / "work", reports_dir=tmp_path / "out" / "reports", out=out,
    )
    assert (row.status, row.points, row.flags) == (GRADED, 3.0, []), (row, out.getvalue())

    calls = [json.loads(line) for line in log.read_text().splitlines()]
    clone = next(call for call in calls if call["args"][0] == "clone")
    header = "Authorization: Basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    assert clone["config"] == {"http.https://github.com/.extraheader": header}
    assert url in clone["args"] and TOKEN not in clone["clone_config"] and header not in clone["clone_config"]
    assert all(TOKEN not in " ".join(call["args"]) for call in calls)
    assert all(call["config"] == {} for call in calls if call is not clone), "only the clone gets the token"

    environment = json.loads(seen.read_text())
    assert environment["COURSE_CHECK_TIMEOUT"] == "9" and "PATH" in environment
    # The harness sets its own dummy AWS keys for the emulator; none of the instructor's values get through.
    leaked = {key: value for key, value in environment.items() if value in SECRETS.values() or TOKEN in value}
    assert leaked == {}


# ----------------------------------------------------------------------------------- small parts


def test_an_unexpected_error_in_one_students_regrade_is_that_students_failed_row_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    official = official_course(tmp_path / "official")
    repository = student_repository(official, tmp_path / "ada")

    def broken_overlay(official: Path, student: Path) -> None:
        raise RuntimeError("disk full\nwhile copying")

    monkeypatch.setattr("instructor.regrade.overlay", broken_overlay)
    out = io.StringIO()
    rows = regrade_rows(
        course=load_course(official), course_root=official, lock=read_lock(official) or {},
        students=[Student("ada", str(repository)), Student("bob", str(tmp_path / "nobody"))], before=None, due={},
        jobs=2, timeout=60, work_dir=tmp_path / "out" / "work", reports_dir=tmp_path / "out" / "reports", out=out,
    )
    assert [(row.student, row.status) for row in rows] == [("ada", FAILED), ("bob", MISSING)]
    assert rows[0].detail == CRASHED.format(error="RuntimeError: disk full while copying")
    assert f"ada: failed ({rows[0].detail})" in out.getvalue()
    assert not (tmp_path / "out" / "work").exists()


def test_the_grading_environment_keeps_the_check_timeout_and_drops_what_could_leak_or_change_a_grade() -> None:
    environ = {
        "PATH": "/usr/bin", "HOME": "/home/i", "LANG": "C.UTF-8", "COURSE_CHECK_TIMEOUT": "5", "COURSE_FAIL_UNDER": "60",
        "GITHUB_TOKEN": "t", "GH_TOKEN": "t", "ACTIONS_ID_TOKEN_REQUEST_URL": "u", "AWS_PROFILE": "prod",
        "PYTEST_ADDOPTS": "-x", "LOCALSTACK_AUTH_TOKEN": "l", "npm_config_token": "n", "DB_SECRET": "s",
        "PYTHONPATH": "/elsewhere", "PYTHONSAFEPATH": "1", "GIT_DIR": "/repo/.git",
    }
    kept = {"PATH": "/usr/bin", "HOME": "/home/i", "LANG": "C.UTF-8", "COURSE_CHECK_TIMEOUT": "5"}
    assert grading_environment(environ) == kept


def test_a_failed_runs_last_line_names_files_relative_to_the_checkout_and_no_folder_of_this_machine(
    tmp_path: Path,
) -> None:
    checkout = tmp_path / "work" / "ada"
    log = f"Traceback (most recent call last):\n  File \"{checkout}/ex/one/answer.py\", line 3\n\n" \
          "ImportError: cannot import /usr/lib/python3/dist-packages/thing.py\n────────\n\n"
    assert last_line(log) == "ImportError: cannot import /usr/lib/python3/dist-packages/thing.py"
    assert without_paths(last_line(log), (checkout,)) == "ImportError: cannot import thing.py"
    assert without_paths(f"at {checkout}/ex/one/answer.py, see http://127.0.0.1:5000/x/y", (checkout,)) == (
        "at ex/one/answer.py, see http://127.0.0.1:5000/x/y"
    )
    assert last_line("\n \n") == "(the log is empty)"


def test_students_whose_names_make_the_same_slug_get_folders_of_their_own() -> None:
    students = [Student("Ada L", "a/x"), Student("Ada L.", "b/x"), Student("ada-l", "c/x"), Student("Bo", "d/x")]
    assert unique_slugs(students) == ["Ada-L", "Ada-L-2", "ada-l-3", "Bo"]


def test_a_roster_line_on_github_a_url_and_a_path_clone_from_where_they_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_SERVER_URL", raising=False)
    assert clone_source(parse_student("octocat/course")) == "https://github.com/octocat/course.git"
    assert clone_source(parse_student("Ann, git@example.org:ann/course.git")) == "git@example.org:ann/course.git"
    (tmp_path / "bob" / "course").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert clone_source(parse_student("Bob, bob/course")) == "bob/course"  # a folder here, not GitHub's bob/course


# ------------------------------------------------------------------------- the workflow's roster job


def roster_matrix(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", str(REPO / "scripts" / "roster_matrix.py"), str(path)],
        capture_output=True, text=True, timeout=60, check=False,
    )


def test_the_roster_matrix_script_turns_the_example_roster_into_the_workflows_json() -> None:
    example = REPO / "docs" / "examples" / "students.txt"
    done = roster_matrix(example)
    assert done.returncode == 0, done.stderr
    entries = json.loads(done.stdout)
    students = read_roster(example)
    assert [set(entry) for entry in entries] == [{"name", "line", "slug"}] * len(students)
    assert [parse_student(entry["line"]) for entry in entries] == students
    assert [entry["slug"] for entry in entries] == [student.slug for student in students]
    assert "\n" not in done.stdout.strip(), "GITHUB_OUTPUT takes one line"


def test_the_roster_matrix_script_refuses_more_students_than_a_matrix_holds_and_clashing_artifact_names(
    tmp_path: Path,
) -> None:
    big = tmp_path / "big.txt"
    big.write_text("".join(f"student{number}/course\n" for number in range(257)))
    done = roster_matrix(big)
    assert done.returncode == 2 and "at most 256" in done.stderr and done.stdout == ""
    clash = tmp_path / "clash.txt"
    clash.write_text("Ada L, a/course\nAda L., b/course\n")
    done = roster_matrix(clash)
    assert done.returncode == 2 and "regrade-Ada-L" in done.stderr
    missing = roster_matrix(tmp_path / "none.txt")
    assert missing.returncode == 2 and "none.txt does not exist" in missing.stderr
