"""A warm AWS CLI for students' shell scripts: `aws`/`awslocal` on PATH forward to this process.

Each AWS CLI start costs ~0.7 s of imports, and a deploy script runs ten of them, twice. While a
grader runs a script, tiny `aws` and `awslocal` stand-ins pass argv, environment and working
directory over loopback to the AWS CLI's own driver running here, warm, and hand back its output
and exit status. The script and every command in it run for real; only the start-up is shared.
Set COURSE_REAL_AWS_CLI=1 to run the installed commands instead.

Where /proc is (Linux), the stand-in is a bash script that sends only its process id: this side reads
its argv, environment and directory from /proc/<pid>, as the kernel gave them to it. A bash start costs
~3 ms where Python's costs ~12, and Lab 2's scripts run ~55 commands. Elsewhere the stand-in is Python.
"""

from __future__ import annotations

import ast
import functools
import io
import math
import os
import shutil
import socketserver
import sys
import tempfile
import threading
import types
from pathlib import Path
from typing import Any

from .awscli_modules import awscli_module

DISABLE_VARIABLE = "COURSE_REAL_AWS_CLI"
# `aws ... wait` looks again after its model's delay: 5 s for lambda function-updated and
# function-active, made for AWS. An emulator that reports an update in progress for half a second, as
# MiniStack does, would spend most of a check's 30 s sleeping; here a waiter looks every second at
# most, as the -v2 waiters do, for as long in total. What it waits for is unchanged.
WAITER_DELAY_CAP = 1.0

# Its own startup is most of a warm command's wall time, so it imports nothing that imports re or enum
# (json, base64 and socket do): the request goes as a Python literal, the answer as a byte count header.
STAND_IN = """#!{python} -S
# Stand-in for `{tool}` while a grader runs a script: see harness/cli_shim.py.
import _socket, os, sys
request = {{"tool": "{tool}", "argv": sys.argv[1:], "cwd": os.getcwd(), "env": dict(os.environ)}}
connection = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
connection.connect(("127.0.0.1", {port}))
connection.sendall(repr(request).encode() + b"\\n")
chunks = []
while chunk := connection.recv(65536):
    chunks.append(chunk)
connection.close()
head, _, body = b"".join(chunks).partition(b"\\n")
rc, out_size, err_size = map(int, head.split())
sys.stdout.buffer.write(body[:out_size])
sys.stderr.buffer.write(body[out_size:out_size + err_size])
sys.exit(rc)
"""


# The same in bash: no import, no fork but `cat`. It reads the answer's header and stderr with builtins
# (LC_ALL=C: sizes are bytes), and copies stdout, which may be any bytes, with cat (by its full path:
# a script may have changed PATH). `-p`: as the real CLI would, it ignores the script's BASH_ENV and
# exported functions.
BASH_STAND_IN = """#!{bash} -p
# Stand-in for `{tool}` while a grader runs a script: see harness/cli_shim.py.
LC_ALL=C
exec 3<>/dev/tcp/127.0.0.1/{port} || exit 255
printf '%s\\n' "$$" >&3
read -r status err_size out_size <&3 || exit 255
if [ "$err_size" -gt 0 ]; then IFS= read -r -d '' -N "$err_size" text <&3; printf '%s' "$text" >&2; fi
if [ "$out_size" -gt 0 ]; then {cat} <&3; fi
exit "$status"
"""
PROC = Path("/proc")


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
    driver = awscli_module("awscli.clidriver").create_clidriver()
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


_argument_checks: dict[types.CodeType, Any] = {}
_shared_aliases: dict[str, str] = {}


def _code_of(handler: Any) -> types.CodeType | None:
    """The code whose parameters say whether ``handler`` takes **kwargs: a function's, a bound method's,
    a partial's function's (binding arguments keeps **kwargs), a callable object's ``__call__``'s. None
    where that is not all there is to it (a builtin, an explicit ``__signature__``)."""
    while isinstance(handler, functools.partial):
        handler = handler.func
    function = getattr(handler, "__func__", handler)
    if not isinstance(function, types.FunctionType):
        function = getattr(type(handler), "__call__", None)
        if not isinstance(function, types.FunctionType) or isinstance(handler, type):
            return None
    if hasattr(function, "__signature__"):
        return None
    return function.__code__


