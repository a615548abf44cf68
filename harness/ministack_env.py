"""MiniStack's own Python environment, installed on first use under the course's state folder.

MiniStack pins botocore exactly (a different one from the course's), so it lives in a venv of its
own; the Lambda functions it runs are worker processes of that venv's Python, so what deployed code
imports must be installed there too. A changed package list or Python makes a new folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from .settings import REPO_ROOT

VERSION = "1.5.33"
PACKAGES = (
    f"ministack=={VERSION}",
    # CloudFormation's `Transform: AWS::Serverless-2016-10-31`: MiniStack applies it when this is importable.
    "aws-sam-translator==1.115.0",
    # What the course's deployed functions import beyond the standard library: boto3 and botocore
    # (MiniStack's own pins), and the X-Ray SDK the week-4 observability lab instruments with.
    "aws-xray-sdk==2.15.0",
)
ENV_HOME = "COURSE_MINISTACK_HOME"  # where the environments live, instead of <course>/.course/ministack
STATE_SUBDIR = Path(".course") / "ministack"
DONE_FILE = "installed.json"  # written last: a folder without it is a broken install, redone
INSTALL_LOG = "install.log"
INSTALL_TIMEOUT = 900.0  # a cold pip install takes ~25 s here; a slow mirror gets plenty more
LOCK_WAIT = INSTALL_TIMEOUT + 60.0

INSTALLING = "Installing MiniStack {version} into {path} (first use only, about 30 s) ..."
INSTALL_FAILED = (
    "Installing MiniStack {version} failed ({why}); the end of {log}:\n{tail}\n"
    "Fix what it says (a package index reachable by pip?), then run the command again; "
    "or grade on the embedded backend, which needs nothing: `course grade --backend moto`."
)
LOCK_TIMEOUT = "Another process has been installing MiniStack into {path} for over {seconds:g} s; is one stuck?"


def environment_dir(root: Path = REPO_ROOT, environ: dict[str, str] | None = None) -> Path:
    """This package list on this Python: one folder each, so a new pin never reuses an old venv."""
    environ = os.environ if environ is None else environ
    home = Path(environ[ENV_HOME]) if environ.get(ENV_HOME) else root / STATE_SUBDIR
    key = hashlib.sha256("\n".join((*PACKAGES, sys.version.split()[0])).encode()).hexdigest()[:10]
    return home / f"{VERSION}-py{sys.version_info[0]}{sys.version_info[1]}-{key}"


def python_of(environment: Path) -> Path:
    return environment / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def is_installed(environment: Path) -> bool:
    return (environment / DONE_FILE).is_file() and python_of(environment).exists()


@contextlib.contextmanager
def _install_lock(environment: Path) -> Iterator[None]:
    """One installer at a time (parallel grading workers start together)."""
    environment.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; two installs at once are merely slower
        yield
        return
    with open(environment.parent / f"{environment.name}.lock", "w") as handle:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(str(environment)) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _tail(path: Path, lines: int = 12) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _base_python() -> str:
    """The interpreter to build the venv from: this one's base, so MiniStack's venv does not depend on
    the course's (Python 3.10 reports the venv's own interpreter as its _base_executable)."""
    if os.name != "nt":
        base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
        if base.exists():
            return str(base)
    return getattr(sys, "_base_executable", None) or sys.executable


def ensure_installed(environment: Path, *, announce: object = None) -> Path:
    """Install MiniStack into ``environment`` unless it is there; its Python. ``announce(text)`` is told first.

    Raises RuntimeError with pip's last lines when the install fails."""
    return install_venv(
        environment, PACKAGES, _base_python(), announce=announce,
        installing=INSTALLING.format(version=VERSION, path=environment),
        failed=lambda why, log, tail: INSTALL_FAILED.format(version=VERSION, why=why, log=log, tail=tail),
        locked=lambda path, seconds: LOCK_TIMEOUT.format(path=path, seconds=seconds),
    )


def install_venv(
    environment: Path,
    packages: tuple[str, ...],
    base_python: str,
    *,
    announce: object = None,
    installing: str,
    failed: Callable[[str, Path, str], str],
    locked: Callable[[Path, float], str],
) -> Path:
    """A venv of ``base_python`` at ``environment`` with ``packages``, made once (one installer at a
    time; a folder without its done-file is redone); its Python. Also LocalStack's (harness/localstack_host.py)."""
    if is_installed(environment):
        return python_of(environment)
    try:
        with _install_lock(environment):
            if not is_installed(environment):  # another worker may have finished while this one waited
                if callable(announce):
                    announce(installing)
                _install(environment, packages, base_python, failed)
    except TimeoutError:  # the lock's: pip's own timeout is subprocess.TimeoutExpired, handled in _install
        raise TimeoutError(locked(environment, LOCK_WAIT)) from None
    return python_of(environment)


def _install(environment: Path, packages: tuple[str, ...], base_python: str, failed: Callable[[str, Path, str], str]) -> None:
    shutil.rmtree(environment, ignore_errors=True)
    environment.mkdir(parents=True)
    log_path = environment.parent / f"{environment.name}.{INSTALL_LOG}"
    started = time.monotonic()
    steps = (
        [base_python, "-m", "venv", str(environment)],
        [str(python_of(environment)), "-m", "pip", "install", "--disable-pip-version-check", "--no-input", *packages],
    )
    with log_path.open("wb") as log:
        for command in steps:
            try:
                done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, timeout=INSTALL_TIMEOUT)
                why = f"exit status {done.returncode}" if done.returncode else ""
            except subprocess.TimeoutExpired:
                why = f"no end within {INSTALL_TIMEOUT:g} s"
            except OSError as error:
                why = str(error)
            if why:
                shutil.rmtree(environment, ignore_errors=True)
                raise RuntimeError(failed(why, log_path, _tail(log_path)))
    version = subprocess.run(
        [str(python_of(environment)), "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True
    ).stdout.strip()
    record = {"packages": list(packages), "python": version, "seconds": round(time.monotonic() - started, 1)}
    (environment / DONE_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def install_for_command(out: TextIO) -> str | None:
    """For `course grade` and `course backend up`: install now, saying so first; the error text, or None."""
    try:
        ensure_installed(environment_dir(), announce=lambda text: print(text, file=out, flush=True))
    except (RuntimeError, TimeoutError) as error:
        return str(error)
    return None


def install_record(environment: Path) -> dict[str, object]:
    """What the install wrote when it finished (its packages and how long it took), {} if none."""
    try:
        value = json.loads((environment / DONE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
