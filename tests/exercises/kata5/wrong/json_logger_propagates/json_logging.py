"""JSON logging for the handler with python-json-logger: level, message, UTC timestamp, and the fields of
the invocation being handled, added by a filter."""

import logging
import os

from pythonjsonlogger.json import JsonFormatter


class InvocationFields(logging.Filter):
    """Adds request_id, function_name, cold_start and sku to every record."""

    def __init__(self):
        super().__init__()
        self.fields = {}

    def filter(self, record):
        for key, value in self.fields.items():
            setattr(record, key, value)
        return True


FIELDS = InvocationFields()


def configure(name):
    formatter = JsonFormatter(
        "{levelname}{message}",
        style="{",
        rename_fields={"levelname": "level"},
        timestamp=True,
    )
    handler = logging.StreamHandler()  # stderr, one line per record
    handler.setFormatter(formatter)
    handler.addFilter(FIELDS)
    logger = logging.getLogger(name)
    logger.handlers = [handler]
    logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
    return logger
