"""What each grading backend costs around the checks (`make bench ARGS="--only backends"`): its install,
its start until it answers, a reset between checks (on an empty backend, and after a check's worth of
resources), and its stop. One table for moto, MiniStack and LocalStack's community runtime (a host
process, harness/localstack_host.py; it needs Python 3.13, and a row says so when there is none).

moto's reset is its own route, MiniStack's `POST /_ministack/reset`; the open-source LocalStack has no
reset route, so its reset is the harness's cleanup of every service (harness/localstack_cleanup.py),
whose cost grows with what the check left behind: hence the second reset figure.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BACKEND_NAMES = ("moto", "ministack", "localstack")
# A check's worth of state on every backend (LocalStack here has neither DynamoDB nor Lambda).
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


@dataclass
class Costs:
    backend: str  # its name and version
    install: str  # how long it took, or why there was none
    start_ms: float
    start_note: str  # what the start figure holds
    reset_empty_ms: float  # median
    reset_used_ms: float  # median, each after populate()
    stop_ms: float
    isolation: str


@dataclass
class Unavailable:
    backend: str
    why: str


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def populate(endpoint: str) -> None:
    """What a typical check leaves behind: a queue subscribed to a topic, a secret, a role with a
    policy, a parameter and a log group."""
    import boto3

    def aws(service: str):  # type: ignore[no-untyped-def]
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    queue = aws("sqs").create_queue(QueueName="bench-queue")["QueueUrl"]
    queue_arn = aws("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = aws("sns").create_topic(Name="bench-topic")["TopicArn"]
    aws("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    aws("secretsmanager").create_secret(Name="bench-secret", SecretString="{}")
    aws("iam").create_role(RoleName="bench-role", AssumeRolePolicyDocument=json.dumps(TRUST))
    aws("iam").put_role_policy(
        RoleName="bench-role",
        PolicyName="bench",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}
        ),
    )
    aws("ssm").put_parameter(Name="/bench/parameter", Value="1", Type="String")
    aws("logs").create_log_group(logGroupName="/bench/logs")


def resets(backend: object, endpoint: str, empty: int, used: int) -> tuple[float, float]:
    """Medians (ms) of `empty` resets of an empty backend and of `used` resets each after populate()."""
    reset: Callable[[], None] = backend.reset  # type: ignore[attr-defined]
    reset()  # the first reset after a start warms connection pools: not a between-checks figure
    samples = []
    for _ in range(empty):
        started = time.perf_counter()
        reset()
        samples.append(_ms(started))
    after_use = []
    for _ in range(used):
        populate(endpoint)
        started = time.perf_counter()
        reset()
        after_use.append(_ms(started))
    return statistics.median(samples), statistics.median(after_use)


def moto_costs(empty: int, used: int) -> Costs:
    from importlib import metadata

    started = time.perf_counter()
    from moto.moto_server import werkzeug_app  # noqa: F401  (what start() imports first: timed apart)

    from harness.backends import EmbeddedMoto

    import_ms = _ms(started)
    backend = EmbeddedMoto()
    started = time.perf_counter()
    backend.start()
    start_ms = _ms(started)
    try:
        reset_empty, reset_used = resets(backend, backend.endpoint, empty, used)
    finally:
        started = time.perf_counter()
        backend.stop()
        stop_ms = _ms(started)
    return Costs(
        f"moto {metadata.version('moto')}",
        "none: in the course's venv",
        start_ms,
        f"its server in the grading process (importing moto and the harness took {import_ms / 1000:.1f} s more)",
        reset_empty,
        reset_used,
        stop_ms,
        "moto's reset route, then a seed",
    )


def _installed(
    is_installed: Callable[[Path], bool],
    ensure: Callable[[Path], object],
    record: Callable[[Path], dict],
    environment: Path,
) -> str:
    """Install now unless done before; what it cost either way."""
    if is_installed(environment):
        return f"cached (its install took {record(environment).get('seconds', '?')} s)"
    started = time.perf_counter()
    ensure(environment)
    return f"{time.perf_counter() - started:.1f} s (first use, pip's cache as it was)"


def ministack_costs(empty: int, used: int) -> Costs:
    from harness import ministack_env
    from harness.ministack import MiniStack

    environment = ministack_env.environment_dir()
    install = _installed(
        ministack_env.is_installed, ministack_env.ensure_installed, ministack_env.install_record, environment
    )
    backend = MiniStack(environment=environment)
    started = time.perf_counter()
    backend.start()
    start_ms = _ms(started)
    try:
        reset_empty, reset_used = resets(backend, backend.endpoint, empty, used)
    finally:
        started = time.perf_counter()
        backend.stop()
        stop_ms = _ms(started)
    return Costs(
        f"MiniStack {ministack_env.VERSION}",
        install,
        start_ms,
        "its process until /_ministack/health answers, behind the call-log forwarder",
        reset_empty,
        reset_used,
        stop_ms,
        "POST /_ministack/reset",
    )


@contextmanager
def localstack_host() -> Iterator[tuple[object, float]]:
    """LocalStack's runtime as a host process, started and stopped here: (the host, its start in ms)."""
    from harness.localstack_host import LocalStackHost

    host = LocalStackHost()
    started = time.perf_counter()
    host.start()
    try:
        yield host, _ms(started)
    finally:
        host.stop()


