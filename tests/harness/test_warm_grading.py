"""`course grade` in a fork of a warm template (harness/warm): the same report and exit code as a cold run,
and a template that goes when it is stale, idle or its socket is removed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ci_support import clean_environment
from support import REPO, parent_of

from harness.warm import CI_MARKERS, server
from harness.warm.client import eligible

pytestmark = [
    pytest.mark.xdist_group("warm_grading"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the template's process in /proc"),
]

# `course grade` as the console script runs it, so that this test's and the run's sys.path[0] agree ("").
COURSE = "import sys; sys.argv = ['course', *sys.argv[1:]]; from harness.cli import main; main()"
# The client alone: whether a template served this run (a cold run would fall back to grading itself).
WARM_ONLY = textwrap.dedent(
    """
    import os, sys
    sys.argv = ['course', *sys.argv[1:]]
    from harness.warm.client import grade_warm, template_socket
    code = grade_warm(template_socket(dict(os.environ)), dict(os.environ))
    print("SERVED" if code is not None else "NOT SERVED", code, file=sys.stderr)
    """
)
VOLATILE_REPORT_KEYS = ("started_at", "finished_at", "duration", "endpoint")  # endpoint: a port chosen per run


@pytest.fixture
def warm_env() -> Iterator[dict[str, str]]:
    # Short: a Unix socket's path has ~107 bytes at most, and pytest's tmp_path is long.
    runtime_dir = Path(tempfile.mkdtemp(prefix="cw-"))
    env = clean_environment(COURSE_WARM="1", XDG_RUNTIME_DIR=str(runtime_dir))
    for marker in CI_MARKERS:  # these tests may run in CI, which grading warm never does
        env.pop(marker, None)
    try:
        yield env
    finally:
        for pid in _templates_under(runtime_dir):
            os.kill(pid, signal.SIGTERM)
        shutil.rmtree(runtime_dir, ignore_errors=True)


def _templates_under(folder: Path) -> list[int]:
    """The templates serving sockets under ``folder`` (not their standbys: forks, with the same command line)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                parent = parent_of(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
            if "harness.warm.server" in command and str(folder) in command:
                found[int(entry.name)] = parent
    return [pid for pid, parent in found.items() if parent not in found]


def _children_of(parent: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if parent_of(int(entry.name)) == parent:
                    children.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return children


def _run(code: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _wait_for_template(env: dict[str, str]) -> Path:
    folder = Path(env["XDG_RUNTIME_DIR"]) / f"course-warm-{os.getuid()}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for path in folder.glob("*.sock") if folder.is_dir() else []:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                try:
                    probe.connect(str(path))
                    return path
                except OSError:
                    pass
        time.sleep(0.2)
    raise AssertionError(f"no template answered in {folder} within 120 s")


def _report(folder: Path) -> dict[str, Any]:
    report = json.loads((folder / "grade-report.json").read_text(encoding="utf-8"))
    return _without_times(report)


def _without_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_times(item) for key, item in value.items() if key not in VOLATILE_REPORT_KEYS}
    if isinstance(value, list):
        return [_without_times(item) for item in value]
    return value


def test_a_run_in_a_fork_of_the_template_reports_what_the_cold_run_before_it_did(
    warm_env: dict[str, str], tmp_path: Path
) -> None:
    # Lab 4's starter deploys a SAM stack: moto's CloudFormation, Lambda and IAM, whose models, routers and
    # managed policies the template has parsed ahead (server.warm_caches).
    cold = _run(COURSE, "grade", "lab4", "--report-dir", str(tmp_path / "cold"), env=warm_env)
    assert cold.returncode == 0, cold.stderr
    _wait_for_template(warm_env)  # the cold run started it, for the next runs

    warm = _run(WARM_ONLY, "grade", "lab4", "--report-dir", str(tmp_path / "warm"), env=warm_env)
    assert "SERVED 0" in warm.stderr, warm.stderr
    assert _report(tmp_path / "warm") == _report(tmp_path / "cold")
    assert "Reports:" in warm.stdout and "(lab4)" in warm.stdout  # the fork wrote to this process's stdout

    # A usage error's exit code and message come back as a cold run gives them.
    wrong = _run(WARM_ONLY, "grade", "no-such-exercise", env=warm_env)
    cold_wrong = _run(COURSE, "grade", "no-such-exercise", env={**warm_env, "COURSE_WARM": "0"})
    assert "SERVED 2" in wrong.stderr and cold_wrong.returncode == 2
    assert "no-such-exercise" in cold_wrong.stderr and "no-such-exercise" in wrong.stderr


def _standby_of(template: int) -> tuple[int, int]:
    """(the standby, its student processes' zygote) once the template has forked it and it has started it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for standby in _children_of(template):
            zygotes = [pid for pid in _children_of(standby) if b"--zygote" in Path(f"/proc/{pid}/cmdline").read_bytes()]
            if zygotes:
                return standby, zygotes[0]
        time.sleep(0.05)
    raise AssertionError(f"the template {template} has no standby with a zygote within 60 s")


def _gone(pid: int) -> bool:
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        try:
            if (Path(f"/proc/{pid}") / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True  # ended; its parent has not reaped it yet
        except OSError:
            break
        time.sleep(0.05)
    return not Path(f"/proc/{pid}").exists()


def test_the_standby_runs_the_next_request_with_what_it_made_ready_and_another_takes_its_place(
    warm_env: dict[str, str], tmp_path: Path
) -> None:
    # Kata 2 loads student modules from its first check: the run adopts the standby's zygote (spare.py).
    cold = _run(COURSE, "grade", "kata2", "--report-dir", str(tmp_path / "cold"), env=warm_env)
    assert cold.returncode in (0, 1), cold.stderr
    _wait_for_template(warm_env)
    (template,) = _templates_under(Path(warm_env["XDG_RUNTIME_DIR"]))
    standby, zygote = _standby_of(template)

    warm = _run(WARM_ONLY, "grade", "kata2", "--report-dir", str(tmp_path / "warm"), env=warm_env)
    assert "SERVED" in warm.stderr, warm.stderr
    assert _report(tmp_path / "warm") == _report(tmp_path / "cold")
    assert _gone(standby) and _gone(zygote)  # the standby ran the request (it ends only so or with the template)
    next_standby, next_zygote = _standby_of(template)
    assert next_standby != standby and next_zygote != zygote


def test_ctrl_c_reaches_the_fork_and_the_run_ends_as_an_interrupted_cold_run_does(
    warm_env: dict[str, str], tmp_path: Path
) -> None:
    _run(COURSE, "grade", "kata1", "--report-dir", str(tmp_path / "first"), env=warm_env)
    _wait_for_template(warm_env)
    (template,) = _templates_under(Path(warm_env["XDG_RUNTIME_DIR"]))
    client = subprocess.Popen(
        [sys.executable, "-c", WARM_ONLY, "grade", "lab2", "--solutions", "--report-dir", str(tmp_path / "stopped")],
        cwd=REPO, env=warm_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_as_at_a_terminal,
    )
    try:
        fork = _wait_for_child_of(template)
        os.kill(client.pid, signal.SIGINT)  # what Ctrl-C sends the terminal's foreground process
        out, err = client.communicate(timeout=120)
    finally:
        client.kill()
    assert "SERVED 2" in err, err  # pytest's interrupted run, as `course grade` exits after Ctrl-C
    assert "KeyboardInterrupt" in out + err
    assert not Path(f"/proc/{fork}").exists()  # ended, and reaped by the template before it sent the code


def _as_at_a_terminal() -> None:
    """Ctrl-C's default: a test run as a background job (as CI may) ignores SIGINT, and its children with it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_child_of(parent: int) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except (OSError, IndexError):
                    continue
                if int(fields[1]) == parent:
                    time.sleep(1.0)  # into its checks, past the fork's own start
                    return int(entry.name)
        time.sleep(0.05)
    raise AssertionError(f"the template {parent} forked no grading within 120 s")


def test_the_template_ends_and_removes_its_socket_when_idle(warm_env: dict[str, str]) -> None:
    folder = Path(warm_env["XDG_RUNTIME_DIR"]) / "t"
    folder.mkdir(mode=0o700)
    path = folder / "idle.sock"
    template = subprocess.Popen(
        [sys.executable, "-m", "harness.warm.server", "--socket", str(path), "--path0", "", "--idle-minutes", "0.02"],
        cwd=folder, env=warm_env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        assert template.wait(timeout=180) == 0, template.stderr.read() if template.stderr else ""
    finally:
        template.kill()
    assert not path.exists()


def test_a_template_whose_socket_is_removed_ends(warm_env: dict[str, str]) -> None:
    folder = Path(warm_env["XDG_RUNTIME_DIR"]) / "t"
    folder.mkdir(mode=0o700)
    path = folder / "removed.sock"
    template = subprocess.Popen(
        [sys.executable, "-m", "harness.warm.server", "--socket", str(path), "--path0", ""],
        cwd=folder, env=warm_env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not path.exists() and time.monotonic() < deadline and template.poll() is None:
            time.sleep(0.1)
        assert path.exists()
        standby, zygote = _standby_of(template.pid)
        path.unlink()
        assert template.wait(timeout=30) == 0
        assert _gone(standby) and _gone(zygote)  # the template's end ends its standby, which closes its zygote
    finally:
        template.kill()


def test_a_changed_file_of_an_imported_module_makes_the_template_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = tmp_path / "warm_probe_module.py"
    module.write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    __import__("warm_probe_module")
    try:
        files = server.imported_files()
        assert str(module) in files and server.unchanged(files)
        os.utime(module, ns=(files[str(module)] + 10**9, files[str(module)] + 10**9))
        assert not server.unchanged(files)
    finally:
        sys.modules.pop("warm_probe_module", None)


@pytest.mark.parametrize(
    ("setting", "extra", "ci", "gradescope", "expected"),
    [
        ("1", [], None, None, True),
        ("0", [], None, None, False),
        ("1", [], "github", None, False),  # CI grades cold: its grade is the one that counts
        ("1", [], None, "results.json", False),
        ("1", ["--pdb"], None, None, False),  # the debugger needs the terminal's session
        ("1", ["-k", "404"], None, None, True),
    ],
)
def test_who_may_grade_warm(setting: str, extra: list[str], ci: str | None, gradescope: str | None, expected: bool) -> None:
    assert eligible(extra, ci=ci, gradescope=gradescope, environ={"COURSE_WARM": setting}) is expected


@pytest.mark.parametrize("marker", [{"CI": "true"}, {"GITHUB_ACTIONS": ""}])
def test_a_ci_runner_grades_cold_even_when_asked_for_warm(marker: dict[str, str]) -> None:
    # present is enough: a step can give the runner's variables other values through $GITHUB_ENV, not remove them
    assert not eligible([], ci=None, gradescope=None, environ={"COURSE_WARM": "1", **marker})


def test_without_a_terminal_or_with_an_isolated_interpreter_grading_stays_cold() -> None:
    probe = "from harness.warm import enabled; print(enabled({}), enabled({'COURSE_WARM': '1'}))"
    piped = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert piped.stdout.split() == ["False", "True"]  # stdout is a pipe here: only COURSE_WARM=1 asks for it
    isolated = subprocess.run([sys.executable, "-I", "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert isolated.stdout.split() == ["False", "False"]  # as the instructors' regrade runs `course grade`


def test_every_module_the_template_preloads_exists() -> None:
    """preload() skips a module it cannot import (an optional one): a misspelt name would be skipped too."""
    import importlib.util

    preloaded = (*server.PRELOAD, *server.PRELOAD_AWSCLI)
    assert [name for name in preloaded if importlib.util.find_spec(name) is None] == []
    assert "harness.plugin" not in server.PRELOAD  # pytest must import it itself, to rewrite its asserts


def test_the_services_whose_models_the_template_parses_are_botocores_and_motos() -> None:
    from botocore.loaders import create_loader
    from moto.backends import get_backend

    known = set(create_loader().list_available_services("service-2"))
    assert [service for service in server.SERVICES if service not in known] == []
    for service in server.SERVICES:
        assert get_backend(service) is not None, service  # raises for a service moto does not emulate
