"""One JSON object per log line: what happened, never the event itself (it carries the caller's signature)."""

import json
import time


def log(level, message, **fields):
    print(json.dumps({"level": level, "message": message, "timestamp": time.time(), **fields}, default=str))
