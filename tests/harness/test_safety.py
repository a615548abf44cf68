"""The sandbox: dummy credentials only, and no socket to anything but loopback."""

from __future__ import annotations

import os
import socket

import pytest

from harness.safety import NetworkGuard, OutboundConnectionBlocked, check_endpoint_is_local, sandbox_environment


def test_the_sandbox_clears_real_credentials_and_profiles() -> None:
    real = {
        "AWS_PROFILE": "prod",
        "AWS_ACCESS_KEY_ID": "AKIAREALKEY",
        "AWS_SECRET_ACCESS_KEY": "real-secret",
        "AWS_SESSION_TOKEN": "token",
        "AWS_ENDPOINT_URL_DYNAMODB": "https://dynamodb.us-east-1.amazonaws.com",
        "HOME": "/home/student",
    }
    env = sandbox_environment("http://127.0.0.1:5000", real)
    assert env["AWS_ACCESS_KEY_ID"] == "test" and env["AWS_SECRET_ACCESS_KEY"] == "test"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"
    assert env["AWS_MAX_ATTEMPTS"] == "1" and env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_CONFIG_FILE"] == os.devnull and env["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_DYNAMODB"):
        assert name not in env
    assert env["HOME"] == "/home/student"


def test_the_sandbox_keeps_awslocal_from_printing_its_deprecation_banner() -> None:
    env = sandbox_environment("http://127.0.0.1:5000", {"DISABLE_DEPRECATION_NOTICE": "0"})
    assert env["DISABLE_DEPRECATION_NOTICE"] == "1"


def test_a_configured_proxy_is_bypassed_for_the_emulator() -> None:
    env = sandbox_environment("http://localstack:4566", {"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "corp.example"})
    assert env["NO_PROXY"] == env["no_proxy"] == "127.0.0.1,localhost,::1,localstack,corp.example"


@pytest.mark.parametrize("endpoint", ["http://localhost:4566", "http://127.0.0.1:5000", "http://[::1]:4566", "http://localstack:4566"])
def test_local_endpoints_are_accepted(endpoint: str) -> None:
    assert check_endpoint_is_local(endpoint) == endpoint


@pytest.mark.parametrize("endpoint", ["https://dynamodb.us-east-1.amazonaws.com", "http://10.0.0.5:4566", "http://192.168.1.20:4566"])
def test_remote_endpoints_are_refused(endpoint: str) -> None:
    with pytest.raises(ValueError, match="never a real AWS account"):
        check_endpoint_is_local(endpoint)


@pytest.fixture
def guarded(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A guard installed over a connect that only records: if the guard let a call through, no packet leaves."""
    attempts: list[object] = []

    def recording_connect(sock: socket.socket, address: object) -> None:
        attempts.append(address)
        raise ConnectionRefusedError("recorded, not sent")

    monkeypatch.setattr(socket.socket, "connect", recording_connect)
    guard = NetworkGuard("http://127.0.0.1:5000")
    guard.install()
    try:
        yield attempts
    finally:
        guard.uninstall()


def test_the_guard_refuses_a_non_loopback_address_before_any_packet(guarded: list) -> None:
    with socket.socket() as sock, pytest.raises(OutboundConnectionBlocked, match="blocked a connection to 192.0.2.10:443"):
        sock.connect(("192.0.2.10", 443))
    assert guarded == []


def test_the_guard_refuses_a_name_lookup_for_a_remote_host() -> None:
    guard = NetworkGuard("http://127.0.0.1:5000")
    guard.install()
    try:
        with pytest.raises(OutboundConnectionBlocked, match="sts.amazonaws.com:443"):
            socket.getaddrinfo("sts.amazonaws.com", 443)
    finally:
        guard.uninstall()


def test_the_guard_lets_loopback_through(guarded: list) -> None:
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("127.0.0.1", 9))
    assert guarded == [("127.0.0.1", 9)]


def test_uninstalling_the_guard_restores_the_socket_module() -> None:
    before = (socket.getaddrinfo, socket.socket.connect)
    guard = NetworkGuard("http://127.0.0.1:5000")
    guard.install()
    guard.uninstall()
    assert (socket.getaddrinfo, socket.socket.connect) == before
