"""Every scratch file an exercise's README has a student write is ignored by git, and nothing the course ships is.

A README writes a file with a shell redirection (`> queue-attributes.json`), a zip (`python -m zipfile -c
function.zip ...`) or `lambda invoke`'s output file (`... --payload '{...}' response.json`), in a console
block, a bash block or inline code. Each lands in the exercise folder (the scripts `cd` there) or where the
student typed it (the repository root), so both places must be ignored.
"""

from __future__ import annotations

import re
import shlex
import subprocess

import pytest
from support import REPO

from harness.manifest import load_course

FOLDERS = sorted({exercise.folder for exercise in load_course(REPO).exercises})
FILE = r"([\w.-]+\.[A-Za-z]\w*)"
WRITES = (
    re.compile(r"(?<![>&\d])>\s*" + FILE),  # a redirection; not 2>&1, >>> or >/dev/null
    re.compile(r"zipfile -c " + FILE),
)
LAMBDA_INVOKE = re.compile(r"lambda invoke [^`\n]*")


def written_files(text: str) -> set[str]:
    found = {name for pattern in WRITES for name in pattern.findall(text)}
    for command in LAMBDA_INVOKE.findall(text):
        command = re.split(r"\s*(?:;|&&|\|\|?|[12]?>)", command)[0]  # the invoke alone, not `>/dev/null; done`
        words = shlex.split(command)
        if len(words) > 2 and not words[-1].startswith("-"):
            found.add(words[-1])  # the outfile, the one positional argument
    return found


def ignored(paths: list[str]) -> set[str]:
    done = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"], cwd=REPO, input="\n".join(paths), capture_output=True, text=True
    )
    assert done.returncode in (0, 1), done.stderr  # 1: none of them is ignored
    return set(done.stdout.split())


def test_the_readmes_writes_are_found() -> None:
    text = "\n".join((REPO / folder / "README.md").read_text(encoding="utf-8") for folder in FOLDERS)
    assert {"queue-attributes.json", "function.zip", "processor.zip", "logger.zip", "response.json"} <= written_files(text)


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_file_the_readme_writes_is_ignored_by_git(folder: str) -> None:
    names = written_files((REPO / folder / "README.md").read_text(encoding="utf-8"))
    places = [path for name in sorted(names) for path in (f"{folder}/{name}", name)]
    missing = sorted(set(places) - ignored(places))
    assert not missing, f"{folder}/README.md has the student write files .gitignore does not cover: {missing}"


def test_git_ignores_no_file_the_course_ships() -> None:
    shipped = subprocess.run(
        ["git", "ls-files", "--cached", "--ignored", "--exclude-standard"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    assert not shipped, f".gitignore matches files the course ships: {shipped}"


@pytest.mark.parametrize(
    ("text", "files"),
    [
        ("python - \"$A\" > queue-attributes.json <<'PYTHON'", {"queue-attributes.json"}),
        ("`python -m zipfile -c logger.zip order_event_logger.py`", {"logger.zip"}),
        ("$ awslocal lambda invoke --function-name f --payload '{\"sku\": \"PU-1\"}' response.json", {"response.json"}),
        ("run it 2>&1 >/dev/null; >>> Decimal(19.99)", set()),
    ],
)
def test_writes_are_read_from_commands(text: str, files: set[str]) -> None:
    assert written_files(text) == files
