"""The fork server both zygotes run (harness/student/fork_server.py), on its wire protocol, loaded by file
path in an isolated interpreter as host.py loads it, with a child that reports what it was given."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.student import fork_server

TIMEOUT_SECONDS = 10

SERVER = """
import gc, importlib.util, os, sys
spec = importlib.util.spec_from_file_location("fork_server_by_path", sys.argv[1])
fork_server = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fork_server)

def become(request, fds):
    report, hold = fds
    loaded = any(name.partition(".")[0] == "harness" for name in sys.modules)
    frozen = gc.get_freeze_count()  # what the server had before it forked
    os.write(report, b"%d %d %d %d " % (os.getpid(), os.getsid(0), loaded, frozen) + request)
    os.close(report)
    while os.read(hold, 1):  # the test ends the child's life by closing the other end
        pass
    if request.startswith(b"exit "):
        os._exit(int(request[5:]))
    if request == b"raise":
        raise RuntimeError("become failed")
    # b"return": become returns, which it must not do

sys.exit(fork_server.serve(int(sys.argv[2]), fds_per_fork=2, max_request_bytes=64, become=become))
"""


class Server:
    def __init__(self) -> None:
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.control.settimeout(TIMEOUT_SECONDS)
        self.popen = subprocess.Popen(
            [sys.executable, "-I", "-c", SERVER, fork_server.__file__, str(theirs.fileno())],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, start_new_session=True,
        )
        theirs.close()
        assert self.control.recv(64) == b"ready"

    def ask(self, data: bytes, fds: list[int] | None = None) -> bytes:
        socket.send_fds(self.control, [data], fds or [])
        return self.control.recv(64)

    def fork(self, request: bytes) -> tuple[int, bytes, int]:
        """The child's pid, what it reported, and the write end that keeps it alive until closed."""
        report_read, report_write = os.pipe()
        hold_read, hold_write = os.pipe()
        answer = self.ask(b"F" + request, [report_write, hold_read])
        os.close(report_write)
        os.close(hold_read)
        assert answer.isdigit(), answer
        with os.fdopen(report_read, "rb") as report:
            return int(answer), report.read(), hold_write

    def status_once_ended(self, pid: int) -> bytes:
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while (answer := self.ask(b"S%d" % pid)) == b"R" and time.monotonic() < deadline:
            time.sleep(0.01)
        return answer

    def close(self) -> None:
        self.control.close()
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(timeout=TIMEOUT_SECONDS)


@pytest.fixture
def server() -> Iterator[Server]:
    if not hasattr(socket, "send_fds") or not hasattr(os, "fork"):
        pytest.skip("the fork server needs fork and fd passing (Unix)")
    started = Server()
    yield started
    started.close()


def closed_by_the_server(write_end: int, read_end: int) -> bool:
    """Our copy of a pipe's write end closed: the read end ends only if no other copy is left open."""
    os.close(write_end)
    ready, _, _ = select.select([read_end], [], [], TIMEOUT_SECONDS)
    ended = bool(ready) and os.read(read_end, 1) == b""
    os.close(read_end)
    return ended


def test_a_forked_child_gets_the_request_bytes_and_fds_in_a_session_of_its_own(server: Server) -> None:
    pid, report, hold = server.fork(b"exit 5")
    child_pid, sid, harness_loaded, frozen, request = report.split(b" ", 4)
    assert int(child_pid) == pid and int(sid) == pid
    assert request == b"exit 5"
    assert harness_loaded == b"0"  # the module is loadable where the harness package is not
    assert int(frozen) > 1000  # the server's imports: out of the child's full collections
    assert server.ask(b"S%d" % pid) == b"R"
    os.close(hold)
    assert server.status_once_ended(pid) == b"E5"
    assert server.ask(b"S%d" % pid) == b"E5"  # asked again: still known


def test_a_child_ended_by_a_signal_reads_as_minus_that_signal(server: Server) -> None:
    pid, _, hold = server.fork(b"exit 0")
    os.kill(pid, signal.SIGKILL)
    assert server.status_once_ended(pid) == b"E%d" % -signal.SIGKILL
    os.close(hold)


@pytest.mark.parametrize("request_bytes", [b"return", b"raise"])
def test_a_child_whose_become_returns_or_raises_exits_instead_of_serving(server: Server, request_bytes: bytes) -> None:
    pid, _, hold = server.fork(request_bytes)
    os.close(hold)
    assert server.status_once_ended(pid) == b"E0"
    second, report, hold = server.fork(b"exit 3")  # the server alone still answers the socket
    os.close(hold)
    assert report.endswith(b" exit 3") and server.status_once_ended(second) == b"E3"


def test_a_pid_it_never_forked_reads_as_running(server: Server) -> None:
    assert server.ask(b"S%d" % server.popen.pid) == b"R"


@pytest.mark.parametrize("request_bytes, fd_count, answer",
                         [(b"X", 2, b"?"), (b"F", 1, b"?"), (b"F", 0, b"?"), (b"Sx", 1, b"?"), (b"S1", 2, b"R")],
                         ids=["unknown", "too-few-fds", "no-fds", "status-without-pid", "status-with-fds"])
def test_fds_that_no_child_gets_are_closed_and_other_requests_answered_with_a_question_mark(
        server: Server, request_bytes: bytes, fd_count: int, answer: bytes) -> None:
    pipes = [os.pipe() for _ in range(fd_count)]
    assert server.ask(request_bytes, [write for _, write in pipes]) == answer
    assert all(closed_by_the_server(write, read) for read, write in pipes)
    assert server.ask(b"S1") == b"R"  # and it goes on answering


def test_an_empty_datagram_ends_the_server_with_status_0(server: Server) -> None:
    server.control.send(b"")
    assert server.popen.wait(timeout=TIMEOUT_SECONDS) == 0


def test_the_module_imports_only_the_standard_library() -> None:
    source = Path(fork_server.__file__).read_text(encoding="utf-8")
    imported = {line.split()[1].partition(".")[0] for line in source.splitlines()
                if line.startswith(("import ", "from "))}
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported
