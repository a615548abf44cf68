"""The AWS emulators graders run against: moto embedded in the process, LocalStack in Docker, or MiniStack
in a process of its own (harness/ministack.py)."""

from __future__ import annotations

import functools
import json
import logging
import os
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Union

from . import emulator, moto_apps
from .call_log import CallLog, recording_middleware
from .emulator import apigateway_http, course_api
from .emulator.xray import XRayDaemon
from .safety import check_endpoint_is_local
from .settings import (
    ACCOUNT_ID,
    DEFAULT_LOCALSTACK_ENDPOINT,
    ENV_ENDPOINT,
    ENV_LOCALSTACK_HOST,
    ENV_LOCALSTACK_TOKEN,
    REGION,
)

# What a check may need beyond the AWS control plane. Each backend lists what it has.
CALL_LOG = "call log (which API calls your code made)"
LAMBDA_SERVICE_RUNS_CODE = "Lambda itself running code (event source mappings, SNS to Lambda)"
DEPLOYED_API_OVER_HTTP = "calling a deployed API Gateway stage over HTTP"
SAM_TRANSFORM = "CloudFormation applying the SAM transform"
VIRTUAL_CLOCK = "a clock the grader advances (CloudWatch alarms evaluated at once; harness/kit/clock.py)"
XRAY_DAEMON = "an X-Ray daemon address for aws-xray-sdk (backend.xray_daemon_address)"
WEIGHTED_ALIAS_ROUTING = "Lambda aliases splitting invocations by their routing weights"
XRAY_TRACES = "an X-Ray service that stores and answers trace segments"
ALARM_EVALUATION = "CloudWatch evaluating alarms on the datapoints of their own metric and dimensions"
# Week 4 judges cold starts through a provisioned alias; MiniStack is known only to store the configuration.
PROVISIONED_CONCURRENCY = "Lambda serving a provisioned alias or version from pre-initialised environments (no Init Duration)"
# LocalStack's community edition and MiniStack accept every call whatever the role says.
IAM_ENFORCEMENT = "deployed code's calls refused unless its execution role allows them (harness/kit/iam_enforcement.py)"
# SAM's DeploymentPreference: a redeploy shifts the alias step by step on the clock, and an alarm rolls it back.
CODEDEPLOY_TRAFFIC_SHIFT = "CodeDeploy shifting a Lambda alias's traffic on the clock, stopped by alarms"
# MiniStack serves deployed APIs over HTTP but lets an unsigned call through an AWS_IAM method.
API_IAM_AUTHORIZATION = "API Gateway refusing calls to AWS_IAM methods that are unsigned or not allowed"
# Kata 5 judges log lines as Lambda writes them: MiniStack's runtime puts no handler on the root logger.
LAMBDA_RUNTIME_LOGGING = "Lambda's Python runtime logging (its handler on the root logger) in /aws/lambda/<name>"
# Lab 6 judges that a reader follows nextToken: CloudWatch Logs may answer any page short, or empty.
PAGED_LOG_READS = "CloudWatch Logs answering FilterLogEvents in pages as small as a grader asks (harness/kit/log_pages.py)"
ALL_CAPABILITIES = frozenset(
    {CALL_LOG, LAMBDA_SERVICE_RUNS_CODE, DEPLOYED_API_OVER_HTTP, SAM_TRANSFORM, WEIGHTED_ALIAS_ROUTING, XRAY_TRACES}
    | {ALARM_EVALUATION, VIRTUAL_CLOCK, XRAY_DAEMON, IAM_ENFORCEMENT, LAMBDA_RUNTIME_LOGGING}
    | {CODEDEPLOY_TRAFFIC_SHIFT, PROVISIONED_CONCURRENCY, API_IAM_AUTHORIZATION, PAGED_LOG_READS}
)

if TYPE_CHECKING:
    from .ministack import MiniStack

LOCALSTACK_NOT_RUNNING = (
    "LocalStack is not answering at {endpoint} ({reason}).\n"
    "Start it with `docker compose up -d --wait localstack` (it needs LOCALSTACK_AUTH_TOKEN since March 2026; "
    "see README, 'Backends'), check it with `course doctor`, or grade on the embedded backend, "
    "which needs nothing: `course grade --backend moto`."
)
LOCALSTACK_RESET_FAILED = (
    "LocalStack at {endpoint} did not reset its state between checks ({reason}); results would leak "
    "from one check into the next. Restart it with `docker compose restart localstack`."
)

LEFTOVERS_NOT_CLEANED = (
    "LocalStack here could not clean up what the previous check left ({reason}), and that check used what "
    "LocalStack cannot run here ({unavailable}): this check would not start from an empty backend."
)

PORT_TAKEN = "Port {port} on 127.0.0.1 is in use by another program; stop it or choose another port."


