"""Grading speed figures for maintainers (`make bench`). It measures and prints; it asserts nothing.

1. the backend around the checks: install, start, reset (empty, and after a check's resources), stop;
2. cold `course grade lab1` wall time (a new process each run), on the starter and on the solution;
3. the whole course on the reference solutions (every check, student code in student processes);
4. each exercise alone (`course grade ID`), on the reference solution and on the untouched starter;
5. a Lambda invocation on the embedded backend, cold and warm (scripts/bench_lambda.py);
6. requests per second of a deployed REST API served over HTTP, through a warm function (scripts/bench_api.py);
7. each starter as a student's repeated `course grade` at a terminal runs it: in a fork of the warm grading
   template (harness/warm; scripts/bench_warm.py).
`--backend ministack` or `--backend localstack` measures that backend instead (its install, start, reset and
stop; then the same gradings, each exercise's line counting the checks it could not grade). LocalStack is its
community runtime as a host process (harness/localstack_host.py, Python 3.13), started once for all the
gradings as a student's `docker compose` one would be: its start is not in their times, its probe is.
`--only backends` puts moto, MiniStack and LocalStack side by side: install, start, reset, stop
(scripts/bench_backends.py).
Targets on a 2-core machine (issue 17): the whole course <= 40 s (weeks 0-2 <= 20 s), as `course grade`
runs it by default (parallel workers), beside one process (`--jobs 1`, as official grading runs it); each
exercise <= 6 s (the capstone and the heist <= 15 s); a starter run of any exercise <= 2 s. Script replay
(harness/script_replay.py) is on unless COURSE_NO_REPLAY=1, which `--no-replay` sets to measure without it.
The machine's pace (a fixed Python loop) is printed before and after the figures: a shared VM's speed moves.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench_api import api_costs
from bench_backends import BACKEND_NAMES, backend_table, localstack_host, probe_ms
from bench_lambda import lambda_costs
from bench_warm import warm_starters

try:
    import resource
except ImportError:  # Windows: wall times only
    resource = None  # type: ignore[assignment]

REPO = Path(__file__).resolve().parent.parent
COURSE = Path(sys.executable).with_name("course")


BACKEND: list[str] = []  # `--backend NAME` for every `course grade` below
GRADING_FIGURES = ("lab1", "course", "exercises")  # the figures that run `course grade` on the chosen backend
EMBEDDED_ONLY = ("lambda", "api", "warm")  # the figures that measure the embedded backend whatever --backend says


PACE_LOOP = 5_000_000
SERVER_GROUPS: list[int] = []  # process groups that serve the gradings without being their children (LocalStack)


def _children_cpu() -> float:
    if resource is None:
        return math.nan
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime + sum(process_group_cpu(group) for group in SERVER_GROUPS)


def process_group_cpu(group: int) -> float:
    """user+sys seconds of a process group's live processes and the children they waited for (Linux's
    /proc; elsewhere nan)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return math.nan
    ticks = 0
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after "pid (name)": state, ppid, pgrp, ...
        except (OSError, IndexError):
            continue  # ended meanwhile
        if int(fields[2]) == group:
            ticks += sum(int(field) for field in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Timing:
    wall: float
    cpu: float  # user + sys of the command's process tree, and of LocalStack's while it ran


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    timing, done = timed_with_cpu(command)
    return timing.wall, done


ADOPTING: list[bool] = []  # [True] once this process reaps the gradings' orphans (run as a script only)


def adopt_orphans() -> None:
    """Become the subreaper of what the gradings start (Linux): MiniStack's Lambda workers, killed with
    their group when it stops, are then reaped here and their CPU time counts as the grading's."""
    try:
        import ctypes

        if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0:  # PR_SET_CHILD_SUBREAPER
            ADOPTING[:] = [True]
    except (OSError, AttributeError):
        pass  # not Linux: orphans' CPU time is not counted


def _reap_orphans() -> None:
    """Reap the ended orphans adopted here (never a process still running). Only in a bench run of its
    own: a test calling main() must not reap what its other fixtures wait for."""
    while ADOPTING:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def timed_with_cpu(command: list[str]) -> tuple[Timing, subprocess.CompletedProcess[str]]:
    if command[1:2] == ["grade"]:
        command = [*command, *BACKEND]
    _reap_orphans()
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - started
    if ADOPTING:
        time.sleep(0.2)  # the orphans killed as the grading ended: gone by now
        _reap_orphans()
    return Timing(wall, _children_cpu() - cpu), done


@contextlib.contextmanager
def backend_for_gradings(name: str) -> Iterator[None]:
    """LocalStack must be running before `course grade --backend localstack`: start it once for every
    grading, and point them at it (AWS_ENDPOINT_URL, as a student's shell would). moto and MiniStack
    start inside each `course grade`."""
    if name != "localstack":
        yield
        return
    print("Starting LocalStack's community runtime as a host process for the gradings ...", flush=True)
    with localstack_host() as (host, start_ms):
        # LocalStack loads each service on its first call (25 s on a loaded 2-core machine): not one exercise's time.
        warm_ms = probe_ms(host.endpoint)  # type: ignore[attr-defined]
        print(f"  ready in {start_ms / 1000:.1f} s at {host.endpoint}, every service answering {warm_ms / 1000:.1f} s later")  # type: ignore[attr-defined]
        saved = os.environ.get("AWS_ENDPOINT_URL")
        os.environ["AWS_ENDPOINT_URL"] = host.endpoint  # type: ignore[attr-defined]
        SERVER_GROUPS.append(host.pid)  # type: ignore[attr-defined]  # its work for each grading is in that grading's cpu
        try:
            yield
        finally:
            SERVER_GROUPS.remove(host.pid)  # type: ignore[attr-defined]
            if saved is None:
                os.environ.pop("AWS_ENDPOINT_URL", None)
            else:
                os.environ["AWS_ENDPOINT_URL"] = saved


def cold_grade(runs: int) -> None:
    print("\nCold `course grade lab1` (new process each run, wall time; target <= 2 s on moto)")
    for label, extra in (("starter (as cloned)", []), ("reference solution", ["--solutions"])):
        times, report, code = [], None, 0
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as reports:
                elapsed, done = timed([str(COURSE), "grade", "lab1", "--report-dir", reports, *extra])
                report, code = read_report(Path(reports)), done.returncode
            times.append(elapsed)
        print(f"  {label:<22} min {min(times):5.2f} s  median {statistics.median(times):5.2f} s  ({tally(report, code)})")
        if report is None:
            print(f"  its output ends with:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


def whole_course(runs: int) -> None:
    print(f"\nWhole course, reference solutions (`course grade --solutions`, median of {runs}; target <= 40 s on moto)")
    variants = (("default (workers: one per CPU)", []), ("--jobs 1 (official grading)", ["--jobs", "1"]))
    for label, extra in variants:
        timings, report = [], None
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as reports:
                timing, done = timed_with_cpu([str(COURSE), "grade", "--solutions", "--report-dir", reports, *extra])
                report = read_report(Path(reports))
            timings.append(timing)
        walls = [timing.wall for timing in timings]
        print(
            f"  {label:<31} min {min(walls):5.2f} s  median {statistics.median(walls):5.2f} s"
            f"  cpu {statistics.median(timing.cpu for timing in timings):5.1f} s  {tally(report, done.returncode)}"
        )


def read_report(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "grade-report.json").read_text())
    except (OSError, ValueError):
        return None


def tally(report: dict | None, returncode: int) -> str:
    """The points of what was graded, and the checks that were not (their time is no pass)."""
    if report is None:
        return f"NO REPORT (course grade exited {returncode})"
    totals = report["totals"]
    # Optional exercises' points are kept apart in the totals: here they count as any other's.
    points = sum(exercise["points"] for exercise in report["exercises"])
    most = sum(exercise["max"] for exercise in report["exercises"])
    text = f"{points:g}/{most:g} points, {totals['checks'] - totals['not_graded']}/{totals['checks']} checks graded"
    if totals["not_graded"]:
        text += f" ({totals['not_graded']} NOT GRADED on this backend)"
    errors = len(report["harness_errors"]) + sum(
        check["outcome"] == "error" for exercise in report["exercises"] for check in exercise["checks"]
    )
    return text + (f", {errors} IN ERROR" if errors else "")


def short_of_full_marks(report: dict | None) -> list[str]:
    """A reference solution's checks that did not pass nor were left ungraded: a backend's difference, or a
    check that load made slow, and never a time to compare as it is."""
    checks = [check for exercise in (report or {}).get("exercises", []) for check in exercise["checks"]]
    return [
        f"SHORT: {check['title']}: {check['outcome']} {check['points']:g}/{check['max']:g}: {check['message'][:160]}"
        for check in checks
        if check["outcome"] not in ("passed", "not_graded")
    ]


def each_exercise(runs: int) -> None:
    from harness.manifest import load_course

    print(
        f"\nEach exercise alone (`course grade ID`, median of {runs}: wall time, and cpu = user+sys of its process tree"
        " and of LocalStack's, which runs apart;"
        " targets on moto: reference <= 6 s, starter <= 2 s)"
    )
    for exercise in load_course(REPO).exercises:
        for label, extra in (("reference", ["--solutions"]), ("starter", [])):
            timings, report, code = [], None, 0
            for _ in range(runs):
                with tempfile.TemporaryDirectory() as reports:
                    timing, done = timed_with_cpu([str(COURSE), "grade", exercise.id, "--report-dir", reports, *extra])
                    report, code = read_report(Path(reports)), done.returncode
                timings.append(timing)
            wall = statistics.median(timing.wall for timing in timings)
            cpu = statistics.median(timing.cpu for timing in timings)
            print(f"  {exercise.id if label == 'reference' else '':<10} {label:<9} {wall:6.2f} s  cpu {cpu:5.1f} s  {tally(report, code)}")
            if label == "reference":
                for line in short_of_full_marks(report):
                    print(f"{'':24}{line}")


def _exercise_ids() -> list[str]:
    from harness.manifest import load_course

    return [exercise.id for exercise in load_course(REPO).exercises]


def _tally_of_folder(reports: Path, returncode: int) -> str:
    return tally(read_report(reports), returncode)


def machine_pace(when: str) -> None:
    """A fixed pure-Python loop, best of three: how fast this machine's CPU is now. A shared VM's runs
    slowed by 1.3-1.5x within an hour, CPU time as much as wall time; this line says which hour it was."""
    best = math.inf
    for _ in range(3):
        started, total = time.perf_counter(), 0
        for number in range(PACE_LOOP):
            total += number
        best = min(best, time.perf_counter() - started)
    load = " ".join(f"{figure:.2f}" for figure in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    print(f"\nMachine pace {when} ({time.strftime('%H:%M')}, load {load}): {best:.3f} s for {PACE_LOOP:,} additions"
          " (this 2-core VM: 0.17-0.19 s on a quiet hour)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions per figure (default 3)")
    parser.add_argument("--resets", type=int, default=50, help="resets of an empty backend to time (default 50)")
    parser.add_argument("--used-resets", type=int, default=10, help="resets to time after a check's resources (default 10)")
    parser.add_argument("--no-replay", action="store_true", help="measure with script replay off (COURSE_NO_REPLAY=1)")
    parser.add_argument(
        "--only", choices=("backend", "backends", *GRADING_FIGURES, *EMBEDDED_ONLY),
        help="one figure only (backends: moto, MiniStack and LocalStack side by side; never part of a full run)",
    )
    parser.add_argument("--backend", choices=BACKEND_NAMES, default="moto", help="the backend to measure")
    args = parser.parse_args(argv)
    BACKEND[:] = ["--backend", args.backend]
    if args.no_replay:
        os.environ["COURSE_NO_REPLAY"] = "1"  # the `course` processes inherit it
    figures = {
        "backend": lambda: backend_table((args.backend,), args.resets, args.used_resets),
        "backends": lambda: backend_table(BACKEND_NAMES, args.resets, args.used_resets),
        "lab1": lambda: cold_grade(args.runs),
        "course": lambda: whole_course(args.runs),
        "exercises": lambda: each_exercise(args.runs),
        "lambda": lambda: lambda_costs(args.runs),
        "api": lambda: api_costs(args.runs),
        "warm": lambda: warm_starters(args.runs, _exercise_ids(), _tally_of_folder),
    }
    chosen = [name for name in figures if args.only == name or (args.only is None and name != "backends")]
    if args.backend != "moto" and set(chosen) & set(EMBEDDED_ONLY):
        print("(lambda and api figures measure the embedded backend, whatever --backend says)")
    gradings = [name for name in chosen if name in GRADING_FIGURES]
    machine_pace("before")
    for name in chosen:
        if name not in gradings:
            figures[name]()
    if gradings:
        with backend_for_gradings(args.backend):
            for name in gradings:
                figures[name]()
    machine_pace("after")
    return 0


if __name__ == "__main__":
    adopt_orphans()
    sys.exit(main())
