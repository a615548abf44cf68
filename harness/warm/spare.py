"""A warm run's head start: the backend's port and the student processes' zygote, ready before it is asked.

A warm `course grade` is a fork of the template (server.py), and its first student module load waited for
the student processes' zygote to start: an interpreter that imports boto3 and builds its clients, 0.35-0.55
s (measured on Kata 2, Kata 3 and Lab 1 warm). The template therefore forks the process that will run the
next request ahead of it (its standby), and the standby calls prepare(): it listens on a port for the
embedded backend and starts the zygote with the environment a run gives it for that endpoint. When the
request comes, the run in the standby adopts the port (EmbeddedMoto.reserve) and the zygote (StudentPool)
only if they are what it would have made itself: the embedded backend on a port of its choosing, and the
same environment but for a terminal's own variables and pytest's, the same folder, a run that calls AWS.
Otherwise it closes them and starts its own, as a cold run does. Either way the zygote is the run's child,
so the end of a check finds what student code started, as it does in a cold run.
"""

from __future__ import annotations

import atexit
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import VOLATILE_PREFIXES, VOLATILE_VARIABLES

if TYPE_CHECKING:
    from ..student.process import Zygote

RUN_OWN_PREFIXES = ("PYTEST_",)  # pytest's (PYTEST_VERSION, PYTEST_CURRENT_TEST): set by the run itself


@dataclass
class Spare:
    listening: socket.socket | None
    endpoint: str
    zygote: Zygote | None
    environment: dict[str, str]
    cwd: Path


_spare: Spare | None = None


def prepare(course_root: Path) -> None:
    """In the standby, before its request: a port for the embedded backend and the zygote for it."""
    global _spare
    from ..safety import sandbox_environment
    from ..student.pool import student_environment
    from ..student.process import Zygote

    listening = socket.create_server(("127.0.0.1", 0))
    endpoint = f"http://127.0.0.1:{listening.getsockname()[1]}"
    environment = student_environment(sandbox_environment(endpoint, dict(os.environ)), calls_aws=True)
    try:
        zygote = Zygote(environment, course_root)
    except OSError:
        listening.close()
        return
    _spare = Spare(listening, endpoint, zygote, environment, course_root)
    atexit.register(discard)


def take_port() -> tuple[socket.socket, str] | None:
    """The listening socket and its endpoint, once, for a backend that chooses its own port."""
    if _spare is None or _spare.listening is None:
        return None
    listening, _spare.listening = _spare.listening, None
    return listening, _spare.endpoint


def take_zygote(environment: dict[str, str], cwd: Path) -> Zygote | None:
    """The zygote, once, when the run would start the same one: for the endpoint the standby made ready, in
    the same folder and environment (but a terminal's and pytest's own variables); else it is closed and
    None, and the caller starts its own."""
    if _spare is None or _spare.zygote is None:
        return None
    zygote, _spare.zygote = _spare.zygote, None
    adopted = (
        environment.get("AWS_ENDPOINT_URL") == _spare.endpoint  # the run's backend took the port (take_port)
        and cwd.resolve() == _spare.cwd.resolve()
        and _comparable(environment) == _comparable(_spare.environment)
        and zygote.alive()
    )
    if not adopted:
        zygote.close()
        return None
    return zygote


def discard() -> None:
    """Close what no run took (a run without the embedded backend or student processes, or at exit)."""
    global _spare
    if _spare is None:
        return
    if _spare.zygote is not None:
        _spare.zygote.close()
    if _spare.listening is not None:
        _spare.listening.close()
    _spare = None


def _comparable(environment: dict[str, str]) -> dict[str, str]:
    return {
        name: value
        for name, value in environment.items()
        if name not in VOLATILE_VARIABLES and not name.startswith((*VOLATILE_PREFIXES, *RUN_OWN_PREFIXES))
    }
