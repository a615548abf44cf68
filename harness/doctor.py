"""`course doctor`: is this machine ready for the course? Each finding says what is wrong and how to fix it.

Only a PROBLEM (something grading on the embedded backend needs) fails the command; Docker and LocalStack
are optional, so what is missing there is a NOTE.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from .settings import ENV_ENDPOINT, ENV_LOCALSTACK_TOKEN, REPO_ROOT
from .terminal_env import EVAL_COMMAND, START_AND_POINT

OK, NOTE, PROBLEM = "ok", "note", "problem"
SUPPORTED_PYTHON = ((3, 10), (3, 13))
# distribution name -> module to import
REQUIRED_PACKAGES = {
    "boto3": "boto3",
    "botocore": "botocore",
    "moto": "moto",
    "pytest": "pytest",
    "awscli": "awscli",
    "rich": "rich",
    "requests": "requests",
}
COMMAND_TIMEOUT = 5.0
INSTALL_FIX = (
    "Install the course's packages into its virtual environment: `python -m pip install -e .` in the course folder."
)
VENV_FIX = (
    "Activate the course's virtual environment (for example `source .venv/bin/activate`), "
    "so the documented commands use it."
)
DOCKER_ONLY_FOR_LOCALSTACK = (
    "Only the LocalStack backend needs Docker; grading on the embedded backend (the default) does not."
)
DOCKER_ENGINE_FIX = (
    "Start Docker Desktop, or on Linux `sudo systemctl start docker` "
    "(and `sudo usermod -aG docker $USER`, then log in again). " + DOCKER_ONLY_FOR_LOCALSTACK
)
TOKEN_MISSING = (
    f"{ENV_LOCALSTACK_TOKEN} is not set. Since 23 March 2026 the LocalStack image needs a free account's auth token "
    "to start (without it the container exits: 'LocalStack requires an account to run'). "
    "The embedded backend needs none."
)
TOKEN_FIX = (
    "Only for the LocalStack backend: sign up for a free LocalStack account (a Student plan exists), copy your auth "
    f"token, then `export {ENV_LOCALSTACK_TOKEN}=...` before `docker compose up -d --wait localstack`."
)
CREDENTIALS_FOUND = (
    "Real AWS credentials found ({where}). The harness never uses them: while grading it replaces them with the "
    "dummy key 'test', hides your AWS config files, points every client at the local emulator and blocks "
    "connections that leave this machine."
)
CREDENTIALS_FIX = (
    f"Nothing to do for grading. Before running the docs' commands by hand, run {START_AND_POINT}, "
    "so they reach the emulator and not your account."
)
TERMINAL_NOT_POINTED = (
    f"{ENV_ENDPOINT} is not set in this terminal, so AWS commands typed here (`aws`, `awslocal`, your scripts) "
    "are not pointed at an emulator."
)
TERMINAL_NOTHING_ANSWERS = (
    f"No AWS emulator answers at {{endpoint}}, this terminal's {ENV_ENDPOINT}: `aws` and `awslocal` typed here fail "
    "with 'Could not connect to the endpoint URL'."
)
POINT_AT_RUNNING = f"Run `{EVAL_COMMAND}` in this terminal (the background emulator runs at {{endpoint}})."
START_THEN_POINT = f"Start the emulator with {START_AND_POINT} in this terminal."
READY = "Ready: grade on the embedded backend with `course grade`."
NOT_READY = "Not ready: fix the problems above, then run `course doctor` again."


@dataclass(frozen=True)
class Finding:
    level: str  # OK, NOTE or PROBLEM
    what: str
    fix: str = ""


def python_version(version: tuple[int, int, int] = sys.version_info[:3]) -> Finding:
    low, high = SUPPORTED_PYTHON
    text = f"Python {'.'.join(map(str, version))}"
    supported = f"{low[0]}.{low[1]} to {high[0]}.{high[1]}"
    if low <= version[:2] <= high:
        return Finding(OK, f"{text} (supported: {supported})")
    return Finding(
        PROBLEM,
        f"{text} is not supported (supported: {supported}).",
        f"Install Python {high[0]}.{high[1]} and recreate the course's virtual environment with it.",
    )


def packages() -> list[Finding]:
    found, findings = [], []
    for distribution, module in REQUIRED_PACKAGES.items():
        try:
            importlib.import_module(module)
            found.append(f"{distribution} {metadata.version(distribution)}")
        except Exception as error:  # a broken install raises anything, not only ImportError
            findings.append(
                Finding(
                    PROBLEM,
                    f"Package {distribution} cannot be imported ({type(error).__name__}: {error}).",
                    INSTALL_FIX,
                )
            )
    if found:
        findings.insert(0, Finding(OK, "Packages: " + ", ".join(found)))
    return findings


def embedded_backend() -> Finding:
    """Start moto on a free port, make one DynamoDB call through the grading sandbox, stop it."""
    started = time.perf_counter()
    try:
        import boto3
        from botocore.config import Config

        from .backends import EmbeddedMoto
        from .safety import NetworkGuard, sandboxed_process_environment

        backend = EmbeddedMoto(port=0)
        backend.start()
        try:
            guard = NetworkGuard(backend.endpoint)
            guard.install()
            try:
                with sandboxed_process_environment(backend.endpoint):
                    config = Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 1})
                    boto3.client("dynamodb", config=config).list_tables()
            finally:
                guard.uninstall()
        finally:
            backend.stop()
    except Exception as error:
        return Finding(
            PROBLEM, f"The embedded backend (moto) does not work: {type(error).__name__}: {error}", INSTALL_FIX
        )
    where = backend.endpoint.removeprefix("http://")
    seconds = time.perf_counter() - started
    return Finding(OK, f"Embedded backend (moto): started on {where}, DynamoDB answered, stopped ({seconds:.1f} s)")


def command_line_tools(path: str | None) -> list[Finding]:
    venv_bin = str(Path(sys.executable).parent)
    findings = []
    for name in ("aws", "awslocal"):
        on_path = shutil.which(name, path=path)
        in_venv = shutil.which(name, path=venv_bin)
        if on_path and in_venv and Path(on_path).resolve() == Path(in_venv).resolve():
            findings.append(Finding(OK, f"`{name}`: {on_path}"))
        elif on_path and in_venv:
            findings.append(
                Finding(NOTE, f"The first `{name}` on your PATH is {on_path}, not the course's {in_venv}.", VENV_FIX)
            )
        elif in_venv:
            findings.append(Finding(NOTE, f"`{name}` is not on your PATH (the course's is {in_venv}).", VENV_FIX))
        else:
            findings.append(
                Finding(PROBLEM, f"`{name}` is not installed; graders that run your scripts need it.", INSTALL_FIX)
            )
    return findings


def bash(path: str | None) -> Finding:
    found = shutil.which("bash", path=path)
    if found:
        return Finding(OK, f"bash: {found}")
    return Finding(
        PROBLEM,
        "bash was not found; graders run your deploy scripts with it.",
        "On Windows, run the course from WSL; elsewhere install bash.",
    )


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, stdin=subprocess.DEVNULL)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def docker(path: str | None) -> list[Finding]:
    client = shutil.which("docker", path=path)
    if client is None:
        return [
            Finding(
                NOTE,
                "Docker is not installed.",
                "Install Docker Desktop or Docker Engine. " + DOCKER_ONLY_FOR_LOCALSTACK,
            )
        ]
    findings = [Finding(OK, f"Docker client: {client}")]
    try:
        engine = _run([client, "info", "--format", "{{.ServerVersion}}"])
        reason = _last_line(engine.stderr or engine.stdout) if engine.returncode else ""
    except subprocess.TimeoutExpired:
        reason = f"no answer within {COMMAND_TIMEOUT:g} s"
    except OSError as error:
        reason = str(error)
    if reason:
        findings.append(Finding(NOTE, f"The Docker engine is not reachable ({reason}).", DOCKER_ENGINE_FIX))
    else:
        findings.append(Finding(OK, f"Docker engine {engine.stdout.strip()} is reachable"))
    try:
        compose = _run([client, "compose", "version", "--short"])
        compose_ok = compose.returncode == 0
    except (subprocess.TimeoutExpired, OSError):
        compose_ok = False
    if compose_ok:
        findings.append(Finding(OK, f"docker compose {compose.stdout.strip()}"))
    else:
        findings.append(
            Finding(
                NOTE,
                "`docker compose` (Compose v2) is not available.",
                "Install the Docker Compose plugin (Docker Desktop includes it). " + DOCKER_ONLY_FOR_LOCALSTACK,
            )
        )
    return findings


def localstack(environ: Mapping[str, str]) -> list[Finding]:
    from .backends import localstack_endpoint
    from .background_control import answers_as_moto, get_json
    from .doctor_backends import localstack_offer
    from .safety import UnsafeEndpointError, check_endpoint_is_local

    endpoint, source = localstack_endpoint(dict(environ))
    try:
        check_endpoint_is_local(endpoint, source)
    except UnsafeEndpointError:
        return [
            Finding(
                NOTE,
                f"{source} is {endpoint}, which is not this machine: commands you type may reach real AWS "
                "(grading ignores it and always uses the local emulator).",
                f"`unset AWS_ENDPOINT_URL`, or run {START_AND_POINT}.",
            )
        ]
    findings = []
    try:
        health = get_json(f"{endpoint}/_localstack/health", timeout=2.0)
        version = health.get("version", "?") if isinstance(health, dict) else "?"
        findings.append(Finding(OK, f"LocalStack {version} answers at {endpoint}"))
        findings += localstack_offer(endpoint)
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        if answers_as_moto(endpoint):
            findings.append(Finding(OK, f"{endpoint} is the embedded emulator (`course backend up`), not LocalStack"))
        else:
            findings.append(
                Finding(
                    NOTE,
                    f"LocalStack is not answering at {endpoint} ({reason}).",
                    "Only for `--backend localstack`: `docker compose up -d --wait localstack` (needs Docker and "
                    f"{ENV_LOCALSTACK_TOKEN}), then `course doctor` again.",
                )
            )
    if environ.get(ENV_LOCALSTACK_TOKEN):
        findings.append(Finding(OK, f"{ENV_LOCALSTACK_TOKEN} is set (docker compose passes it to LocalStack)"))
    else:
        findings.append(Finding(NOTE, TOKEN_MISSING, TOKEN_FIX))
    return findings


def running_background(course_root: Path) -> str | None:
    """The endpoint of the background emulator (`course backend up`) when it runs and answers."""
    from .background_control import answers, is_our_server, read_state, state_path

    state = read_state(state_path(course_root))
    if state is not None and is_our_server(state["pid"]) and answers(state):
        return str(state["endpoint"])
    return None


def background(endpoint: str | None) -> Finding:
    if endpoint:
        return Finding(OK, f"Background emulator for commands typed by hand: running at {endpoint}")
    return Finding(OK, "Background emulator for commands typed by hand: not running (`course backend up` starts it)")


def terminal_endpoint(environ: Mapping[str, str], background_endpoint: str | None) -> list[Finding]:
    """Whether AWS commands typed in this terminal reach an emulator, and the command that makes them."""
    from .background_control import answers_as_localstack, answers_as_ministack, answers_as_moto
    from .safety import is_local_host

    fix = POINT_AT_RUNNING.format(endpoint=background_endpoint) if background_endpoint else START_THEN_POINT
    endpoint = environ.get(ENV_ENDPOINT, "").strip().rstrip("/")
    if not endpoint:
        return [Finding(NOTE, TERMINAL_NOT_POINTED, fix)]
    if not is_local_host(urlsplit(endpoint).hostname or ""):
        return []  # localstack() says it is not this machine and how to fix that
    if answers_as_moto(endpoint):
        return [Finding(OK, f"This terminal's {ENV_ENDPOINT} is {endpoint}: the embedded emulator answers there")]
    if answers_as_ministack(endpoint):  # before LocalStack: MiniStack answers LocalStack's health route too
        return [Finding(OK, f"This terminal's {ENV_ENDPOINT} is {endpoint}: MiniStack answers there")]
    if answers_as_localstack(endpoint):
        return [Finding(OK, f"This terminal's {ENV_ENDPOINT} is {endpoint}: LocalStack answers there")]
    return [Finding(NOTE, TERMINAL_NOTHING_ANSWERS.format(endpoint=endpoint), fix)]


def credentials(environ: Mapping[str, str], home: Path) -> Finding:
    from .safety import REAL_ACCOUNT_VARIABLES

    where = [
        name for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY") if environ.get(name) not in (None, "", "test")
    ]
    where += [name for name in REAL_ACCOUNT_VARIABLES if environ.get(name) and name != "AWS_CA_BUNDLE"]
    files = {
        "AWS credentials file": environ.get("AWS_SHARED_CREDENTIALS_FILE") or str(home / ".aws" / "credentials"),
        "AWS config file": environ.get("AWS_CONFIG_FILE") or str(home / ".aws" / "config"),
    }
    for label, file in files.items():
        if file != os.devnull and Path(file).is_file():
            where.append(f"{label} {file.replace(str(home), '~', 1)}")
    if not where:
        return Finding(
            OK, "No real AWS credentials found; grading uses the dummy key 'test' and the local emulator only"
        )
    listed = ", ".join(name if " " in name else f"{name} in your environment" for name in where)
    return Finding(NOTE, CREDENTIALS_FOUND.format(where=listed), CREDENTIALS_FIX)


def run_checks(*, environ: Mapping[str, str], home: Path, course_root: Path = REPO_ROOT) -> list[Finding]:
    from .doctor_backends import ministack_backend  # they build on this module's Finding
    from .doctor_tools import sam_cli_finding

    path = environ.get("PATH")
    background_endpoint = running_background(course_root)
    return [
        python_version(),
        *packages(),
        embedded_backend(),
        *command_line_tools(path),
        bash(path),
        sam_cli_finding(path, course_root),
        *docker(path),
        *localstack(environ),
        ministack_backend(),
        background(background_endpoint),
        *terminal_endpoint(environ, background_endpoint),
        credentials(environ, home),
    ]


def render(findings: list[Finding]) -> list[str]:
    lines = []
    for finding in findings:
        lines.append(f"[{finding.level}]".ljust(10) + finding.what)
        if finding.fix:
            lines.append(" " * 10 + f"Fix: {finding.fix}")
    return lines


def doctor(*, course_root: Path = REPO_ROOT, out: TextIO) -> int:
    environ = dict(os.environ)  # a snapshot: the backend check swaps os.environ for the grading sandbox
    print("course doctor: checking this machine for the course (nothing here contacts AWS)\n", file=out)
    findings = run_checks(environ=environ, home=Path.home(), course_root=course_root)
    for line in render(findings):
        print(line, file=out)
    problems = sum(1 for f in findings if f.level == PROBLEM)
    notes = sum(1 for f in findings if f.level == NOTE)
    print("", file=out)
    print(NOT_READY if problems else READY, file=out)
    if notes:
        print(f"{notes} note(s) above: worth reading, none of them stops grading on the embedded backend.", file=out)
    return 1 if problems else 0
