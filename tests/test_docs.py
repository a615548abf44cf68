"""Every command the docs show a student runs here, in order, in a fresh copy of the repository.

Commands are the `$ ` lines of ```console blocks. Each document runs as one bash session (so `source`,
`export` and `cd` carry on, as in a student's terminal) and every command must exit 0.
Markers, as HTML comments:
  <!-- docs-test: needs-docker -->   before a block: Docker cannot run here; syntax is checked only.
  <!-- docs-test: needs-github -->   before a block: GitHub is not reachable from here; syntax is checked,
                                     and every `course` command's arguments are parsed by the real CLI.
  <!-- docs-test: with-solution -->  anywhere in a lab README: run it as a student who finished the lab.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from support import REPO, copy_of_repository

from graders.cli import build_parser
from graders.settings import BACKGROUND_PORT
from instructor.doclinks import broken_links_on_disk

NEEDS_DOCKER = "<!-- docs-test: needs-docker -->"
NEEDS_GITHUB = "<!-- docs-test: needs-github -->"
OFFLINE_MARKERS = {NEEDS_DOCKER: "docker", NEEDS_GITHUB: "github"}
WITH_SOLUTION = "<!-- docs-test: with-solution -->"
# What .ci/run runs itself (running it here would run this test inside itself).
RUN_BY_CI = {"make test", ".venv/bin/python -m pytest tests"}
DOC_TIMEOUT = 900
PORT_BUSY = (
    f"Port {BACKGROUND_PORT} is taken (a background emulator or LocalStack?): the documented commands "
    "need it. Stop it (`course backend down`, `docker compose down`) and run the tests again."
)


@dataclass
class Command:
    text: str
    doc: str
    line: int
    needs: str  # "": runs here; "docker" or "github": checked only (see the markers above)


def documents() -> list[Path]:
    found = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    for area in ("katas", "labs", "capstone"):
        found += sorted((REPO / area).glob("*/README.md"))
    return found


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


ALL_DOCS = documents()


@pytest.fixture(scope="module")
def fresh_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository as a clone has it: tracked and new files, nothing ignored (no .venv, no reports)."""
    return copy_of_repository(tmp_path_factory.mktemp("clone") / "course")


def student_environment() -> dict[str, str]:
    """A terminal without this test's virtualenv: the docs' own commands must set everything up."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COURSE_", "AWS_", "VIRTUAL_ENV"))}
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


def install_solution(copy: Path, doc: str) -> None:
    folder = Path(doc).parent
    for source in (copy / "solutions" / folder).iterdir():
        if source.is_file():
            shutil.copy2(source, copy / folder / source.name)


def test_every_documented_command_is_found_and_ci_runs_the_readme_test_command() -> None:
    texts = {c.text for path in ALL_DOCS for c in console_commands(path)}
    assert {"make grade", "make test"} <= texts, "README's quick start must give `make grade` and `make test`"
    assert "make test" in (REPO / ".ci" / "run").read_text()
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^test:.*\n\t\$\(BIN\)/python -m pytest tests", makefile, re.M), "make test must run pytest tests"


@pytest.mark.xdist_group("docs")  # one fresh copy, pages in order: the README's setup comes first
@pytest.mark.parametrize("doc", [p.relative_to(REPO).as_posix() for p in ALL_DOCS])
def test_every_command_in_the_document_runs(doc: str, fresh_copy: Path) -> None:
    commands = [c for c in console_commands(REPO / doc) if c.text not in RUN_BY_CI]
    runnable = [c for c in commands if not c.needs]
    for command in (c for c in commands if c.needs):
        syntax = subprocess.run(["bash", "-n", "-c", command.text], capture_output=True, text=True)
        assert syntax.returncode == 0, f"{doc}:{command.line}: `{command.text}` is not valid bash: {syntax.stderr}"
        if command.text.startswith("docker compose") and " up " in f"{command.text} ":
            services = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
            assert command.text.split()[-1] in services, f"{doc}:{command.line}: no such compose service"
        if command.text.startswith("course "):
            assert_the_cli_accepts(command)
    if not runnable:
        return
    if WITH_SOLUTION in (REPO / doc).read_text():
        install_solution(fresh_copy, doc)
    env = student_environment() | {"COURSE_COPY": str(fresh_copy)}
    with socket.socket() as probe:  # the docs use the background emulator's own port
        if probe.connect_ex(("127.0.0.1", BACKGROUND_PORT)) == 0:
            pytest.fail(PORT_BUSY, pytrace=False)
    try:
        done = subprocess.run(
            ["bash", "-c", session_script(runnable)], env=env, capture_output=True, text=True, timeout=DOC_TIMEOUT
        )
    finally:  # a document that stopped half-way must not leave the background emulator running
        course = fresh_copy / ".venv" / "bin" / "course"
        if course.exists():
            subprocess.run([str(course), "backend", "down"], env=env, cwd=fresh_copy, capture_output=True, timeout=60)
    assert_every_command_exited_0(done, runnable)


def assert_the_cli_accepts(command: Command) -> None:
    """A `course` command that cannot run here still names a real subcommand with real options."""
    try:
        build_parser().parse_args(shlex.split(command.text)[1:])
    except SystemExit:
        pytest.fail(f"{command.doc}:{command.line}: `{command.text}` is not a valid `course` command", pytrace=False)


def assert_every_command_exited_0(done: subprocess.CompletedProcess[str], commands: list[Command]) -> None:
    """Read a session_script run: each command's exit status, and its output when it failed."""
    exits = dict(re.findall(r"^@@@ exit (\d+) (\d+)$", done.stdout, re.M))
    for index, command in enumerate(commands):
        status = exits.get(str(index))
        output = done.stdout.split(f"@@@ start {index}\n", 1)[-1].split("@@@ exit", 1)[0]
        assert status == "0", (
            f"{command.doc}:{command.line}: `{command.text}` exited {status or 'without finishing'}\n"
            f"{output[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
        )


@pytest.mark.parametrize("doc", [p.relative_to(REPO).as_posix() for p in ALL_DOCS])
def test_every_relative_link_leads_to_a_file_that_exists(doc: str) -> None:
    broken = broken_links_on_disk(REPO, REPO / doc)
    assert not broken, f"{doc} links to missing files: {broken}"
