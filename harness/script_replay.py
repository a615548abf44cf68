"""A student's script, run once per state: the same run again is replayed from its recording.

A lab's checks run the same script (deploy.sh) from the same starting state again and again, since
the backend is reset before each check. On the embedded backend, whose random IDs are seeded at every
reset, the same requests from the same state make the same state. So the first run of a script from a
given state is recorded (every request the emulator received while it ran, with the status it
answered), and a later run from the same state sends those requests again (a few ms each) and gives
back the first run's exit status and output, instead of starting bash, the AWS CLI and zip again
(1-4 s). Same state means: the same script and exercise files, the same environment, and the same
requests to the emulator since its reset. A replay answered differently from its recording is a
harness error, never a silent grade. COURSE_NO_REPLAY=1 turns replay off.
COURSE_REPLAY_TRACE=FILE appends one JSON line per script run to FILE (replayed or run, why not
replayable, its seconds, and the digests its key is made of), to find what keeps a run from replaying.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .call_log import CallLog, RawRequest
from .student_files import folder_digest

ENV_NO_REPLAY = "COURSE_NO_REPLAY"
ENV_TRACE = "COURSE_REPLAY_TRACE"
VOLATILE_VARIABLES = {"PYTEST_CURRENT_TEST"}  # names the check running: not what a script depends on
DIVERGED = (
    "Replaying `{command}` from the emulator's recording gave a different answer ({request}: {now} now, "
    "{then} when the script ran), so this check is not graded. Grade again with {env}=1 and report it."
)


class ReplayDiverged(RuntimeError):
    """The emulator answered a replayed request differently: the harness cannot vouch for the state."""


@dataclass(frozen=True)
class Recording:
    requests: tuple[RawRequest, ...]
    result: Any  # the ScriptResult of the real run


_recordings: dict[str, Recording] = {}
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the emulator is local


def enabled(backend: object) -> bool:
    """Only on an emulator that logs every request and was reset and seeded (the embedded one)."""
    return (
        os.environ.get(ENV_NO_REPLAY) != "1"
        and isinstance(getattr(backend, "call_log", None), CallLog)
        and bool(getattr(backend, "seeded", False))
    )


def key_parts(folder: Path, name: str, environment: dict[str, str], log: CallLog) -> dict[str, str]:
    """What the run depends on, part by part: the script, its folder, the emulator's state, the environment."""
    variables = hashlib.sha256()
    for variable, value in sorted(environment.items()):
        if variable not in VOLATILE_VARIABLES:
            variables.update(f"{variable}={value}\0".encode())
    return {"script": name, "files": folder_digest(folder) or "", "state": log.state_digest(), "environment": variables.hexdigest()}


def variable_digests(environment: dict[str, str]) -> dict[str, str]:
    """Each variable's value, digested (for the trace: which variable changed between two runs)."""
    return {name: hashlib.sha256(value.encode()).hexdigest()[:12] for name, value in sorted(environment.items())
            if name not in VOLATILE_VARIABLES}


def key(folder: Path, name: str, environment: dict[str, str], log: CallLog) -> str | None:
    """What the run depends on; None when it cannot be replayed (a grader's hook acts on its requests)."""
    if log.has_hooks:
        return None
    digest = hashlib.sha256()
    for part in key_parts(folder, name, environment, log).values():
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


def trace(outcome: str, seconds: float, parts: dict[str, Any] | None = None, requests: int = 0) -> None:
    """One line in COURSE_REPLAY_TRACE's file, when it is set: a maintainer's measure, never the report."""
    path = os.environ.get(ENV_TRACE)
    if not path:
        return
    line = {"check": os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0], "outcome": outcome,
            "seconds": round(seconds, 3), "requests": requests, **(parts or {})}
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line) + "\n")


EMPTY_STATE = hashlib.sha256().hexdigest()  # a call log's digest with no request since the reset


def fresh(log: CallLog) -> bool:
    """Nothing was asked of the emulator since its reset: a replay that diverges from here can be undone
    by another reset, and the script run for real instead (the capstone's deploy replay diverged now and
    then under load, "POST /: 400 now, 200 when the script ran", for a cause not found yet)."""
    return log.state_digest() == EMPTY_STATE


def recorded(run_key: str | None) -> Recording | None:
    return _recordings.get(run_key) if run_key else None


def record(run_key: str | None, requests: list[RawRequest], result: Any) -> None:
    if run_key:
        _recordings[run_key] = Recording(tuple(requests), result)


# A request the script's run saw succeed but the replay sees refused may come too early: the run's waiter
# polled until the emulator's background work (a stack or change set in progress) was done, and the same
# number of polls, replayed at once, can end before it is. Such a request is sent again for a bounded
# while, as the waiter would have gone on polling; a state that never comes is still a divergence.
SETTLE_SECONDS = 5.0
SETTLE_STEP = 0.1


def _send(endpoint: str, request: RawRequest) -> int:
    url = f"{endpoint}{request.path}" + (f"?{request.query}" if request.query else "")
    sent = urllib.request.Request(url, data=request.body or None, method=request.method, headers=dict(request.headers))
    try:
        with _direct.open(sent, timeout=30) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as error:
        error.read()
        return error.code


def replay(recording: Recording, endpoint: str) -> Any:
    """Send the recorded requests again; the recorded result, or ReplayDiverged."""
    for request in recording.requests:
        status = _send(endpoint, request)
        deadline = time.monotonic() + SETTLE_SECONDS
        while status != request.status and request.status < 400 <= status < 500 and time.monotonic() < deadline:
            time.sleep(SETTLE_STEP)
            status = _send(endpoint, request)
        if status != request.status:
            raise ReplayDiverged(
                DIVERGED.format(
                    command=recording.result.command, request=f"{request.method} {request.path}",
                    now=status, then=request.status, env=ENV_NO_REPLAY,
                )
            )
    return recording.result


def forget() -> None:
    """Drop every recording (a new grading session, or a test that changes the emulator)."""
    _recordings.clear()
