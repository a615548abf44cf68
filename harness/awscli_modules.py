"""awscli's modules for the harness (the warm CLI, the template reader), imported without changing this
process's environment.

`import awscli` appends the CLI's data folder to AWS_DATA_PATH in the environment of the moment. Left
there, what a script, a student process or a Lambda environment inherits would depend on whether a check
had deployed a template or run the CLI before it, and a warm grading process (whose template imported
awscli, then took the student's environment) would differ from a cold one. The CLI is given its data
folder where it runs (harness/cli_shim.py).
"""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType

DATA_PATH = "AWS_DATA_PATH"


def awscli_module(name: str) -> ModuleType:
    """The module ``name`` (``awscli`` or one of its submodules), this process's AWS_DATA_PATH as it was."""
    if "awscli" not in sys.modules:
        before = os.environ.get(DATA_PATH)
        try:
            importlib.import_module("awscli")
        finally:
            if before is None:
                os.environ.pop(DATA_PATH, None)
            else:
                os.environ[DATA_PATH] = before
    return importlib.import_module(name)
