"""cfn-lint's errors for a template, started early in a child process so that they cost no wall time.

cfn-lint needs 1-2 s of CPU (its import, and making its rules), and a grader's
first check also waits for the backend to start (moto's import, in the grading process). Started from
a module fixture, before the backend, the lint runs on the other core meanwhile; the check then reads
the answer. The child runs cfn-lint on the template's text only (no student code runs there); when it
cannot answer, the lint runs in the grading process instead, with the same result.

Most of a lint's own time is making cfn-lint's rules (~0.5 s: they parse ~140 JSON schemas), which do not
depend on the template: a process makes them once (cfn-lint's CLI, too, lints several templates with one
set). The warm grading template makes them ahead (harness/warm/server.py); a fork of it then lints in
its own process (~0.13 s) instead of starting a child.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REGION = "us-east-1"
_CHILD = """
import json, sys
sys.path[:0] = [{harness_root!r}]
from harness.kit.template_lint import lint_errors
with open(sys.argv[1], encoding="utf-8", errors="replace") as template:
    print(json.dumps(lint_errors(template.read(), {region!r})))
"""


def lint_errors(text: str, region: str = REGION) -> list[str]:
    """cfn-lint's errors (not its warnings) for the template, each with its line, as the CLI prints them."""
    from cfnlint.decode.decode import decode_str

    template, matches = decode_str(text)  # what cfnlint.api.lint does, with this process's one Runner
    if not matches and template is not None:
        matches = list(runner(region).validate_template(template))
    return [
        f"{match.rule.id} line {match.linenumber}: {match.message}"
        for match in matches
        if str(getattr(match.rule, "severity", "")).lower() == "error" or match.rule.id.startswith("E")
    ]


_runners: dict[str, Any] = {}


def runner(region: str = REGION) -> Any:
    """cfn-lint's Runner for a region, with its rules: made once per process."""
    if region not in _runners:
        from cfnlint.config import ConfigMixIn
        from cfnlint.runner import Runner

        # cfn-lint's defaults, whatever .cfnlintrc the home or working folder holds (a student's could
        # ignore every error), and so the same in any process: a config file of its own, empty.
        _runners[region] = Runner(ConfigMixIn(regions=[region], config_file=os.devnull))
    return _runners[region]


def ready(region: str) -> bool:
    """Whether this process has made the rules for ``region`` (its lint then takes ~0.13 s)."""
    return region in _runners


class EarlyLint:
    """The lint of one template file, running in a child process from the moment it is made."""

    def __init__(self, path: Path, region: str = REGION) -> None:
        self.path, self.region = path, region
        self.text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None
        self._child: subprocess.Popen[str] | None = None
        if self.text is None or ready(region):
            return  # nothing to lint, or a lint here is quick: errors() lints in this process
        code = _CHILD.format(harness_root=str(Path(__file__).resolve().parents[2]), region=region)
        try:
            self._child = subprocess.Popen(
                [sys.executable, "-c", code, str(path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                # Started before the grading sandbox may be in place: cfn-lint needs no AWS setting at all.
                env={name: value for name, value in os.environ.items() if not name.startswith("AWS_")},
            )
        except OSError:
            self._child = None

    def errors(self, text: str) -> list[str]:
        """The errors for ``text``: the child's answer when it linted that same text, else linted here."""
        if self._child is not None and text == self.text:
            try:
                out, _ = self._child.communicate(timeout=120)
                if self._child.returncode == 0:
                    return [str(error) for error in json.loads(out)]
            except (subprocess.TimeoutExpired, ValueError):
                self.close()
        return lint_errors(text, self.region)

    def close(self) -> None:
        if self._child is not None and self._child.poll() is None:
            self._child.kill()
            self._child.wait()
