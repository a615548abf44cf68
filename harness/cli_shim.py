"""A warm AWS CLI for students' shell scripts: `aws`/`awslocal` on PATH forward to this process.

Each AWS CLI start costs ~0.7 s of imports, and a deploy script runs ten of them, twice. While a
grader runs a script, tiny `aws` and `awslocal` stand-ins pass argv, environment and working
directory over loopback to the AWS CLI's own driver running here, warm, and hand back its output
and exit status. The script and every command in it run for real; only the start-up is shared.
Set COURSE_REAL_AWS_CLI=1 to run the installed commands instead.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import socketserver
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

DISABLE_VARIABLE = "COURSE_REAL_AWS_CLI"
# `aws ... wait` looks again after its model's delay: 5 s for lambda function-updated and
# function-active, made for AWS. An emulator that reports an update in progress for half a second, as
# MiniStack does, would spend most of a check's 30 s sleeping; here a waiter looks every second at
# most, as the -v2 waiters do, for as long in total. What it waits for is unchanged.
WAITER_DELAY_CAP = 1.0

STAND_IN = """#!{python} -S
# Stand-in for `{tool}` while a grader runs a script: see harness/cli_shim.py.
import base64, json, os, socket, sys
request = {{"tool": "{tool}", "argv": sys.argv[1:], "cwd": os.getcwd(), "env": dict(os.environ)}}
with socket.create_connection(("127.0.0.1", {port})) as connection:
    connection.sendall(json.dumps(request).encode() + b"\\n")
    answer = b"".join(iter(lambda: connection.recv(65536), b""))
reply = json.loads(answer)
sys.stdout.buffer.write(base64.b64decode(reply["stdout"]))
sys.stderr.buffer.write(base64.b64decode(reply["stderr"]))
sys.exit(reply["rc"])
"""


class _Capture(io.TextIOWrapper):
    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8", errors="replace", write_through=True)

    def bytes(self) -> bytes:
        self.flush()
        return self.buffer.getvalue()  # type: ignore[attr-defined]


_shared_loader: list[Any] = []


def _driver() -> Any:
    """A fresh CLI driver, but with one model loader for all: parsing a service's JSON model is most
    of a warm command's cost, and the models never change during a run."""
    from awscli.clidriver import create_clidriver

    driver = create_clidriver()
    if _shared_loader:
        driver.session.register_component("data_loader", _shared_loader[0])
    else:
        _shared_loader.append(driver.session.get_component("data_loader"))
    return driver


_in_cli = threading.local()


def _cap_waiter_delays() -> None:
    """Patch botocore's Waiter.wait once: inside run_cli, a longer delay becomes WAITER_DELAY_CAP."""
    from botocore.waiter import Waiter

    real = Waiter.wait
    if getattr(real, "course_capped", False):
        return

    def wait(self: Any, **kwargs: Any) -> Any:
        delay, attempts = self.config.delay, self.config.max_attempts
        if getattr(_in_cli, "active", False) and "WaiterConfig" not in kwargs and delay > WAITER_DELAY_CAP:
            kwargs["WaiterConfig"] = {"Delay": WAITER_DELAY_CAP, "MaxAttempts": math.ceil(attempts * delay / WAITER_DELAY_CAP)}
        return real(self, **kwargs)

    wait.course_capped = True  # type: ignore[attr-defined]
    Waiter.wait = wait  # type: ignore[method-assign]


def run_cli(tool: str, argv: list[str], cwd: str, env: dict[str, str]) -> tuple[int, bytes, bytes]:
    """Run one AWS CLI command in this process with the caller's environment, directory and argv."""
    # What awslocal itself adds. Its deprecation banner is not copied: the driver runs here, not awslocal's script.
    if tool == "awslocal" and "--endpoint-url" not in argv and env.get("AWS_ENDPOINT_URL"):
        argv = ["--endpoint-url", env["AWS_ENDPOINT_URL"], *argv]
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    saved_streams = sys.stdout, sys.stderr
    out, err = _Capture(), _Capture()
    try:
        os.environ.clear()
        os.environ.update(env)
        if "AWS_DATA_PATH" in saved_env:  # set by `import awscli`: where the CLI's own data lives
            os.environ["AWS_DATA_PATH"] = saved_env["AWS_DATA_PATH"]
        os.chdir(cwd)
        sys.stdout, sys.stderr = out, err
        _cap_waiter_delays()
        _in_cli.active = True
        try:
            rc = _driver().main(argv)
        except SystemExit as exit_request:
            rc = exit_request.code if isinstance(exit_request.code, int) else 1
        except Exception as error:  # the CLI's own failure: report it as the CLI would, status 255
            err.write(f"\n{type(error).__name__}: {error}\n")
            rc = 255
    finally:
        _in_cli.active = False
        sys.stdout, sys.stderr = saved_streams
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return int(rc or 0), out.bytes(), err.bytes()


class _Handler(socketserver.StreamRequestHandler):
    lock = threading.Lock()  # one command at a time: the CLI runs with process-wide env and cwd

    def handle(self) -> None:
        request: dict[str, Any] = json.loads(self.rfile.readline())
        with self.lock:
            rc, out, err = run_cli(request["tool"], request["argv"], request["cwd"], request["env"])
        reply = {"rc": rc, "stdout": base64.b64encode(out).decode(), "stderr": base64.b64encode(err).decode()}
        self.wfile.write(json.dumps(reply).encode())


class WarmAwsCli:
    """The loopback service plus a directory of stand-ins to put first on a script's PATH."""

    def __init__(self) -> None:
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        # A short poll: shutdown() waits up to one interval, at the end of every grading run.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        port = self._server.server_address[1]
        self._dir = tempfile.TemporaryDirectory(prefix="course-aws-cli-")
        self.bin_dir = Path(self._dir.name)
        for tool in ("aws", "awslocal"):
            stand_in = self.bin_dir / tool
            stand_in.write_text(STAND_IN.format(python=sys.executable, tool=tool, port=port))
            stand_in.chmod(0o755)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._dir.cleanup()


_service: list[WarmAwsCli] = []


def warm_cli_bin_dir() -> Path | None:
    """The stand-ins' directory, started on first use; None when disabled or unsupported here."""
    if os.environ.get(DISABLE_VARIABLE) or os.name != "posix":
        return None
    if not _service:
        _service.append(WarmAwsCli())
    return _service[0].bin_dir


def shutdown() -> None:
    while _service:
        _service.pop().close()

