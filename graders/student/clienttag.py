"""Each botocore client a student process makes sends an id of its own, so the emulator's call log
can tell the student's calls from the grader's and count the clients (graders/call_log.py).

Installed in student processes and, through sitecustomize, in the Python programs their scripts and
deployed functions run. A student process could forge the header: it would only misstate what its
own code did, which is all a check of its calls ever judges.
"""

from __future__ import annotations

import itertools
import os
from typing import Any

CLIENT_HEADER = "x-course-client"
_installed: list[bool] = []


def install() -> None:
    if _installed:
        return
    try:
        from botocore.client import ClientCreator
    except ImportError:
        return
    real = ClientCreator.create_client
    counter = itertools.count(1)

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = real(self, *args, **kwargs)
        tag = f"{os.getpid()}-{next(counter)}"

        def add_header(request: Any, **_: Any) -> None:
            request.headers[CLIENT_HEADER] = tag

        client.meta.events.register("before-sign", add_header)
        return client

    ClientCreator.create_client = create_client  # type: ignore[method-assign]
    _installed.append(True)
