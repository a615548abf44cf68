"""Which exam task statements a grader check trains: the task of every question whose `check:` reference names
it. The scoreboard prints them under a failing check ("Exam topic: 2.1 Implement authentication and/or
authorization").

The scoreboard runs at the end of every grading run, where loading the bank with its line-keeping loader
(~0.35 s) or even libyaml (~0.1 s) would show; the bank's files are written in one layout (the lint sees to
it), so a scan of their `- id:`, `task:` and `check:` lines finds the same references in milliseconds.
tests/quiz/test_topics.py checks that the scan and the loader agree on the whole bank.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ..settings import REPO_ROOT
from .model import TASKS

BANK_DIR = Path("quizzes") / "bank"  # as bank.BANK_DIR, without importing PyYAML
_TASK = re.compile(r"task:[ \t]*[\"']?([1-4]\.[1-4])[\"']?[ \t]*(?:#.*)?")
_CHECK = re.compile(r"(?:- )?check:[ \t]*[\"']?([a-z0-9]+(?:-[a-z0-9]+)*:test_[A-Za-z0-9_]+)[\"']?[ \t]*(?:#.*)?")


def scan(folder: Path) -> dict[str, tuple[str, ...]]:
    """check id ("lab2:test_...") -> the task statements of the questions that reference it, in order."""
    found: dict[str, set[str]] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        task: str | None = None
        checks: list[str] = []
        for line in [*lines, "- id: end"]:
            text = line.strip()
            if text.startswith("- id:"):  # a question begins: the one before is complete
                for check in checks if task else ():
                    found.setdefault(check, set()).add(task)
                task, checks = None, []
            elif text.startswith("task:"):
                matched = _TASK.fullmatch(text)
                task = matched.group(1) if matched else None
            elif "check:" in text[:8]:
                matched = _CHECK.fullmatch(text)
                if matched:
                    checks.append(matched.group(1))
    return {check: tuple(sorted(tasks)) for check, tasks in found.items()}


@lru_cache(maxsize=1)
def _bank_topics() -> dict[str, tuple[str, ...]]:
    return scan(REPO_ROOT / BANK_DIR)


def topic_line(exercise_id: str, check_id: str) -> str | None:
    """"Exam topic: 2.1 Implement ..." for a check the bank's questions reference; None for the others."""
    name = check_id.split("::")[-1].split("[", 1)[0]  # a parametrized check is one check
    tasks = _bank_topics().get(f"{exercise_id}:{name}")
    if not tasks:
        return None
    label = "Exam topic" if len(tasks) == 1 else "Exam topics"
    return f"{label}: " + "; ".join(f"{task} {TASKS[task]}" for task in tasks)
