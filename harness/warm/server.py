"""The template: imports what `course grade` needs, then forks one grading process per request.

Run as ``python -m harness.warm.server --socket PATH --path0 DIR`` (the CLI starts it, detached, from the
socket's folder: nothing of the course's folder is importable while it imports). DIR becomes sys.path[0],
as it is in the `course` command, so that the fork imports exactly what a cold run would.

Protocol on a Unix stream socket, one request per connection: 8 bytes (big-endian length) carrying the
client's fds 0, 1 and 2, then that many bytes of JSON {argv, cwd, env, encoding}. Answers are lines:
b"pid N" once the fork runs (b"stale" instead when a file the template imported has changed: the template
then ends), then b"exit N" when it ends (negative N: the signal that ended it).

The process that runs a request is forked ahead of it (the standby, harness/warm/spare.py): it has a port
for the embedded backend and the student processes' zygote ready, and the template hands it the request
(the same bytes and fds, and the client's connection) over a socket pair. Without a standby (a request
while another runs, or one that ended), the template forks one for the request, as before.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import select
import signal
import socket
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from ..student.fork_server import ended_children
from . import IDLE_MINUTES

# What a grading run imports (all but harness.plugin and pytest-xdist's plugin modules: pytest would warn
# that they were imported before it could rewrite their asserts), and what the first stack, API or
# function would import on its first request.
PRELOAD = (
    "pytest", "_pytest.faulthandler", "_pytest.helpconfig", "_pytest.junitxml", "_pytest.pastebin",
    "_pytest.setuponly", "_pytest.setupplan", "_pytest.skipping", "_pytest.threadexception",
    "_pytest.tracemalloc", "_pytest.unittest", "_pytest.warnings", "execnet",
    "boto3", "botocore.session", "rich.console", "rich.table", "rich.rule", "flask.debughelpers",
    "harness.cli", "harness.grade", "harness.grading_run", "harness.backends", "harness.emulator",
    "harness.checks", "harness.early_work", "harness.fixtures", "harness.import_guard", "harness.report",
    "harness.scoreboard", "harness.served_apis", "harness.showcase", "harness.quiz.practice",
    "harness.kit.deployment_summary", "harness.kit.lambda_versions", "harness.kit.logs", "harness.kit.stacks",
    "instructor.commands",
    "moto.backends", "moto.moto_server.werkzeug_app", "moto.core.responses", "moto.moto_api._internal.urls",
    "moto.cloudformation.models", "moto.apigateway.models", "moto.awslambda.models", "moto.dynamodb.models",
    "moto.iam.models", "moto.sqs.models", "moto.sns.models", "moto.s3.models", "moto.logs.models",
    "moto.cloudwatch.models", "moto.kms.models", "moto.secretsmanager.models", "moto.events.models",
    "moto.codedeploy.models", "moto.sts.models", "moto.awslambda_simple.models",
    "moto.cloudformation.urls", "moto.apigateway.urls", "moto.awslambda.urls", "moto.dynamodb.urls",
    "moto.iam.urls", "moto.sqs.urls", "moto.sns.urls", "moto.s3.urls", "moto.logs.urls", "moto.cloudwatch.urls",
    "moto.kms.urls", "moto.secretsmanager.urls", "moto.events.urls", "moto.codedeploy.urls", "moto.sts.urls",
    "samtranslator.translator.transform",
)
# Imported through harness/awscli_modules.py, which keeps `import awscli` out of the environment.
PRELOAD_AWSCLI = ("awscli.customizations.cloudformation.yamlhelper", "awscli.clidriver")
# The services the course's exercises call (their models are parsed ahead: warm_caches).
SERVICES = (
    "apigateway", "cloudformation", "cloudwatch", "codedeploy", "dynamodb", "dynamodbstreams", "events", "iam",
    "kms", "lambda", "logs", "s3", "secretsmanager", "sns", "sqs", "ssm", "sts", "xray",
)
# moto's apps made ahead (harness/moto_apps.py): the preloaded services' and moto's own (a reset's).
MOTO_APPS = (
    "apigateway", "awslambda", "cloudformation", "cloudwatch", "codedeploy", "dynamodb", "events", "iam", "kms",
    "logs", "moto_api", "s3", "secretsmanager", "sns", "sqs", "sts",
)
MAX_REQUEST = 4 << 20
POLL_SECONDS = 2.0
REQUEST_SECONDS = 10.0

STUDENT_HOST = Path(__file__).resolve().parent.parent / "student"

_children: dict[int, socket.socket] = {}  # forks running a request -> their client's connection


class Standby:
    """The process that will run the next request, forked ahead of it (spare.py)."""

    def __init__(self, pid: int, control: socket.socket) -> None:
        self.pid, self.control, self.ended = pid, control, False


_standbys: dict[int, Standby] = {}  # at most one: forked when no request runs, until it gets one


def preload() -> None:
    from ..awscli_modules import awscli_module

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional one (SAM's translator) may be absent: its first use imports it
            pass
    for name in PRELOAD_AWSCLI:
        try:
            awscli_module(name)
        except ImportError:
            pass


def warm_caches() -> None:
    """Fill the caches a grading run fills first, each a pure function of installed packages' data: the
    parsed models of botocore (its clients) and moto (its request routers, ~35 ms a service), the AWS
    managed policies a stack's role names, moto's per-service apps (the routes of its server), SAM's
    policy templates, and cfn-lint's rules (Lab 4's lint). Measured on warm starters:
    0.2-0.9 s less for those that deploy stacks or functions."""
    from moto.core.routing import get_service_router
    from moto.core.utils import get_service_model

    from .. import botocore_files, moto_apps
    from ..backends import prepare_moto
    from ..emulator import sam_transform
    from ..emulator.cfn_iam import aws_managed_policy_data
    from ..kit import template_lint

    botocore_files.parse_ahead(SERVICES)
    for service in SERVICES:
        try:
            model, router = get_service_model(service), get_service_router(service)
        except Exception:  # noqa: BLE001 - a cache left empty is filled by a fork's first request, as cold
            continue
        for protocol in model.metadata.get("protocols") or [model.protocol]:
            try:
                router._get_router(protocol)  # what its first request in that protocol would build
            except Exception:  # noqa: BLE001 - one moto cannot route (CBOR): left to fail as in a cold run
                pass
    aws_managed_policy_data()
    prepare_moto()
    moto_apps.make_ahead(MOTO_APPS)
    try:
        sam_transform.policy_templates()  # what a SAM deploy's translation reads (~15 ms)
    except ImportError:
        pass  # no aws-sam-translator: a SAM deploy says so, warm or cold
    try:
        template_lint.runner(template_lint.REGION)  # cfn-lint's rules (~0.5 s), which a lint here then reuses
    except ImportError:
        pass  # cfn-lint is Lab 4's: without it its check says so, warm or cold


def imported_files() -> dict[str, int]:
    """mtime of every file an imported module came from, and of the student processes' host (a standby's
    zygote runs it, by path): a change there makes this template stale."""
    paths = [getattr(module, "__file__", None) for module in list(sys.modules.values())]
    paths += [str(path) for path in STUDENT_HOST.glob("*.py")]
    files = {}
    for path in filter(None, paths):
        try:
            files[path] = os.stat(path).st_mtime_ns
        except OSError:
            files[path] = -1
    return files


def unchanged(files: dict[str, int]) -> bool:
    for path, mtime in files.items():
        try:
            if os.stat(path).st_mtime_ns != mtime:
                return False
        except OSError:
            if mtime != -1:
                return False
    return True


def _reap(signum: int, frame: object) -> None:
    for pid, code in ended_children():
        standby = _standbys.pop(pid, None)
        if standby is not None:
            standby.ended = True  # before its request (killed, or it failed): the next one replaces it
        connection = _children.pop(pid, None)
        if connection is not None:
            try:
                connection.sendall(b"exit %d\n" % code)
            except OSError:
                pass  # the client went: nobody waits for the code
            connection.close()


def _receive(connection: socket.socket, fds_wanted: int = 3) -> tuple[dict[str, Any], list[int]]:
    header, fds, _, _ = socket.recv_fds(connection, 8, fds_wanted)
    length = int.from_bytes(header, "big") if len(header) == 8 else 0
    if len(fds) != fds_wanted or not 0 < length <= MAX_REQUEST:
        for fd in fds:
            os.close(fd)
        raise ValueError("not a grading request")
    body = b""
    while len(body) < length:
        chunk = connection.recv(length - len(body))
        if not chunk:
            break
        body += chunk
    return json.loads(body), fds


def _same_user(connection: socket.socket) -> bool:
    if not hasattr(socket, "SO_PEERCRED"):
        return True  # the socket's folder is this user's alone (harness.warm.socket_folder)
    credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
    return int.from_bytes(credentials[4:8], sys.byteorder) == os.getuid()


def _become(request: dict[str, Any], fds: list[int], connection: socket.socket) -> None:
    """In the fork: the client's streams, folder, environment and arguments, then the cold command's code."""
    code = 2
    try:
        _forget_wakeups()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        # As a fresh `course` at a terminal has them, whatever the template inherited (started from a
        # background job, it would ignore SIGINT): the client forwards only what it does not ignore.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for name in ("SIGTERM", "SIGHUP", "SIGQUIT"):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
        for other in _children.values():
            other.close()
        os.setsid()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        encoding = request.get("encoding") or "utf-8"
        sys.stdin = open(0, encoding=encoding, closefd=False)  # noqa: SIM115 - the process's own stream
        sys.stdout = open(1, "w", buffering=1 if os.isatty(1) else -1, encoding=encoding, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, encoding=encoding, errors="backslashreplace", closefd=False)  # noqa: SIM115
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = list(request["argv"])
        connection.sendall(b"pid %d\n" % os.getpid())
        connection.close()
        from harness import cli

        try:
            code = cli.main(sys.argv[1:])
        except SystemExit as end:  # argparse's usage errors
            code = end.code if isinstance(end.code, int) else (0 if end.code is None else 1)
            if end.code is not None and not isinstance(end.code, int):
                print(end.code, file=sys.stderr)
        cli._leave(code)
    except BaseException:  # noqa: BLE001 - what the cold command would print; the fork must never return
        traceback.print_exc()
        code = 1
    finally:
        try:
            from . import spare

            spare.discard()  # what the run did not take, also when it ended without its exit handlers
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _fork_standby(listener: socket.socket) -> Standby | None:
    ours, theirs = socket.socketpair()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})  # registered before _reap can see it end
    try:
        pid = os.fork()
        if pid == 0:
            ours.close()
            _wait_as_standby(theirs, listener)
        theirs.close()
        _standbys[pid] = Standby(pid, ours)
        return _standbys[pid]
    except OSError:
        ours.close()
        theirs.close()
        return None
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})


def _wait_as_standby(control: socket.socket, listener: socket.socket) -> None:
    """In the standby: get ready (spare.prepare), then wait for a request; the template's end ends it."""
    try:
        _forget_wakeups()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        listener.close()
        for other in _children.values():
            other.close()
        from ..cli import REPO_ROOT
        from . import spare

        try:
            spare.prepare(REPO_ROOT)
        except OSError:
            pass  # the run starts its own, as a cold one does
        try:
            request, fds = _receive(control, fds_wanted=4)
        except (OSError, ValueError):  # the template ended (or sent nothing a run can use)
            spare.discard()
            os._exit(0)
        control.close()
    except BaseException:  # noqa: BLE001 - a standby must never return into the template's loop
        os._exit(1)
    _become(request, fds[:3], socket.socket(fileno=fds[3]))


