"""`course doctor`'s findings about tools the course uses but does not install in .venv: AWS SAM CLI.

Only week 3's `sam` commands need SAM CLI (graders and deploy scripts work with the AWS CLI alone), so
what is missing here is a NOTE, never a PROBLEM.
"""

from __future__ import annotations

from pathlib import Path

from . import sam_cli
from .doctor import NOTE, OK, Finding

INSTALL = f"`course sam-cli install` installs AWS SAM CLI {sam_cli.VERSION} outside .venv (about a minute, ~340 MB)."


def sam_cli_finding(path: str | None, course_root: Path) -> Finding:
    found = sam_cli.find(path)
    if found is None:
        installed = sam_cli.tool_executable(sam_cli.home(course_root))
        if installed.exists():
            return Finding(
                NOTE,
                f"AWS SAM CLI is installed ({installed}) but `sam` is not on your PATH.",
                "Activate the course's environment (`source .venv/bin/activate`); if .venv was made anew since, run "
                "`course sam-cli install` again to put `sam` back in it.",
            )
        return Finding(NOTE, "AWS SAM CLI is not installed: week 3's `sam` commands need it (graders do not).", INSTALL)
    if found.version is None:
        return Finding(NOTE, f"`sam` at {found.path} does not answer `sam --version`.", INSTALL)
    if found.version != sam_cli.VERSION:
        return Finding(
            NOTE,
            f"AWS SAM CLI {found.version} at {found.path}; the course's guides and tests use {sam_cli.VERSION}.",
            "Most commands work the same; for output as the guides show it, " + INSTALL,
        )
    return Finding(OK, f"AWS SAM CLI {found.version}: {found.path}")
