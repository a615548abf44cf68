"""`course sam-cli install` and `course doctor`'s SAM CLI line, with stand-in `sam` programs (no download).

The real install, and `sam validate`/`build`/`deploy` against the embedded backend, are
tests/exercises/lab4/test_lab4_sam_cli.py's.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness import doctor, sam_cli
from harness.doctor_tools import sam_cli_finding
from harness.settings import ENV_SAM_CLI_HOME


def stand_in(folder: Path, version: str = sam_cli.VERSION, *, name: str = "sam") -> Path:
    """A `sam` that answers --version as SAM CLI does and prints its telemetry setting otherwise."""
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / name
    program.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "--version" ]; then echo "SAM CLI, version {version}"; exit 0; fi\n'
        'echo "telemetry=$SAM_CLI_TELEMETRY poll=$SAM_CLI_POLL_DELAY args=$*"\n',
        encoding="utf-8",
    )
    program.chmod(0o755)
    return program


def test_the_home_is_under_the_course_state_folder_unless_the_variable_says_otherwise(tmp_path: Path) -> None:
    assert sam_cli.home(tmp_path, {}) == tmp_path / ".course" / "tools" / "aws-sam-cli"
    assert sam_cli.home(tmp_path, {ENV_SAM_CLI_HOME: str(tmp_path / "shared")}) == (tmp_path / "shared").resolve()


def test_the_version_is_read_from_sam_version(tmp_path: Path) -> None:
    assert sam_cli.version_of(stand_in(tmp_path / "bin", "1.2.3")) == "1.2.3"
    assert sam_cli.version_of(tmp_path / "missing") is None


def test_an_installed_home_is_not_installed_again_and_the_course_sam_wraps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool_home = tmp_path / "tool"
    stand_in(tool_home / "bin")
    commands = tmp_path / "venv-bin"
    commands.mkdir()
    monkeypatch.setattr(sam_cli, "commands_dir", lambda: commands)
    monkeypatch.setattr(sam_cli, "_create", lambda *args: pytest.fail("an installed SAM CLI was installed again"))
    out = io.StringIO()
    assert sam_cli.install(course_root=tmp_path, out=out, environ={ENV_SAM_CLI_HOME: str(tool_home)}) == 0
    assert f"AWS SAM CLI {sam_cli.VERSION} is installed" in out.getvalue()
    course_sam = commands / "sam"
    env = {key: value for key, value in os.environ.items() if not key.startswith("SAM_CLI_")}
    ran = subprocess.run([str(course_sam), "deploy"], capture_output=True, text=True, env=env, check=True)
    assert ran.stdout.strip() == "telemetry=0 poll=1 args=deploy"
    ran = subprocess.run([str(course_sam), "deploy"], capture_output=True, text=True, env=env | {"SAM_CLI_TELEMETRY": "1"})
    assert ran.stdout.startswith("telemetry=1 ")  # a variable the student set wins
    assert sam_cli.version_of(course_sam) == sam_cli.VERSION


def test_a_failed_install_says_which_step_failed_and_links_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commands = tmp_path / "venv-bin"
    commands.mkdir()
    monkeypatch.setattr(sam_cli, "commands_dir", lambda: commands)
    monkeypatch.setattr(sam_cli, "PACKAGE", "this-package-does-not-exist-here")
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    out = io.StringIO()
    assert sam_cli.install(course_root=tmp_path, out=out, environ={}) == 1
    assert "failed" in out.getvalue() and "nothing was linked" in out.getvalue()
    assert not (commands / "sam").exists()


def test_doctor_notes_a_missing_sam_cli_with_the_install_command(tmp_path: Path) -> None:
    finding = sam_cli_finding(str(tmp_path), tmp_path)
    assert finding.level == doctor.NOTE
    assert "course sam-cli install" in finding.fix


def test_doctor_reports_the_pinned_version_as_ok_and_another_as_a_note(tmp_path: Path) -> None:
    pinned = stand_in(tmp_path / "pinned")
    finding = sam_cli_finding(str(pinned.parent), tmp_path)
    assert finding.level == doctor.OK and finding.what == f"AWS SAM CLI {sam_cli.VERSION}: {pinned}"
    other = stand_in(tmp_path / "other", "1.99.0")
    finding = sam_cli_finding(str(other.parent), tmp_path)
    assert finding.level == doctor.NOTE and "1.99.0" in finding.what and sam_cli.VERSION in finding.what


def test_doctor_says_when_sam_cli_is_installed_but_not_on_the_path(tmp_path: Path) -> None:
    stand_in(tmp_path / ".course" / "tools" / "aws-sam-cli" / "bin")
    finding = sam_cli_finding(str(tmp_path / "empty"), tmp_path)
    assert finding.level == doctor.NOTE and "not on your PATH" in finding.what
