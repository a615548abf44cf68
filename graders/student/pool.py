"""Student processes for a grading run: a warm spare is always waiting, a check's are killed at its end.

A spare has imported boto3 but no student code, so it holds nothing a check could leak into the
next one; once it loads a student module it belongs to that check alone and dies with it.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import reaper
from .process import StudentProcess

SPARES = 1


class StudentPool:
    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self._spares: list[StudentProcess] = []
        self._in_check: list[StudentProcess] = []
        self._before_check: set[int] = set()
        reaper.become_subreaper()

    def _spawn(self) -> StudentProcess:
        env = dict(os.environ)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        return StudentProcess.spawn(env, self.cwd)

    def start_check(self) -> None:
        """Remember what runs now: whatever the check adds below this process is the check's."""
        self._before_check = reaper.descendants()
        self._refill()

    def take(self) -> StudentProcess:
        """A fresh process for one module load (a cold start), from the spare when one is warm."""
        process = None
        while self._spares and process is None:
            candidate = self._spares.pop(0)
            if candidate.alive():
                process = candidate
            else:
                candidate.kill()
        process = process or self._spawn()
        process.used = True
        self._in_check.append(process)
        self._refill()
        return process

    def _refill(self) -> None:
        while len(self._spares) < SPARES:
            self._spares.append(self._spawn())

    def kill_check_processes(self) -> None:
        """Stop the check's student processes now (a grader's limit, from any thread); calls then fail."""
        for process in list(self._in_check):
            process.kill_group()

    def end_check(self) -> int:
        """Kill the check's student processes and anything they started; returns how many went."""
        for process in self._in_check:
            process.kill()
        self._in_check.clear()
        spares = {process.pid for process in self._spares}
        return reaper.kill_new_descendants(self._before_check | spares)

    def close(self) -> None:
        self.end_check()
        for process in self._spares:
            process.kill()
        self._spares.clear()
