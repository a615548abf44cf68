"""Backend choice, LocalStack endpoint and health check: everything about LocalStack that runs without Docker."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from support import free_port

from harness.backends import LOCALSTACK_NOT_RUNNING, BackendUnavailable, LocalStack, localstack_endpoint
from harness.safety import UnsafeEndpointError
from harness.settings import BACKGROUND_PORT, SettingError, resolve_backend, resolve_background_port


def write_pyproject(root: Path, backend: str) -> None:
    (root / "pyproject.toml").write_text(f'[tool.course]\nbackend = "{backend}"\n')


def test_the_command_line_beats_the_environment_which_beats_pyproject(tmp_path: Path) -> None:
    write_pyproject(tmp_path, "localstack")
    env = {"COURSE_BACKEND": "moto"}
    assert resolve_backend("localstack", root=tmp_path, environ=env).source == "command line"
    assert resolve_backend(None, root=tmp_path, environ=env).value == "moto"
    assert resolve_backend(None, root=tmp_path, environ=env).source == "environment variable COURSE_BACKEND"
    assert resolve_backend(None, root=tmp_path, environ={}).value == "localstack"
    assert resolve_backend(None, root=tmp_path, environ={}).source == "pyproject.toml [tool.course]"


def test_without_any_setting_the_embedded_backend_is_the_default(tmp_path: Path) -> None:
    setting = resolve_backend(None, root=tmp_path, environ={})
    assert (setting.value, setting.source) == ("moto", "default")


def test_an_unknown_backend_says_where_the_bad_value_came_from(tmp_path: Path) -> None:
    with pytest.raises(SettingError, match=r"Unknown backend 'docker' \(from environment variable COURSE_BACKEND\)"):
        resolve_backend(None, root=tmp_path, environ={"COURSE_BACKEND": "docker"})


@pytest.mark.parametrize(
    ("environ", "endpoint"),
    [
        ({}, "http://localhost:4566"),
        ({"LOCALSTACK_HOST": "localhost.localstack.cloud:4510"}, "http://localhost.localstack.cloud:4510"),
        ({"LOCALSTACK_HOST": "127.0.0.1"}, "http://127.0.0.1:4566"),
        ({"AWS_ENDPOINT_URL": "http://localstack:4566/", "LOCALSTACK_HOST": "x:1"}, "http://localstack:4566"),
    ],
)
def test_the_localstack_endpoint_comes_from_aws_endpoint_url_then_localstack_host(environ: dict, endpoint: str) -> None:
    assert localstack_endpoint(environ)[0] == endpoint


def test_the_compose_service_host_is_accepted_but_a_remote_host_is_not() -> None:
    assert LocalStack.from_environment({"AWS_ENDPOINT_URL": "http://localstack:4566"}).endpoint == "http://localstack:4566"
    with pytest.raises(UnsafeEndpointError, match="never a real AWS account"):
        LocalStack.from_environment({"AWS_ENDPOINT_URL": "https://sqs.eu-west-1.amazonaws.com"})


def test_a_localstack_that_is_not_running_gets_a_message_with_the_fix() -> None:
    backend = LocalStack(f"http://127.0.0.1:{free_port()}", health_timeout=1.0)
    with pytest.raises(BackendUnavailable) as raised:
        backend.start()
    message = str(raised.value)
    assert message.startswith(LOCALSTACK_NOT_RUNNING.split("{", 1)[0])
    assert "docker compose up -d --wait localstack" in message and "LOCALSTACK_AUTH_TOKEN" in message
    assert "course grade --backend moto" in message


class FakeLocalStack(BaseHTTPRequestHandler):
    """Answers LocalStack's health and state-reset endpoints only, counting resets."""

    resets = 0

    def do_GET(self) -> None:  # noqa: N802
        body = json.dumps({"services": {"dynamodb": "running"}, "edition": "community"}).encode()
        # The reset route, where it exists, answers GET 405: the harness asks so, without resetting.
        status = {"/_localstack/health": 200, "/_localstack/state/reset": 405}.get(self.path, 404)
        self.send_response(status)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802
        if self.path == "/_localstack/state/reset":
            type(self).resets += 1
        self.send_response(200 if self.path == "/_localstack/state/reset" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_localstack():  # type: ignore[no-untyped-def]
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeLocalStack)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeLocalStack.resets = 0
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_a_running_localstack_passes_the_health_check_and_resets_between_checks(fake_localstack: str) -> None:
    backend = LocalStack(fake_localstack)
    backend.start()
    backend.reset()
    backend.reset()
    assert FakeLocalStack.resets == 2


