"""`make bench` (scripts/bench.py) measures and asserts nothing; these tests keep its options and its
printing working without the minutes a real LocalStack or a real grading of the course costs. The seams
replaced: LocalStack's host process (bench_backends.localstack_host), the `course grade` processes
(subprocess.run, answering with a report as `course grade` writes it), and the MiniStack and LocalStack
rows of the backends table. moto's row is measured for real (about a second)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import REPO

from harness.manifest import load_course

sys.path.insert(0, str(REPO / "scripts"))
import bench  # noqa: E402
import bench_backends  # noqa: E402


def report(checks: list[str]) -> dict:
    """A grade report of one exercise whose checks ended as given (each worth 2 points)."""
    graded = [outcome for outcome in checks if outcome != "not_graded"]
    return {
        "harness_errors": [],
        "totals": {
            "points": 2.0 * graded.count("passed"),
            "max": 2.0 * len(graded),
            "checks": len(checks),
            "not_graded": len(checks) - len(graded),
        },
        "exercises": [
            {
                "id": "x",
                "points": 2.0 * graded.count("passed"),
                "max": 2.0 * len(graded),
                "checks": [{"outcome": outcome, "points": 0, "max": 2} for outcome in checks],
            }
        ],
    }


def test_a_tally_counts_what_was_not_graded_and_what_ended_in_error() -> None:
    assert bench.tally(report(["passed", "passed", "failed"]), 0) == "4/6 points, 3/3 checks graded"
    assert (
        bench.tally(report(["passed", "not_graded", "not_graded"]), 0)
        == "2/2 points, 1/3 checks graded (2 NOT GRADED on this backend)"
    )
    assert bench.tally(report(["passed", "error"]), 1) == "2/4 points, 2/2 checks graded, 1 IN ERROR"
    assert bench.tally(None, 3) == "NO REPORT (course grade exited 3)"


@contextlib.contextmanager
def fake_localstack(started: list[str]) -> Iterator[tuple[object, float]]:
    started.append("started")
    yield type("Host", (), {"endpoint": "http://127.0.0.1:45999", "pid": os.getpgrp()})(), 4321.0
    started.append("stopped")


def test_exercises_on_localstack_grade_with_its_endpoint_and_say_what_was_not_graded(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    lifecycle: list[str] = []
    monkeypatch.setattr(bench, "localstack_host", lambda: fake_localstack(lifecycle))
    monkeypatch.setattr(bench, "probe_ms", lambda endpoint: lifecycle.append(f"warmed {endpoint}") or 2500.0)
    gradings = []

    def course_grade(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        gradings.append((command, os.environ.get("AWS_ENDPOINT_URL"), list(lifecycle)))
        folder = Path(command[command.index("--report-dir") + 1])
        outcomes = ["passed", "not_graded"] if "--solutions" in command else ["failed", "not_graded"]
        (folder / "grade-report.json").write_text(json.dumps(report(outcomes)))
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(bench.subprocess, "run", course_grade)
    assert bench.main(["--backend", "localstack", "--only", "exercises", "--runs", "1"]) == 0
    printed = capsys.readouterr().out

    exercises = [exercise.id for exercise in load_course(REPO).exercises]
    assert len(gradings) == 2 * len(exercises)
    for command, endpoint, lifecycle_then in gradings:
        assert command[1] == "grade" and command[-2:] == ["--backend", "localstack"]
        assert endpoint == "http://127.0.0.1:45999", "graded without LocalStack's endpoint"
        assert lifecycle_then == ["started", "warmed http://127.0.0.1:45999"], (
            "graded while LocalStack was not running or cold"
        )
    assert lifecycle == ["started", "warmed http://127.0.0.1:45999", "stopped"]  # once for every grading
    assert "ready in 4.3 s at http://127.0.0.1:45999, every service answering 2.5 s later" in printed
    paces = [line for line in printed.splitlines() if line.startswith("Machine pace")]
    assert [line.split(" (")[0] for line in paces] == ["Machine pace before", "Machine pace after"], printed
    assert printed.index(paces[0]) < printed.index("ready in 4.3 s") < printed.index(paces[1])  # around the figures
    assert printed.count("1/2 checks graded (1 NOT GRADED on this backend)") == 2 * len(exercises)
    assert "2/2 points" in printed and "0/2 points" in printed
    assert "AWS_ENDPOINT_URL" not in os.environ


def test_a_reference_solution_short_of_full_marks_names_its_checks() -> None:
    short = report(["passed", "failed", "not_graded"])
    short["exercises"][0]["checks"][1].update(title="topic encrypted", message="the topic has no KmsMasterKeyId")
    assert bench.short_of_full_marks(short) == ["SHORT: topic encrypted: failed 0/2: the topic has no KmsMasterKeyId"]
    assert bench.short_of_full_marks(report(["passed", "not_graded"])) == []
    assert bench.short_of_full_marks(None) == []


def test_an_optional_exercise_counts_its_own_points() -> None:
    optional = report(["passed", "failed"])
    optional["totals"].update(points=0.0, max=0.0)  # as the report keeps an optional exercise's points apart
    assert bench.tally(optional, 0) == "2/4 points, 2/2 checks graded"


def test_the_cpu_of_a_process_group_that_is_not_a_child_is_counted() -> None:
    burn = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\nimport sys; sys.stdin.read()"
    server = subprocess.Popen([sys.executable, "-c", burn], stdin=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while bench.process_group_cpu(server.pid) < 0.35 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert 0.35 <= bench.process_group_cpu(server.pid) < 5
    finally:
        server.stdin.close()  # type: ignore[union-attr]
        server.wait(timeout=10)
    assert bench.process_group_cpu(server.pid) == 0


ORPHAN_CPU = """
import sys
sys.path.insert(0, "scripts")
import bench
if sys.argv[1] == "adopt":
    bench.adopt_orphans()
