"""The dev container (GitHub Codespaces, VS Code): its file parses, it installs what the README installs, and its
set-up script runs here. Docker is not here, so the image itself is not started."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from docs_commands import console_commands, student_environment
from support import REPO, copy_of_repository

from harness import sam_cli
from harness.settings import BACKGROUND_PORT, ENV_SAM_CLI_HOME

DEVCONTAINER = REPO / ".devcontainer" / "devcontainer.json"
POST_CREATE = "bash .devcontainer/post-create.sh"
SAM_INSTALL = "course sam-cli install"  # README, "Backends": a tool of its own, never in .venv


def jsonc(text: str) -> Any:
    """JSON with comments (// and /* */ outside strings) and trailing commas, as devcontainer.json allows."""
    kept: list[str] = []
    at, in_string = 0, False
    while at < len(text):
        char = text[at]
        if in_string:
            kept.append(text[at : at + 2] if char == "\\" else char)
            at += 2 if char == "\\" else 1
            in_string = char != '"'
            continue
        if text.startswith("//", at):
            at = text.find("\n", at) if "\n" in text[at:] else len(text)
        elif text.startswith("/*", at):
            at = text.index("*/", at) + 2
        else:
            kept.append(char)
            in_string = char == '"'
            at += 1
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", "".join(kept)))


CONFIG = jsonc(DEVCONTAINER.read_text(encoding="utf-8"))


def test_comments_and_trailing_commas_are_read_as_devcontainer_json_allows() -> None:
    text = '// a comment\n{"url": "http://x/*y*/", /* block */ "list": [1, 2,], "q": "a\\"// b",}\n'
    assert jsonc(text) == {"url": "http://x/*y*/", "list": [1, 2], "q": 'a"// b'}


def test_the_container_is_a_python_312_devcontainers_image() -> None:
    image, _, tag = CONFIG["image"].partition(":")
    assert image == "mcr.microsoft.com/devcontainers/python"
    assert re.search(r"(^|-)3\.12(-|$)", tag), f"{tag!r} is not a Python 3.12 tag"


def test_the_emulators_port_is_forwarded_and_the_python_extension_installed() -> None:
    assert BACKGROUND_PORT in CONFIG["forwardPorts"]
    assert CONFIG["portsAttributes"][str(BACKGROUND_PORT)]["label"]
    assert "ms-python.python" in CONFIG["customizations"]["vscode"]["extensions"]


def test_creating_the_container_runs_the_readmes_install_and_sam_cli_as_its_own_tool() -> None:
    assert CONFIG["postCreateCommand"] == POST_CREATE
    script = (REPO / POST_CREATE.split()[-1]).read_text(encoding="utf-8")
    commands = [line.strip() for line in script.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert "make .venv/.installed-stamp" in commands  # what `make grade` does first
    assert f".venv/bin/{SAM_INSTALL}" in commands and not any(" pip " in c for c in commands)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert SAM_INSTALL in readme and "Codespaces" in readme and "`.devcontainer/`" in readme
    # The Makefile's install is the README's (without make) one, quietly.
    install = next(c.text for c in console_commands(REPO / "README.md") if " pip install " in c.text and "[dev]" not in c.text)
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^\$\(STAMP\):.*\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe and re.search(r"^grade: \$\(STAMP\)", makefile, re.M)
    assert install in recipe[1].replace("$(BIN)", ".venv/bin").replace(" --quiet", "")


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_the_set_up_script_runs_here_and_leaves_make_grade_nothing_to_install(tmp_path: Path) -> None:
    copy = copy_of_repository(tmp_path / "course")
    home = tmp_path / "home"
    home.mkdir()
    # SAM CLI weighs ~340 MB: installed once per checkout (the home the suite shares), then only linked here.
    env = student_environment() | {"HOME": str(home), ENV_SAM_CLI_HOME: str(sam_cli.home(REPO))}
    done = subprocess.run(POST_CREATE.split(), cwd=copy, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert sam_cli.version_of(copy / ".venv" / "bin" / "sam") == sam_cli.VERSION
    assert (copy / ".venv" / "bin" / "course").is_file()
    assert not list((copy / ".venv").glob("lib/python*/site-packages/samcli")), "SAM CLI must stay out of .venv"
    dry_run = subprocess.run(["make", "-n", "grade"], cwd=copy, env=env, capture_output=True, text=True, timeout=60)
    assert dry_run.stdout.split("\n")[0].strip() == ".venv/bin/course grade", dry_run.stdout  # no install left to do
