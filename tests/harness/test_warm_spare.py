"""harness/warm/spare.py: what a warm run's standby makes ready (the backend's port and the student processes'
zygote), and when the run adopts it. Here this test process plays the standby, then the run in it."""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import REPO, free_port, parent_of, process_running

from harness import runtime
from harness.backends import EmbeddedMoto
from harness.loader import load_module
from harness.safety import sandboxed_process_environment
from harness.student.pool import StudentPool
from harness.warm import spare

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds processes and their parents in /proc")

WORKBENCH = REPO / "tests" / "harness" / "student_process_cases" / "workbench.py"


class NoBackend:
    name = "none"


def gone(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while process_running(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not process_running(pid)


@pytest.fixture
def prepared(tmp_path: Path) -> Iterator[int]:
    """The standby's work; the pid of the zygote it started."""
    spare.prepare(tmp_path)
    made = spare._spare
    assert made is not None and made.zygote is not None and made.listening is not None
    try:
        yield made.zygote.pid
    finally:
        spare.discard()


@contextlib.contextmanager
def run(cwd: Path, port: int = 0) -> Iterator[tuple[EmbeddedMoto, StudentPool]]:
    """What a run does first: its backend reserves a port, the sandbox names it, the pool starts its zygote."""
    backend = EmbeddedMoto(port=port)
    backend.reserve()
    try:
        with sandboxed_process_environment(backend.endpoint):
            pool = StudentPool(cwd)
            runtime.activate(NoBackend(), pool)  # type: ignore[arg-type]
            try:
                pool.warm_up()
                yield backend, pool
            finally:
                pool.close()
                runtime.deactivate()
    finally:
        backend._listening.close()  # type: ignore[union-attr]


def test_a_run_adopts_the_port_and_the_zygote_its_standby_made_ready(prepared: int, tmp_path: Path) -> None:
    endpoint = spare._spare.endpoint  # type: ignore[union-attr]
    with run(tmp_path) as (backend, pool):
        assert backend.endpoint == endpoint
        assert pool._zygote is not None and pool._zygote.pid == prepared
        pool.start_check()
        runtime.start_check_log()
        module = load_module(WORKBENCH)
        assert module.echo("from the adopted zygote") == "from the adopted zygote"
        assert parent_of(module._session.process.pid) == prepared  # forked by the standby's zygote
        # What the student starts is still the run's to end: a double-forked daemon included.
        daemon = module.start_daemon()
        assert process_running(daemon)
        pool.end_check()
        assert gone(daemon)
    assert gone(prepared)


def test_a_run_with_another_environment_closes_the_standbys_zygote_and_starts_its_own(
    prepared: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Pacific/Chatham")  # another environment than the standby saw
    with run(tmp_path) as (_, pool):
        assert pool._zygote is not None and pool._zygote.pid != prepared
        assert gone(prepared)


def test_a_terminals_own_variables_and_pytests_do_not_keep_a_run_from_adopting_it(
    prepared: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "213")
    monkeypatch.setenv("PYTEST_CURRENT_TEST", "labs/x/test_x.py::test_y (setup)")
    with run(tmp_path) as (_, pool):
        assert pool._zygote is not None and pool._zygote.pid == prepared


def test_a_run_in_another_folder_closes_the_standbys_zygote(prepared: int, tmp_path: Path) -> None:
    elsewhere = tmp_path / "another-course"
    elsewhere.mkdir()
    with run(elsewhere) as (_, pool):
        assert pool._zygote is not None and pool._zygote.pid != prepared
        assert gone(prepared)


def test_a_backend_on_a_port_of_its_own_leaves_the_port_and_the_zygote_is_not_adopted(
    prepared: int, tmp_path: Path
) -> None:
    with run(tmp_path, port=free_port()) as (backend, pool):
        assert backend.endpoint != spare._spare.endpoint and spare._spare.listening is not None  # type: ignore[union-attr]
        assert pool._zygote is not None and pool._zygote.pid != prepared
        assert gone(prepared)  # told of another endpoint: closed


def test_what_no_run_took_is_closed_by_discard(prepared: int) -> None:
    port = spare._spare.listening.getsockname()[1]  # type: ignore[union-attr]
    spare.discard()
    assert gone(prepared)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # nobody listens there any longer


def test_without_a_standby_a_run_makes_its_own(tmp_path: Path) -> None:
    assert spare._spare is None
    with run(tmp_path) as (backend, pool):
        assert backend.endpoint and pool._zygote is not None and parent_of(pool._zygote.pid) == os.getpid()
