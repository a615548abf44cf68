"""Each botocore client a student process makes sends an id of its own, so the emulator's call log
can tell the student's calls from the grader's and count the clients (harness/call_log.py).

Installed in student processes and, through sitecustomize, in the Python programs their scripts and
deployed functions run. A student process could forge the header: it would only misstate what its
own code did, which is all a check of its calls ever judges.
"""

from __future__ import annotations

import importlib.machinery
import itertools
import os
import sys
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


def install_when_imported() -> None:
    """install(), but only once something imports botocore: a script's `python -m zipfile` stays quick."""
    if "botocore.client" in sys.modules:
        install()
        return

    class PatchOnImport:
        def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
            if name != "botocore.client":
                return None
            sys.meta_path.remove(self)
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            if spec is not None and spec.loader is not None:
                load = spec.loader.exec_module

                def exec_module(module: Any) -> None:
                    load(module)
                    install()

                spec.loader.exec_module = exec_module  # type: ignore[method-assign]
            return spec

    sys.meta_path.insert(0, PatchOnImport())
