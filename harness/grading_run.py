"""One grading run's state (kept in pytest's config stash) and its backend's lifecycle: started on the
first check that needs it, inside the sandbox, with the pool of student processes; stopped at the end.
A run whose exercises all call no AWS (course.toml `aws = false`: Kata 1) starts no emulator: its student
processes get an endpoint where nothing answers."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from . import cli_shim, collector, runtime
from .backends import Backend, BackendUnavailable, make_backend
from .manifest import Course
from .results import CheckResult
from .safety import NetworkGuard, sandboxed_process_environment
from .student.pool import StudentPool, UnsupportedPlatform, check_platform


@dataclass
class GradingState:
    course: Course
    course_root: Path  # resolved
    course_root_as_given: Path  # as pytest sees it (a path through a symbolic link stays one)
    backend_name: str
    backend_source: str
    code_root: Path
    report_dir: Path | None
    check_timeout: float
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    backend: Backend | None = None
    endpoint: str = ""  # kept after the backend stops, for the report
    check_endpoints: set[str] = field(default_factory=set)  # the controller: where the workers' checks went
    backend_error: str | None = None
    guard: NetworkGuard | None = None
    pool: StudentPool | None = None  # student processes: student code never runs in this process
    environment: Any = None  # the sandboxed-environment context manager while grading
    results: list[CheckResult] = field(default_factory=list)
    outcomes: dict[tuple[str, str], str] = field(default_factory=dict)  # (exercise, check) -> outcome, this process
    # (exercise, check) -> why: checks that called a service this backend cannot provide (harness/unavailable.py)
    unavailable_checks: dict[tuple[str, str], str] = field(default_factory=dict)
    collect_errors: dict[str, list[str]] = field(default_factory=dict)
    selected: set[str] = field(default_factory=set)
    expected_checks: dict[str, int] = field(default_factory=dict)  # exercise -> checks selected to run
    deselected: set[str] = field(default_factory=set)  # exercises with checks left out by -k or -m
    collected_checks: dict[str, int] = field(default_factory=dict)  # exercise -> checks before -k/-m
    is_worker: bool = False  # an xdist worker: the controller writes the reports
    files_at_start: dict[str, str] = field(default_factory=dict)  # grading files' hashes before any check ran
    showcases: dict[str, Any] = field(default_factory=dict)  # exercise -> what its deploy check found deployed
    needs_emulator: bool = True  # False when every selected exercise calls no AWS (course.toml aws = false)
    closed_port: socket.socket | None = None  # bound, never listening: the endpoint of a run without emulator


STATE: pytest.StashKey[GradingState] = pytest.StashKey()


def ensure_backend(state: GradingState, *, warm_students: bool = False) -> Backend:
    """The backend, started at the first check that needs it. ``warm_students``: that check loads student
    modules, so the student processes' zygote starts first where the backend can say its endpoint before
    it starts (the embedded one): the zygote's imports then run on the other core while moto starts."""
    if state.backend_error:
        raise BackendUnavailable(state.backend_error)
    if state.backend is None:
        backend = None
        try:
            check_platform()
            backend = make_backend(state.backend_name)
            reserve = getattr(backend, "reserve", None)
            if warm_students and reserve is not None:
                endpoint = reserve()
                _enter_sandbox(state, endpoint, (_host_of(endpoint),))
                state.pool.warm_up()  # type: ignore[union-attr]
            backend.start()
        except (BackendUnavailable, UnsupportedPlatform, ValueError, OSError) as error:
            if backend is not None:
                backend.stop()  # what it reserved
            state.backend_error = str(error)
            raise BackendUnavailable(state.backend_error) from None
        state.backend = backend
        collector.freeze_survivors()
        state.endpoint = backend.endpoint
        if state.pool is None:
            # The forwarder in front of LocalStack connects to where LocalStack answers (a compose host in CI).
            hosts = (_host_of(backend.endpoint), _host_of(getattr(backend, "upstream", "")))
            _enter_sandbox(state, backend.endpoint, hosts)
        runtime.activate(backend, state.pool)
    return state.backend


NO_EMULATOR_IN_THIS_RUN = (
    "This check asks for the AWS emulator, but course.toml says its exercise calls no AWS (`aws = false`), "
    "so this run started none: remove `aws = false` from the exercise's entry."
)


def ensure_students(state: GradingState) -> None:
    """The sandbox and the student processes without an emulator, for a run of exercises that call no AWS
    (an emulator costs seconds to start): AWS_ENDPOINT_URL names a local port that refuses connections."""
    if state.pool is not None:
        return
    try:
        check_platform()
    except UnsupportedPlatform as error:
        state.backend_error = str(error)
        raise BackendUnavailable(state.backend_error) from None
    state.closed_port = socket.socket()
    state.closed_port.bind(("127.0.0.1", 0))  # bound and never listening: a connection is refused at once
    endpoint = f"http://127.0.0.1:{state.closed_port.getsockname()[1]}"
    _enter_sandbox(state, endpoint, (), calls_aws=False)
    runtime.activate(None, state.pool)


def _enter_sandbox(state: GradingState, endpoint: str, hosts: tuple[str, ...], *, calls_aws: bool = True) -> None:
    state.environment = sandboxed_process_environment(endpoint)
    state.environment.__enter__()
    state.guard = NetworkGuard(endpoint or "moto in this process", extra_hosts=hosts)
    state.guard.install()
    state.pool = StudentPool(cwd=state.course_root, calls_aws=calls_aws)


def _host_of(endpoint: str) -> str:
    return urlsplit(endpoint).hostname or ""


def shutdown(state: GradingState) -> None:
    cli_shim.shutdown()
    activated = state.pool is not None  # this run activated the runtime (with or without an emulator)
    if state.pool is not None:
        state.pool.close()
        state.pool = None
    if state.guard is not None:
        state.guard.uninstall()
        state.guard = None
    if state.environment is not None:
        state.environment.__exit__(None, None, None)
        state.environment = None
    if state.backend is not None:
        state.backend.stop()
        state.backend = None
    if state.closed_port is not None:
        state.closed_port.close()
        state.closed_port = None
    if activated:
        runtime.deactivate()
