"""A run whose exercises call no AWS (course.toml `aws = false`) starts student processes that skip boto3's
warm-up (harness/student/pool.py, host.py): the first module load need not wait for it. Student code that
imports boto3 there still works and its clients are still tagged for the call log."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness import runtime
from harness.loader import load_module
from harness.student.pool import StudentPool
from harness.student.protocol import NO_AWS

pytestmark = pytest.mark.xdist_group("student_pool_without_aws")

PROBE = """
import os
import sys

WARM_AT_LOAD = "boto3" in sys.modules
REQUESTS_AT_LOAD = "requests" in sys.modules
SEES_THE_SETTING = SETTING in os.environ


def state():
    return {"warm_at_load": WARM_AT_LOAD, "requests_at_load": REQUESTS_AT_LOAD, "sees_the_setting": SEES_THE_SETTING}


def client_tag_installed():
    import boto3  # noqa: F401 - where nothing was warm, this import is what installs the tag
    from botocore.client import ClientCreator

    return "install.<locals>" in ClientCreator.create_client.__qualname__
"""


Probe = tuple[bool, Any]  # (the run calls AWS, the probe module loaded in a student process)


class NoBackend:
    name = "none"


@pytest.fixture(params=[True, False], ids=["calls_aws", "no_aws"])
def probe(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Probe]:
    monkeypatch.setenv("COURSE_ALLOWED_HOSTS", "127.0.0.1")
    path = tmp_path / "probe.py"
    path.write_text(f"SETTING = {NO_AWS!r}\n" + textwrap.dedent(PROBE))
    pool = StudentPool(tmp_path, calls_aws=request.param)
    runtime.activate(NoBackend(), pool)  # type: ignore[arg-type]
    try:
        pool.start_check()
        runtime.start_check_log()
        yield request.param, load_module(path)
        pool.end_check()
    finally:
        pool.close()
        runtime.deactivate()


def test_boto3_is_warm_only_where_the_run_calls_aws_and_the_setting_never_reaches_student_code(probe: Probe) -> None:
    calls_aws, module = probe
    seen = module.state()
    assert seen["warm_at_load"] is calls_aws
    assert seen["requests_at_load"] is calls_aws  # the heist's and Kata 3's HTTP clients import it
    assert seen["sees_the_setting"] is False


def test_a_client_made_by_student_code_is_tagged_either_way(probe: Probe) -> None:
    _, module = probe
    assert module.client_tag_installed() is True