def _hand_over(standby: Standby | None, request: dict[str, Any], fds: list[int], connection: socket.socket) -> int | None:
    """The standby's pid once it has the request (its fds and the client's connection); None if it cannot take it."""
    if standby is None or standby.ended:
        return None
    body = json.dumps(request).encode()
    try:
        socket.send_fds(standby.control, [len(body).to_bytes(8, "big")], [*fds, connection.fileno()])
        standby.control.sendall(body)
    except OSError:
        return None
    finally:
        standby.control.close()
        _standbys.pop(standby.pid, None)
    return standby.pid


def serve(path: Path, idle_seconds: float) -> int:
    preload()
    warm_caches()
    if threading.active_count() != 1:
        return 1  # something started a thread while importing: forking would copy it half-way
    files = imported_files()
    gc.collect()
    gc.freeze()  # what was imported lives in every fork: its pages stay shared, collections skip it
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(str(path))
    except OSError:
        return 0  # another template serves this key already
    listener.listen(8)
    inode = path.stat().st_ino
    signal.signal(signal.SIGCHLD, _reap)
    woken, _wake_fds[:] = _wake_on_signals()  # a run's end wakes the loop: its standby then starts at once
    standby = _fork_standby(listener)
    last_request = time.monotonic()
    try:
        while True:
            ready, _, _ = select.select([listener, woken], [], [], POLL_SECONDS)
            try:
                if path.stat().st_ino != inode:
                    return 0  # removed or replaced: not ours to serve any longer
            except OSError:
                return 0
            if woken in ready:
                _drain(woken)
            if listener not in ready:
                if not _children and time.monotonic() - last_request > idle_seconds:
                    return 0
                if not _children and (standby is None or standby.ended):  # not while a run needs the cores
                    standby = _fork_standby(listener)
                continue
            connection, _ = listener.accept()
            connection.settimeout(REQUEST_SECONDS)  # a client that sends nothing must not stop the template
            last_request = time.monotonic()
            try:
                if not _same_user(connection):
                    connection.close()
                    continue
                request, fds = _receive(connection)
            except (OSError, ValueError):
                connection.close()
                continue
            if not unchanged(files):
                for fd in fds:
                    os.close(fd)
                connection.sendall(b"stale\n")
                connection.close()
                return 0
            # SIGCHLD waits until the run is registered: else a quick one's code could find no client to go to
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
            pid = _hand_over(standby, request, fds, connection)
            standby = None
            if pid is None:
                pid = os.fork()
                if pid == 0:
                    listener.close()
                    _become(request, fds, connection)
            for fd in fds:
                os.close(fd)
            _children[pid] = connection
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
    finally:
        for waiting in list(_standbys.values()):
            waiting.control.close()  # it sees the end, closes what it made ready, and ends
        try:
            if path.stat().st_ino == inode:
                path.unlink()
        except OSError:
            pass
        listener.close()


_wake_fds: list[int] = []  # the pipe signals write to (signal.set_wakeup_fd): not for a fork to keep


def _wake_on_signals() -> tuple[int, list[int]]:
    read, write = os.pipe()
    os.set_blocking(read, False)
    os.set_blocking(write, False)
    signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    return read, [read, write]


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 512):
            pass
    except BlockingIOError:
        pass


def _forget_wakeups() -> None:
    """In a fork: signals no longer write to the template's pipe."""
    signal.set_wakeup_fd(-1)
    for fd in _wake_fds:
        os.close(fd)
    _wake_fds.clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.warm.server")
    parser.add_argument("--socket", type=Path, required=True)
    parser.add_argument("--path0", required=True)
    parser.add_argument("--idle-minutes", type=float, default=IDLE_MINUTES)
    args = parser.parse_args(argv)
    sys.path[0] = args.path0
    return serve(args.socket, args.idle_minutes * 60)


if __name__ == "__main__":
    raise SystemExit(main())
