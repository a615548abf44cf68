"""Fixtures the engine's tests share: the real bank, loaded once, and a fake clock."""

from __future__ import annotations

import pytest
from engine_support import FakeClock

from harness.quiz import Bank, load_bank


@pytest.fixture(scope="session")
def bank() -> Bank:
    return load_bank()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
