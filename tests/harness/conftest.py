"""Fixtures of the harness's own tests: an embedded backend, started once per module, reset per test.

A test module that defines its own ``aws`` fixture (test_emulator.py, test_lambda_tools.py) keeps it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness import runtime
from harness.backends import EmbeddedMoto
from harness.safety import sandboxed_process_environment


@pytest.fixture(scope="module")
def lambda_backend() -> Iterator[EmbeddedMoto]:
    backend = EmbeddedMoto()
    backend.start()
    with sandboxed_process_environment(backend.endpoint):
        runtime.activate(backend)
        try:
            yield backend
        finally:
            runtime.deactivate()
            backend.stop()


@pytest.fixture
def aws(lambda_backend: EmbeddedMoto) -> EmbeddedMoto:
    lambda_backend.reset()
    return lambda_backend
