"""What student code printed and logged during a check, as Lambda would send it to CloudWatch Logs,
and the connections it opened.

The student process reports every log record and every printed line with each answer; this is the
check's record of them, in order. Graders get it from the ``student_log`` fixture.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..student_files import scrub_paths

ERROR_LEVEL = 40


@dataclass(frozen=True)
class LogRecord:
    level: int
    name: str
    message: str
    text: str  # "ERROR    mylogger:handler.py:12 message", with the traceback when one was logged


@dataclass(frozen=True)
class Connection:
    """A connection student code opened: where to, and the socket's timeout then (None: it waits forever),
    and at its first read (requests' (connect, read) pair sets the two apart; the connect one if it never read)."""

    host: str
    port: int
    timeout: float | None
    read_timeout: float | None


def _seconds(value: Any) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@dataclass
class StudentLog:
    records: list[LogRecord] = field(default_factory=list)
    printed: list[str] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)

    def add(self, out: str, records: list[dict[str, Any]], connections: Sequence[Any] = ()) -> None:
        for made in connections:
            if isinstance(made, list) and len(made) in (3, 4) and isinstance(made[1], int):
                timeout, read_timeout = (_seconds(value) for value in (made[2], made[-1]))
                self.connections.append(Connection(str(made[0]), made[1], timeout, read_timeout))
        if out:
            self.printed.append(out)
        for record in records:
            level = record.get("level")
            self.records.append(
                LogRecord(
                    level=level if isinstance(level, int) else 0,
                    name=str(record.get("name", "")),
                    message=str(record.get("message", "")),
                    text=str(record.get("text", "")),
                )
            )

    def mark(self) -> None:
        """Forget everything so far: what follows belongs to the next call."""
        self.records.clear()
        self.printed.clear()
        self.connections.clear()

    def text(self) -> str:
        """Log records as pytest's caplog formats them, then what was printed."""
        logged = "".join(f"{record.text}\n" for record in self.records)
        return logged + "".join(self.printed)

    def lines(self) -> list[str]:
        """Each record's message and each printed line, without blank lines."""
        printed = "".join(self.printed).splitlines()
        return [line for line in (*(record.message for record in self.records), *printed) if line.strip()]

    def has_error(self) -> bool:
        """Something logged at ERROR level or above, or anything printed."""
        return any(record.level >= ERROR_LEVEL for record in self.records) or bool("".join(self.printed).strip())

    def last_error(self) -> str:
        return last_error_line(self.text())

    def objects(self) -> list[dict[str, Any]]:
        """The JSON objects logged, one per line (a prefix before the object is allowed), without repeats."""
        found: dict[str, dict[str, Any]] = {}
        for line in self.lines():
            start = line.find("{")
            if start < 0:
                continue
            try:
                value = json.loads(line[start:])
            except ValueError:
                continue
            if isinstance(value, dict):
                found.setdefault(json.dumps(value, sort_keys=True, default=str), value)
        return list(found.values())


def last_error_line(log: str) -> str:
    """The line of a log that names the last exception (else its last line), short and path-free."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^[\w.]*(Error|Exception)\b.*:", line)]
    return scrub_paths((errors or lines or [""])[-1])[:200]
