"""What student code prints and logs during one request, kept as bounded data for the grading process.

Loaded by host.py inside the student process (standard library only).
"""

from __future__ import annotations

import io
import logging
from typing import Any

MAX_CAPTURED_CHARS = 64_000  # printed output kept per request: head and tail
MAX_LOG_RECORDS = 500
MAX_MESSAGE = 4000
LOG_FORMAT = "%(levelname)-8s %(name)s:%(filename)s:%(lineno)d %(message)s"


class BoundedText(io.TextIOBase):
    """What one request printed: a head and a tail are kept, the rest only counted."""

    def __init__(self) -> None:
        self.head: list[str] = []
        self.head_size = 0
        self.tail = ""
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        text = str(text)
        written = len(text)
        self.size += written
        half = MAX_CAPTURED_CHARS // 2
        if self.head_size < half:
            taken = text[: half - self.head_size]
            self.head.append(taken)
            self.head_size += len(taken)
            text = text[len(taken) :]
        if text:
            self.tail = (self.tail + text)[-half:]
        return written

    def text(self) -> str:
        head = "".join(self.head)
        cut = self.size - len(head) - len(self.tail)
        return head + (f"\n[... {cut:,} characters of output cut ...]\n" if cut > 0 else "") + self.tail


class CurrentOutput(io.TextIOBase):
    """sys.stdout and sys.stderr for good: a handler made at import time writes to the current request."""

    def __init__(self) -> None:
        self.target = BoundedText()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return self.target.write(text)

    def flush(self) -> None:
        pass


class RecordCapture(logging.Handler):
    """Every log record student code emits, as data (the grading process sees no LogRecord)."""

    def __init__(self) -> None:
        super().__init__(level=0)
        self.records: list[dict[str, Any]] = []
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) >= MAX_LOG_RECORDS:
            return
        try:
            message = record.getMessage()
        except Exception:  # a badly formatted log call is still a line
            message = str(record.msg)
        try:
            text = self.format(record)
        except Exception:
            text = message
        self.records.append(
            {"level": record.levelno, "name": record.name, "message": message[:MAX_MESSAGE], "text": text[:MAX_MESSAGE]}
        )
