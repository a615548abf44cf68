"""Fixtures shared by the harness's own tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.backends import EmbeddedMoto
from harness.safety import sandboxed_process_environment


@pytest.fixture(scope="module")
def embedded_backend() -> Iterator[EmbeddedMoto]:
    """One embedded backend for a test module, with boto3 pointed at it."""
    backend = EmbeddedMoto()
    backend.start()
    with sandboxed_process_environment(backend.endpoint):
        try:
            yield backend
        finally:
            backend.stop()


@pytest.fixture
def fresh_backend(embedded_backend: EmbeddedMoto) -> EmbeddedMoto:
    """The module's backend, reset as before every check (which also sets its clock back)."""
    embedded_backend.reset()
    return embedded_backend
