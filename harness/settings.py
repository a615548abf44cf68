"""Every setting the harness reads, and the one order it reads them in.

A setting is looked up on the command line, then in an environment variable, then under
``[tool.course]`` in pyproject.toml, then falls back to its default. The place a value came from
travels with it, so a bad value can say where to fix it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

# Environment variables the harness reads.
ENV_BACKEND = "COURSE_BACKEND"
ENV_ENDPOINT = "AWS_ENDPOINT_URL"
ENV_LOCALSTACK_HOST = "LOCALSTACK_HOST"
ENV_LOCALSTACK_TOKEN = "LOCALSTACK_AUTH_TOKEN"
ENV_CHECK_TIMEOUT = "COURSE_CHECK_TIMEOUT"
ENV_CI = "COURSE_CI"  # "github": also write the job summary, annotations and step outputs
ENV_FAIL_UNDER = "COURSE_FAIL_UNDER"
ENV_STRICT_INTEGRITY = "COURSE_STRICT_INTEGRITY"
ENV_BACKGROUND_PORT = "COURSE_BACKEND_PORT"  # `course backend up` without --port
ENV_SAM_CLI_HOME = "COURSE_SAM_CLI_HOME"  # where `course sam-cli install` puts SAM CLI (default .course/tools/)
# Set, not read, by the harness: awslocal prints a 14-line deprecation banner on every command unless it is "1".
ENV_AWSLOCAL_NO_BANNER = "DISABLE_DEPRECATION_NOTICE"

BACKENDS = ("moto", "localstack", "ministack")
DEFAULT_BACKEND = "moto"
DEFAULT_LOCALSTACK_ENDPOINT = "http://localhost:4566"
# The compose service name: the one non-loopback host an endpoint may name (CI service containers).
COMPOSE_SERVICE_HOST = "localstack"
DEFAULT_CHECK_TIMEOUT = 30.0
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # the account both emulators answer as by default
DUMMY_ACCESS_KEY = "test"
DUMMY_SECRET_KEY = "test"

# Embedded server for `course backend up`: the port LocalStack uses, so docs read the same for both.
BACKGROUND_PORT = 4566

REPO_ROOT = Path(__file__).resolve().parent.parent
# On PYTHONPATH of every Python program student code starts: its sitecustomize installs the network guard.
SITECUSTOM_DIR = Path(__file__).resolve().parent / "sitecustom"
MANIFEST_FILE = "course.toml"
DEFAULT_REPORT_DIR = "reports"
REPORT_JSON = "grade-report.json"
REPORT_MARKDOWN = "grade-summary.md"
REPORT_JUNIT = "grade-junit.xml"  # written on CI only (--ci)
CI_SYSTEMS = ("github",)


class SettingError(ValueError):
    """A setting has a value the harness cannot use; the message names its source."""


@dataclass(frozen=True)
class Setting:
    value: Any
    source: str  # "command line", "environment variable X", "pyproject.toml [tool.course]", "default"


def pyproject_course_table(root: Path = REPO_ROOT) -> dict[str, Any]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return dict(data.get("tool", {}).get("course", {}))


def resolve(
    name: str,
    *,
    cli_value: Any,
    env_var: str | None,
    default: Any,
    root: Path = REPO_ROOT,
    environ: dict[str, str] | None = None,
) -> Setting:
    """Look a setting up: command line, then environment, then pyproject, then default."""
    environ = os.environ if environ is None else environ
    if cli_value not in (None, ""):
        return Setting(cli_value, "command line")
    if env_var and environ.get(env_var):
        return Setting(environ[env_var], f"environment variable {env_var}")
    table = pyproject_course_table(root)
    if name in table:
        return Setting(table[name], "pyproject.toml [tool.course]")
    return Setting(default, "default")


def resolve_backend(cli_value: str | None, root: Path = REPO_ROOT, environ: dict[str, str] | None = None) -> Setting:
    setting = resolve("backend", cli_value=cli_value, env_var=ENV_BACKEND, default=DEFAULT_BACKEND, root=root, environ=environ)
    value = str(setting.value).strip().lower()
    if value not in BACKENDS:
        raise SettingError(
            f"Unknown backend {setting.value!r} (from {setting.source}); choose one of: {', '.join(BACKENDS)}."
        )
    return Setting(value, setting.source)


def resolve_background_port(
    cli_value: int | None, root: Path = REPO_ROOT, environ: dict[str, str] | None = None
) -> Setting:
    """The port `course backend up` listens on: --port, then COURSE_BACKEND_PORT, then [tool.course] backend_port."""
    setting = resolve(
        "backend_port", cli_value=cli_value, env_var=ENV_BACKGROUND_PORT, default=BACKGROUND_PORT, root=root, environ=environ
    )
    text = str(setting.value).strip()
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise SettingError(f"port {setting.value!r} (from {setting.source}) is not a port number (1-65535).")
    return Setting(int(text), setting.source)


def resolve_report_dir(cli_value: str | None, root: Path = REPO_ROOT) -> Path:
    """Where grade reports go: --report-dir, then [tool.course] report_dir, then reports/ under root."""
    setting = resolve("report_dir", cli_value=cli_value, env_var=None, default=DEFAULT_REPORT_DIR, root=root)
    directory = Path(str(setting.value))
    return directory if directory.is_absolute() else root / directory


def resolve_check_timeout(cli_value: float | None, root: Path = REPO_ROOT, environ: dict[str, str] | None = None) -> Setting:
    setting = resolve(
        "check_timeout", cli_value=cli_value, env_var=ENV_CHECK_TIMEOUT, default=DEFAULT_CHECK_TIMEOUT, root=root, environ=environ
    )
    try:
        seconds = float(setting.value)
    except (TypeError, ValueError):
        raise SettingError(f"check timeout {setting.value!r} (from {setting.source}) is not a number of seconds.") from None
    if seconds <= 0:
        raise SettingError(f"check timeout {seconds} (from {setting.source}) must be positive.")
    return Setting(seconds, setting.source)


def resolve_ci(cli_value: str | None, root: Path = REPO_ROOT, environ: dict[str, str] | None = None) -> Setting:
    """Which CI the run reports to ("github"), or None for a plain run."""
    setting = resolve("ci", cli_value=cli_value, env_var=ENV_CI, default=None, root=root, environ=environ)
    if setting.value is None:
        return setting
    value = str(setting.value).strip().lower()
    if value not in CI_SYSTEMS:
        raise SettingError(f"Unknown CI {setting.value!r} (from {setting.source}); choose one of: {', '.join(CI_SYSTEMS)}.")
    return Setting(value, setting.source)


def resolve_fail_under(cli_value: float | None, root: Path = REPO_ROOT, environ: dict[str, str] | None = None) -> Setting:
    """The percentage below which `course grade` exits 1 (None: no gate, the default)."""
    setting = resolve("fail_under", cli_value=cli_value, env_var=ENV_FAIL_UNDER, default=None, root=root, environ=environ)
    if setting.value is None:
        return setting
    try:
        value = float(setting.value)
    except (TypeError, ValueError):
        raise SettingError(f"fail-under {setting.value!r} (from {setting.source}) is not a number.") from None
    if not 0 <= value <= 100:
        raise SettingError(f"fail-under {value:g} (from {setting.source}) is not a percentage between 0 and 100.")
    return Setting(value, setting.source)


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off", "")


def resolve_strict_integrity(cli_value: bool | None, root: Path = REPO_ROOT, environ: dict[str, str] | None = None) -> Setting:
    """Whether changed grading files fail the run (exit 3) instead of only being reported."""
    setting = resolve(
        "strict_integrity", cli_value=True if cli_value else None, env_var=ENV_STRICT_INTEGRITY, default=False,
        root=root, environ=environ,
    )
    if isinstance(setting.value, bool):
        return setting
    word = str(setting.value).strip().lower()
    if word not in TRUE_WORDS + FALSE_WORDS:
        raise SettingError(f"strict integrity {setting.value!r} (from {setting.source}) is not true or false.")
    return Setting(word in TRUE_WORDS, setting.source)

# Instructor tools (course gradebook / regrade): the GitHub REST API and where cohort results go.
ENV_GITHUB_TOKEN = "GITHUB_TOKEN"
ENV_GITHUB_API_URL = "GITHUB_API_URL"  # set by GitHub Actions; tests point it at a local server
DEFAULT_GITHUB_API_URL = "https://api.github.com"
DEFAULT_GRADING_WORKFLOW = "grade.yml"  # the workflow file whose runs carry the grade-report artifact
GRADE_ARTIFACT = "grade-report"
DEFAULT_MAX_WAIT = 300.0  # seconds: the longest wait for GitHub's rate limit to reset
DEFAULT_REGRADE_TIMEOUT = 900.0  # seconds: one student's whole regrade (each check has its own timeout too)
DEFAULT_GRADEBOOK_DIR = "gradebook"
GRADEBOOK_CSV = "gradebook.csv"
GRADEBOOK_HTML = "gradebook.html"
