"""LocalStack's community runtime as a host process, no Docker: for the backend-agreement test's LocalStack
column (tests/backend_agreement.py), not for students (they use the Docker image, docker-compose.yml).

`localstack-core` stopped at 2026.3.0 on PyPI; it needs Python 3.13 (3.12 fails at import) and pins a
boto3 of its own, so it gets a venv of its own under the course's state folder, made as MiniStack's is
(harness/ministack_env.py). It runs with the settings that keep it on this machine (BACKEND_NOTES):
the gateway on 127.0.0.1 through hypercorn (its default server binds 0.0.0.0 whatever it is told), no
certificate download, no DNS server, no analytics events, and neither DynamoDB (it would download a JDK)
nor Lambda (it needs Docker) among its services: the harness's probe then declares checks that need
them "not graded on this backend". Like MiniStack, it ends with the process that started it.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .ministack import free_port
from .ministack_env import install_venv, is_installed, python_of
from .settings import REPO_ROOT

VERSION = "2026.3.0"  # the last on PyPI
PACKAGES = (
    f"localstack-core[runtime]=={VERSION}",
    # What 2026.3.0's loose requirements resolve to without breaking at import (measured, Dec 2026).
    "cbor2==5.9.0",
    "pyopenssl==25.3.0",
    "cryptography==46.0.7",
    "service-identity==24.2.0",
)
PYTHON = (3, 13)
ENV_PYTHON = "COURSE_LOCALSTACK_PYTHON"  # a Python 3.13 to build the venv from, if not found on its own
ENV_HOME = "COURSE_LOCALSTACK_HOME"  # where the environments live, instead of <course>/.course/localstack
STATE_SUBDIR = Path(".course") / "localstack"
# The course's services without the two that cannot run here (see the module's docstring).
# What keeps LocalStack from calling out, in Docker too (docker-compose.yml carries them; a test compares):
# no certificate download at start, no analytics events.
LOCAL_ONLY = {"SKIP_SSL_CERT_DOWNLOAD": "1", "DISABLE_EVENTS": "1"}
SERVICES = "sqs,sns,iam,sts,kms,logs,cloudwatch,apigateway,cloudformation,ssm,secretsmanager,s3"
START_TIMEOUT = 180.0  # ready in 4-9 s on a quiet machine; a loaded one, or the first start, takes longer
STOP_TIMEOUT = 20.0  # SIGTERM sometimes needs that long (then SIGKILL)
LOG_FILE = "localstack.log"
HEALTH_PATH = "/_localstack/health"
# Run by LocalStack's own Python: end with the parent (stdin closes), then LocalStack's runtime.
LAUNCHER = """
import os, runpy, signal, sys, threading
def _end_with_parent():
    sys.stdin.buffer.read()
    os.killpg(0, signal.SIGKILL)
threading.Thread(target=_end_with_parent, daemon=True).start()
runpy.run_module("localstack.runtime.main", run_name="__main__", alter_sys=True)
"""
NO_PYTHON = (
    "LocalStack's community runtime needs Python {version}; none was found (looked for python{version} on PATH "
    "and under pyenv). Install one, or name it in {env}."
)
INSTALLING = "Installing LocalStack {version} (community runtime) into {path} (first use only, about 1-4 min) ..."
INSTALL_FAILED = "Installing LocalStack {version} failed ({why}); the end of {log}:\n{tail}"
LOCK_TIMEOUT = "Another process has been installing LocalStack into {path} for over {seconds:g} s; is one stuck?"
NOT_STARTED = "LocalStack did not start{why}. Its log ({log}) ends with:\n{tail}"


def _is_python(candidate: str) -> bool:
    """The pyenv shim for python3.13 may refuse to run (no local version set): ask the interpreter itself."""
    try:
        done = subprocess.run(
            [candidate, "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.split() == [str(part) for part in PYTHON]


def find_python(environ: dict[str, str] | None = None) -> str | None:
    environ = os.environ if environ is None else environ
    name = "python{}.{}".format(*PYTHON)
    pyenv_root = environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    candidates = [environ.get(ENV_PYTHON, ""), *sorted(glob.glob(f"{pyenv_root}/versions/{name[6:]}*/bin/{name}"), reverse=True)]
    candidates += [shutil.which(name) or "", f"/usr/bin/{name}", f"/usr/local/bin/{name}"]
    return next((candidate for candidate in candidates if candidate and _is_python(candidate)), None)


def environment_dir(root: Path = REPO_ROOT, environ: dict[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    home = Path(environ[ENV_HOME]) if environ.get(ENV_HOME) else root / STATE_SUBDIR
    key = hashlib.sha256("\n".join((*PACKAGES, "{}.{}".format(*PYTHON))).encode()).hexdigest()[:10]
    return home / f"{VERSION}-py{PYTHON[0]}{PYTHON[1]}-{key}"


def ensure_installed(environment: Path | None = None, *, announce: object = None) -> Path:
    """LocalStack's venv, made on first use; its Python. RuntimeError when there is no Python 3.13 or pip fails."""
    environment = environment or environment_dir()
    if is_installed(environment):
        return python_of(environment)
    python = find_python()
    if python is None:
        raise RuntimeError(NO_PYTHON.format(version="{}.{}".format(*PYTHON), env=ENV_PYTHON))
    return install_venv(
        environment, PACKAGES, python, announce=announce,
        installing=INSTALLING.format(version=VERSION, path=environment),
        failed=lambda why, log, tail: INSTALL_FAILED.format(version=VERSION, why=why, log=log, tail=tail),
        locked=lambda path, seconds: LOCK_TIMEOUT.format(path=path, seconds=seconds),
    )


