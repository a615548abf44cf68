"""Student processes for a grading run: forked from a warm zygote (or, where there is no fork, a warm
spare waits), and a check's are killed at its end.

The zygote and a spare have imported boto3 (unless the run calls no AWS) but no student code, so they
hold nothing a check could leak into the next one; a student process that loads a student module belongs
to that check alone.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from . import reaper
from .process import StudentProcess, Zygote
from .protocol import NO_AWS

SPARES = 1
NEEDS_POSIX = (
    "Grading runs your code in child processes that it talks to over pipes, which needs Linux or macOS: "
    "on Windows, use WSL (Windows Subsystem for Linux) and grade from there."
)


class UnsupportedPlatform(RuntimeError):
    pass


def student_environment(base: dict[str, str], *, calls_aws: bool) -> dict[str, str]:
    """The environment a student process starts with, in a grading run whose environment is ``base``."""
    return {**base, "PYTHONDONTWRITEBYTECODE": "1", **({} if calls_aws else {NO_AWS: "1"})}


def check_platform() -> None:
    if os.name != "posix":  # pass_fds and select() on pipes are POSIX only
        raise UnsupportedPlatform(NEEDS_POSIX)


class StudentPool:
    def __init__(self, cwd: Path, *, calls_aws: bool = True) -> None:
        """``calls_aws=False``: the run's exercises call no AWS, so the processes do not warm boto3 up."""
        check_platform()
        self.cwd = cwd
        self.calls_aws = calls_aws
        self._spares: list[StudentProcess] = []
        self._in_check: list[StudentProcess] = []
        self._before_check = reaper.descendants()  # what was here before this pool is never its to kill
        self._zygote: Zygote | None = None
        self._forking = hasattr(os, "fork") and hasattr(socket, "send_fds")
        reaper.become_subreaper()

    def _environment(self) -> dict[str, str]:
        return student_environment(dict(os.environ), calls_aws=self.calls_aws)

    def _new_zygote(self) -> Zygote:
        """The zygote a warm run's standby started for this run (harness/warm/spare.py) if it is the one this
        pool would start, else a new one."""
        from ..warm import spare

        environment = self._environment()
        return spare.take_zygote(environment, self.cwd) or Zygote(environment, self.cwd)

    def _spawn(self) -> StudentProcess:
        return StudentProcess.spawn(self._environment(), self.cwd)

    def _forked(self) -> StudentProcess | None:
        """A process from the zygote; None (and no zygote from then on) when it cannot give one."""
        if not self._forking:
            return None
        try:
            if self._zygote is None:
                self._zygote = self._new_zygote()
            return self._zygote.fork()
        except OSError:  # it died (student code may kill its grandparent) or stopped answering
            self._forking = False
            if self._zygote is not None:
                self._zygote.close()
                self._zygote = None
            return None

    def warm_up(self) -> None:
        """Start the zygote now, without waiting for it: its interpreter imports boto3 on the other core
        while the first checks run scripts, instead of when the first module load waits for it."""
        if self._forking and self._zygote is None:
            try:
                self._zygote = self._new_zygote()
            except OSError:  # the first load says so again, and spawns instead
                self._forking = False

    def start_check(self) -> None:
        """Remember what runs now: whatever the check adds below this process is the check's."""
        self._before_check = reaper.descendants()
        self._refill()

    def take(self) -> StudentProcess:
        """A fresh process for one module load (a cold start): forked, or the spare when one is warm."""
        process = self._forked()
        if process is not None:
            self._in_check.append(process)
            return process
        while self._spares and process is None:
            candidate = self._spares.pop(0)
            if candidate.alive():
                process = candidate
            else:
                candidate.kill()
        process = process or self._spawn()
        self._in_check.append(process)
        self._refill()
        return process

    def _refill(self) -> None:
        while not self._forking and len(self._spares) < SPARES:
            self._spares.append(self._spawn())

    def kill_check_processes(self) -> None:
        """Stop the check's student processes now (a grader's limit, from any thread); calls then fail."""
        for process in list(self._in_check):
            process.kill_group()

    def end_check(self) -> int:
        """Kill the check's student processes and anything they started; returns how many went."""
        for process in self._in_check:
            process.kill_group()  # all first: each then ends while the one before is waited for
        for process in self._in_check:
            process.kill()
        self._in_check.clear()
        spares = {process.pid for process in self._spares}
        zygote = {self._zygote.pid} if self._zygote is not None else set()
        # the zygote lives on, but its children are the check's student processes
        return reaper.kill_new_descendants((self._before_check - zygote) | spares, keep_alone=zygote)

    def close(self) -> None:
        self.end_check()
        for process in self._spares:
            process.kill()
        self._spares.clear()
        if self._zygote is not None:
            self._zygote.close()
            self._zygote = None
