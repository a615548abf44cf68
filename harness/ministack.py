"""MiniStack as a grading backend: a process of its own on 127.0.0.1, Lambda code run for real, no Docker.

The harness starts it from its own venv (harness/ministack_env.py) behind the call-log forwarder
(harness/forwarder.py): MiniStack is told the forwarder's port as its public one, so the URLs it hands
out and the endpoint its Lambda functions call lead back through the log too. It ends with the process
that started it, even one killed outright: it reads its stdin, and at end of file it kills its own
process group (itself and its Lambda workers).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
from dataclasses import dataclass, field
from pathlib import Path

from . import ministack_env
from .backends import (
    CALL_LOG,
    DEPLOYED_API_OVER_HTTP,
    LAMBDA_SERVICE_RUNS_CODE,
    PORT_TAKEN,
    SAM_TRANSFORM,
    BackendUnavailable,
    _direct,
    _post,
)
from .call_log import CallLog
from .forwarder import Forwarder
from .settings import DUMMY_ACCESS_KEY, DUMMY_SECRET_KEY, REGION, REPO_ROOT, SITECUSTOM_DIR

HEALTH_PATH = "/_ministack/health"
RESET_PATH = "/_ministack/reset"
ACCOUNT_ID = "000000000000"  # MiniStack's default, as LocalStack's: graders read backend.account_id
START_TIMEOUT = 30.0  # ready in 0.3-0.4 s here; the first start after an install compiles bytecode
STOP_TIMEOUT = 5.0
RESET_TIMEOUT = 30.0
LOG_FILE = "ministack.log"
# Run by MiniStack's own Python: end with the parent (stdin closes), then serve the ASGI app that
# `ministack -d` also serves, with harness/ministack_app.py's fixes, bound to the private port given as argv[1].
LAUNCHER = """
import os, runpy, signal, sys, threading
def _end_with_parent():
    sys.stdin.buffer.read()
    os.killpg(0, signal.SIGKILL)
threading.Thread(target=_end_with_parent, daemon=True).start()
sys.argv = ["hypercorn", "harness.ministack_app:app", "--bind", "127.0.0.1:" + sys.argv[1],
            "--log-level", os.environ.get("LOG_LEVEL", "WARNING"), "--keep-alive", "75"]
runpy.run_module("hypercorn", run_name="__main__", alter_sys=True)
"""

NOT_STARTED = "MiniStack did not start{why}. Its log ({log}) ends with:\n{tail}"
RESET_FAILED = "MiniStack did not reset its state between checks ({reason}); results would leak from one check into the next."


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(url: str, timeout: float = 1.0) -> bool:
    try:
        with _direct.open(url, timeout=timeout) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


def process_environment(public_endpoint: str, scratch: Path) -> dict[str, str]:
    """What MiniStack and its Lambda workers run with: dummy credentials, loopback only, nothing of ours.

    The course's sitecustomize (on PYTHONPATH) installs the harness's loopback-only audit hook in
    every Python process there, the functions students deploy included, as in the Lambda runner."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env.update(
        {
            "BIND_HOST": "127.0.0.1",
            "GATEWAY_PORT": public_endpoint.rsplit(":", 1)[1],
            "LOG_LEVEL": "WARNING",
            "TMPDIR": str(scratch),
            "S3_DATA_DIR": str(scratch / "s3"),
            "AWS_ENDPOINT_URL": public_endpoint,
            "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "NO_PROXY": "127.0.0.1,localhost,::1",
            "no_proxy": "127.0.0.1,localhost,::1",
            "PYTHONPATH": os.pathsep.join([str(SITECUSTOM_DIR), str(REPO_ROOT)]),
            "COURSE_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


@dataclass
class MiniStack:
    """MiniStack in a process of its own, behind the forwarder that keeps the call log."""

    port: int = 0  # the endpoint's port (the forwarder's); 0: a free one
    name: str = "ministack"
    account_id: str = ACCOUNT_ID
    capabilities: frozenset[str] = frozenset({CALL_LOG, LAMBDA_SERVICE_RUNS_CODE, DEPLOYED_API_OVER_HTTP, SAM_TRANSFORM})
    call_log: CallLog = field(default_factory=CallLog)
    endpoint: str = ""
    seeded: bool = False  # MiniStack's IDs are random: a script's run is never replayed here
    environment: Path | None = None
    announce: object = None  # called with a line of text before a first-use install
    private_endpoint: str = ""
    _process: subprocess.Popen[bytes] | None = None
    _forwarder: Forwarder | None = None
    _scratch: tempfile.TemporaryDirectory[str] | None = None

    def start(self) -> None:
        environment = self.environment or ministack_env.environment_dir()
        try:
            python = ministack_env.ensure_installed(environment, announce=self.announce)
        except (RuntimeError, TimeoutError) as error:
            raise BackendUnavailable(str(error)) from None
        private_port = free_port()
        self._forwarder = Forwarder("127.0.0.1", private_port, self.call_log, port=self.port)
        try:
            public_port = self._forwarder.start()
        except SystemExit:  # werkzeug's answer to a taken port
            self._forwarder = None
            raise BackendUnavailable(PORT_TAKEN.format(port=self.port)) from None
        self.endpoint = f"http://127.0.0.1:{public_port}"
        self.private_endpoint = f"http://127.0.0.1:{private_port}"
        self._scratch = tempfile.TemporaryDirectory(prefix="ministack-")
        scratch = Path(self._scratch.name)
        with (scratch / LOG_FILE).open("wb") as log:
            self._process = subprocess.Popen(
                [str(python), "-c", LAUNCHER, str(private_port)],
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=scratch,
                env=process_environment(self.endpoint, scratch),
                start_new_session=True,  # its own group: the launcher's kill ends it and its workers only
            )
        self._wait_until_ready(scratch / LOG_FILE)

    def _wait_until_ready(self, log: Path) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if _answers(f"{self.private_endpoint}{HEALTH_PATH}"):
                return
            code = self._process.poll() if self._process else None
            if code is not None:
                self._fail(f" (exit code {code})", log)
            time.sleep(0.05)
        self._fail(f" within {START_TIMEOUT:g} s", log)

    def _fail(self, why: str, log: Path) -> None:
        try:
            tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-15:])
        except OSError:
            tail = "(no log)"
        self.stop()
        raise BackendUnavailable(NOT_STARTED.format(why=why, log=LOG_FILE, tail=tail or "(empty log)"))

    def reset(self) -> None:
        try:
            answer = json.loads(_post(f"{self.private_endpoint}{RESET_PATH}", timeout=RESET_TIMEOUT) or b"{}")
        except (OSError, ValueError, urllib.error.HTTPError) as error:
            raise BackendUnavailable(RESET_FAILED.format(reason=error)) from None
        if answer.get("reset") != "ok":
            raise BackendUnavailable(RESET_FAILED.format(reason=f"it answered {answer!r}"))
        self.call_log.clear()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            _end(process)
        if self._forwarder is not None:
            self._forwarder.stop()
            self._forwarder = None
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None


def _end(process: subprocess.Popen[bytes]) -> None:
    """Close its stdin (the launcher then kills its group); SIGKILL the group if that did not do it."""
    try:
        if process.stdin:
            process.stdin.close()
        process.wait(timeout=STOP_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        pass
    if os.name != "nt":
        try:
            os.killpg(process.pid, signal.SIGKILL)  # what is left of its group: Lambda workers
        except (ProcessLookupError, PermissionError):
            pass
    if process.poll() is None:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)
