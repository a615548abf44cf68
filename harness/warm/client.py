"""The `course grade` side: grade in a fork of the warm template when one serves, else start one for next time."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from . import enabled, socket_path, template_key

FORWARDED_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT")
DEBUGGER_OPTIONS = ("--pdb", "--trace", "--pdbcls")  # the debugger reads the terminal: a fork is not in its session


def eligible(extra: list[str], *, ci: object, gradescope: object, environ: dict[str, str]) -> bool:
    return (
        enabled(environ)
        and not ci
        and not gradescope
        and not any(argument.startswith(DEBUGGER_OPTIONS) for argument in extra)
    )


def template_socket(environ: dict[str, str]) -> Path | None:
    try:
        return socket_path(template_key(environ))
    except OSError:
        return None


def grade_warm(path: Path, environ: dict[str, str]) -> int | None:
    """The exit code of this `course grade` run in a fork of the template; None when no template served it."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        try:
            connection.connect(str(path))
        except OSError:
            return None
        request = {
            "argv": sys.argv,
            "cwd": os.getcwd(),
            "env": environ,
            "encoding": getattr(sys.stdout, "encoding", None) or "utf-8",
        }
        body = json.dumps(request).encode()
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            socket.send_fds(connection, [len(body).to_bytes(8, "big")], [0, 1, 2])
            connection.sendall(body)
            answers = connection.makefile("rb")
            first = answers.readline().split()
        except OSError:
            return None
        if first[:1] != [b"pid"] or len(first) != 2:
            return None  # stale, or no answer: this run grades cold
        pid = int(first[1])
        for name in FORWARDED_SIGNALS:
            number = getattr(signal, name)
            if signal.getsignal(number) != signal.SIG_IGN:  # ignored here (a background job): so in a cold run
                signal.signal(number, lambda number, frame: _forward(pid, number))
        last = answers.readline().split()
    if last[:1] == [b"exit"] and len(last) == 2:
        code = int(last[1])
        return code if code >= 0 else 128 - code
    print("course grade: the grading process ended without an exit code; run the command again.", file=sys.stderr)
    return 2


def _forward(pid: int, number: int) -> None:
    try:
        os.kill(pid, number)
    except OSError:
        pass


def start_template(path: Path, path0: str, environ: dict[str, str]) -> None:
    """A template for the next runs, detached from this one (it ends by itself when idle). ``path``, ``path0``
    and ``environ`` are as the run found them at its start: pytest changes sys.path, the sandbox the environment."""
    try:
        if path.exists():
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                    probe.connect(str(path))
                return  # one serves already
            except OSError:
                path.unlink()  # left by one that was killed
        subprocess.Popen(
            [sys.executable, "-m", "harness.warm.server", "--socket", str(path), "--path0", path0],
            cwd=path.parent,
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        pass  # no template: the next run is cold too