def process_environment(port: int, scratch: Path) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env.update(
        {
            "OVERRIDE_IN_DOCKER": "0",
            "GATEWAY_LISTEN": f"127.0.0.1:{port}",
            "GATEWAY_SERVER": "hypercorn",
            # The URLs it hands out (queue URLs, API stages) name this address, never a public DNS name.
            "LOCALSTACK_HOST": f"127.0.0.1:{port}",
            "SQS_ENDPOINT_STRATEGY": "path",
            **LOCAL_ONLY,
            "DNS_ADDRESS": "0",  # its DNS server forwards what it does not know to this machine's resolvers
            "SERVICES": SERVICES,
            "FILESYSTEM_ROOT": str(scratch / "fs"),
            "TMPDIR": str(scratch),
            "AWS_EC2_METADATA_DISABLED": "true",
            "NO_PROXY": "127.0.0.1,localhost,::1",
            "no_proxy": "127.0.0.1,localhost,::1",
        }
    )
    return env


def _answers(url: str) -> bool:
    from .backends import _direct

    try:
        with _direct.open(url, timeout=2) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


@dataclass
class LocalStackHost:
    """LocalStack's runtime on 127.0.0.1:port; grade on it with `--backend localstack` and AWS_ENDPOINT_URL=endpoint."""

    port: int = 0
    environment: Path | None = None
    endpoint: str = ""
    ready_seconds: float = 0.0
    _process: subprocess.Popen[bytes] | None = None
    _scratch: tempfile.TemporaryDirectory[str] | None = None

    def start(self) -> str:
        python = ensure_installed(self.environment)
        self.port = self.port or free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._scratch = tempfile.TemporaryDirectory(prefix="localstack-")
        scratch = Path(self._scratch.name)
        started = time.monotonic()
        with (scratch / LOG_FILE).open("wb") as log:
            self._process = subprocess.Popen(
                [str(python), "-c", LAUNCHER],
                stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, cwd=scratch,
                env=process_environment(self.port, scratch), start_new_session=True,
            )
        deadline = started + START_TIMEOUT
        while time.monotonic() < deadline:
            if _answers(f"{self.endpoint}{HEALTH_PATH}") and "Ready." in self.log():
                self.ready_seconds = round(time.monotonic() - started, 1)
                return self.endpoint
            if self._process.poll() is not None:
                self._fail(f" (exit code {self._process.returncode})")
            time.sleep(0.2)
        self._fail(f" within {START_TIMEOUT:g} s")
        return self.endpoint  # not reached: _fail raises

    def log(self) -> str:
        if self._scratch is None:
            return ""
        try:
            return (Path(self._scratch.name) / LOG_FILE).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def _fail(self, why: str) -> None:
        tail = "\n".join(self.log().strip().splitlines()[-15:]) or "(empty log)"
        self.stop()
        raise RuntimeError(NOT_STARTED.format(why=why, log=LOG_FILE, tail=tail))

    @property
    def pid(self) -> int | None:
        """Its process, the leader of its process group (scripts/bench.py sums that group's CPU time)."""
        return self._process.pid if self._process else None

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            try:
                if process.stdin:
                    process.stdin.close()  # the launcher then kills its group
                process.wait(timeout=STOP_TIMEOUT)
            except (OSError, subprocess.TimeoutExpired):
                pass
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            if process.poll() is None:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
