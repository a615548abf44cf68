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

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from docs_commands import (
    Command,
    assert_every_command_exited_0,
    console_commands,
    on_port,
    session_script,
    student_environment,
)
from support import REPO, copy_of_repository, free_port

from harness import sam_cli
from harness.cli import build_parser
from harness.settings import BACKGROUND_PORT, ENV_BACKGROUND_PORT, ENV_SAM_CLI_HOME
from harness.terminal_env import one_line_export
from instructor.doclinks import broken_links_on_disk

WITH_SOLUTION = "<!-- docs-test: with-solution -->"
# What .ci/run runs itself (running it here would run this test inside itself).
RUN_BY_CI = {"make test", ".venv/bin/python -m pytest tests"}
DOC_TIMEOUT = 900


def documents() -> list[Path]:
    found = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    for area in ("katas", "labs", "capstone"):
        found += sorted((REPO / area).glob("*/README.md"))
    found += [REPO / "capstone" / "README.md"]  # the capstone is one exercise at the top level
    return found


ALL_DOCS = documents()


@pytest.fixture(scope="module")
def fresh_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository as a clone has it: tracked and new files, nothing ignored (no .venv, no reports)."""
    return copy_of_repository(tmp_path_factory.mktemp("clone") / "course")


def install_solution(copy: Path, doc: str) -> None:
    folder = Path(doc).parent
    shutil.copytree(copy / "solutions" / folder, copy / folder, dirs_exist_ok=True)  # src/ folders too (Lab 4)


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
    # The docs show the background emulator's default port; each session uses a free one, so a port 4566 that
    # something else holds (an emulator a maintainer left running, LocalStack) cannot fail the docs.
    port = free_port()
    runnable = on_port([c for c in commands if not c.needs], port)
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
    # SAM CLI (week 3, ~340 MB) is installed once per checkout and shared: `course sam-cli install` only links it.
    env = student_environment() | {
        "COURSE_COPY": str(fresh_copy), ENV_BACKGROUND_PORT: str(port), ENV_SAM_CLI_HOME: str(sam_cli.home(REPO)),
    }
    try:
        done = subprocess.run(
            ["bash", "-c", session_script(runnable)], env=env, capture_output=True, text=True, timeout=DOC_TIMEOUT
        )
    finally:  # a document that stopped half-way must not leave the background emulator running
        course = fresh_copy / ".venv" / "bin" / "course"
        if course.exists():
            subprocess.run([str(course), "backend", "down"], env=env, cwd=fresh_copy, capture_output=True, timeout=60)
    assert_every_command_exited_0(done, runnable)
    for command in (c for c in runnable if c.text.startswith("export AWS_ENDPOINT_URL=")):
        assert command.text in done.stdout, f"{doc}:{command.line}: `course backend up` did not print `{command.text}`"


def test_the_documented_exports_are_what_course_backend_up_prints() -> None:
    printed = one_line_export(f"http://127.0.0.1:{BACKGROUND_PORT}")
    documented = [c for path in ALL_DOCS for c in console_commands(path) if c.text.startswith("export AWS_ENDPOINT_URL=")]
    assert documented, "no page shows the exports of `course backend up`"
    for command in documented:
        assert command.text == printed, f"{command.doc}:{command.line}: `course backend up` prints `{printed}`"


def assert_the_cli_accepts(command: Command) -> None:
    """A `course` command that cannot run here still names a real subcommand with real options."""
    try:
        build_parser().parse_args(shlex.split(command.text)[1:])
    except SystemExit:
        pytest.fail(f"{command.doc}:{command.line}: `{command.text}` is not a valid `course` command", pytrace=False)


@pytest.mark.parametrize("doc", [p.relative_to(REPO).as_posix() for p in ALL_DOCS])
def test_every_relative_link_leads_to_a_file_that_exists(doc: str) -> None:
    broken = broken_links_on_disk(REPO, REPO / doc)
    assert not broken, f"{doc} links to missing files: {broken}"
