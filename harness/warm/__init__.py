"""A warm grading process: `course grade` forks its grading from a template that has imported it all.

A cold `course grade` spends ~0.4-0.7 s (measured) importing pytest, the harness, boto3 and moto before
the first check. After a cold run the CLI starts a template (server.py) in the background: it imports all
that, starts no thread and no emulator, runs no student code, and waits on a Unix socket. The next
`course grade` from the same Python, with the same environment, sends it its arguments, working folder,
environment and standard streams (client.py); the template forks, and the fork runs exactly what the cold
command would have run, in a process of its own, with nothing of an earlier run in it. That fork is made
ahead of its request (the standby), with the backend's port and the student processes' zygote ready,
which the run adopts when they are what it would have made itself (spare.py). The template ends after
IDLE_MINUTES without a request, when a file it imported changes, or when its socket goes.

Used only for a student's run at a terminal (standard output a terminal, or COURSE_WARM=1), never where a
grade must be trusted: not in CI (--ci, COURSE_CI, or CI / GITHUB_ACTIONS set), for Gradescope, in an
isolated interpreter (`python -I`, as the instructors' regrade runs), with pytest's debugger options (a fork
is not in the terminal's session), or with COURSE_WARM=0. A local run's grade is the student's own view:
code running as the same user could answer on the socket in the template's place, as it could edit the
harness, so what counts is CI's grade and the regrade, both cold.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

ENV_WARM = "COURSE_WARM"  # "0": always grade in a cold process and start no template; "1": warm even without a terminal
IDLE_MINUTES = 20.0
# Set by CI systems: there grading is cold whatever else the environment says. Present is enough (GitHub's
# runner sets both, and a step can give them other values through $GITHUB_ENV but never remove them).
CI_MARKERS = ("CI", "GITHUB_ACTIONS")
# Variables a terminal sets that say nothing about grading: a template serves terminals that differ in them.
VOLATILE_VARIABLES = ("PWD", "OLDPWD", "SHLVL", "_", "COLUMNS", "LINES", "WINDOWID", "TERM_SESSION_ID")
VOLATILE_PREFIXES = ("VSCODE_",)


def enabled(environ: dict[str, str] | None = None) -> bool:
    """COURSE_WARM=0 never, =1 always, unset only for a person at a terminal (stdout a terminal): so a
    script's, a test's or an IDE's `course grade` through a pipe starts no process that outlives it."""
    environ = os.environ if environ is None else environ
    setting = environ.get(ENV_WARM, "").strip().lower()
    if setting in ("0", "false", "no", "off"):
        return False
    wanted = setting in ("1", "true", "yes", "on") or os.isatty(1)
    return (
        wanted
        and not any(name in environ for name in CI_MARKERS)
        and not sys.flags.isolated
        and hasattr(os, "fork")
        and hasattr(os, "getuid")
        and hasattr(__import__("socket"), "send_fds")
    )


def template_key(environ: dict[str, str]) -> str:
    """Same key, same template: this Python, its import path and the environment but a terminal's own variables."""
    kept = {
        name: value
        for name, value in environ.items()
        if name not in VOLATILE_VARIABLES and not name.startswith(VOLATILE_PREFIXES)
    }
    facts = {"python": sys.executable, "version": sys.version, "path": sys.path, "env": sorted(kept.items())}
    return hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:24]


def socket_folder() -> Path:
    """A folder only this user can use (checked), for the templates' sockets."""
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    folder = Path(base) / f"course-warm-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    status = folder.stat()
    if status.st_uid != os.getuid() or status.st_mode & 0o077:
        raise PermissionError(f"{folder} is not this user's alone")
    return folder


def socket_path(key: str) -> Path:
    return socket_folder() / f"{key}.sock"