def test_grading_on_localstack_reports_what_it_cannot_grade(pytester: pytest.Pytester, fake_localstack: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makefile(".toml", course='[course]\nname = "T"\n\n[[exercise]]\nid = "ex1"\ntitle = "One"\nweek = 0\nfolder = "ex1"\npoints = 2\ndomain = 1\n')
    (pytester.path / "ex1").mkdir()
    (pytester.path / "ex1" / "test_ex1.py").write_text(
        "import pytest\n\n"
        "from harness.backends import XRAY_TRACES\n\n"
        "@pytest.mark.points(1, hint='n/a')\n"
        "@pytest.mark.needs(XRAY_TRACES)\n"
        "def test_reads_traces(backend):\n    assert False, 'never run on LocalStack'\n\n"
        "@pytest.mark.points(1, hint='n/a')\n"
        "def test_sees_the_endpoint(backend, aws_calls):\n    assert backend.name == 'localstack' and aws_calls.calls == []\n"
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL", fake_localstack)
    result = pytester.runpytest_subprocess("-p", "harness.plugin", "--course-root", str(pytester.path), "--backend", "localstack")
    result.stdout.fnmatch_lines([f"course backend: localstack ({fake_localstack}); chosen by command line"])
    report = json.loads((pytester.path / "reports" / "grade-report.json").read_text())
    outcomes = {c["id"]: c["outcome"] for c in report["exercises"][0]["checks"]}
    assert outcomes == {"test_reads_traces": "not_graded", "test_sees_the_endpoint": "passed"}
    assert (report["totals"]["points"], report["totals"]["max"]) == (1, 1)
    assert FakeLocalStack.resets == 1  # only before the check that runs: the one it cannot grade needs none


def test_the_embedded_backend_fails_fast_when_its_port_is_taken() -> None:
    from harness.backends import EmbeddedMoto

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(BackendUnavailable, match=f"Port {taken.getsockname()[1]} on 127.0.0.1 is in use"):
            EmbeddedMoto(port=taken.getsockname()[1]).start()


def test_the_embedded_backend_starts_answers_and_stops() -> None:
    import urllib.request

    from harness.backends import EmbeddedMoto

    backend = EmbeddedMoto()
    backend.start()
    try:
        assert backend.endpoint.startswith("http://127.0.0.1:")
        config = json.loads(urllib.request.urlopen(f"{backend.endpoint}/moto-api/config", timeout=5).read())
        assert config["lambda"]["use_docker"] is False
    finally:
        backend.stop()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{backend.endpoint}/moto-api/config", timeout=2)


def test_the_background_port_comes_from_the_option_then_the_environment_then_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.course]\nbackend_port = 4600\n")
    env = {"COURSE_BACKEND_PORT": "4700"}
    assert resolve_background_port(4800, root=tmp_path, environ=env).value == 4800
    assert resolve_background_port(None, root=tmp_path, environ=env).value == 4700
    assert resolve_background_port(None, root=tmp_path, environ={}).value == 4600
    assert resolve_background_port(None, root=tmp_path / "elsewhere", environ={}).value == BACKGROUND_PORT


@pytest.mark.parametrize("value", ["0", "65536", "http://127.0.0.1:4566", "-1"])
def test_a_bad_background_port_says_where_it_came_from(tmp_path: Path, value: str) -> None:
    with pytest.raises(SettingError, match=r"\(from environment variable COURSE_BACKEND_PORT\) is not a port number"):
        resolve_background_port(None, root=tmp_path, environ={"COURSE_BACKEND_PORT": value})


def test_region_lists_come_from_one_shared_session_with_botocore_s_answers() -> None:
    """The embedded backend's start has moto's own Session answer every Session's partitions and regions (a
    new Session would load botocore's endpoint data again); the answers are botocore's own."""
    from botocore.session import Session

    from harness.backends import _share_region_lists

    _share_region_lists()
    shared = Session.get_available_regions
    for partition in ("aws", "aws-us-gov", "aws-cn"):
        assert shared(Session(), "ec2", partition) == shared.__wrapped__(Session(), "ec2", partition)
    assert "us-east-1" in shared(Session(), "ec2") and len(shared.shared_session) == 1
    from moto.core.base_backend import AccountSpecificBackend

    assert shared.shared_session[0] is AccountSpecificBackend.get_session()._session  # moto's, not one more
    partitions = Session.get_available_partitions
    assert partitions(Session()) == partitions.__wrapped__(Session()) and "aws" in partitions(Session())
    _share_region_lists()  # idempotent: the backend starts once per grading run, `course backend up` too
    assert Session.get_available_regions is shared


def test_the_endpoint_prefixes_named_for_region_lists_are_botocore_s_and_give_its_answers() -> None:
    from botocore.session import Session

    from harness.backends import ENDPOINT_PREFIXES, _share_region_lists

    session = Session()
    for service, prefix in ENDPOINT_PREFIXES.items():
        assert session.get_service_model(service).endpoint_prefix == prefix, service
    _share_region_lists()
    own = Session.get_available_regions.__wrapped__
    for service in (*ENDPOINT_PREFIXES, "apigatewayv2", "no-such-service"):  # the last two: looked up in the models
        for partition in ("aws", "aws-us-gov", "aws-cn"):
            for non_regional in (False, True):
                expected = own(Session(), service, partition, non_regional)
                assert Session.get_available_regions(Session(), service, partition, non_regional) == expected, service
    assert "us-east-1" in Session.get_available_regions(Session(), "cloudwatch")  # "monitoring" in botocore's data
