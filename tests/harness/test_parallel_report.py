"""Parallel workers (the default for a long `course grade`) write the report one process writes: the same
exercises, checks, points, messages, order and integrity, on the course's own graders and reference
solutions; only durations, timestamps and the emulators' ports differ."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ci_support import course, read_report

# An exercise that calls no AWS (kata1), two sharing a folder through their own grader files (kata2 and
# its extensions), and one more: three workers' worth of files, cheap enough for the suite.
EXERCISES = ("kata1", "kata2", "kata2-ext", "kata3")
TIMEOUT = 600  # seconds for each run on a loaded 2-core machine


def without_timing(report: dict[str, Any]) -> dict[str, Any]:
    """The report less what differs between any two runs: durations, when, and where the emulators listened."""
    kept = {key: value for key, value in report.items() if key not in ("duration", "started_at", "finished_at")}
    kept["backend"] = {key: value for key, value in report["backend"].items() if key != "endpoint"}
    kept["exercises"] = [
        {**exercise, "checks": [{k: v for k, v in check.items() if k != "duration"} for check in exercise["checks"]]}
        for exercise in report["exercises"]
    ]
    return kept


def graded(tmp_path: Path, name: str, *jobs: str) -> tuple[str, dict[str, Any]]:
    reports = tmp_path / name
    done = course("grade", *EXERCISES, "--solutions", "--report-dir", str(reports), *jobs, timeout=TIMEOUT)
    report = read_report(reports)
    assert done.returncode == 0 and report is not None, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout, report


def test_a_run_in_workers_reports_exactly_what_one_process_reports(tmp_path: Path) -> None:
    parallel_output, parallel = graded(tmp_path, "parallel", "--jobs", "3")
    sequential_output, sequential = graded(tmp_path, "sequential", "--jobs", "1")
    assert "bringing up nodes" in parallel_output and "bringing up nodes" not in sequential_output
    assert parallel["backend"]["endpoint"].count(",") >= 1, "each worker grades on an emulator of its own"
    assert parallel["totals"]["points"] == parallel["totals"]["max"] > 0
    assert without_timing(parallel) == without_timing(sequential)
