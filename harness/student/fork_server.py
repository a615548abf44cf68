"""The fork server both zygotes run: the student host's (host.py --zygote) and the Lambda runtime's
(harness/lambda_runner.py --zygote). Its client is harness/student/process.py Zygote.

Datagrams on a Unix control socket: b"ready" once, when the server listens; then
b"F" + the caller's request bytes, with exactly ``fds_per_fork`` file descriptors -> b"<pid>";
b"S<pid>" -> b"R" (running, or not a child of ours) or b"E<exit code>" (negative: the signal that ended it);
anything else -> b"?". Fds that come with anything but a fork request are closed.

Standard library only and no package imports: host.py loads this file by path in an isolated
interpreter where the ``harness`` package may not be importable.
"""

from __future__ import annotations

import gc
import os
import signal
import socket
from typing import Callable, Iterator

FORK = b"F"
STATUS = b"S"
OWNER_CHECK_SECONDS = 2.0


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def ended_children() -> Iterator[tuple[int, int]]:
    """(pid, exit code; negative: the signal) of every child that has ended since the last call, without
    waiting for any (one SIGCHLD may stand for several)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        yield pid, os.waitstatus_to_exitcode(status)


def serve(control_fd: int, fds_per_fork: int, max_request_bytes: int,
          become: Callable[[bytes, list[int]], object]) -> int:
    """Fork a child per fork request until an empty datagram or a socket error (then 0: a datagram socket
    does not see its peer close, so the owner kills the server when done with it). In the child, ``become``
    gets the request's bytes after b"F" and its fds and turns the child into what it must be; it should
    never return: if it does, or raises, the child exits with status 0 rather than serve a second loop.

    An owner that was killed outright (SIGKILL) cannot kill its server: every OWNER_CHECK_SECONDS of quiet
    the server looks whether its parent is still the process that started it, and if not it kills its
    children that are still running and ends, instead of waiting for a request forever."""
    control = socket.socket(fileno=control_fd)
    control.settimeout(OWNER_CHECK_SECONDS)
    owner = os.getppid()
    ended: dict[int, int] = {}
    running: set[int] = set()

    def reap(signum: int, frame: object) -> None:
        ended.update(ended_children())  # kept for "S"
        running.difference_update(ended)

    signal.signal(signal.SIGCHLD, reap)
    # What the server imported lives in every child: out of the collector's sight there, so a child's
    # full collections never walk it (nor write to its pages, which the fork shares until written).
    gc.freeze()
    control.send(b"ready")
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, max_request_bytes, fds_per_fork)
        except TimeoutError:
            if os.getppid() == owner:
                continue
            for pid in running - set(ended):
                _kill_group(pid)  # each child leads a session of its own: its group is what it started
            return 0
        except (ConnectionError, OSError):
            return 0
        if not data:
            return 0
        if data[:1] == FORK and len(fds) == fds_per_fork:
            pid = os.fork()
            if pid == 0:
                try:
                    # the default SIGCHLD for its own children, and a session of its own: one kill of
                    # its group reaches whatever it starts
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    control.close()
                    os.setsid()
                    become(data[1:], fds)
                finally:
                    os._exit(0)
            running.add(pid)
            for fd in fds:
                os.close(fd)
            control.send(str(pid).encode())
            continue
        for fd in fds:  # fds no child got: closed, or this process would hold pipe ends open forever
            os.close(fd)
        if data[:1] == STATUS and data[1:].isdigit():
            reap(0, None)  # a SIGCHLD may not have been handled yet
            code = ended.get(int(data[1:]))
            control.send(b"R" if code is None else b"E%d" % code)
        else:
            control.send(b"?")
