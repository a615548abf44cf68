"""`make bench`'s starters as a student's repeated `course grade` at a terminal runs them: in a fork of the
warm template (harness/warm), which the first run starts. Wall time only: the fork is the template's child,
so its CPU time is not this process tree's."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COURSE = Path(sys.executable).with_name("course")
WAIT_SECONDS = 120


@contextlib.contextmanager
def warm_template() -> Iterator[dict[str, str] | None]:
    """The environment whose `course grade` runs fork from a template (None when none started)."""
    folder = Path(tempfile.mkdtemp(prefix="cw-"))  # short: a socket's path has ~107 bytes at most
    env = {**os.environ, "COURSE_WARM": "1", "XDG_RUNTIME_DIR": str(folder)}
    try:
        with tempfile.TemporaryDirectory() as reports:  # a cold run, which starts the template
            subprocess.run([str(COURSE), "grade", "kata1", "--report-dir", reports], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=600, check=False)
        yield env if _answering(folder) else None
    finally:
        for path in folder.glob("*/*.sock"):
            path.unlink()  # its template ends within seconds (harness/warm/server.py)
        shutil.rmtree(folder, ignore_errors=True)


def _answering(folder: Path) -> bool:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        for path in folder.glob("*/*.sock"):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe, contextlib.suppress(OSError):
                probe.connect(str(path))
                return True
        time.sleep(0.2)
    return False


def warm_starters(runs: int, exercise_ids: list[str], tally) -> None:  # type: ignore[no-untyped-def]
    print(
        f"\nEach starter cold and in a fork of the warm template (a student's later runs at a terminal), runs "
        f"interleaved, median of {runs}, wall"
    )
    with warm_template() as env:
        if env is None:
            print("  no template answered: nothing measured")
            return
        for exercise_id in exercise_ids:
            walls: dict[str, list[float]] = {"0": [], "1": []}
            summary = ""
            for _ in range(runs):
                for warm in ("0", "1"):
                    with tempfile.TemporaryDirectory() as reports:
                        started = time.perf_counter()
                        done = subprocess.run([str(COURSE), "grade", exercise_id, "--report-dir", reports], cwd=REPO,
                                              env={**env, "COURSE_WARM": warm}, capture_output=True, text=True,
                                              timeout=600, check=False)
                        walls[warm].append(time.perf_counter() - started)
                        summary = tally(Path(reports), done.returncode)
            cold, warm_wall = statistics.median(walls["0"]), statistics.median(walls["1"])
            print(f"  {exercise_id:<10} starter   cold {cold:5.2f} s  warm {warm_wall:5.2f} s  {summary}")
