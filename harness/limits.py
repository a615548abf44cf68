"""Bounds on a check: its time (the grading process waits on a student process at most this long) and output size."""

from __future__ import annotations

import ctypes
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

MAX_SECTION_CHARS = 4000  # captured output kept per check; the rest is summarised


class StudentTimeout(BaseException):
    """The check ran past its time limit. A BaseException, so `except Exception` cannot swallow it."""


@contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Interrupt the main thread after ``seconds`` with StudentTimeout."""
    message = f"{what} took longer than {seconds:g} s and was stopped"
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):

        def on_alarm(signum: int, frame: object) -> None:
            raise StudentTimeout(message)

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        return

    # Windows, or not the main thread: raise asynchronously between bytecodes.
    target = threading.get_ident()

    def interrupt() -> None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(StudentTimeout))

    timer = threading.Timer(seconds, interrupt)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def clip(text: str, limit: int = MAX_SECTION_CHARS) -> str:
    if len(text) <= limit:
        return text
    head = text[: limit // 2]
    tail = text[-limit // 2 :]
    return f"{head}\n[... {len(text) - limit:,} characters of output cut ...]\n{tail}"
