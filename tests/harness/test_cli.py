"""The `course` command, run as a student runs it: in a child process, on a small course made in a temp dir."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from ci_support import ANSWER_CHECK, TINY_MANIFEST, clean_environment
from ci_support import course as run_course
from support import REPO, free_port

from harness import doctor as doctor_module
from harness.background_control import (
    ALREADY_RUNNING,
    EMULATORS,
    NOT_RUNNING,
    PORT_IN_USE,
    STOPPED,
    is_our_server,
    read_state,
    state_path,
)
from harness.cli import build_parser
from harness.doctor import DOCKER_ENGINE_FIX, NOT_READY, PROBLEM, READY, TOKEN_MISSING, Finding, python_version
from harness.grade import BELOW_THRESHOLD, HARNESS_FAILED, MISSING_FOLDER, NO_CHECKS
from harness.options import GRADING_OPTIONS
from harness.status import ALL_COMPLETE, NO_REPORT, NOT_GRADED_YET, UNREADABLE_REPORT
from harness.terminal_env import EVAL_COMMAND, one_line_export

TIMEOUT = 120  # seconds for one `course` command; grading the tiny course takes ~1.5 s

GRADER = "import pytest\n\n" + ANSWER_CHECK


def course(*args: str, env: dict[str, str] | None = None, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    """`course ARGS` in a child process, with no grading setting inherited from whoever runs these tests."""
    return run_course(*args, env=clean_environment(**(env or {})), timeout=timeout)


@pytest.fixture
def tiny_course(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    for folder in ("ex/one", "ex/two"):
        (root / folder).mkdir(parents=True)
        (root / folder / "test_answer.py").write_text(GRADER, encoding="utf-8")
        (root / folder / "answer.py").write_text("ANSWER = 42\n", encoding="utf-8")
    (root / "course.toml").write_text(TINY_MANIFEST, encoding="utf-8")
    return root


def set_answer(course_root: Path, value: int) -> None:
    (course_root / "ex/one/answer.py").write_text(f"ANSWER = {value}\n", encoding="utf-8")


def grade(course_root: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict | None]:
    reports = course_root.parent / "reports"
    done = course("grade", "--course-root", str(course_root), "--report-dir", str(reports), *args)
    report_file = reports / "grade-report.json"
    return done, json.loads(report_file.read_text()) if report_file.is_file() else None


# -------------------------------------------------------------------------------------------- grade


def test_an_unknown_exercise_id_exits_2_and_lists_the_known_ids(tiny_course: Path) -> None:
    done, report = grade(tiny_course, "lab99")
    assert done.returncode == 2
    assert "'lab99'" in done.stderr and "known exercises: one, two" in done.stderr
    assert report is None


def test_a_passing_check_exits_0_and_writes_the_report(tiny_course: Path) -> None:
    done, report = grade(tiny_course, "one", "--fail-under", "100")
    assert done.returncode == 0, done.stdout + done.stderr
    assert report is not None
    assert report["totals"]["points"] == 1 and report["totals"]["percent"] == 100
    assert [e["id"] for e in report["exercises"]] == ["one"]


def test_a_failing_check_still_exits_0_and_the_scoreboard_shows_the_hint(tiny_course: Path) -> None:
    set_answer(tiny_course, 41)
    done, report = grade(tiny_course, "one")
    assert done.returncode == 0, done.stdout + done.stderr
    assert report is not None and report["exercises"][0]["checks"][0]["outcome"] == "failed"
    assert "Expected ANSWER == 42, got 41." in done.stdout
    assert "Hint: Set ANSWER to 42 in answer.py." in done.stdout


def test_fail_under_100_exits_1_when_a_check_fails(tiny_course: Path) -> None:
    set_answer(tiny_course, 41)
    done, report = grade(tiny_course, "one", "--fail-under", "100")
    assert done.returncode == 1
    assert report is not None
    assert BELOW_THRESHOLD.format(percent=0, threshold=100) in done.stdout


def test_grading_with_no_id_grades_every_exercise(tiny_course: Path) -> None:
    done, report = grade(tiny_course)
    assert done.returncode == 0, done.stdout + done.stderr
    assert report is not None and [e["id"] for e in report["exercises"]] == ["one", "two"]


def test_arguments_after_a_double_dash_reach_pytest(tiny_course: Path) -> None:
    done, report = grade(tiny_course, "one", "--", "-k", "no_check_has_this_name")
    assert done.returncode == 2
    assert NO_CHECKS.format(folders="ex/one") in done.stdout
    assert report is None


def test_a_check_timeout_given_to_course_grade_reaches_the_plugin(tiny_course: Path) -> None:
    (tiny_course / "ex/one/answer.py").write_text("import time\ntime.sleep(30)\nANSWER = 42\n", encoding="utf-8")
    done, report = grade(tiny_course, "one", "--check-timeout", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert report is not None, done.stdout + done.stderr
    check = report["exercises"][0]["checks"][0]
    assert check["outcome"] != "passed" and "1 s" in check["message"], check


def test_course_grade_and_pytest_describe_each_shared_option_with_the_same_words() -> None:
    grade_parser = next(
        action.choices["grade"] for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction)
    )
    shown_by_cli = {action.option_strings[0]: action.help for action in grade_parser._actions if action.option_strings}
    shown_by_pytest = subprocess.run(
        [sys.executable, "-m", "pytest", "--help", "-p", "no:cacheprovider"], cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT
    ).stdout
    for option in GRADING_OPTIONS:
        assert shown_by_cli[option.flag] == option.help
        assert " ".join(option.help.split()) in " ".join(shown_by_pytest.split()), option.flag


def test_a_run_that_writes_no_report_is_a_harness_failure(tiny_course: Path) -> None:
    done, report = grade(tiny_course, "one", "--", "--no-report")
    assert done.returncode == 2
    assert "wrote no report" in done.stdout
    assert report is None


def test_a_backend_that_cannot_start_is_a_harness_failure_even_with_a_report(tiny_course: Path) -> None:
    reports = tiny_course.parent / "reports"
    nowhere = f"http://127.0.0.1:{free_port()}"  # no LocalStack listens there
    args = ["grade", "one", "--backend", "localstack", "--course-root", str(tiny_course), "--report-dir", str(reports)]
    done = course(*args, env={"AWS_ENDPOINT_URL": nowhere})
    assert done.returncode == 2
    assert HARNESS_FAILED in done.stdout and "LocalStack is not answering" in done.stdout
    assert json.loads((reports / "grade-report.json").read_text())["harness_errors"]


def test_an_exercise_whose_folder_is_missing_exits_2(tiny_course: Path) -> None:
    (tiny_course / "ex/two/test_answer.py").unlink()
    (tiny_course / "ex/two/answer.py").unlink()
    (tiny_course / "ex/two").rmdir()
    done, _ = grade(tiny_course, "two")
    assert done.returncode == 2
    assert MISSING_FOLDER.format(id="two", folder="ex/two") in done.stdout


# ------------------------------------------------------------------------------------------- status


def test_status_without_a_report_says_so_and_suggests_grading(tiny_course: Path) -> None:
    done = course("status", "--course-root", str(tiny_course), "--report-dir", str(tiny_course.parent / "none"))
    assert done.returncode == 0
    assert "No grade report yet" in done.stdout and "`course grade`" in done.stdout
    assert NO_REPORT.split("{")[0] in done.stdout


def fabricated_report(*exercises: dict) -> dict:
    points = sum(e["points"] for e in exercises)
    maximum = sum(e["max"] for e in exercises)
    return {
        "schema_version": 1,
        "course": {"name": "Tiny Course", "version": "0.0.1"},
        "backend": {"name": "moto", "chosen_by": "default"},
        "finished_at": "2026-11-20T10:00:00+00:00",
        "totals": {
            "points": points,
            "max": maximum,
            "percent": round(100 * points / maximum, 1),
            "checks": 2,
            "passed": 1,
            "not_graded": 0,
        },
        "harness_errors": [],
        "exercises": list(exercises),
    }


def exercise_entry(exercise_id: str, points: float, maximum: float, status: str) -> dict:
    return {
        "id": exercise_id,
        "points": points,
        "max": maximum,
        "status": status,
        "checks": [],
        "errors": [],
        "not_graded": 0,
    }


def test_status_shows_each_week_with_bars_totals_and_the_next_command(tiny_course: Path, tmp_path: Path) -> None:
    reports = tmp_path / "fabricated"
    reports.mkdir()
    report = fabricated_report(exercise_entry("one", 0.5, 1, "in progress"))
    (reports / "grade-report.json").write_text(json.dumps(report), encoding="utf-8")
    done = course("status", "--course-root", str(tiny_course), "--report-dir", str(reports))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "Week 1" in lines and "Week 2" in lines
    first = next(line for line in lines if "First Answer (one)" in line)
    assert "██████████░░░░░░░░░░" in first and "0.5/1" in first and "in progress" in first
    second = next(line for line in lines if "Second Answer (two)" in line)
    assert NOT_GRADED_YET in second
    assert "Total: 0.5 / 1 points in the graded exercises (50%); 0 of 2 exercises complete, 1 not graded yet." in lines
    assert "Next: `course grade one`" in done.stdout


def test_status_says_all_is_done_when_every_exercise_is_complete(tiny_course: Path, tmp_path: Path) -> None:
    report = fabricated_report(exercise_entry("one", 1, 1, "complete"), exercise_entry("two", 1, 1, "complete"))
    (tmp_path / "grade-report.json").write_text(json.dumps(report), encoding="utf-8")
    done = course("status", "--course-root", str(tiny_course), "--report-dir", str(tmp_path))
    assert done.returncode == 0 and ALL_COMPLETE in done.stdout


def test_status_with_a_corrupt_report_says_to_grade_again(tiny_course: Path, tmp_path: Path) -> None:
    (tmp_path / "grade-report.json").write_text("{not json", encoding="utf-8")
    done = course("status", "--course-root", str(tiny_course), "--report-dir", str(tmp_path))
    assert done.returncode == 0
    assert UNREADABLE_REPORT.split("{")[0] in done.stdout and "`course grade`" in done.stdout


def test_status_reads_the_report_that_grade_wrote(tiny_course: Path) -> None:
    grade(tiny_course, "one")
    done = course("status", "--course-root", str(tiny_course), "--report-dir", str(tiny_course.parent / "reports"))
    assert "First Answer (one)" in done.stdout and "complete" in done.stdout
    assert "Next: `course grade two`" in done.stdout


# ------------------------------------------------------------------------------------------- doctor


@pytest.fixture
def no_docker_engine(tmp_path: Path) -> dict[str, str]:
    """An environment whose `docker` client cannot reach an engine, wherever these tests run."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(
        "#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' >&2\nexit 1\n"
    )
    docker.chmod(0o755)
    home = tmp_path / "home"
    home.mkdir()
    path = os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), "/usr/bin", "/bin"])
    # LocalStack is looked for on a port where nothing listens, not at a LocalStack the developer may run.
    return {"PATH": path, "HOME": str(home), "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}


def test_doctor_finds_the_embedded_backend_usable_and_notes_what_localstack_lacks(
    no_docker_engine: dict[str, str],
) -> None:
    done = course("doctor", env=no_docker_engine)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[ok]      Embedded backend (moto): started on 127.0.0.1:" in done.stdout
    assert "[note]    The Docker engine is not reachable (Cannot connect to the Docker daemon" in done.stdout
    assert f"Fix: {DOCKER_ENGINE_FIX}" in done.stdout
    assert TOKEN_MISSING in done.stdout and "LocalStack is not answering" in done.stdout
    assert READY in done.stdout


def test_doctor_says_the_token_is_set_without_printing_it(no_docker_engine: dict[str, str]) -> None:
    done = course("doctor", env={**no_docker_engine, "LOCALSTACK_AUTH_TOKEN": "ls-TOKEN-VALUE-1234"})
    assert "LOCALSTACK_AUTH_TOKEN is set" in done.stdout
    assert "TOKEN-VALUE" not in done.stdout + done.stderr


def test_doctor_notes_real_credentials_and_that_grading_never_uses_them(no_docker_engine: dict[str, str]) -> None:
    aws_dir = Path(no_docker_engine["HOME"]) / ".aws"
    aws_dir.mkdir()
    (aws_dir / "credentials").write_text(
        "[default]\naws_access_key_id = AKIAFILEKEY\naws_secret_access_key = file-value-9f2\n"
    )
    env = {**no_docker_engine, "AWS_ACCESS_KEY_ID": "AKIAENVKEY", "AWS_SECRET_ACCESS_KEY": "env-value-7c1"}
    done = course("doctor", env=env)
    assert done.returncode == 0
    note = next(line for line in done.stdout.splitlines() if "Real AWS credentials found" in line)
    assert (
        note.startswith("[note]") and "AWS_ACCESS_KEY_ID in your environment" in note and "~/.aws/credentials" in note
    )
    assert "The harness never uses them" in note
    assert not any(value in done.stdout for value in ("AKIA", "file-value-9f2", "env-value-7c1"))


def test_an_unsupported_python_is_a_problem() -> None:
    assert python_version((3, 9, 18)).level == PROBLEM
    assert python_version((3, 14, 0)).level == PROBLEM
    assert python_version((3, 13, 1)).level != PROBLEM


def test_doctor_exits_1_when_the_embedded_backend_does_not_work(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = Finding(PROBLEM, "The embedded backend (moto) does not work: boom", "reinstall")
    monkeypatch.setattr(doctor_module, "embedded_backend", lambda: broken)
    out = StringIO()
    assert doctor_module.doctor(out=out) == 1
    assert NOT_READY in out.getvalue() and "Fix: reinstall" in out.getvalue()


# ------------------------------------------------------------------------------------------ backend


@pytest.fixture
def background_root(tmp_path: Path) -> Iterator[Path]:
    """A course root for the background emulator's state; whatever the test did, nothing is left running."""
    yield tmp_path
    course("backend", "down", "--course-root", str(tmp_path), timeout=30)
    state = read_state(state_path(tmp_path))
    if state is not None and is_our_server(state["pid"]):  # `down` failed: end the process this test started
        os.kill(state["pid"], signal.SIGKILL)


def test_backend_up_serves_aws_calls_until_backend_down(background_root: Path) -> None:
    port = free_port()
    root = ["--course-root", str(background_root)]
    started = course("backend", "up", "--port", str(port), *root)
    endpoint = f"http://127.0.0.1:{port}"
    assert started.returncode == 0, started.stdout + started.stderr
    assert EVAL_COMMAND in started.stdout and f"AWS_ENDPOINT_URL={endpoint} " in started.stdout

    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )
    dynamodb.create_table(
        TableName="notes",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert dynamodb.list_tables()["TableNames"] == ["notes"]

    again = course("backend", "up", "--port", str(port), *root)
    assert again.returncode == 0 and ALREADY_RUNNING in again.stdout
    assert f"running at {endpoint}" in course("backend", "status", *root).stdout

    stopped = course("backend", "down", *root)
    assert stopped.returncode == 0 and STOPPED.format(emulator=EMULATORS["moto"], pid=0).split("(")[0] in stopped.stdout
    assert NOT_RUNNING in course("backend", "status", *root).stdout
    assert not state_path(background_root).exists()
    assert (background_root / ".course/backend.log").read_text() == ""  # the server printed nothing


def test_backend_up_listens_on_the_port_course_backend_port_names(background_root: Path) -> None:
    port = free_port()
    started = course("backend", "up", "--course-root", str(background_root), env={"COURSE_BACKEND_PORT": str(port)})
    assert started.returncode == 0, started.stdout + started.stderr
    assert one_line_export(f"http://127.0.0.1:{port}") in started.stdout


def test_backend_up_refuses_a_course_backend_port_that_is_no_port(background_root: Path) -> None:
    done = course("backend", "up", "--course-root", str(background_root), env={"COURSE_BACKEND_PORT": "45a"})
    assert done.returncode == 2 and "environment variable COURSE_BACKEND_PORT" in done.stderr
    assert not state_path(background_root).exists()


def test_backend_up_refuses_a_port_another_program_holds(background_root: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = course("backend", "up", "--port", str(port), "--course-root", str(background_root))
    assert done.returncode == 1
    assert PORT_IN_USE.split("{")[0] in done.stdout and "another program" in done.stdout
    assert not state_path(background_root).exists()


def test_the_background_emulator_stops_by_itself_when_idle(background_root: Path) -> None:
    root = ["--course-root", str(background_root)]
    started = course("backend", "up", "--port", str(free_port()), "--idle-minutes", "0.02", *root)
    assert started.returncode == 0, started.stdout
    deadline = time.monotonic() + 20
    while state_path(background_root).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert NOT_RUNNING in course("backend", "status", *root).stdout


def test_backend_down_when_nothing_runs_says_so(background_root: Path) -> None:
    done = course("backend", "down", "--course-root", str(background_root))
    assert done.returncode == 0 and NOT_RUNNING in done.stdout


# -------------------------------------------------------------------------------------------- start


def test_the_command_starts_without_importing_pytest_boto3_or_moto() -> None:
    heavy = ("pytest", "boto3", "botocore", "moto", "rich")
    code = f"import sys, harness.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.stdout.strip() == "[]", done.stderr


def test_course_with_no_command_prints_help_and_exits_2() -> None:
    done = course()
    assert done.returncode == 2 and "grade" in done.stdout and "doctor" in done.stdout


def test_jobs_gives_pytest_xdist_one_worker_per_cpu_up_to_one_per_exercise(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.grade import AUTO_JOBS, MAX_AUTO_JOBS, parallel_arguments

    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert parallel_arguments(6, AUTO_JOBS, []) == ["-n", str(MAX_AUTO_JOBS), "--dist", "loadfile"]
    assert parallel_arguments(3, AUTO_JOBS, []) == ["-n", "3", "--dist", "loadfile"]  # a worker per exercise at most
    assert parallel_arguments(1, AUTO_JOBS, []) == []  # one exercise: no worker to start
    assert parallel_arguments(3, 1, []) == [] and parallel_arguments(3, None, []) == []  # --jobs 1
    assert parallel_arguments(3, 2, []) == ["-n", "2", "--dist", "loadfile"]
    assert parallel_arguments(3, 2, ["-n", "3"]) == [] and parallel_arguments(3, 2, ["-p", "no:xdist"]) == []
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert parallel_arguments(3, AUTO_JOBS, []) == []


def test_without_jobs_a_long_run_grades_in_workers_and_official_grading_in_one_process() -> None:
    from harness.grade import AUTO_JOBS, MIN_PARALLEL_SECONDS, default_jobs
    from harness.manifest import load_course

    course = load_course(REPO).exercises
    assert sum(exercise.grading_seconds for exercise in course) >= MIN_PARALLEL_SECONDS
    assert default_jobs(course, official=False, backend="moto") == AUTO_JOBS  # `make grade`: the whole course
    assert default_jobs(course, official=True, backend="moto") == 1  # --ci github, --gradescope
    assert default_jobs(course, official=False, backend="localstack") == 1  # one emulator shared by all
    assert default_jobs(course, official=False, backend="moto", extra=["--pdb"]) == 1  # a debugger needs this process
    small = [exercise for exercise in course if exercise.id in ("kata1", "kata2")]
    assert default_jobs(small, official=False, backend="moto") == 1  # a worker's start would cost more than it saves


def test_jobs_on_localstack_grades_in_one_process_and_says_why(tiny_course: Path) -> None:
    reports = str(tiny_course.parent / "reports")
    args = ("grade", "--course-root", str(tiny_course), "--report-dir", reports, "--jobs", "2", "--backend", "localstack")
    done = course(*args, env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})  # nothing answers: a harness error, after the note
    assert "--jobs 2 ignored" in done.stdout and "bringing up nodes" not in done.stdout, done.stdout


def test_a_parallel_run_reports_every_exercise_as_a_sequential_one_does(tiny_course: Path) -> None:
    for name in ("one", "two"):  # pytest imports grader files by basename: one name per worker's import
        (tiny_course / "ex" / name / "test_answer.py").rename(tiny_course / "ex" / name / f"test_{name}.py")
    (tiny_course / "ex/two/answer.py").write_text("ANSWER = 7\n", encoding="utf-8")
    done, parallel = grade(tiny_course, "--jobs", "2")
    assert done.returncode == 0 and "bringing up nodes" in done.stdout, done.stdout  # graded: exit 0, a check failing
    done, sequential = grade(tiny_course, "--jobs", "1")
    assert "bringing up nodes" not in done.stdout
    assert parallel is not None and sequential is not None
    shape = [[(e["id"], e["points"], [(c["id"], c["outcome"]) for c in e["checks"]]) for e in r["exercises"]]
             for r in (parallel, sequential)]
    assert shape[0] == shape[1]