def localstack_costs(empty: int, used: int) -> Costs | Unavailable:
    from harness import localstack_host as ls
    from harness.backends import LocalStack
    from harness.ministack_env import install_record, is_installed

    name = f"LocalStack {ls.VERSION} (community runtime, host process)"
    environment = ls.environment_dir()
    if not is_installed(environment) and ls.find_python() is None:
        return Unavailable(name, f"not measured: no Python {ls.PYTHON[0]}.{ls.PYTHON[1]} here ({ls.ENV_PYTHON})")
    install = _installed(is_installed, lambda path: ls.ensure_installed(path), install_record, environment)
    with localstack_host() as (host, process_ms):
        # LocalStack loads each service on its first call: the first probe pays for that.
        first_probe_ms = probe_ms(host.endpoint)  # type: ignore[attr-defined]
        backend = LocalStack(host.endpoint)  # type: ignore[attr-defined]
        started = time.perf_counter()
        backend.start()  # what each `course grade` does: probe what works, then the call-log forwarder
        grading_probe_ms = _ms(started)
        try:
            reset_empty, reset_used = resets(backend, backend.endpoint, empty, used)
        finally:
            started = time.perf_counter()
            backend.stop()
            stopped_at = time.perf_counter()
    stop_ms = (stopped_at - started) * 1000 + _ms(stopped_at)  # the forwarder, then the process
    return Costs(
        name,
        install,
        process_ms + first_probe_ms,
        f"its process until it logs Ready ({process_ms / 1000:.1f} s), then every service answering once: the first "
        f"probe ({first_probe_ms / 1000:.1f} s; LocalStack loads a service on its first call). Each `course grade` "
        f"then probes again and starts its forwarder: {grading_probe_ms / 1000:.2f} s",
        reset_empty,
        reset_used,
        stop_ms,
        "cleanup of every service (no reset route)",
    )


def probe_ms(endpoint: str) -> float:
    from harness.localstack_probe import probe

    started = time.perf_counter()
    probe(endpoint)
    return _ms(started)


MEASURES: dict[str, Callable[[int, int], Costs | Unavailable]] = {
    "moto": moto_costs,
    "ministack": ministack_costs,
    "localstack": localstack_costs,
}


def _figure(ms: float) -> str:
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.1f} ms"


def render(rows: list[Costs | Unavailable], empty: int, used: int) -> str:
    """A Markdown table (docs/harness.md carries a copy), then what each start figure holds."""
    lines = [
        f"| Backend | Install | Start | Reset, empty (median of {empty}) | Reset after a check's resources (median of {used}) | Stop | Isolation |",
        "| :--- | :--- | ---: | ---: | ---: | ---: | :--- |",
    ]
    notes = []
    for row in rows:
        if isinstance(row, Unavailable):
            lines.append(f"| {row.backend} | {row.why} | – | – | – | – | – |")
            continue
        lines.append(
            f"| {row.backend} | {row.install} | {_figure(row.start_ms)} | {_figure(row.reset_empty_ms)} | "
            f"{_figure(row.reset_used_ms)} | {_figure(row.stop_ms)} | {row.isolation} |"
        )
        notes.append(f"- {row.backend.split(' (')[0]}, start: {row.start_note}.")
    return "\n".join([*lines, "", *notes])


def backend_table(
    names: tuple[str, ...],
    empty: int,
    used: int,
    measures: dict[str, Callable[[int, int], Costs | Unavailable]] | None = None,
) -> None:
    measures = measures or MEASURES
    rows = []
    for name in names:
        try:
            rows.append(measures[name](empty, used))
        except Exception as error:  # a backend that cannot start is a row that says so, not the end of the bench
            rows.append(Unavailable(name, f"not measured: {type(error).__name__}: {str(error).splitlines()[0][:200]}"))
    load = " ".join(f"{figure:.2f}" for figure in os.getloadavg())
    print(
        f"Backends around the checks: install, start, reset between checks, stop (wall time; {time.strftime('%Y-%m-%d %H:%M')}, load {load})"
    )
    print(render(rows, empty, used))
