"""Helpers for the repo's own tests: run the graders on a tree of files and read the report."""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


@dataclass
class GradeRun:
    returncode: int
    output: str
    report: dict[str, Any] | None

    def exercise(self, exercise_id: str) -> dict[str, Any]:
        assert self.report is not None, f"no report was written; output:\n{self.output[-3000:]}"
        for exercise in self.report["exercises"]:
            if exercise["id"] == exercise_id:
                return exercise
        raise AssertionError(f"{exercise_id} is not in the report: {[e['id'] for e in self.report['exercises']]}")

    def check(self, exercise_id: str, check_id: str) -> dict[str, Any]:
        for check in self.exercise(exercise_id)["checks"]:
            if check["id"] == check_id:
                return check
        raise AssertionError(f"no check {check_id} in {exercise_id}")

    def assert_sane(self, exercise_id: str) -> None:
        """No harness error, and every check that did not pass tells the student what and why."""
        exercise = self.exercise(exercise_id)
        assert not exercise["errors"], exercise["errors"]
        for check in exercise["checks"]:
            assert check["outcome"] != "error", check
            if check["outcome"] != "passed":
                assert check["message"].strip(), check
            if check["outcome"] in ("failed", "partial"):
                assert check["hint"].strip(), check
                assert "/tmp/" not in check["message"] and str(REPO) not in check["message"], check["message"]

    def failed_checks(self, exercise_id: str) -> list[str]:
        return [c["id"] for c in self.exercise(exercise_id)["checks"] if c["outcome"] not in ("passed", "not_graded")]


def run_graders(
    *args: str, report_dir: Path, cwd: Path = REPO, timeout: float = 600, extra_env: dict[str, str] | None = None
) -> GradeRun:
    """`python -m pytest ARGS` in a child process, as a student would run it; returns the report."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "COURSE_"))}
    env.update(extra_env or {})
    command = [sys.executable, "-m", "pytest", *args, "-p", "no:cacheprovider", "--report-dir", str(report_dir)]
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    report_file = report_dir / "grade-report.json"
    report = json.loads(report_file.read_text()) if report_file.is_file() else None
    return GradeRun(done.returncode, done.stdout + done.stderr, report)


def copy_exercise(folder: str, destination_root: Path, *, source_root: Path = REPO / "solutions") -> Path:
    """Copy an exercise folder (by default the reference solution) under destination_root; return it."""
    target = destination_root / folder
    shutil.copytree(source_root / folder, target, ignore=shutil.ignore_patterns("__pycache__", "*.zip"))
    return target


def copy_of_repository(target: Path) -> Path:
    """The course as a clone has it (tracked and new files, nothing ignored), at target."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


EPHEMERAL_PORTS = Path("/proc/sys/net/ipv4/ip_local_port_range")


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now, for something a test starts later. Below the
    kernel's ephemeral range: a port from it (what binding port 0 gives) may be handed out again meanwhile,
    to another test's server on port 0 or as a connection's local port; one below it only on request."""
    try:
        first_ephemeral = int(EPHEMERAL_PORTS.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        first_ephemeral = 49152  # IANA's range: macOS and Windows
    for _ in range(200):
        port = random.randrange(max(1024, first_ephemeral - 12000), first_ephemeral)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port on 127.0.0.1 below {first_ephemeral}")


def process_running(pid: int) -> bool:
    """The process exists and is not a zombie (a zombie has ended; only its exit status is left). Linux."""
    try:
        os.kill(pid, 0)
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (ProcessLookupError, FileNotFoundError):
        return False
    return stat[stat.rfind(")") + 2] not in "ZX"


def parent_of(pid: int) -> int:
    """The parent's pid of a process, from /proc (Linux)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat[stat.rfind(")") + 2:].split()[1])
