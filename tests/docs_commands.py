"""The commands the docs show a student (the `$ ` lines of ```console blocks), and running them as one
bash session the way a student's terminal would. tests/docs/test_docs.py runs every page's; the
template's tests run its README's."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from support import REPO

from harness.settings import BACKGROUND_PORT

NEEDS_DOCKER = "<!-- docs-test: needs-docker -->"
NEEDS_GITHUB = "<!-- docs-test: needs-github -->"
OFFLINE_MARKERS = {NEEDS_DOCKER: "docker", NEEDS_GITHUB: "github"}

@dataclass
class Command:
    text: str
    doc: str
    line: int
    needs: str  # "": runs here; "docker" or "github": checked only (see the markers above)


def console_commands(path: Path, root: Path = REPO) -> list[Command]:
    commands: list[Command] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    in_block, needs = False, ""
    previous = ""
    pending: list[str] = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not in_block and stripped.startswith("```console"):
            in_block, needs = True, OFFLINE_MARKERS.get(previous, "")
        elif in_block and stripped.startswith("```"):
            in_block = False
        elif in_block and (stripped.startswith("$ ") or pending):
            pending.append(stripped.removeprefix("$ ").rstrip("\\").strip())
            if not stripped.endswith("\\"):
                commands.append(Command(" ".join(pending), path.relative_to(root).as_posix(), number, needs))
                pending = []
        if stripped:
            previous = stripped
    return commands



def on_port(commands: list[Command], port: int) -> list[Command]:
    """The commands with the background emulator's default port (the docs show it) replaced by port."""
    default = re.compile(rf"(?<=:){BACKGROUND_PORT}\b")
    return [replace(command, text=default.sub(str(port), command.text)) for command in commands]


def student_environment() -> dict[str, str]:
    """A terminal without this test's virtualenv: the docs' own commands must set everything up."""
    # nor `make test`'s MAKELEVEL/MAKEFLAGS: a student's `make` is not a sub-make
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "COURSE_", "AWS_", "VIRTUAL_ENV", "MAKE", "MFLAGS"))
    }
    our_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != our_bin)
    return env


def session_script(commands: list[Command]) -> str:
    # A student reading any page but the README has the course's environment active already.
    parts = ['cd "$COURSE_COPY"', "if [ -f .venv/bin/activate ]; then source .venv/bin/activate; fi"]
    for index, command in enumerate(commands):
        parts.append(f"echo '@@@ start {index}'")
        parts.append(command.text)
        parts.append(f"echo \"@@@ exit {index} $?\"")
    return "\n".join(parts) + "\n"


def assert_every_command_exited_0(done: subprocess.CompletedProcess[str], commands: list[Command]) -> None:
    """Read a session_script run: each command's exit status, and its output when it failed."""
    # Not anchored at a line's start: output without a final newline (curl's) runs into the marker.
    exits = dict(re.findall(r"@@@ exit (\d+) (\d+)$", done.stdout, re.M))
    for index, command in enumerate(commands):
        status = exits.get(str(index))
        output = done.stdout.split(f"@@@ start {index}\n", 1)[-1].split("@@@ exit", 1)[0]
        assert status == "0", (
            f"{command.doc}:{command.line}: `{command.text}` exited {status or 'without finishing'}\n"
            f"{output[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
        )
