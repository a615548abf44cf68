"""What the engine's tests share beyond fixtures: a clock the tests move by hand, and running `course`."""

from __future__ import annotations

import subprocess
import sys

from ci_support import clean_environment
from support import REPO

TIMEOUT = 60


class FakeClock:
    """A clock that stands still until a test moves it: no test waits for the exam's timer."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def course(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`course ARGS` in a child process, as a student or an instructor runs it without a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *args],
        cwd=REPO, env=clean_environment(), input=stdin if stdin is not None else "", capture_output=True, text=True,
        timeout=TIMEOUT,
    )
