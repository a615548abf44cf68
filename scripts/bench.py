"""Grading speed figures for maintainers (`make bench`). It measures and prints; it asserts nothing.

1. the embedded backend: import, start, first answer, reset, stop;
2. cold `course grade lab1` wall time (a new process each run), on the starter and on the solution;
3. Lab 1's in-process checks on the embedded server versus moto's in-process mock_aws.
Targets on a 2-core machine: `course grade lab1` cold <= 2 s; embedded within 1.3x of in-process.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COURSE = Path(sys.executable).with_name("course")
# Checks that need a child process (deploy.sh, the deployed package) or the call log cannot run
# against mock_aws, which lives only inside the grading process; both sides leave them out.
IN_PROCESS_ONLY = "not deploy and not get_item"


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900)
    return time.perf_counter() - started, done


def backend_costs(resets: int) -> None:
    started = time.perf_counter()
    from graders.backends import EmbeddedMoto

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


def checks_on(backend: str, runs: int) -> tuple[float, float, int]:
    """(median wall time, median sum of check durations, number of checks) for Lab 1's in-process checks."""
    walls, sums, count = [], [], 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as reports:
            wall, done = timed(
                [sys.executable, "-m", "pytest", "labs/lab1_inventory_status", "--solutions", "-q", "-p", "no:cacheprovider",
                 "-k", IN_PROCESS_ONLY, "--backend", backend, "--report-dir", reports]
            )
            report = json.loads((Path(reports) / "grade-report.json").read_text())
        checks = [c for e in report["exercises"] for c in e["checks"]]
        if any(c["outcome"] != "passed" for c in checks):
            raise SystemExit(f"{backend}: the reference solution did not pass every check:\n{done.stdout[-3000:]}")
        walls.append(wall)
        sums.append(sum(c["duration"] for c in checks))
        count = len(checks)
    return statistics.median(walls), statistics.median(sums), count


def embedded_versus_in_process(runs: int) -> None:
    embedded = checks_on("moto", runs)
    in_process = checks_on("moto-inprocess", runs)
    print(f"\nLab 1 in-process checks ({embedded[2]} checks, reference solution, median of {runs})")
    print(f"  {'':22} {'whole run':>10} {'checks only':>12}")
    print(f"  {'embedded server':22} {embedded[0]:9.2f}s {embedded[1]:11.3f}s")
    print(f"  {'in-process mock_aws':22} {in_process[0]:9.2f}s {in_process[1]:11.3f}s")
    print(f"  ratio embedded/in-process: whole run {embedded[0] / in_process[0]:.2f}x, "
          f"checks {embedded[1] / in_process[1]:.2f}x (target <= 1.3x)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions per figure (default 3)")
    parser.add_argument("--resets", type=int, default=50, help="backend resets to time (default 50)")
    args = parser.parse_args(argv)
    backend_costs(args.resets)
    cold_grade(args.runs)
    embedded_versus_in_process(args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
