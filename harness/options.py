"""The grading options `pytest` and `course grade` share: one table, one help text per option.

The plugin adds each to pytest's parser and the CLI to `course grade`'s; `course grade` hands the
ones given to pytest unchanged (forwarded), so both read the same values the same way.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .settings import BACKENDS, DEFAULT_CHECK_TIMEOUT, DEFAULT_REPORT_DIR


@dataclass(frozen=True)
class GradingOption:
    flag: str
    help: str
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    switch: bool = False  # given or not, no value
    type: Callable[[str], Any] | None = None

    @property
    def dest(self) -> str:
        return self.flag.removeprefix("--").replace("-", "_")

    def add_to(self, add_argument: Callable[..., Any]) -> None:
        """argparse's add_argument and pytest's addoption take the same keywords."""
        if self.switch:
            add_argument(self.flag, action="store_true", default=False, help=self.help)
            return
        extra = {"choices": self.choices} if self.choices else {"metavar": self.metavar}
        add_argument(self.flag, default=None, type=self.type, help=self.help, **extra)

    def forwarded(self, value: Any) -> list[str]:
        """The pytest arguments that say `value`, or none when the option was not given."""
        if self.switch:
            return [self.flag] if value else []
        return [] if value is None else [self.flag, str(value)]


GRADING_OPTIONS = (
    GradingOption("--backend", "AWS emulator: moto (embedded, the default), localstack (docker compose) or ministack (installed on first use)", choices=BACKENDS),
    GradingOption("--solutions", "grade the reference solutions in solutions/ instead of your code", switch=True),
    GradingOption("--code-root", "grade the exercise folders found under DIR", metavar="DIR"),
    GradingOption("--report-dir", f"where grade reports go (default: {DEFAULT_REPORT_DIR}/)", metavar="DIR"),
    GradingOption(
        "--check-timeout", f"seconds one check may run (default {DEFAULT_CHECK_TIMEOUT:g})", metavar="SECONDS", type=float
    ),
    GradingOption(
        "--all-failures",
        "list every failing check, also those of exercises not started yet and those waiting on another",
        switch=True,
    ),
)
# pytest only: `course grade` always writes a report.
NO_REPORT = GradingOption("--no-report", "do not write grade-report.json / grade-summary.md", switch=True)
# Hidden: the harness's own tests grade a small course made in a temporary folder.
COURSE_ROOT_HELP = argparse.SUPPRESS


def add_grading_options(add_argument: Callable[..., Any]) -> None:
    for option in GRADING_OPTIONS:
        option.add_to(add_argument)
