"""AWS SAM CLI as a tool of its own: `course sam-cli install` puts it in a virtual environment of its own
under the course's state folder and a `sam` command beside the course's `python`, never in `.venv`.

SAM CLI pins boto3 exactly and weighs ~340 MB: installed into the course's environment it would hold
boto3 (and moto, and the graders) back to its release. AWS's own advice is a separate environment, as
pipx or `uv tool` make; this needs neither. The version is pinned: the week 3 guide and the tests show
what this release prints. The graders never need it (Lab 4's deploy.sh works with the AWS CLI alone).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from .settings import ENV_SAM_CLI_HOME

PACKAGE = "aws-sam-cli"
VERSION = "1.170.0"
HOME_IN_COURSE = Path(".course") / "tools" / PACKAGE  # under the course root; .course/ is gitignored
COMMAND = "sam"
VERSION_TIMEOUT = 30.0  # a cold `sam --version` imports click and boto3
INSTALL_TIMEOUT = 1800.0
# The course's `sam`: SAM CLI's telemetry off (nothing in the course talks to AWS) and stack events
# polled every second instead of five (the emulator answers at once); a variable already set wins.
WRAPPER = """#!/bin/sh
# AWS SAM CLI {version}, installed by `course sam-cli install` in an environment of its own (harness/sam_cli.py).
: "${{SAM_CLI_TELEMETRY:=0}}"
: "${{SAM_CLI_POLL_DELAY:=1}}"
export SAM_CLI_TELEMETRY SAM_CLI_POLL_DELAY
exec "{target}" "$@"
"""
VERSION_LINE = re.compile(r"SAM CLI, version (\S+)")


@dataclass(frozen=True)
class Found:
    path: str
    version: str | None  # None: it did not say


def home(course_root: Path, environ: Mapping[str, str] | None = None) -> Path:
    """Where SAM CLI's own environment lives: $COURSE_SAM_CLI_HOME, else .course/tools/aws-sam-cli."""
    configured = (os.environ if environ is None else environ).get(ENV_SAM_CLI_HOME, "").strip()
    return Path(configured).expanduser().resolve() if configured else course_root / HOME_IN_COURSE


def tool_executable(tool_home: Path) -> Path:
    return tool_home / ("Scripts" if os.name == "nt" else "bin") / COMMAND


def version_of(executable: str | Path, environ: Mapping[str, str] | None = None) -> str | None:
    """What `sam --version` says ("1.170.0"), or None when it does not run or says something else."""
    env = {**(os.environ if environ is None else environ), "SAM_CLI_TELEMETRY": "0"}
    try:
        done = subprocess.run(
            [str(executable), "--version"], capture_output=True, text=True, timeout=VERSION_TIMEOUT,
            stdin=subprocess.DEVNULL, env=env,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = VERSION_LINE.search(done.stdout + done.stderr)
    return found.group(1) if done.returncode == 0 and found else None


def find(path: str | None) -> Found | None:
    """The `sam` a terminal with this PATH runs, and its version."""
    executable = shutil.which(COMMAND, path=path)
    return Found(executable, version_of(executable)) if executable else None


def commands_dir() -> Path | None:
    """Where the course's own commands are (`course`, `aws`): the active virtual environment's bin folder."""
    if sys.prefix == sys.base_prefix:
        return None  # not in a virtual environment: no folder of the course's to put `sam` in
    return Path(sys.executable).parent


def link(tool_home: Path, where: Path) -> Path:
    """Write the course's `sam` (a small wrapper around the tool's) into ``where``."""
    command = where / COMMAND
    if command.is_symlink() or command.exists():
        command.unlink()
    command.write_text(WRAPPER.format(version=VERSION, target=tool_executable(tool_home)), encoding="utf-8")
    command.chmod(0o755)
    return command


@contextlib.contextmanager
def install_lock(tool_home: Path) -> Iterator[None]:
    """One install at a time into one home (two test workers, two terminals)."""
    tool_home.parent.mkdir(parents=True, exist_ok=True)
    with open(tool_home.parent / f".{tool_home.name}.lock", "w") as lock:
        try:
            import fcntl
        except ImportError:  # Windows: the course runs from WSL; no second installer to wait for there
            yield
            return
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _create(tool_home: Path, out: TextIO) -> int:
    if tool_home.exists():
        shutil.rmtree(tool_home)
    steps = [
        [sys.executable, "-m", "venv", str(tool_home)],
        [str(tool_home / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         f"{PACKAGE}=={VERSION}"],
    ]
    for command in steps:
        failure = _run_step(command)
        if failure:
            print(f"{failure}\ncourse sam-cli: `{' '.join(command[-3:])}` failed; nothing was linked.", file=out)
            return 1
    return 0


def _run_step(command: list[str]) -> str:
    """What went wrong running one install step ("" when it succeeded)."""
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as error:
        return str(error)
    if done.returncode == 0:
        return ""
    return (done.stdout + done.stderr).strip()[-3000:] + f"\n(exit status {done.returncode})"


def install(*, course_root: Path, out: TextIO, environ: Mapping[str, str] | None = None) -> int:
    """Install the pinned SAM CLI into its home unless it is there, then put the course's `sam` beside `course`."""
    tool_home = home(course_root, environ)
    shown = os.path.relpath(tool_home, course_root) if tool_home.is_relative_to(course_root) else str(tool_home)
    with install_lock(tool_home):
        if version_of(tool_executable(tool_home)) == VERSION:
            print(f"AWS SAM CLI {VERSION} is installed in {shown}.", file=out)
        else:
            print(f"Installing AWS SAM CLI {VERSION} into {shown} (about a minute; ~340 MB, outside .venv) ...", file=out, flush=True)
            started = time.perf_counter()
            if _create(tool_home, out) != 0:
                return 1
            if version_of(tool_executable(tool_home)) != VERSION:
                print(f"course sam-cli: {tool_executable(tool_home)} does not answer `--version` with {VERSION}.", file=out)
                return 1
            print(f"Installed in {time.perf_counter() - started:.0f} s.", file=out)
    where = commands_dir()
    if where is None:
        print(f"Not in the course's virtual environment: run {tool_executable(tool_home)} (or add its folder to PATH).", file=out)
        return 0
    command = link(tool_home, where)
    print(f"`sam` is {command}: on your PATH whenever the course's environment is active (`sam --version`).", file=out)
    return 0
