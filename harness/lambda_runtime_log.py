"""What the Lambda Python runtime does to logging, inside an execution environment (standard library only).

The runtime puts its own handler on the root logger before the function's module is imported, so
``logging.basicConfig()`` in a function does nothing on Lambda (a classic surprise) and a record reads
``[LEVEL]\\t2024-05-01T12:00:00.123Z\\tREQUEST-ID\\tmessage``. The root level stays WARNING, as there.
Each record is one log event even when it spans lines: its newlines travel as EVENT_NEWLINE and the
environment's owner turns them back into newlines in one CloudWatch event.
"""

from __future__ import annotations

import logging
import os
import time

EVENT_NEWLINE = "\x1f"  # a newline inside one log event (a record, a traceback); "\n" ends an event
LAMBDA_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s"
LAMBDA_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
_request_id = [""]


def set_request_id(request_id: str) -> None:
    _request_id[0] = request_id


def write_event(text: str) -> None:
    """One log event, straight to the log pipe (a function that swaps sys.stdout does not hide it)."""
    os.write(1, (text.rstrip("\n").replace("\n", EVENT_NEWLINE) + "\n").encode("utf-8", "replace"))


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _request_id[0]
        return True


class LambdaLogHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            write_event(self.format(record))
        except Exception:
            self.handleError(record)


def install() -> None:
    formatter = logging.Formatter(LAMBDA_FORMAT, LAMBDA_DATE_FORMAT)
    formatter.converter = time.gmtime
    handler = LambdaLogHandler()
    handler.setFormatter(formatter)
    handler.addFilter(_RequestIdFilter())
    logging.getLogger().handlers = [handler]
