"""moto's EC2 lists its regions with one boto3 session instead of three.

Every stack imports moto's EC2 models (moto's CloudFormation and SSM import them), whose regions module
builds a new boto3 session for each partition at import time: each loads botocore's endpoint data again,
~0.3 s of CPU in all at a grading run's first stack request. One session answers the same lists.
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Iterator

MODULE = "moto.ec2.models.availability_zones_and_regions"


def apply() -> None:
    from harness.emulator import on_import

    on_import.while_importing(MODULE, one_session)


@contextlib.contextmanager
def one_session(module: types.ModuleType) -> Iterator[None]:
    """While the module's code runs, ``boto3.Session()`` with no arguments is one shared session."""
    import boto3

    real = boto3.Session
    made: list[boto3.Session] = []

    def session(*args: object, **kwargs: object) -> boto3.Session:
        if args or kwargs:
            return real(*args, **kwargs)
        if not made:
            made.append(real())
        return made[0]

    boto3.Session = session  # type: ignore[assignment,misc]  # the module binds it: `from boto3 import Session`
    try:
        yield
    finally:
        boto3.Session = real  # type: ignore[misc]
        if getattr(module, "Session", None) is session:
            module.Session = real  # type: ignore[attr-defined]