class BackendUnavailable(RuntimeError):
    pass


class LeftoversNotCleaned(BackendUnavailable):
    """A reset failed on what a check left that the backend cannot run (a stack of Lambda functions on a
    LocalStack without Docker): the next check cannot be graded there, which is no harness failure."""


# The emulator is local: a student's HTTP(S)_PROXY must never see these calls.
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _post(url: str, payload: dict | None = None, timeout: float = 10.0) -> bytes:
    data = json.dumps(payload).encode() if payload is not None else b""
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    with _direct.open(request, timeout=timeout) as response:
        return response.read()


STATE_SEED = 1205  # moto's random IDs after every reset


@dataclass
class EmbeddedMoto:
    """moto's server on 127.0.0.1 in a thread of this process; sees every request it answers."""

    port: int = 0
    name: str = "moto"
    account_id: str = ACCOUNT_ID
    # What harness/emulator adds to moto: the SAM transform, alias weights, alarms on a clock, X-Ray, IAM,
    # the Lambda Python runtime's logging (harness/lambda_runtime_log.py) and deployed REST API stages
    # served over HTTP (apigateway_http.py), CodeDeploy traffic shifts, provisioned concurrency, Lambda's
    # pollers (event source mappings, SNS lambda subscriptions: emulator/event_sources.py), short log pages.
    capabilities: frozenset[str] = frozenset(
        {CALL_LOG, SAM_TRANSFORM, WEIGHTED_ALIAS_ROUTING, ALARM_EVALUATION, VIRTUAL_CLOCK, XRAY_DAEMON, XRAY_TRACES}
        | {IAM_ENFORCEMENT, LAMBDA_RUNTIME_LOGGING, DEPLOYED_API_OVER_HTTP, CODEDEPLOY_TRAFFIC_SHIFT}
        | {PROVISIONED_CONCURRENCY, LAMBDA_SERVICE_RUNS_CODE, API_IAM_AUTHORIZATION, PAGED_LOG_READS}
    )
    call_log: CallLog = field(default_factory=CallLog)
    endpoint: str = ""
    xray_daemon_address: str = ""  # "127.0.0.1:PORT": deployed code's AWS_XRAY_DAEMON_ADDRESS
    seeded: bool = False  # reset and seeded: its state is what was asked of it since (script replay)
    _server: object = None
    _thread: object = None
    _xray: XRayDaemon | None = None
    _listening: socket.socket | None = None

    def reserve(self) -> str:
        """Listen on the port now and say the endpoint, before start() imports and patches moto (~0.4 s
        of CPU): the student processes' interpreter, which must know the endpoint, warms up on the other
        core meanwhile. A request that comes before start() waits in the socket's backlog."""
        if self._listening is None and self.port == 0:
            from .warm import spare

            self._listening, self.endpoint = spare.take_port() or (None, "")  # a warm run's, ready
        if self._listening is None:
            try:
                self._listening = socket.create_server(("127.0.0.1", self.port))
            except OSError:
                raise BackendUnavailable(PORT_TAKEN.format(port=self.port)) from None
            self.endpoint = f"http://127.0.0.1:{self._listening.getsockname()[1]}"
        return self.endpoint

    def start(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication
        from werkzeug.serving import make_server

        self.reserve()

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # werkzeug ignores verbose=False
        prepare_moto()
        app = recording_middleware(DomainDispatcherApplication(moto_apps.app_for), self.call_log)
        app = course_api.wrap(app, lambda: self.xray_daemon_address)  # /_course/ (clock): not in the call log
        app = apigateway_http.wrap(app)  # deployed API stages over HTTP: not AWS API calls, not in the call log
        # What moto's ThreadedMotoServer does, with the call log around moto's app, the server made
        # here (a taken port raises at once instead of hanging) and a short poll (stop() is quick).
        port = int(self.endpoint.rsplit(":", 1)[1])
        server = make_server("127.0.0.1", port, app, threaded=True, fd=self._listening.fileno())  # type: ignore[union-attr]
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        self._server, self._thread = server, thread
        self._xray = XRayDaemon(self.account_id, REGION)
        self.xray_daemon_address = self._xray.start()
        from .emulator.lambda_environment import RUNTIME

        RUNTIME.expect(self.endpoint)  # the endpoint deployed functions call
        # Must precede any create_function: Lambda then stores code without needing Docker.
        _post(f"{self.endpoint}/moto-api/config", {"lambda": {"use_docker": False}})
        emulator.event_sources.start(self.endpoint)  # mappings poll from now on; their code calls this endpoint

    def warm_lambda_runtime(self) -> None:
        """A grader that deploys and invokes functions from its first check is starting: the Lambda runtime's
        zygote imports boto3 now, on the other core, instead of from the first function created (~0.2 s
        that the first cold start waited, measured on Kata 5)."""
        from .emulator.lambda_environment import RUNTIME

        RUNTIME.warm_up()

    def reset(self) -> None:
        _post(f"{self.endpoint}/moto-api/reset")
        # The same requests from a reset now make the same IDs (an API's id, a mapping's UUID): a
        # check's state depends only on what was asked, which lets a script's run be replayed.
        _post(f"{self.endpoint}/moto-api/seed?a={STATE_SEED}")
        self.call_log.clear()
        self.seeded = True

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()  # type: ignore[attr-defined]
            self._server.server_close()  # type: ignore[attr-defined]
            self._thread.join(timeout=5)  # type: ignore[attr-defined]
            self._server = None
        if self._listening is not None:
            self._listening.close()  # the server listened on a copy of it
            self._listening = None
        emulator.shutdown()
        if self._xray is not None:
            self._xray.stop()
            self._xray = None


def prepare_moto() -> None:
    """moto as the embedded backend runs it: its listings shared, the emulator's patches applied (idempotent:
    the warm template prepares it before making moto's apps, and each grading again)."""
    _cache_moto_module_list()
    _share_region_lists()
    emulator.apply()


def _cache_moto_module_list() -> None:
    """moto's server lists its own package folder on every request to route it (~1 ms of a 3 ms
    call, measured); the folder does not change while it runs, so list it once."""
    from moto import backends

    listing = getattr(backends, "list_of_moto_modules", None)
    if listing is not None and not hasattr(listing, "cache_info"):
        backends.list_of_moto_modules = functools.cache(lambda: tuple(listing()))


# Endpoint prefixes of the services moto's backends ask regions for in the course's runs: botocore would
# parse each service's model to read it (EC2's, 4 MB, ~0.07 s; 0.12-0.19 s a run in all, measured). A test
# checks each against botocore's models; any other service is still looked up there.
ENDPOINT_PREFIXES = {
    "apigateway": "apigateway",
    "cloudformation": "cloudformation",
    "cloudwatch": "monitoring",
    "codedeploy": "codedeploy",
    "dynamodb": "dynamodb",
    "dynamodbstreams": "streams.dynamodb",
    "ec2": "ec2",
    "events": "events",
    "iam": "iam",
    "kms": "kms",
    "lambda": "lambda",
    "logs": "logs",
    "s3": "s3",
    "secretsmanager": "secretsmanager",
    "sns": "sns",
    "sqs": "sqs",
    "ssm": "ssm",
    "sts": "sts",
    "xray": "xray",
}


def _share_region_lists() -> None:
    """moto's backends ask a boto3 Session for each service's partitions and regions (EC2's models, imported
    with CloudFormation's, ask three new Sessions, one per partition); each Session loads botocore's endpoint
    data for itself (~0.06 s) and each question parses the service's model only to read its endpoint prefix.
    One Session answers them all, moto's own (whose partitions it asked first), and the prefixes of the
    course's services come from ENDPOINT_PREFIXES."""
    from botocore.session import Session
    from moto.core.base_backend import AccountSpecificBackend

    original = Session.get_available_regions
    if getattr(original, "shared_session", None) is not None:
        return
    original_partitions = Session.get_available_partitions
    shared: list[Session] = []

    def session() -> Session:
        if not shared:
            shared.append(AccountSpecificBackend.get_session()._session)  # made once, when first asked
        return shared[0]

    @functools.wraps(original)
    def get_available_regions(self, service_name, partition_name="aws", allow_non_regional=False):  # type: ignore[no-untyped-def]
        prefix = ENDPOINT_PREFIXES.get(service_name)
        if prefix is None:
            return original(session(), service_name, partition_name, allow_non_regional)
        resolver = session()._get_internal_component("endpoint_resolver")
        return resolver.get_available_endpoints(prefix, partition_name, allow_non_regional)

    @functools.wraps(original_partitions)
    def get_available_partitions(self):  # type: ignore[no-untyped-def]
        return original_partitions(session())

    get_available_regions.shared_session = shared  # type: ignore[attr-defined]
    Session.get_available_regions = get_available_regions  # type: ignore[method-assign]
    Session.get_available_partitions = get_available_partitions  # type: ignore[method-assign]


def localstack_endpoint(environ: dict[str, str] | None = None) -> tuple[str, str]:
    """(endpoint, where it came from): AWS_ENDPOINT_URL, then LOCALSTACK_HOST, then the default."""
    environ = os.environ if environ is None else environ
    if environ.get(ENV_ENDPOINT):
        return environ[ENV_ENDPOINT].rstrip("/"), f"environment variable {ENV_ENDPOINT}"
    if environ.get(ENV_LOCALSTACK_HOST):
        host = environ[ENV_LOCALSTACK_HOST].strip()
        if "://" not in host:
            host = f"http://{host}"
        if host.count(":") == 1:  # no port given: LocalStack's default
            host = f"{host}:4566"
        return host.rstrip("/"), f"environment variable {ENV_LOCALSTACK_HOST}"
    return DEFAULT_LOCALSTACK_ENDPOINT, "default"


@dataclass
class LocalStack:
    """A LocalStack already running (docker compose, or its runtime as a host process), behind the
    call-log forwarder. What it really offers is probed at start (harness/localstack_probe.py): where
    it has no state-reset route, each check starts after a cleanup of every service instead."""

    endpoint: str  # where LocalStack answers; once started, the forwarder's
    name: str = "localstack"
    account_id: str = "000000000000"  # LocalStack's default account
    capabilities: frozenset[str] = frozenset({LAMBDA_SERVICE_RUNS_CODE, DEPLOYED_API_OVER_HTTP, SAM_TRANSFORM})
    call_log: CallLog | None = None
    health_timeout: float = 3.0
    upstream: str = ""
    has_reset_route: bool = True
    unavailable: dict[str, str] = field(default_factory=dict)  # service -> why checks that call it are not graded
    _forwarder: object = None

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> LocalStack:
        endpoint, source = localstack_endpoint(environ)
        return cls(check_endpoint_is_local(endpoint, source))

    def health(self) -> dict:
        with _direct.open(f"{self.upstream or self.endpoint}/_localstack/health", timeout=self.health_timeout) as response:
            return json.loads(response.read() or b"{}")

    def start(self) -> None:
        from .forwarder import Forwarder
        from .localstack_probe import probe
        from .unavailable import TouchLog

        try:
            self.health()
        except (OSError, ValueError) as error:
            reason = getattr(error, "reason", None) or error
            raise BackendUnavailable(LOCALSTACK_NOT_RUNNING.format(endpoint=self.endpoint, reason=reason)) from None
        self.upstream = self.endpoint
        offer = probe(self.upstream)
        self.has_reset_route, self.unavailable = offer.has_reset_route, dict(offer.unavailable)
        if not offer.runs_lambda_code:
            self.capabilities = self.capabilities - {LAMBDA_SERVICE_RUNS_CODE, DEPLOYED_API_OVER_HTTP}
        self.call_log = TouchLog()
        parts = urllib.parse.urlsplit(self.upstream)
        forwarder = Forwarder(parts.hostname or "127.0.0.1", parts.port or 4566, self.call_log, scheme=parts.scheme)
        self.endpoint = f"http://127.0.0.1:{forwarder.start()}"
        self._forwarder = forwarder
        self.capabilities = self.capabilities | {CALL_LOG}

    @property
    def isolation(self) -> str:
        from .localstack_probe import ISOLATION_CLEANUP, ISOLATION_RESET

        return ISOLATION_RESET if self.has_reset_route else ISOLATION_CLEANUP

    def reset(self) -> None:
        from .localstack_cleanup import CleanupFailed, clean
        from .unavailable import reason_not_graded

        upstream = self.upstream or self.endpoint
        try:
            if self.has_reset_route:
                _post(f"{upstream}/_localstack/state/reset", timeout=30.0)
            else:
                clean(upstream, skip=self.unavailable)
        except (OSError, urllib.error.HTTPError, CleanupFailed) as error:
            # What the previous check called is no reason for the next check's verdict: forgotten either way.
            unavailable = reason_not_graded(self)
            self._forget_calls()
            if unavailable:
                raise LeftoversNotCleaned(LEFTOVERS_NOT_CLEANED.format(reason=error, unavailable=unavailable)) from None
            raise BackendUnavailable(LOCALSTACK_RESET_FAILED.format(endpoint=upstream, reason=error)) from None
        self._forget_calls()

    def _forget_calls(self) -> None:
        if self.call_log is not None:
            self.call_log.clear()
            self.call_log.forget_touched()  # type: ignore[attr-defined]

    def stop(self) -> None:
        """LocalStack belongs to docker compose (or whoever started it): the harness leaves it running."""
        if self._forwarder is not None:
            self._forwarder.stop()  # type: ignore[attr-defined]
            self._forwarder = None


def token_present(environ: dict[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    return bool(environ.get(ENV_LOCALSTACK_TOKEN))


Backend = Union[EmbeddedMoto, LocalStack, "MiniStack"]


def make_backend(name: str, environ: dict[str, str] | None = None) -> Backend:
    if name == "localstack":
        return LocalStack.from_environment(environ)
    if name == "ministack":
        from .ministack import MiniStack

        return MiniStack()
    return EmbeddedMoto()
