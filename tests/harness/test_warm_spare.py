"""harness/warm/spare.py: what a warm run's standby makes ready (the backend's port and the student processes'
zygote), and when the run adopts it. Here this test process plays the standby, then the run in it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import REPO

from harness import runtime
from harness.backends import EmbeddedMoto
from harness.loader import load_module
from harness.safety import sandboxed_process_environment
from harness.student.pool import StudentPool
from harness.warm import spare

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="a standby is a fork of the warm template")

WORKBENCH = REPO / "tests" / "harness" / "student_process_cases" / "workbench.py"


class NoBackend:
    name = "none"


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (ProcessLookupError, FileNotFoundError):
        return False
    return stat[stat.rfind(")") + 2] not in "ZX"


def parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat[stat.rfind(")") + 2:].split()[1])


def gone(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not running(pid)


@pytest.fixture
def prepared(tmp_path: Path) -> Iterator[spare.Spare]:
    spare.prepare(tmp_path)
    made = spare._spare
    assert made is not None and made.zygote is not None and made.listening is not None
    try:
        yield made
    finally:
        spare.discard()


def test_a_run_adopts_the_port_and_the_zygote_its_standby_made_ready(
    prepared: spare.Spare, tmp_path: Path
) -> None:
    zygote_pid = prepared.zygote.pid  # type: ignore[union-attr]
    backend = EmbeddedMoto()
    assert backend.reserve() == prepared.endpoint
    with sandboxed_process_environment(backend.endpoint):
        pool = StudentPool(tmp_path)
        runtime.activate(NoBackend(), pool)  # type: ignore[arg-type]
        try:
            pool.warm_up()
            assert pool._zygote is not None and pool._zygote.pid == zygote_pid
            pool.start_check()
            runtime.start_check_log()
            module = load_module(WORKBENCH)
            assert module.echo("from the adopted zygote") == "from the adopted zygote"
            assert parent_of(module._session.process.pid) == zygote_pid  # forked by the standby's zygote
            # What the student starts is still the run's to end: a double-forked daemon included.
            daemon = module.start_daemon()
            assert running(daemon)
            pool.end_check()
            assert gone(daemon)
        finally:
            pool.close()
            runtime.deactivate()
            backend._listening.close()  # type: ignore[union-attr]
    assert gone(zygote_pid)


def test_a_run_with_another_environment_closes_the_standbys_zygote_and_starts_its_own(
    prepared: spare.Spare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    zygote_pid = prepared.zygote.pid  # type: ignore[union-attr]
    backend = EmbeddedMoto()
    backend.reserve()
    monkeypatch.setenv("TZ", "Pacific/Chatham")  # another environment than the standby saw
    with sandboxed_process_environment(backend.endpoint):
        pool = StudentPool(tmp_path)
        try:
            pool.warm_up()
            assert pool._zygote is not None and pool._zygote.pid != zygote_pid
            assert gone(zygote_pid)
        finally:
            pool.close()
            backend._listening.close()  # type: ignore[union-attr]


def test_a_terminals_own_variables_and_pytests_do_not_keep_a_run_from_adopting_it(
    prepared: spare.Spare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    zygote_pid = prepared.zygote.pid  # type: ignore[union-attr]
    backend = EmbeddedMoto()
    backend.reserve()
    monkeypatch.setenv("COLUMNS", "213")
    monkeypatch.setenv("PYTEST_CURRENT_TEST", "labs/x/test_x.py::test_y (setup)")
    with sandboxed_process_environment(backend.endpoint):
        pool = StudentPool(tmp_path)
        try:
            pool.warm_up()
            assert pool._zygote is not None and pool._zygote.pid == zygote_pid
        finally:
            pool.close()
            backend._listening.close()  # type: ignore[union-attr]


def test_a_backend_on_a_port_of_its_own_leaves_both_and_the_zygote_is_not_adopted(
    prepared: spare.Spare, tmp_path: Path
) -> None:
    zygote_pid = prepared.zygote.pid  # type: ignore[union-attr]
    backend = EmbeddedMoto(port=0)
    backend.port = _free_port()
    endpoint = backend.reserve()
    assert endpoint != prepared.endpoint and prepared.listening is not None
    with sandboxed_process_environment(endpoint):
        pool = StudentPool(tmp_path)
        try:
            pool.warm_up()
            assert pool._zygote is not None and pool._zygote.pid != zygote_pid
            assert gone(zygote_pid)  # told of another endpoint: closed
        finally:
            pool.close()
            backend._listening.close()  # type: ignore[union-attr]


def test_what_no_run_took_is_closed_by_discard(prepared: spare.Spare) -> None:
    zygote_pid, port = prepared.zygote.pid, prepared.listening.getsockname()[1]  # type: ignore[union-attr]
    spare.discard()
    assert gone(zygote_pid)
    import socket

    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # nobody listens there any longer


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
