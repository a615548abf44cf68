"""Regrade figures for instructors (`make bench-regrade`). It measures and prints; it asserts nothing.

Builds N student repositories from the committed course (`git archive HEAD`, without solutions/ and
tests/, as a cohort template has it): every other one with the reference solutions in place, the
rest untouched starters. Then it times `course regrade` over all of them with --jobs J, and
estimates the Actions matrix (.github/workflows/regrade-cohort.yml: one job per student) for a
cohort from the per-student grading time and a measured install, per plan concurrency limit.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COURSE = Path(sys.executable).with_name("course")
GIT = ["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.invalid", "-c", "init.defaultBranch=main"]
PER_STUDENT = re.compile(r"^\[\d+/\d+\] (\S+): .* in ([\d.]+) s", re.M)
# Concurrent jobs on GitHub-hosted standard runners, as GitHub has documented them per plan; check yours.
PLAN_CONCURRENCY = {"Free": 20, "Team": 60}
RUNNER_START = 15.0  # seconds: a hosted runner picking up a queued job, before the first step (an assumption)


def committed_course(target: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", "HEAD"], capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(target)
    return target


def student_repositories(count: int, root: Path) -> list[Path]:
    release = committed_course(root / "release")
    students = []
    for index in range(count):
        student = root / f"student{index:03d}"
        shutil.copytree(release, student, ignore=shutil.ignore_patterns("solutions", "tests"))
        if index % 2 == 0:  # complete: the reference solutions in place
            shutil.copytree(release / "solutions", student, dirs_exist_ok=True)
        subprocess.run([*GIT, "init", "-q", str(student)], check=True)
        subprocess.run([*GIT, "-C", str(student), "add", "-A"], check=True)
        subprocess.run([*GIT, "-C", str(student), "commit", "-q", "-m", "work"], check=True)
        students.append(student)
    return students


def install_seconds(root: Path) -> float:
    """The grading job's install step (fresh venv, pip from its cache), as the workflow runs it."""
    venv = root / "venv"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "-c", "constraints.txt", "-e", "."],
        cwd=REPO, check=True,
    )
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=4, help="local student repositories (default 4)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="students at once (default: CPUs)")
    parser.add_argument("--cohort", type=int, default=200, help="cohort size for the matrix estimate (default 200)")
    parser.add_argument("--no-install", action="store_true", help="skip timing a fresh install")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        students = student_repositories(args.students, root)
        roster = root / "students.txt"
        roster.write_text("".join(f"{path.name} {path}\n" for path in students))
        started = time.perf_counter()
        done = subprocess.run(
            [str(COURSE), "regrade", "--students", str(roster), "--jobs", str(args.jobs), "--out", str(root / "out")],
            cwd=REPO, capture_output=True, text=True, timeout=3600,
        )
        wall = time.perf_counter() - started
        install = None if args.no_install else install_seconds(root)
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
        return 1
    per_student = [float(seconds) for _, seconds in PER_STUDENT.findall(done.stdout)]
    print(done.stdout.strip())
    print(f"\n`course regrade`: {args.students} students, --jobs {args.jobs}, {os.cpu_count()} CPUs")
    print(f"  wall time {wall:.1f} s; per student {statistics.median(per_student):.1f} s median, "
          f"{min(per_student):.1f}-{max(per_student):.1f} s (half complete, half starters)")
    if install is None:
        return 0
    job = RUNNER_START + install + max(per_student)
    print(f"  install step (fresh venv, pip cache warm): {install:.1f} s")
    print(f"\nEstimated regrade-cohort.yml for {args.cohort} students, one job per student "
          f"(job = {RUNNER_START:g} s runner start + install + slowest student = {job:.0f} s):")
    for plan, concurrency in PLAN_CONCURRENCY.items():
        waves = math.ceil(args.cohort / concurrency)
        print(f"  {plan} plan, {concurrency} jobs at once: {waves} waves x {job:.0f} s + merge job ~ "
              f"{(waves * job + RUNNER_START + install) / 60:.0f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
