"""harness/awscli_modules.py: the harness imports awscli without changing the grading process's environment."""

from __future__ import annotations

import subprocess
import sys

import pytest

from support import REPO

READ_A_TEMPLATE = (
    "import os, sys\n"
    "before = sys.argv[1] or None\n"
    "os.environ.pop('AWS_DATA_PATH', None)\n"
    "if before: os.environ['AWS_DATA_PATH'] = before\n"
    "from harness.kit.stacks import load_template\n"
    "assert load_template('Name: !Ref Thing') == {'Name': {'Ref': 'Thing'}}\n"
    "assert 'awscli' in sys.modules\n"
    "print(repr(os.environ.get('AWS_DATA_PATH')))\n"
)


@pytest.mark.parametrize("before", ["", "/the/students/models"])
def test_reading_a_template_leaves_aws_data_path_as_it_was(before: str) -> None:
    """`import awscli` appends its data folder to AWS_DATA_PATH; the template reader's first use must not,
    or a script or student process would see an environment that depends on whether a check deployed
    before it, and a warm grading (whose template imported awscli ahead) would differ from a cold one."""
    done = subprocess.run([sys.executable, "-c", READ_A_TEMPLATE, before], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == repr(before or None)
