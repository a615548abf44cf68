"""harness/kit/template_lint.py: cfn-lint's errors, with one set of rules per process."""

from __future__ import annotations

from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint
from support import REPO

from harness.kit import template_lint

GOOD = (REPO / "solutions/labs/lab4_sam/template.yaml").read_text(encoding="utf-8")
TEMPLATES = {
    "the reference": GOOD,
    "a retired runtime": GOOD.replace("python3.12", "python2.7"),
    "an unknown property": GOOD + "\n  Extra:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      BillingMode: WHATEVER\n",
    "YAML that does not parse": "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n  Broken: [\n",
}


def cfn_lints_own(text: str) -> list[str]:
    """What cfn-lint's API answers, its rules made afresh for this one template."""
    return [
        f"{match.rule.id} line {match.linenumber}: {match.message}"
        for match in lint(text, config=ManualArgs(regions=[template_lint.REGION]))
        if str(getattr(match.rule, "severity", "")).lower() == "error" or match.rule.id.startswith("E")
    ]


@pytest.fixture
def no_rules_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(template_lint, "_runners", {})


def test_one_set_of_rules_lints_template_after_template_as_cfn_lint_does_each_afresh(no_rules_yet: None) -> None:
    expected = {name: cfn_lints_own(text) for name, text in TEMPLATES.items()}
    assert [name for name, errors in expected.items() if errors] == list(TEMPLATES)[1:]  # all but the reference
    for _ in range(2):  # the same rules, again after the broken ones
        assert {name: template_lint.lint_errors(text) for name, text in TEMPLATES.items()} == expected
    assert list(template_lint._runners) == [template_lint.REGION]


def test_early_lint_starts_a_child_unless_this_process_has_the_rules(no_rules_yet: None, tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATES["a retired runtime"], encoding="utf-8")
    expected = cfn_lints_own(TEMPLATES["a retired runtime"])

    in_a_child = template_lint.EarlyLint(path)
    assert in_a_child._child is not None  # a new interpreter lints it on the other core
    assert in_a_child.errors(path.read_text(encoding="utf-8")) == expected
    in_a_child.close()

    template_lint.runner(template_lint.REGION)  # as the warm grading template makes them
    here = template_lint.EarlyLint(path)
    assert here._child is None and template_lint.ready(template_lint.REGION)
    assert here.errors(path.read_text(encoding="utf-8")) == expected


def test_a_cfnlintrc_in_the_working_folder_or_home_hides_no_error(
    no_rules_yet: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """cfn-lint reads ~/.cfnlintrc and ./.cfnlintrc: one that ignores every error must not pass the check."""
    ignore_everything = "ignore_checks:\n  - E\n  - W\n"
    (tmp_path / ".cfnlintrc").write_text(ignore_everything, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert [error.split()[0] for error in template_lint.lint_errors(TEMPLATES["a retired runtime"])] == ["E2533"]
