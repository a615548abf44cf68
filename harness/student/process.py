"""One student process as the grading process sees it: a pid, two pipes, and a kill switch.

Requests are written as JSON lines; answers are read with a size cap, in short slices so that the
check's time limit (a signal, or an async exception on Windows) interrupts a wait at once.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from . import protocol

HOST = Path(__file__).resolve().parent / "host.py"
READ_SLICE_SECONDS = 0.25
KILL_WAIT_SECONDS = 5.0
ZYGOTE_TIMEOUT_SECONDS = 10.0  # a zygote that does not answer by then is replaced by plain spawning


class StudentProcessEnded(Exception):
    """The student process ended (or broke the protocol) before it answered."""

    def __init__(self, message: str, *, returncode: int | None) -> None:
        super().__init__(message)
        self.returncode = returncode


class StudentProcess:
    """A warm interpreter, in a session of its own, that will load exactly one student module."""

    def __init__(self, popen: subprocess.Popen[bytes] | ForkedChild, to_child: int, from_child: int) -> None:
        self.popen = popen
        self.pid = popen.pid
        self._to_child = to_child
        self._from_child = from_child
        self._buffer = bytearray()
        self._scanned = 0  # bytes of the buffer known to hold no newline
        self.ready = False

    @classmethod
    def spawn(cls, env: dict[str, str], cwd: Path) -> StudentProcess:
        request_read, request_write = os.pipe()
        answer_read, answer_write = os.pipe()
        command = [sys.executable, "-I", "-X", "utf8", str(HOST), str(request_read), str(answer_write)]
        try:
            popen = subprocess.Popen(
                command,
                pass_fds=(request_read, answer_write),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
                cwd=cwd,
                start_new_session=True,  # its own process group: one kill reaches everything it starts
            )
        finally:
            os.close(request_read)
            os.close(answer_write)
        return cls(popen, request_write, answer_read)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def wait_ready(self) -> None:
        if not self.ready:
            self._read_message()
            self.ready = True

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        self.wait_ready()
        data = memoryview(protocol.dumps(message))
        try:
            while data:
                data = data[os.write(self._to_child, data) :]
        except OSError:  # the pipe broke: the process is gone
            raise self._ended() from None
        return self._read_message()

    def _read_message(self) -> dict[str, Any]:
        while (newline := self._buffer.find(b"\n", self._scanned)) < 0:
            self._scanned = len(self._buffer)
            readable, _, _ = select.select([self._from_child], [], [], READ_SLICE_SECONDS)
            if not readable:
                if self.popen.poll() is not None:
                    raise self._ended()
                continue
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise self._ended()
            self._buffer += chunk
            if len(self._buffer) > protocol.MAX_LINE_BYTES:
                self.kill()
                raise StudentProcessEnded("it answered with more data than the harness accepts", returncode=None)
        line = bytes(self._buffer[:newline])
        del self._buffer[: newline + 1]
        self._scanned = 0
        try:
            return protocol.loads(line)
        except protocol.ProtocolError as error:
            self.kill()
            raise StudentProcessEnded(f"it broke the harness's protocol ({error})", returncode=None) from None

    def _ended(self) -> StudentProcessEnded:
        try:
            returncode = self.popen.wait(timeout=KILL_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()
            returncode = self.popen.returncode
        return StudentProcessEnded(describe_end(returncode), returncode=returncode)

    def kill_group(self) -> None:
        """SIGKILL to the process group only: safe from any thread; the reader then sees the end."""
        if hasattr(os, "killpg"):
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def kill(self) -> None:
        """The process and its whole process group, at once (SIGKILL cannot be caught)."""
        if hasattr(os, "killpg"):
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.popen.poll() is None:
            self.popen.kill()
        try:
            self.popen.wait(timeout=KILL_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            pass
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        self._to_child = self._from_child = -1


class ForkedChild:
    """A student process forked by the zygote: asked about like a Popen (poll, wait, kill)."""

    def __init__(self, pid: int, zygote: Zygote) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._zygote = zygote

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self._zygote.exit_code(self.pid)
        return self.returncode

    def wait(self, timeout: float) -> int:
        deadline, pause = time.monotonic() + timeout, 0.001
        while self.poll() is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(pause)
            pause = min(pause * 2, 0.01)  # a killed child is gone within a millisecond or two
        return self.returncode  # type: ignore[return-value]

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class Zygote:
    """A warm interpreter that forks student processes on request (host.py --zygote): a fork costs
    milliseconds where a new interpreter that imports boto3 costs a quarter of a second of CPU.
    No student code ever runs in it; it only forks and reports how its children ended."""

    def __init__(self, env: dict[str, str], cwd: Path, command: list[str] | None = None) -> None:
        """``command``: another forker speaking the same protocol, given the control socket's fd as its last
        argument (the Lambda runtime's, harness/lambda_runner.py --zygote); host.py's by default."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self.popen = subprocess.Popen(
                [*(command or [sys.executable, "-I", "-X", "utf8", str(HOST), "--zygote"]), str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, env=env, cwd=cwd, start_new_session=True,
            )
        finally:
            theirs.close()
        self.pid = self.popen.pid
        self._control = ours
        self._control.settimeout(ZYGOTE_TIMEOUT_SECONDS)
        self._ready = False
        self._lock = threading.Lock()  # a grader's limit may kill from the emulator's thread

    def _ask(self, data: bytes, fds: list[int] | None = None) -> bytes:
        with self._lock:
            if not self._ready:
                if self._control.recv(64) != b"ready":
                    raise OSError("the zygote did not start")
                self._ready = True
            if fds:
                socket.send_fds(self._control, [data], list(fds))
            else:
                self._control.send(data)
            return self._control.recv(64)

    def fork(self) -> StudentProcess:
        """A new student process; OSError when the zygote cannot answer (the caller spawns one instead)."""
        request_read, request_write = os.pipe()
        answer_read, answer_write = os.pipe()
        try:
            child = self.fork_with(b"F", [request_read, answer_write])
        except OSError:
            for fd in (request_write, answer_read):
                os.close(fd)
            raise
        finally:
            os.close(request_read)
            os.close(answer_write)
        return StudentProcess(child, request_write, answer_read)

    def fork_with(self, request: bytes, fds: list[int]) -> ForkedChild:
        """A child forked for ``request`` with ``fds`` (the caller keeps and closes its own copies);
        OSError when the zygote cannot answer."""
        answer = self._ask(request, fds)
        if not answer.isdigit():
            raise OSError(f"the zygote answered {answer!r}")
        return ForkedChild(int(answer), self)

    def exit_code(self, pid: int) -> int | None:
        """How a forked child ended (negative: by that signal), or None while it runs or when unknown."""
        try:
            answer = self._ask(b"S%d" % pid)
        except OSError:
            return None if _exists(pid) else -signal.SIGKILL
        return int(answer[1:]) if answer[:1] == b"E" else None

    def alive(self) -> bool:
        return self.popen.poll() is None

    def close(self) -> None:
        self._control.close()
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.popen.wait(timeout=KILL_WAIT_SECONDS)


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def describe_end(returncode: int | None) -> str:
    if returncode is None:
        return "it stopped answering"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"it was ended by {name}"
    return f"it exited with status {returncode}"
