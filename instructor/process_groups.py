"""Grading children of a regrade, each in a session of its own: one kill ends everything a student's
grading started, an interrupted regrade ends them all, and their environment holds no secret."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from harness.settings import ENV_CHECK_TIMEOUT

KILL_GRACE = 5.0  # seconds between SIGTERM and SIGKILL for a process group whose time is up
# Variables a student's code must not see: tokens, secrets, cloud credentials, CI and course settings.
HIDDEN_PREFIXES = ("GITHUB_", "GH_", "ACTIONS_", "AWS_", "COURSE_", "PYTEST_", "GIT_")
HIDDEN_WORDS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "API_KEY", "PRIVATE_KEY", "AUTH")
HIDDEN_NAMES = ("PYTHONPATH", "PYTHONSAFEPATH", "PYTHONSTARTUP", "PYTHONINSPECT", "LOCALSTACK_HOST")
KEPT = (ENV_CHECK_TIMEOUT,)  # the instructor may give slow machines more time per check


class Stopped(Exception):
    """The regrade was interrupted: no new child starts."""


@dataclass
class Finished:
    code: int | None  # None: killed when its time was up
    output: str = ""


class ProcessGroups:
    """Children each in a session of their own, so one kill ends everything a student started,
    and an interrupted regrade can end all of them at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self._stopped = False

    def run(
        self, command: list[str], *, cwd: Path | None, env: dict[str, str], timeout: float, log: Path | None = None
    ) -> Finished:
        """Run to the end or for ``timeout`` seconds; stdout and stderr go to ``log``, else are returned."""
        handle = log.open("wb") if log is not None else None
        try:
            with self._lock:
                if self._stopped:
                    raise Stopped
                process = subprocess.Popen(
                    command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                    stdout=handle or subprocess.PIPE, stderr=subprocess.STDOUT if handle else subprocess.PIPE,
                    start_new_session=True,
                )
                self._running.add(process)
            try:
                output, errors = process.communicate(timeout=max(timeout, 0.01))
                code: int | None = process.returncode
            except subprocess.TimeoutExpired:
                _end_group(process, grace=KILL_GRACE)
                output, errors = process.communicate()
                code = None
            finally:
                _end_group(process, grace=0)  # whatever it left running in its group, too
                with self._lock:
                    self._running.discard(process)
        finally:
            if handle is not None:
                handle.close()
        text = b"".join(part for part in (output, errors) if part).decode("utf-8", "replace")
        return Finished(code, text)

    def end_all(self) -> None:
        """Kill every running child's group; start no other."""
        with self._lock:
            self._stopped = True
            running = list(self._running)
        for process in running:
            _end_group(process, grace=0)


def _end_group(process: subprocess.Popen[bytes], *, grace: float) -> None:
    """SIGTERM to the child's whole process group, SIGKILL ``grace`` seconds later (at once without grace)."""
    if not hasattr(os, "killpg"):  # Windows: no process groups to signal
        if process.poll() is None:
            process.kill()
        return
    if grace > 0 and process.poll() is None:
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    _signal_group(process.pid, signal.SIGKILL)  # also whatever the child left running in its group
    try:
        process.wait(timeout=KILL_GRACE)
    except subprocess.TimeoutExpired:
        pass


def _signal_group(group: int, signum: int) -> None:
    try:
        os.killpg(group, signum)
    except (ProcessLookupError, PermissionError):
        pass  # nothing left in the group


def grading_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The grading child's environment: this one without tokens, secrets, cloud credentials, CI and course settings."""
    environ = dict(os.environ if environ is None else environ)

    def hidden(key: str) -> bool:
        upper = key.upper()
        return (
            upper.startswith(HIDDEN_PREFIXES) or upper in HIDDEN_NAMES or any(word in upper for word in HIDDEN_WORDS)
        ) and key not in KEPT

    return {key: value for key, value in environ.items() if not hidden(key)}
