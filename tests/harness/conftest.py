"""Fixtures shared by the harness's own tests: an embedded backend, started once per module, reset per test.

A test module that defines its own ``aws`` fixture (test_emulator.py, test_lambda_tools.py) keeps it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness import runtime
from harness.backends import EmbeddedMoto
from harness.safety import sandboxed_process_environment


@pytest.fixture(scope="module")
def embedded_backend() -> Iterator[EmbeddedMoto]:
    """One embedded backend for a test module, with boto3 (and invoke_deployed) pointed at it."""
    backend = EmbeddedMoto()
    backend.start()
    with sandboxed_process_environment(backend.endpoint):
        runtime.activate(backend)
        try:
            yield backend
        finally:
            runtime.deactivate()
            backend.stop()


@pytest.fixture(scope="module")
def lambda_backend(embedded_backend: EmbeddedMoto) -> EmbeddedMoto:
    return embedded_backend


@pytest.fixture
def fresh_backend(embedded_backend: EmbeddedMoto) -> EmbeddedMoto:
    """The module's backend, reset as before every check (which also sets its clock back)."""
    embedded_backend.reset()
    return embedded_backend


@pytest.fixture
def aws(fresh_backend: EmbeddedMoto) -> EmbeddedMoto:
    return fresh_backend
