"""docker-compose.yml: the LocalStack backend the graders and the docs expect.

`docker compose config` is not run: this machine has no Docker. The file is checked against the Compose
specification's JSON schema instead (compose_spec.json beside this file: `compose/config/compose_spec.json`
from the docker-compose 1.29.2 wheel, Apache License 2.0), and its settings against what is known.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft201909Validator
from support import REPO

from harness.localstack_host import LOCAL_ONLY
from harness.settings import BACKGROUND_PORT, COMPOSE_SERVICE_HOST, ENV_LOCALSTACK_TOKEN

COMPOSE_FILE = REPO / "docker-compose.yml"
COMPOSE_SCHEMA = Path(__file__).with_name("compose_spec.json")
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}; $$ is a literal dollar.
INTERPOLATION = re.compile(r"\$\$|\$\{[A-Za-z_][A-Za-z0-9_]*(?:(?::?-|:?\?)[^}]*)?\}|\$[A-Za-z_][A-Za-z0-9_]*")
DOCS_WITH_COMPOSE = ("README.md", "docs/week0.md", "docker-compose.yml")
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


def test_the_file_follows_the_compose_specification() -> None:
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    compose = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    validator = Draft201909Validator(schema)  # the draft its $schema names (spelt as jsonschema does not know it)
    errors = [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(compose)]
    assert not errors, "\n".join(errors)


def test_the_schema_catches_a_mistake() -> None:
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    compose = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    compose["services"][COMPOSE_SERVICE_HOST]["healthcheck"]["retrys"] = 3  # a misspelt key
    assert not Draft201909Validator(schema).is_valid(compose)


def test_every_environment_value_is_a_string_and_every_interpolation_is_well_formed(localstack: dict[str, Any]) -> None:
    """Compose rejects booleans there, and YAML turns an unquoted 1 or true into one."""
    assert all(isinstance(value, str) for value in localstack["environment"].values()), localstack["environment"]
    text = "\n".join(line for line in COMPOSE_FILE.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#"))
    dollars = [match.start() for match in re.finditer(r"\$", text)]
    covered = {position for match in INTERPOLATION.finditer(text) for position in range(match.start(), match.end())}
    assert all(position in covered for position in dollars), "a $ that Compose cannot interpolate"


def test_it_carries_the_settings_that_keep_localstack_from_calling_out(localstack: dict[str, Any]) -> None:
    """The same as the host-process runtime's (harness/localstack_host.py), bar its DNS server (kept on in Docker)."""
    environment = localstack["environment"]
    assert {key: environment.get(key) for key in LOCAL_ONLY} == LOCAL_ONLY
    assert environment["LOCALSTACK_HOST"] == f"localhost:{BACKGROUND_PORT}"


def test_the_docs_start_it_and_wait_for_its_healthcheck() -> None:
    """`up -d` alone returns before LocalStack answers, and the first grade would find nothing there."""
    for name in DOCS_WITH_COMPOSE:
        text = (REPO / name).read_text(encoding="utf-8")
        starts = re.findall(r"docker compose up[^\n`]*", text)
        assert starts, f"{name} no longer shows how to start LocalStack"
        assert all("--wait" in start for start in starts), (name, starts)


def test_the_docs_say_the_image_needs_a_token_since_march_2026() -> None:
    for name in DOCS_WITH_COMPOSE:
        text = " ".join((REPO / name).read_text(encoding="utf-8").split())
        assert ENV_LOCALSTACK_TOKEN in text and "23 March 2026" in text, name
