"""One Lambda execution environment: a warm child process (harness/lambda_runner.py) running one version.

The child is started the way every process that runs student code is: ``python -I`` (nothing in the
package can stand in for the runner or the standard library), the loopback-only audit hook installed
before the function's module is imported, the sandbox's environment (dummy credentials, the emulator's
endpoint) laid over the function's own variables so that they cannot widen it, and a session of its own,
so one kill reaches whatever the function started. Requests and replies are JSON lines on two pipes.
This side enforces the timeout: past the deadline it kills the environment, which ends any loop.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from typing import Any

from harness.lambda_runtime_log import EVENT_NEWLINE
from harness.safety import sandbox_environment
from harness.settings import SITECUSTOM_DIR
from harness.student import reaper
from harness.student.process import ForkedChild, Zygote

from . import iam_enforcement, lambda_tracing

INIT_TIMEOUT_SECONDS = 10.0  # Lambda's limit on the init phase
DRAIN_SECONDS = 1.0  # the rest of an invocation's output, written before its reply
SHORT_DRAIN_SECONDS = 0.2  # a dead or killed environment's last words
MAX_PHASE_LOG_BYTES = 1 << 20  # per invocation; the rest is counted, not kept
TASK_ROOT = "/var/task"  # where Lambda unpacks the package: messages say this, not the temp folder


@dataclass(frozen=True)
class FunctionSpec:
    """What an environment runs: one version of a function, as configured when it was invoked."""

    account_id: str
    region: str
    name: str
    version: str
    handler: str
    runtime: str
    memory_mb: int
    timeout_seconds: float
    variables: tuple[tuple[str, str], ...]
    code_sha256: str
    code: bytes = field(repr=False, compare=False)
    tracing: str = "PassThrough"  # TracingConfig.Mode
    role_arn: str = ""
    iam_enforced: bool = False  # started while IAM enforcement is on: runs with the role's credentials

    @property
    def key(self) -> tuple[Any, ...]:
        """Environments are reused only for the same code and configuration, as on Lambda."""
        return (self.account_id, self.region, self.name, self.version, self.handler, self.runtime,
                self.memory_mb, self.timeout_seconds, self.variables, self.code_sha256, self.tracing, self.role_arn,
                self.iam_enforced)

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"


@dataclass
class LogLine:
    timestamp_ms: int
    message: str


@dataclass
class Phase:
    """What one phase (init, or one invocation) answered and printed."""

    reply: dict[str, Any] | None  # None: no answer (timed out, or the process ended)
    log: list[LogLine]
    timed_out: bool = False
    exit_status: str = ""  # how the process ended when it did: "exit status 2", "signal: killed"


def now_ms() -> int:
    return int(time.time() * 1000)


class Environment:
    def __init__(self, spec: FunctionSpec, endpoint: str, provisioned_for: tuple[str, ...] | None = None) -> None:
        self.spec = spec
        self.endpoint = endpoint
        self.provisioned_for = provisioned_for  # (account, region, function, qualifier) of its provisioned concurrency
        self.log_stream = f"{datetime.now(timezone.utc):%Y/%m/%d}/[{spec.version}]{uuid.uuid4().hex}"
        self.marker = f"\x1e{uuid.uuid4().hex}\x1e"
        self.init_ms = 0.0
        self.max_memory_mb = 0  # as the last reply said: what a timed-out invocation reports
        self.last_used = time.monotonic()
        self.broken = False  # timed out, crashed or failed to init: never reused
        self._process: subprocess.Popen[bytes] | None = None
        self._task_dir = ""
        self._log_buffer = b""
        self._reply_buffer = b""
        self._marker_seen = False
        self._kept = self._dropped = 0

    # -- life cycle ------------------------------------------------------------------------------------
    def start(self) -> Phase:
        """Unpack the package, start the runtime and wait for its init (the cold start)."""
        started = time.perf_counter()
        self._task_dir = tempfile.mkdtemp(prefix="lambda-task-")
        try:
            zipfile.ZipFile(BytesIO(self.spec.code)).extractall(self._task_dir)
        except (zipfile.BadZipFile, ValueError):
            self.broken = True
            error = {"errorMessage": "The stored code package is not a valid zip file.", "errorType": "Runtime.InvalidZip"}
            return Phase({"init": True, "error": error}, [])
        request_read, self._to_child = os.pipe()
        self._from_child, reply_write = os.pipe()
        log_read, log_write = os.pipe()
        self._log = log_read
        environment = self._environment()
        try:
            self._process = RUNTIME.fork(self.endpoint, self.spec.handler, self.marker, self._task_dir, environment,
                                         [request_read, reply_write, log_write])
            if self._process is None:  # no zygote here: a new interpreter, as the zygote's child becomes
                command = [*RUNNER, self.spec.handler, str(request_read), str(reply_write), self.marker]
                self._process = subprocess.Popen(
                    command, cwd=self._task_dir, env=environment, pass_fds=(request_read, reply_write),
                    stdin=subprocess.DEVNULL, stdout=log_write, stderr=log_write,
                    start_new_session=True,  # one kill reaches what the function starts; the reaper sweeps it too
                )
        except OSError:
            for fd in (self._to_child, self._from_child, self._log):
                os.close(fd)
            raise
        finally:
            for fd in (request_read, reply_write, log_write):
                os.close(fd)
        phase = self._next_phase(time.monotonic() + INIT_TIMEOUT_SECONDS)
        self.init_ms = (time.perf_counter() - started) * 1000
        if phase.reply is None or phase.reply.get("error"):
            self.kill()
        return phase

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None and not self.broken

    def kill(self) -> None:
        """End the environment and everything it started, and forget its package."""
        self.broken = True
        self.terminate()
        process, self._process = self._process, None
        if process is not None:
            for fd in (self._to_child, self._from_child, self._log):
                try:
                    os.close(fd)
                except OSError:
                    pass
        if self._task_dir:
            shutil.rmtree(self._task_dir, ignore_errors=True)
            self._task_dir = ""

    def terminate(self) -> None:
        """Kill the process group; the pipes stay open for the thread that reads them."""
        process = self._process
        if process is None or process.poll() is not None:
            return  # ended, and reaped (here, or by the harness's reaper): its pid may belong to another now
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            process.wait(timeout=5)
        except (subprocess.TimeoutExpired, ChildProcessError):
            pass

    # -- invocations -----------------------------------------------------------------------------------
    def invoke(self, request_id: str, event: str, invoked_arn: str, trace_header: str = "") -> Phase:
        """Run one invocation; past the function's timeout the environment is killed."""
        self.last_used = time.monotonic()
        deadline_ms = time.time() * 1000 + self.spec.timeout_seconds * 1000
        request = {"id": request_id, "event": event, "arn": invoked_arn, "deadline_ms": deadline_ms, "trace": trace_header}
        data = memoryview(json.dumps(request).encode() + b"\n")
        try:
            while data:  # the runtime reads the whole line before it runs anything
                data = data[os.write(self._to_child, data):]
        except OSError:
            pass  # it has already ended: the reply wait says how
        phase = self._next_phase(time.monotonic() + self.spec.timeout_seconds)
        self.last_used = time.monotonic()
        if phase.reply is None:
            self.kill()
        else:
            self.max_memory_mb = int(phase.reply.get("max_memory_mb") or 0)
        return phase

    def _next_phase(self, deadline: float) -> Phase:
        """Read the log while waiting for the next reply; then the log up to this phase's marker."""
        lines: list[LogLine] = []
        self._kept = self._dropped = 0
        self._marker_seen = False
        self._parse_log(lines)  # what arrived after the last marker (a thread that printed between invocations)
        reply: dict[str, Any] | None = None
        ended = False
        while not ended:
            if b"\n" in self._reply_buffer:
                line, self._reply_buffer = self._reply_buffer.split(b"\n", 1)
                reply = json.loads(self._rewrite(line.decode("utf-8", "replace")))
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            ready, _, _ = select.select([self._from_child, self._log], [], [], remaining)
            if self._log in ready:
                self._read_log(lines)
            if self._from_child in ready:
                data = os.read(self._from_child, 65536)
                ended = not data
                self._reply_buffer += data
        if reply is not None:
            self._drain_log(lines, DRAIN_SECONDS)  # the marker was written before the reply
            return Phase(reply, lines)
        if ended:
            status = self._exit_status()
            self._drain_log(lines, SHORT_DRAIN_SECONDS)
            self.kill()
            return Phase(None, lines, exit_status=status)
        self.terminate()
        self._drain_log(lines, SHORT_DRAIN_SECONDS)
        self.kill()
        return Phase(None, lines, timed_out=True)

    def _read_log(self, lines: list[LogLine]) -> bool:
        """Read what the log pipe holds; False at its end (every writer has gone)."""
        data = os.read(self._log, 65536)
        self._log_buffer += data
        self._parse_log(lines)
        return bool(data)

    def _parse_log(self, lines: list[LogLine]) -> None:
        stamp = now_ms()
        while not self._marker_seen and b"\n" in self._log_buffer:
            raw, self._log_buffer = self._log_buffer.split(b"\n", 1)
            text = raw.decode("utf-8", "replace")
            if text == self.marker:
                self._marker_seen = True  # what follows belongs to the next phase
            elif self._kept < MAX_PHASE_LOG_BYTES:
                lines.append(LogLine(stamp, self._rewrite(text).replace(EVENT_NEWLINE, "\n")))
                self._kept += len(raw)
            else:
                self._dropped += len(raw)
        if len(self._log_buffer) > MAX_PHASE_LOG_BYTES:  # one endless line
            self._dropped += len(self._log_buffer)
            self._log_buffer = b""

    def _drain_log(self, lines: list[LogLine], seconds: float) -> None:
        """Read the log until this phase's marker, its end, or ``seconds`` of silence."""
        deadline = time.monotonic() + seconds
        while not self._marker_seen:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._log], [], [], remaining)[0] or not self._read_log(lines):
                break
        if self._dropped:
            lines.append(LogLine(now_ms(), f"[... {self._dropped:,} bytes of output not kept by the emulator ...]"))

    def _exit_status(self) -> str:
        process = self._process
        code = None
        if process is not None:
            try:
                code = process.wait(timeout=DRAIN_SECONDS)
            except subprocess.TimeoutExpired:
                code = None
        if code is not None and code < 0:
            return f"signal: {signal.Signals(-code).name.removeprefix('SIG').lower().replace('kill', 'killed')}"
        return f"exit status {code if code is not None else 'unknown'}"

    # -- helpers ---------------------------------------------------------------------------------------
    def _rewrite(self, text: str) -> str:
        """The package ran from a temp folder; Lambda's messages say /var/task."""
        if not self._task_dir:
            return text
        real = os.path.realpath(self._task_dir)
        return text.replace(real, TASK_ROOT).replace(self._task_dir, TASK_ROOT)

    def _environment(self) -> dict[str, str]:
        spec = self.spec
        # The sandbox goes over the function's variables: they cannot name another endpoint or host.
        env = runtime_environment(self.endpoint, dict(spec.variables))
        env.update(
            {
                "AWS_REGION": spec.region,
                "AWS_DEFAULT_REGION": spec.region,
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
                "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
                "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream,
                "AWS_LAMBDA_INITIALIZATION_TYPE": "provisioned-concurrency" if self.provisioned_for else "on-demand",
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime or 'python3.12'}",
                "LAMBDA_TASK_ROOT": ".",
                "_HANDLER": spec.handler,
                **lambda_tracing.environment_variables(),  # the daemon's address, as Lambda gives it
            }
        )
        if spec.iam_enforced and spec.role_arn:  # the role's session, as Lambda gives it (iam_enforcement.py)
            env.update(iam_enforcement.mint(spec.account_id, spec.region, spec.role_arn, spec.name).environment())
        env.pop("_X_AMZN_TRACE_ID", None)  # the runtime sets it for each invocation
        return env


