"""Grading speed figures for maintainers (`make bench`). It measures and prints; it asserts nothing.

1. the embedded backend: import, start, first answer, reset, stop;
2. cold `course grade lab1` wall time (a new process each run), on the starter and on the solution;
3. the whole course on the reference solutions (every check, student code in student processes);
4. each exercise alone (`course grade ID`), on the reference solution and on the untouched starter;
5. a Lambda invocation on the embedded backend, cold and warm (scripts/bench_lambda.py);
6. requests per second of a deployed REST API served over HTTP, through a warm function (scripts/bench_api.py).
`--backend ministack` measures MiniStack instead (install, start, reset, stop; then the same gradings).
Targets on a 2-core machine (issue 17): the whole course <= 40 s (weeks 0-2 <= 20 s), as `course grade`
runs it by default (parallel workers) and, for comparison, in one process as official grading does; each
exercise <= 6 s (the capstone and the heist <= 15 s); a starter run of any exercise <= 2 s. CPU time is
printed beside wall time: on a shared machine it is the figure that load disturbs least. Script replay
(harness/script_replay.py) is on unless COURSE_NO_REPLAY=1, which `--no-replay` sets to measure without it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench_api import api_costs
from bench_lambda import lambda_costs

REPO = Path(__file__).resolve().parent.parent
COURSE = Path(sys.executable).with_name("course")


BACKEND: list[str] = []  # `--backend ministack` for every `course grade` below, when asked for


CPU: list[float] = []  # CPU seconds (user + system) of the last timed command and everything it waited for


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    if command[1:2] == ["grade"]:
        command = [*command, *BACKEND]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[:] = [after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime]
    return elapsed, done


def backend_costs(resets: int) -> None:
    started = time.perf_counter()
    from harness.backends import EmbeddedMoto

    import_time = time.perf_counter() - started
    backend = EmbeddedMoto()
    started = time.perf_counter()
    backend.start()
    start_time = time.perf_counter() - started
    started = time.perf_counter()
    urllib.request.urlopen(f"{backend.endpoint}/moto-api/data.json", timeout=10).read()
    first_answer = time.perf_counter() - started
    samples = []
    for _ in range(resets):
        started = time.perf_counter()
        backend.reset()
        samples.append(time.perf_counter() - started)
    started = time.perf_counter()
    backend.stop()
    stop_time = time.perf_counter() - started
    print("Embedded backend (moto server on 127.0.0.1, in this process)")
    print(f"  import harness backends + moto server  {import_time * 1000:8.1f} ms")
    print(f"  start (incl. Lambda config call)       {start_time * 1000:8.1f} ms")
    print(f"  first HTTP answer                      {first_answer * 1000:8.1f} ms")
    print(f"  reset, median of {resets:<3}                 {statistics.median(samples) * 1000:8.1f} ms")
    print(f"  stop                                   {stop_time * 1000:8.1f} ms")


def ministack_costs(resets: int) -> None:
    from harness import ministack_env
    from harness.ministack import MiniStack

    environment = ministack_env.environment_dir()
    installed = ministack_env.is_installed(environment)
    started = time.perf_counter()
    ministack_env.ensure_installed(environment)
    install_time = time.perf_counter() - started
    record = ministack_env.install_record(environment)
    backend = MiniStack(environment=environment)
    started = time.perf_counter()
    backend.start()
    start_time = time.perf_counter() - started
    samples = []
    for _ in range(resets):
        started = time.perf_counter()
        backend.reset()
        samples.append(time.perf_counter() - started)
    started = time.perf_counter()
    backend.stop()
    stop_time = time.perf_counter() - started
    print(f"MiniStack {ministack_env.VERSION} (its own process and venv, behind the call-log forwarder)")
    if installed:
        print(f"  install (done before; it took)         {record.get('seconds', '?'):>8} s")
    else:
        print(f"  install (first use, pip cache as is)   {install_time:8.1f} s")
    print(f"  start until /_ministack/health answers {start_time * 1000:8.1f} ms")
    print(f"  reset, median of {resets:<3}                 {statistics.median(samples) * 1000:8.1f} ms")
    print(f"  stop (its process group ended)         {stop_time * 1000:8.1f} ms")


def cold_grade(runs: int) -> None:
    print("\nCold `course grade lab1` (new process each run, wall time)")
    for label, extra in (("starter (as cloned)", []), ("reference solution", ["--solutions"])):
        times = []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as reports:
                elapsed, done = timed([str(COURSE), "grade", "lab1", "--report-dir", reports, *extra])
                if done.returncode != 0:
                    print(f"  {label}: course grade failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
                    return
                points = json.loads((Path(reports) / "grade-report.json").read_text())["totals"]
            times.append(elapsed)
        print(
            f"  {label:<22} min {min(times):5.2f} s  median {statistics.median(times):5.2f} s"
            f"  ({points['points']:g}/{points['max']:g} points; target <= 2 s)"
        )


def whole_course(runs: int) -> None:
    print(f"\nWhole course, reference solutions (`course grade --solutions`, median of {runs}; target <= 40 s, weeks 0-2 <= 20 s)")
    variants = (("default (workers: one per CPU)", []), ("--jobs 1 (official grading)", ["--jobs", "1"]))
    for label, extra in variants:
        times, cpu = [], []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as reports:
                elapsed, done = timed([str(COURSE), "grade", "--solutions", "--report-dir", reports, *extra])
                totals = json.loads((Path(reports) / "grade-report.json").read_text())["totals"]
            if done.returncode != 0 or totals["points"] < totals["max"]:
                raise SystemExit(f"the reference solutions did not get full marks:\n{done.stdout[-3000:]}")
            times.append(elapsed)
            cpu.append(CPU[0])
        print(
            f"  {label:<31} min {min(times):5.1f} s  median {statistics.median(times):5.1f} s wall"
            f"  {statistics.median(cpu):5.1f} s CPU  ({totals['checks']} checks; load {os.getloadavg()[0]:.1f})"
        )


def each_exercise(runs: int) -> None:
    from harness.manifest import load_course

    print(f"\nEach exercise alone (`course grade ID`, wall time, median of {runs}; targets: reference <= 6 s, starter <= 2 s)")
    for exercise in load_course(REPO).exercises:
        figures = []
        for extra in (["--solutions"], []):
            times = []
            for _ in range(runs):
                with tempfile.TemporaryDirectory() as reports:
                    elapsed, _ = timed([str(COURSE), "grade", exercise.id, "--report-dir", reports, *extra])
                times.append(elapsed)
            figures.append(statistics.median(times))
        print(f"  {exercise.id:<10} reference {figures[0]:5.2f} s   starter {figures[1]:5.2f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions per figure (default 3)")
    parser.add_argument("--resets", type=int, default=50, help="backend resets to time (default 50)")
    parser.add_argument("--no-replay", action="store_true", help="measure with script replay off (COURSE_NO_REPLAY=1)")
    parser.add_argument("--only", choices=("backend", "lab1", "course", "exercises", "lambda", "api"), help="one figure only")
    parser.add_argument("--backend", choices=("moto", "ministack"), default="moto", help="the backend to measure")
    args = parser.parse_args(argv)
    BACKEND[:] = ["--backend", args.backend]
    if args.no_replay:
        os.environ["COURSE_NO_REPLAY"] = "1"  # the `course` processes inherit it
    figures = {
        "backend": lambda: (ministack_costs if args.backend == "ministack" else backend_costs)(args.resets),
        "lab1": lambda: cold_grade(args.runs),
        "course": lambda: whole_course(args.runs),
        "exercises": lambda: each_exercise(args.runs),
        "lambda": lambda: lambda_costs(args.runs),
        "api": lambda: api_costs(args.runs),
    }
    for name, figure in figures.items():
        if args.only in (None, name):
            figure()
    return 0


if __name__ == "__main__":
    sys.exit(main())
