"""`course doctor`'s look at the optional backends beyond LocalStack's health route.

MiniStack: not installed is fine (it installs on first use). Installed, it is started on a free port,
asked one DynamoDB call through the call-log forwarder, reset and stopped, and the finding names what
graders cannot judge there. LocalStack, when it answers: how checks are kept apart there (its
state-reset route or a cleanup) and what really works (its /health says "available" for services
that cannot run). Trouble is a NOTE: grading on the embedded backend needs neither.
"""

from __future__ import annotations

import time

from . import backends, ministack_env
from .doctor import NOTE, OK, Finding

NOT_INSTALLED = (
    "MiniStack {version} (optional, `--backend ministack`: runs Lambda code without Docker): not installed; "
    "`course grade --backend ministack` or `course backend up --backend ministack` installs it on first use "
    "(about 30 s, ~115 MB under {path})"
)
WORKS = (
    "MiniStack {version}: started on {where}, DynamoDB answered, reset, stopped ({seconds:.1f} s); "
    "not graded there: {lacks}"
)
BROKEN = "MiniStack {version} is installed in {path} but does not work: {error}"
BROKEN_FIX = "Delete that folder; the next `course grade --backend ministack` installs it again."


def ministack_backend() -> Finding:
    from .ministack import MiniStack

    environment = ministack_env.environment_dir()
    shown = environment.relative_to(environment.parents[2]) if len(environment.parents) > 2 else environment
    if not ministack_env.is_installed(environment):
        return Finding(OK, NOT_INSTALLED.format(version=ministack_env.VERSION, path=shown.parent))
    started = time.perf_counter()
    backend = MiniStack(environment=environment)
    try:
        import boto3
        from botocore.config import Config

        backend.start()
        config = Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 1})
        boto3.client(
            "dynamodb", endpoint_url=backend.endpoint, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test", config=config,
        ).list_tables()
        backend.reset()
    except Exception as error:  # whatever breaks, the finding says it; the embedded backend is unaffected
        return Finding(NOTE, BROKEN.format(version=ministack_env.VERSION, path=environment, error=error), BROKEN_FIX)
    finally:
        backend.stop()
    lacks = ", ".join(sorted(backends.ALL_CAPABILITIES - backend.capabilities)) or "nothing"
    where = backend.endpoint.removeprefix("http://")
    seconds = time.perf_counter() - started
    return Finding(OK, WORKS.format(version=ministack_env.VERSION, where=where, seconds=seconds, lacks=lacks))


LOCALSTACK_ISOLATION = "LocalStack isolates checks by {isolation}"
LOCALSTACK_WORKS = "LocalStack runs Lambda code and every service the course uses"
LOCALSTACK_LACKS = "{lacks}: checks that call these are \"not graded on this backend\" there"
LOCALSTACK_LACKS_FIX = (
    "Nothing to fix for grading (the embedded backend grades everything but deployed APIs over HTTP; MiniStack "
    "runs Lambda code without Docker: `--backend ministack`). LocalStack's Docker image runs both."
)


def localstack_offer(endpoint: str) -> list[Finding]:
    """What a LocalStack that answers at endpoint really offers (a probe function is created and deleted)."""
    from .localstack_probe import LAMBDA_CANNOT_RUN, probe

    try:
        offer = probe(endpoint)
    except Exception as error:  # a half-working LocalStack: say so, grading on moto is unaffected
        return [Finding(NOTE, f"LocalStack at {endpoint} answered its health route, then failed a probe: {error}")]
    findings = [Finding(OK, LOCALSTACK_ISOLATION.format(isolation=offer.isolation))]
    lacks = sorted({reason.removeprefix(LAMBDA_CANNOT_RUN.removesuffix("Lambda code")) for reason in offer.unavailable.values()})
    if lacks:
        lacks_text = LAMBDA_CANNOT_RUN.removesuffix("Lambda code") + ", nor ".join(lacks)
        findings.append(Finding(NOTE, LOCALSTACK_LACKS.format(lacks=lacks_text), LOCALSTACK_LACKS_FIX))
    else:
        findings.append(Finding(OK, LOCALSTACK_WORKS))
    return findings