RUNNER = [sys.executable, "-I", "-u", "-X", "utf8", "-m", "harness.lambda_runner"]
NO_ZYGOTE_VARIABLE = "COURSE_NO_RUNTIME_ZYGOTE"  # =1: every environment a new interpreter (to compare, or to rule it out)


def runtime_environment(endpoint: str, variables: dict[str, str]) -> dict[str, str]:
    """The runtime's variables under the sandbox's, without a function's own: the zygote's, and the base
    of every environment's."""
    base = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env = sandbox_environment(endpoint, {**base, **variables})
    env.update({"TZ": ":UTC", "PYTHONDONTWRITEBYTECODE": "1",
                "PYTHONPATH": str(SITECUSTOM_DIR)})  # for the Python programs the function starts
    return env


class RuntimeZygote:
    """The Lambda runtime's zygote (harness/lambda_runner.py --zygote), started when a function is created
    (or else at the first cold start): an environment is forked from it with boto3 already imported instead
    of a new interpreter importing it (~0.15 s of CPU each). Where it cannot start or stops answering,
    environments are spawned as before."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._zygote: Zygote | None = None
        self._endpoint = ""
        self._expected_endpoint = ""
        self.usable = hasattr(os, "fork") and hasattr(socket, "send_fds") and os.environ.get(NO_ZYGOTE_VARIABLE) != "1"

    def fork(self, endpoint: str, handler: str, marker: str, cwd: str, env: dict[str, str], fds: list[int]) -> ForkedChild | None:
        """The environment's process, forked with its three pipe ends (request, reply, log); None: spawn it."""
        with self._lock:
            if self.usable and self._zygote is not None and (endpoint != self._endpoint or not self._zygote.alive()):
                self._close()
            zygote = self._started(endpoint)
            if zygote is None:
                return None
        request = b"F" + json.dumps({"handler": handler, "marker": marker, "cwd": cwd, "env": env}).encode()
        try:
            return zygote.fork_with(request, fds)
        except OSError:  # it died (a function may kill its parent) or stopped answering: spawn from now on
            with self._lock:
                self.usable = False
                self._close()
            return None

    def expect(self, endpoint: str) -> None:
        """The emulator's endpoint, known at its start: functions created from then on call it."""
        self._expected_endpoint = endpoint

    def warm_up(self) -> None:
        """Start the zygote now, without waiting for it: a function was just created, so a cold start may
        follow, and the zygote imports boto3 on the other core meanwhile instead of at that cold start."""
        with self._lock:
            if self._zygote is None and self._expected_endpoint:
                self._started(self._expected_endpoint)

    def _started(self, endpoint: str) -> Zygote | None:
        """The running zygote, started for ``endpoint`` if there is none; None where none can start."""
        if not self.usable:
            return None
        if self._zygote is None:
            try:
                self._zygote = Zygote(runtime_environment(endpoint, {}), Path(tempfile.gettempdir()), command=[*RUNNER, "--zygote"])
            except OSError:
                self.usable = False
                return None
            self._endpoint = endpoint
            reaper.keep_helper(self._zygote.pid)
        return self._zygote

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._zygote is not None:
            reaper.forget_helper(self._zygote.pid)
            try:
                self._zygote.close()
            except (OSError, subprocess.TimeoutExpired):
                pass
            self._zygote = None


RUNTIME = RuntimeZygote()
