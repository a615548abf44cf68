"""docker-compose.yml: the LocalStack backend the graders and the docs expect.

`docker compose config` is not run: this machine's Docker client has no Compose plugin.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from support import REPO

from harness.settings import BACKGROUND_PORT, COMPOSE_SERVICE_HOST, ENV_LOCALSTACK_TOKEN

COMPOSE_FILE = REPO / "docker-compose.yml"
COURSE_SERVICES = {
    "lambda",
    "apigateway",
    "dynamodb",
    "sns",
    "sqs",
    "iam",
    "cloudwatch",
    "logs",
    "secretsmanager",
    "cloudformation",
    "sts",
    "ssm",
    "kms",
}


@pytest.fixture(scope="module")
def localstack() -> dict[str, Any]:
    compose = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return compose["services"][COMPOSE_SERVICE_HOST]


def test_the_service_is_named_as_the_harness_expects(localstack: dict[str, Any]) -> None:
    assert localstack["image"].startswith("localstack/localstack:")


def test_the_image_is_pinned_to_a_version_not_latest(localstack: dict[str, Any]) -> None:
    tag = localstack["image"].rsplit(":", 1)[1]
    assert tag not in ("latest", "stable", "") and tag[0].isdigit(), tag


def test_exactly_the_course_services_are_enabled(localstack: dict[str, Any]) -> None:
    assert set(localstack["environment"]["SERVICES"].split(",")) == COURSE_SERVICES


def test_the_port_is_published_on_loopback_only(localstack: dict[str, Any]) -> None:
    assert localstack["ports"] == [f"127.0.0.1:{BACKGROUND_PORT}:4566"]


def test_the_auth_token_is_passed_through_from_the_environment(localstack: dict[str, Any]) -> None:
    assert localstack["environment"][ENV_LOCALSTACK_TOKEN] == "${LOCALSTACK_AUTH_TOKEN:-}"


def test_no_secret_is_written_into_the_file() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert "ls-" not in text.lower() and "AWS_SECRET_ACCESS_KEY" not in text


def test_the_docker_socket_is_mounted_for_lambda(localstack: dict[str, Any]) -> None:
    assert "/var/run/docker.sock:/var/run/docker.sock" in localstack["volumes"]
    assert localstack["environment"]["DOCKER_HOST"] == "unix:///var/run/docker.sock"


def test_the_healthcheck_asks_localstack_its_health(localstack: dict[str, Any]) -> None:
    check = localstack["healthcheck"]
    assert check["test"][:2] == ["CMD", "curl"] and "--fail" in check["test"]
    assert check["test"][-1] == "http://localhost:4566/_localstack/health"
    assert check["retries"] >= 10
