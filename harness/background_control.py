"""`course backend up|down|status|env`: start, stop and find the background emulator (harness/background.py):
the embedded one (moto), or MiniStack with `--backend ministack`."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, TextIO

from .background import DEFAULT_IDLE_MINUTES, MODULE
from .terminal_env import DEFAULT_SHELL, EVAL_COMMAND, OTHER_SHELLS, env_output, one_line_export

STATE_DIR = ".course"  # gitignored
STATE_FILE = "backend.json"
LOG_FILE = "backend.log"
START_TIMEOUT = 30.0  # importing moto and boto3 takes ~1 s, MiniStack ~0.5 s; a slow laptop gets plenty more
STOP_TIMEOUT = 5.0
PROBE_TIMEOUT = 1.0
# The package's parent: `python -m harness.background` imports from there even without an install.
CODE_DIR = Path(__file__).resolve().parent.parent

EMULATORS = {"moto": "The embedded AWS emulator", "ministack": "MiniStack"}
RUNNING = "{emulator} is running at {endpoint} (pid {pid}; it stops after {idle:g} minutes without AWS calls)."
ALREADY_RUNNING = "Already running: nothing started."
USE_IT = "To point aws, awslocal and boto3 at it (nothing then reaches real AWS), run this in each terminal you use:"
SETS = "It is the same as pasting:\n\n    {export}\n\nOther shells: {other_shells}."
STOP_IT = "Stop it with `course backend down`. It keeps its data until it stops."
NOT_RUNNING = "No background AWS emulator is running. Start it with `course backend up`."
NOTHING_TO_POINT_AT = (
    "course backend env: no background AWS emulator is running, so there is nothing to point this terminal at. "
    f"Start it with `course backend up`, then run `{EVAL_COMMAND}` again."
)
STOPPED = "{emulator} stopped (pid {pid})."
STALE_STATE = "The background AWS emulator had already stopped (idle, or its process ended); cleared {path}."
NOT_ANSWERING = (
    "Process {pid} is alive but the emulator does not answer at {endpoint}. "
    "Run `course backend down`, then `course backend up`."
)
PORT_IN_USE = (
    "Port {port} on 127.0.0.1 is already in use by {holder}. "
    "{advice}Or pick another port: `course backend up --port {other}` (and use that port in AWS_ENDPOINT_URL)."
)
LOCALSTACK_ADVICE = "LocalStack answers there: use it as it is, or stop it with `docker compose down`. "
OTHER_ADVICE = "Stop that program first. "
START_FAILED = "{emulator} did not start{why}. Its log ({log}) ends with:\n{tail}"
OTHER_RUNNING = "{emulator} already runs in the background (pid {pid}); stop it first with `course backend down`."
NOT_STOPPED = "Process {pid} did not stop; end it yourself (`kill -9 {pid}`), then delete {path}."


def state_path(course_root: Path) -> Path:
    return course_root / STATE_DIR / STATE_FILE


def read_state(path: Path) -> dict[str, Any] | None:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and isinstance(state.get("pid"), int) and "endpoint" in state else None


# ------------------------------------------------------------------------------------ what is there


def get_json(url: str, timeout: float = PROBE_TIMEOUT) -> Any:
    # No proxy: an HTTP_PROXY setting must not swallow a request to this machine.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


def answers_as_moto(endpoint: str) -> bool:
    try:
        config = get_json(f"{endpoint}/moto-api/config")
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and "lambda" in config


def answers_as_ministack(endpoint: str) -> bool:
    try:
        health = get_json(f"{endpoint}/_ministack/health")
    except (OSError, ValueError):
        return False
    return isinstance(health, dict) and "services" in health


def answers(state: dict[str, Any]) -> bool:
    """Whether the emulator a state file names answers at its endpoint as that emulator."""
    if state.get("backend") == "ministack":
        return answers_as_ministack(state["endpoint"])
    return answers_as_moto(state["endpoint"])


def emulator_name(state: dict[str, Any]) -> str:
    return EMULATORS.get(str(state.get("backend", "moto")), EMULATORS["moto"])


def answers_as_localstack(endpoint: str) -> bool:
    try:
        health = get_json(f"{endpoint}/_localstack/health")
    except (OSError, ValueError):
        return False
    return isinstance(health, dict) and "services" in health


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(PROBE_TIMEOUT)
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return True
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _process_status(pid: int) -> tuple[str, str] | None:
    """(state letter, command line) of a live process, None if there is none. POSIX only."""
    proc = Path(f"/proc/{pid}")
    if proc.is_dir():
        try:
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError):
            return None
        return state, command
    try:
        done = subprocess.run(["ps", "-o", "stat=,command=", "-p", str(pid)], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    fields = done.stdout.strip().split(None, 1)
    return (fields[0][0], fields[1] if len(fields) > 1 else "") if done.returncode == 0 and fields else None


def is_our_server(pid: int) -> bool:
    """True while pid is a live background emulator (not a zombie, not a reused pid)."""
    if os.name == "nt":  # no cheap look at another process's command line: trust the state file
        return True
    status = _process_status(pid)
    return status is not None and status[0] not in ("Z", "X") and MODULE in status[1]


# ---------------------------------------------------------------------------------------- commands


def _start_process(port: int, idle_minutes: float, path: Path, backend: str) -> subprocess.Popen[bytes]:
    path.parent.mkdir(parents=True, exist_ok=True)
    arguments = {"--port": port, "--state-file": path, "--idle-minutes": idle_minutes, "--backend": backend}
    command = [sys.executable, "-m", MODULE, *(str(part) for pair in arguments.items() for part in pair)]
    options: dict[str, Any] = {"start_new_session": True}  # not in the terminal's group: Ctrl-C there leaves it be
    if os.name == "nt":
        options = {"creationflags": subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP}
    with (path.parent / LOG_FILE).open("wb") as log:  # the server prints nothing to the terminal
        return subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=CODE_DIR, close_fds=True, **options
        )


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = (path.parent / LOG_FILE).read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def _print_running(state: dict[str, Any], out: TextIO) -> None:
    idle = float(state.get("idle_minutes", 0))
    print(RUNNING.format(emulator=emulator_name(state), endpoint=state["endpoint"], pid=state["pid"], idle=idle), file=out)
    print(USE_IT, file=out)
    print(f"\n    {EVAL_COMMAND}\n", file=out)
    print(SETS.format(export=one_line_export(state["endpoint"]), other_shells=OTHER_SHELLS), file=out)
    print(STOP_IT, file=out)


def running_state(path: Path) -> dict[str, Any] | None:
    """The state of a running server (None if none runs); a state file left by one that ended is removed."""
    state = read_state(path)
    if state is None:
        return None
    if is_our_server(state["pid"]) and (os.name != "nt" or answers(state)):
        return state
    path.unlink(missing_ok=True)
    return None


def _who_holds(port: int) -> tuple[str, str]:
    """(who, advice) for a port that something other than our server listens on."""
    endpoint = f"http://127.0.0.1:{port}"
    if answers_as_localstack(endpoint) and not answers_as_ministack(endpoint):
        return "LocalStack", LOCALSTACK_ADVICE
    if answers_as_ministack(endpoint):
        return "a MiniStack not started by `course backend up`", OTHER_ADVICE
    if answers_as_moto(endpoint):
        return "a moto server not started by `course backend up`", OTHER_ADVICE
    return "another program", OTHER_ADVICE


def up(
    *, course_root: Path, port: int, idle_minutes: float = DEFAULT_IDLE_MINUTES, backend: str = "moto", out: TextIO
) -> int:
    path = state_path(course_root)
    state = running_state(path)
    if state is not None and not answers(state):
        print(NOT_ANSWERING.format(pid=state["pid"], endpoint=state["endpoint"]), file=out)
        return 1
    if state is not None and state.get("backend", "moto") != backend:
        print(OTHER_RUNNING.format(emulator=emulator_name(state), pid=state["pid"]), file=out)
        return 1
    if state is not None:
        print(ALREADY_RUNNING, file=out)
        _print_running(state, out)
        return 0
    if port_in_use(port):
        holder, advice = _who_holds(port)
        print(PORT_IN_USE.format(port=port, holder=holder, advice=advice, other=port + 1), file=out)
        return 1
    # MiniStack installs in the foreground, with a word first, before the server's start-up clock runs.
    failed = _install_ministack(out) if backend == "ministack" else None
    if failed:
        print(failed, file=out)
        return 1
    process = _start_process(port, idle_minutes, path, backend)
    emulator = EMULATORS[backend]
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        state = read_state(path)
        if state is not None and state["pid"] == process.pid and answers(state):
            _print_running(state, out)
            return 0
        code = process.poll()
        if code is not None:
            why = f" (exit code {code})"
            print(START_FAILED.format(emulator=emulator, why=why, log=path.parent / LOG_FILE, tail=_log_tail(path)), file=out)
            return 1
        time.sleep(0.1)
    process.terminate()  # a server that never became ready must not linger (SIGTERM: MiniStack ends with it)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)
    path.unlink(missing_ok=True)
    why = f" within {START_TIMEOUT:g} s"
    print(START_FAILED.format(emulator=emulator, why=why, log=path.parent / LOG_FILE, tail=_log_tail(path)), file=out)
    return 1


def _install_ministack(out: TextIO) -> str | None:
    from .ministack_env import install_for_command

    return install_for_command(out)


def _wait_until_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not is_our_server(pid):
            return True
        time.sleep(0.1)
    return not is_our_server(pid)


def down(*, course_root: Path, out: TextIO) -> int:
    path = state_path(course_root)
    state = read_state(path)
    if state is None:
        print(NOT_RUNNING, file=out)
        return 0
    pid = state["pid"]
    if not is_our_server(pid):
        path.unlink(missing_ok=True)
        print(STALE_STATE.format(path=path.relative_to(course_root).as_posix()), file=out)
        return 0
    try:
        os.kill(pid, signal.SIGTERM)  # it removes its state file and closes the port
        if not _wait_until_gone(pid, STOP_TIMEOUT) and os.name != "nt":
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if os.name != "nt" and not _wait_until_gone(pid, STOP_TIMEOUT):
        print(NOT_STOPPED.format(pid=pid, path=path), file=out)
        return 1
    path.unlink(missing_ok=True)
    print(STOPPED.format(emulator=emulator_name(state), pid=pid), file=out)
    return 0


def status(*, course_root: Path, out: TextIO) -> int:
    path = state_path(course_root)
    had_state = read_state(path) is not None
    state = running_state(path)
    if state is None:
        print(STALE_STATE.format(path=path.relative_to(course_root).as_posix()) if had_state else NOT_RUNNING, file=out)
        return 0
    if not answers(state):
        print(NOT_ANSWERING.format(pid=state["pid"], endpoint=state["endpoint"]), file=out)
        return 0
    _print_running(state, out)
    return 0


def env(*, course_root: Path, shell: str = DEFAULT_SHELL, out: TextIO, err: TextIO) -> int:
    """Print what `eval` needs to point a terminal at the running emulator; print nothing to eval when none runs."""
    state = running_state(state_path(course_root))
    if state is None:
        print(NOTHING_TO_POINT_AT, file=err)
        return 1
    if not answers(state):
        print(NOT_ANSWERING.format(pid=state["pid"], endpoint=state["endpoint"]), file=err)
        return 1
    out.write(env_output(state["endpoint"], shell, state.get("xray_daemon_address") or ""))
    return 0