def _memoize_handler_checks() -> None:
    """Patch botocore's event hooks once so that a command's driver and client cost ~20 ms of CPU, not ~35.

    Every command builds a session and a client, which register some 400 handlers; each registration
    inspects the handler's signature (getfullargspec) and rewrites its event name through the aliases,
    both pure functions of things that never change: the handler's code, the event name. Both are
    remembered here: per code object (the AWS CLI registers new closures and partials of the same code
    for every command), per event name (for the default aliases only). The same answers, computed once."""
    from botocore import hooks

    real_accepts = hooks.accepts_kwargs
    if getattr(real_accepts, "course_memoized", False):
        return

    def accepts_kwargs(func: Any) -> Any:
        code = _code_of(func)
        if code is None:
            return real_accepts(func)
        try:
            return _argument_checks[code]
        except KeyError:
            answer = _argument_checks[code] = real_accepts(func)
            return answer

    accepts_kwargs.course_memoized = True  # type: ignore[attr-defined]
    hooks.accepts_kwargs = accepts_kwargs
    real_init = hooks.EventAliaser.__init__

    def init(self: Any, event_emitter: Any, event_aliases: Any = None) -> None:
        real_init(self, event_emitter, event_aliases)
        if self._event_aliases == hooks.EVENT_ALIASES:
            self._alias_name_cache = _shared_aliases

    hooks.EventAliaser.__init__ = init  # type: ignore[method-assign]


def _data_path(env: dict[str, str]) -> str:
    """AWS_DATA_PATH as a real `aws` process has it: the caller's folders, then the CLI's own data folder,
    which this process's environment never holds (harness/awscli_modules.py), and without which the CLI
    says "Unable to load data for: cli"."""
    own = os.path.join(os.path.dirname(os.path.abspath(awscli_module("awscli").__file__)), "data")
    theirs = [path for path in env.get("AWS_DATA_PATH", "").split(os.pathsep) if path and path != own]
    return os.pathsep.join([*theirs, own])


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
        os.environ["AWS_DATA_PATH"] = _data_path(env)
        os.chdir(cwd)
        sys.stdout, sys.stderr = out, err
        _cap_waiter_delays()
        _memoize_handler_checks()
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


def read_bash_request(pid: int, bin_dir: Path) -> dict[str, Any]:
    """A bash stand-in's request, from /proc/<pid>: the kernel ran it as ``bash -p STAND_IN ARG...``. A
    pid that is no stand-in of ``bin_dir`` is refused (ValueError)."""
    process = PROC / str(pid)
    command = process.joinpath("cmdline").read_bytes().split(b"\0")[:-1]
    names = {os.fsencode(bin_dir / tool): tool for tool in ("aws", "awslocal")}
    if len(command) < 3 or command[1] != b"-p" or command[2] not in names:
        raise ValueError(f"process {pid} is not a stand-in of {bin_dir}")
    environment = {}
    for entry in process.joinpath("environ").read_bytes().split(b"\0"):
        name, equals, value = entry.partition(b"=")
        if equals:
            environment[os.fsdecode(name)] = os.fsdecode(value)
    return {"tool": names[command[2]], "argv": [os.fsdecode(arg) for arg in command[3:]],
            "cwd": os.readlink(process / "cwd"), "env": environment}


class _Handler(socketserver.StreamRequestHandler):
    lock = threading.Lock()  # one command at a time: the CLI runs with process-wide env and cwd
    bin_dir: Path

    def handle(self) -> None:
        line = self.rfile.readline().strip()
        if line.isdigit():  # a bash stand-in: its process id
            try:
                request = read_bash_request(int(line), self.bin_dir)
            except (OSError, ValueError) as error:
                self.wfile.write(b"255 %d 0\n" % len(message := f"warm AWS CLI: {error}\n".encode()) + message)
                return
            with self.lock:
                rc, out, err = run_cli(request["tool"], request["argv"], request["cwd"], request["env"])
            self.wfile.write(f"{rc} {len(err)} {len(out)}\n".encode() + err + out)
            return
        request = ast.literal_eval(line.decode())  # literals only: never code
        with self.lock:
            rc, out, err = run_cli(request["tool"], request["argv"], request["cwd"], request["env"])
        self.wfile.write(f"{rc} {len(out)} {len(err)}\n".encode() + out + err)


class WarmAwsCli:
    """The loopback service plus a directory of stand-ins to put first on a script's PATH."""

    def __init__(self, *, bash: str | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="course-aws-cli-")
        self.bin_dir = Path(self._dir.name)
        handler = type("_Handler", (_Handler,), {"bin_dir": self.bin_dir})
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        # A short poll: shutdown() waits up to one interval, at the end of every grading run.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        port = self._server.server_address[1]
        for tool in ("aws", "awslocal"):
            stand_in = self.bin_dir / tool
            if bash:
                stand_in.write_text(BASH_STAND_IN.format(bash=bash, cat=shutil.which("cat"), tool=tool, port=port))
            else:
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
        _service.append(WarmAwsCli(bash=_bash_for_stand_ins()))
    return _service[0].bin_dir


def _bash_for_stand_ins() -> str | None:
    """bash, where this process can read a process's argv and environment from /proc; else None."""
    bash = shutil.which("bash") if shutil.which("cat") else None
    try:
        readable = bool(PROC.joinpath("self", "environ").read_bytes()) and PROC.joinpath("self", "cwd").is_symlink()
    except OSError:
        return None
    return bash if bash and readable else None


def shutdown() -> None:
    while _service:
        _service.pop().close()