burner = "import time\\nend = time.process_time() + 0.5\\nwhile time.process_time() < end: pass"
orphans_one = f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {burner!r}])"
timing, _ = bench.timed_with_cpu([sys.executable, "-c", orphans_one])
print(timing.cpu)
"""


def test_the_cpu_of_processes_a_grading_leaves_behind_is_counted_when_run_as_a_script() -> None:
    """MiniStack's Lambda workers outlive the process that waits for them: bench.py adopts and reaps them."""
    cpu = {}
    for mode in ("adopt", "test"):  # "test": as main() called by a test, which must not reap its fixtures' processes
        done = subprocess.run(
            [sys.executable, "-c", ORPHAN_CPU, mode], cwd=REPO, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        cpu[mode] = float(done.stdout)
    assert cpu["adopt"] >= 0.45 and cpu["test"] < 0.4, cpu


def test_moto_and_ministack_gradings_start_no_localstack(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bench, "localstack_host", lambda: pytest.fail("LocalStack started for MiniStack"))
    commands = []

    def course_grade(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        return subprocess.CompletedProcess(command, 2, "", "boom")  # no report written

    monkeypatch.setattr(bench.subprocess, "run", course_grade)
    bench.main(["--backend", "ministack", "--only", "lab1", "--runs", "1"])
    printed = capsys.readouterr().out
    assert [command[-2:] for command in commands] == [["--backend", "ministack"]] * 2
    assert "NO REPORT (course grade exited 2)" in printed and "boom" in printed


def test_an_unknown_backend_or_figure_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--backend", "docker"], ["--only", "everything"]):
        with pytest.raises(SystemExit):
            bench.main(argv)
    assert "invalid choice" in capsys.readouterr().err


def test_the_backends_table_has_a_row_per_backend_with_moto_measured_for_real(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ministack = bench_backends.Costs(
        "MiniStack 9",
        "cached (its install took 20.0 s)",
        350.0,
        "its process",
        3.25,
        40.0,
        12.0,
        "POST /_ministack/reset",
    )

    def no_localstack(empty: int, used: int) -> bench_backends.Costs:
        raise RuntimeError("LocalStack did not start within 180 s. Its log ends with:\nsomething")

    monkeypatch.setitem(bench_backends.MEASURES, "ministack", lambda empty, used: ministack)
    monkeypatch.setitem(bench_backends.MEASURES, "localstack", no_localstack)
    assert bench.main(["--only", "backends", "--resets", "3", "--used-resets", "2"]) == 0
    printed = capsys.readouterr().out
    table = [line for line in printed.splitlines() if line.startswith("| ")]
    assert table[0].startswith(
        "| Backend | Install | Start | Reset, empty (median of 3) | Reset after a check's resources (median of 2) |"
    )
    assert table[1].startswith("| :--- |")
    moto_row, ministack_row, localstack_row = table[2:]
    assert moto_row.startswith("| moto ") and "none: in the course's venv" in moto_row
    assert all(re.fullmatch(r"\d+\.\d+ m?s", cell.strip()) for cell in moto_row.split("|")[3:7]), moto_row
    assert (
        ministack_row
        == "| MiniStack 9 | cached (its install took 20.0 s) | 350.0 ms | 3.2 ms | 40.0 ms | 12.0 ms | POST /_ministack/reset |"
    )
    assert "not measured: RuntimeError: LocalStack did not start within 180 s." in localstack_row
    assert re.search(
        r"^- moto [\d.]+, start: its server in the grading process \(importing moto and the harness took", printed, re.M
    )
    assert "load " in next(line for line in printed.splitlines() if line.startswith("Backends around"))


def test_localstack_without_python_3_13_is_a_row_that_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from harness import localstack_host

    monkeypatch.setenv(localstack_host.ENV_HOME, str(tmp_path))  # nothing installed there
    monkeypatch.setattr(localstack_host, "find_python", lambda environ=None: None)
    row = bench_backends.localstack_costs(3, 1)
    assert isinstance(row, bench_backends.Unavailable)
    assert row.why == "not measured: no Python 3.13 here (COURSE_LOCALSTACK_PYTHON)"
