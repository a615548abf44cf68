"""Keep every grading run on the emulator: dummy credentials, a local endpoint, loopback-only sockets."""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import urlsplit

from .settings import COMPOSE_SERVICE_HOST, DUMMY_ACCESS_KEY, DUMMY_SECRET_KEY, ENV_AWSLOCAL_NO_BANNER, REGION

# Variables that could steer boto3 or the AWS CLI towards a real account; cleared for the run.
REAL_ACCOUNT_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CA_BUNDLE",
)
ALLOWED_HOSTS_VARIABLE = "COURSE_ALLOWED_HOSTS"

BLOCKED_CONNECTION = (
    "The grading harness blocked a connection to {target}: while grading, code may only talk to the "
    "local emulator ({endpoint}). Nothing in this course needs real AWS or the internet; remove any "
    "endpoint_url, profile or hard-coded host from your code."
)
REFUSED_ENDPOINT = (
    "Refusing to grade against {endpoint} ({source}): the endpoint must be on this machine "
    "(localhost, 127.0.0.1) or the compose service host '{compose}', never a real AWS account."
)


class UnsafeEndpointError(ValueError):
    pass


class OutboundConnectionBlocked(ConnectionError):
    pass


def is_local_host(host: str) -> bool:
    if host in ("localhost", COMPOSE_SERVICE_HOST) or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_endpoint_is_local(endpoint: str, source: str = "configuration") -> str:
    host = urlsplit(endpoint).hostname or ""
    if not is_local_host(host):
        raise UnsafeEndpointError(REFUSED_ENDPOINT.format(endpoint=endpoint, source=source, compose=COMPOSE_SERVICE_HOST))
    return endpoint


def sandbox_environment(endpoint: str, base: Mapping[str, str]) -> dict[str, str]:
    """The environment student code runs in: the emulator's endpoint and nothing that reaches AWS."""
    env = {
        key: value
        for key, value in base.items()
        if key not in REAL_ACCOUNT_VARIABLES and not key.startswith("AWS_ENDPOINT_URL_")
    }
    env.pop("AWS_ENDPOINT_URL", None)
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    env.update(
        {
            "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard",
            "AWS_EC2_METADATA_DISABLED": "true",
            # No profile file can add a role, an SSO login or a per-service endpoint.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            # awslocal reads the endpoint from AWS_ENDPOINT_URL and stays quiet with this.
            ENV_AWSLOCAL_NO_BANNER: "1",
            ALLOWED_HOSTS_VARIABLE: urlsplit(endpoint).hostname or "",
        }
    )
    # boto3, the AWS CLI and requests would send emulator calls to a configured proxy otherwise.
    local = ",".join(filter(None, ["127.0.0.1", "localhost", "::1", urlsplit(endpoint).hostname]))
    env["NO_PROXY"] = env["no_proxy"] = ",".join(filter(None, [local, base.get("NO_PROXY") or base.get("no_proxy")]))
    return env


@contextmanager
def sandboxed_process_environment(endpoint: str) -> Iterator[None]:
    """Swap os.environ for the sandbox for the length of a grading run, then put it back."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(sandbox_environment(endpoint, saved))
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class NetworkGuard:
    """Refuses sockets to anything but loopback (plus the named local hosts) in this process."""

    def __init__(self, endpoint: str, extra_hosts: tuple[str, ...] = ()) -> None:
        self.endpoint = endpoint
        self.names = {"localhost", *filter(None, extra_hosts)}
        self.resolved: set[str] = set()  # addresses that allowed names resolved to
        self._lock = threading.Lock()
        self._saved: tuple | None = None

    def _target_allowed(self, host: str) -> bool:
        return is_local_host(host) and host != COMPOSE_SERVICE_HOST or host in self.names or host in self.resolved

    def _refuse(self, host: object, port: object) -> OutboundConnectionBlocked:
        return OutboundConnectionBlocked(BLOCKED_CONNECTION.format(target=f"{host}:{port}", endpoint=self.endpoint))

    def install(self) -> None:
        with self._lock:
            if self._saved is not None:
                return
            real_getaddrinfo = socket.getaddrinfo
            real_connect = socket.socket.connect
            real_connect_ex = socket.socket.connect_ex
            self._saved = (real_getaddrinfo, real_connect, real_connect_ex)
            guard = self

            def getaddrinfo(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
                name = host.decode() if isinstance(host, bytes) else host
                if name is not None and not guard._target_allowed(str(name)):
                    raise guard._refuse(name, port)
                answers = real_getaddrinfo(host, port, *args, **kwargs)
                if name in guard.names:
                    guard.resolved.update(str(answer[4][0]) for answer in answers)
                return answers

            def check(sock: socket.socket, address: object) -> None:
                if sock.family not in (socket.AF_INET, socket.AF_INET6):
                    return  # Unix sockets (the Docker socket) stay local by nature
                host, port = address[0], address[1]  # type: ignore[index]
                if not guard._target_allowed(str(host)):
                    raise guard._refuse(host, port)

            def connect(sock, address):  # type: ignore[no-untyped-def]
                check(sock, address)
                return real_connect(sock, address)

            def connect_ex(sock, address):  # type: ignore[no-untyped-def]
                check(sock, address)
                return real_connect_ex(sock, address)

            socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
            socket.socket.connect = connect  # type: ignore[method-assign]
            socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]

    def uninstall(self) -> None:
        with self._lock:
            if self._saved is None:
                return
            socket.getaddrinfo, socket.socket.connect, socket.socket.connect_ex = self._saved  # type: ignore[misc]
            self._saved = None


def install_guard_from_environment() -> NetworkGuard | None:
    """Used by sitecustomize in child processes (the AWS CLI, the Lambda runner) the harness starts."""
    hosts = os.environ.get(ALLOWED_HOSTS_VARIABLE)
    if hosts is None:
        return None
    guard = NetworkGuard(os.environ.get("AWS_ENDPOINT_URL", "the local emulator"), tuple(hosts.split(",")))
    guard.install()
    return guard
