"""Script replay (harness/script_replay.py): the same script from the same emulator state runs once,
later runs send its recorded requests again; anything that could change the outcome runs it for real."""

from __future__ import annotations

import json
import os
import types
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from harness import script_replay
from harness.backends import EmbeddedMoto
from harness.exercise_files import ExerciseFiles
from harness.manifest import Exercise
from harness.safety import sandboxed_process_environment

# A script whose run leaves state with a random id in it (a REST API), reads it back, and counts its
# real runs in a file outside its scratch copy.
SCRIPT = """set -euo pipefail
echo run >> "$RUNS_FILE"
api=$(awslocal apigateway create-rest-api --name replayed --query id --output text)
awslocal apigateway get-resources --rest-api-id "$api" --query 'items[0].path' --output text
awslocal sqs create-queue --queue-name replayed-queue >/dev/null
echo "made $api"
"""
EXERCISE = Exercise(id="lab9", title="Replay", week=9, folder="labs/lab9", points=1, domain=1)


@pytest.fixture(scope="module")
def backend() -> Iterator[EmbeddedMoto]:
    server = EmbeddedMoto()
    server.start()
    with sandboxed_process_environment(server.endpoint):
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def lab(tmp_path: Path, backend: EmbeddedMoto, monkeypatch: pytest.MonkeyPatch) -> ExerciseFiles:
    script_replay.forget()
    backend.reset()
    folder = tmp_path / "lab9"
    folder.mkdir()
    (folder / "deploy.sh").write_text(SCRIPT, encoding="utf-8")
    monkeypatch.setenv("RUNS_FILE", str(tmp_path / "runs"))
    monkeypatch.delenv(script_replay.ENV_NO_REPLAY, raising=False)
    return ExerciseFiles(EXERCISE, folder, backend)


def runs(lab: ExerciseFiles) -> int:
    path = lab.folder.parent / "runs"
    return len(path.read_text().splitlines()) if path.exists() else 0


def state() -> tuple[list[str], list[str]]:
    apis = sorted(api["id"] for api in boto3.client("apigateway").get_rest_apis()["items"])
    queues = sorted(boto3.client("sqs").list_queues().get("QueueUrls", []))
    return apis, queues


def test_the_same_script_from_the_same_state_is_replayed_with_the_same_result_and_state(lab: ExerciseFiles) -> None:
    first = lab.run_script("deploy.sh")
    assert first.ok, first.describe()
    logged = [(c.operation, c.client) for c in lab.backend.call_log.calls]  # type: ignore[attr-defined]
    after_first = state()
    lab.backend.reset()  # type: ignore[attr-defined]
    second = lab.run_script("deploy.sh")
    assert runs(lab) == 1  # bash ran once
    assert (second.returncode, second.stdout, second.stderr) == (first.returncode, first.stdout, first.stderr)
    assert state() == after_first  # the same API id (seeded) and queue, made by the replayed requests
    # the grader's call log reads the same: the operations, and who sent them (their client tags)
    assert [(c.operation, c.client) for c in lab.backend.call_log.calls][: len(logged)] == logged  # type: ignore[attr-defined]
    assert {"CreateRestApi", "CreateQueue"} <= {operation for operation, _ in logged}


def test_another_state_runs_the_script_for_real(lab: ExerciseFiles) -> None:
    lab.run_script("deploy.sh")
    lab.backend.reset()  # type: ignore[attr-defined]
    boto3.client("sqs").create_queue(QueueName="made-by-the-grader-first")
    lab.run_script("deploy.sh")
    assert runs(lab) == 2


def test_a_changed_file_or_environment_runs_the_script_for_real(lab: ExerciseFiles, monkeypatch: pytest.MonkeyPatch) -> None:
    lab.run_script("deploy.sh")
    lab.backend.reset()  # type: ignore[attr-defined]
    (lab.folder / "notes.txt").write_text("a new file in the folder", encoding="utf-8")
    lab.run_script("deploy.sh")
    lab.backend.reset()  # type: ignore[attr-defined]
    monkeypatch.setenv("SOMETHING_THE_SCRIPT_MAY_READ", "1")
    lab.run_script("deploy.sh")
    assert runs(lab) == 3


def test_a_grader_hook_on_the_requests_runs_the_script_for_real(lab: ExerciseFiles) -> None:
    lab.run_script("deploy.sh")
    lab.backend.reset()  # type: ignore[attr-defined]
    lab.backend.call_log.before(lambda call: call.operation == "CreateQueue", lambda call: None)  # type: ignore[attr-defined]
    lab.run_script("deploy.sh")
    assert runs(lab) == 2


def test_replay_can_be_turned_off(lab: ExerciseFiles, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(script_replay.ENV_NO_REPLAY, "1")
    lab.run_script("deploy.sh")
    lab.backend.reset()  # type: ignore[attr-defined]
    lab.run_script("deploy.sh")
    assert runs(lab) == 2


def test_the_trace_says_which_runs_were_replayed_and_what_their_keys_were_made_of(
    lab: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    trace = tmp_path / "trace.jsonl"
    monkeypatch.setenv(script_replay.ENV_TRACE, str(trace))
    for _ in range(2):
        lab.backend.reset()  # type: ignore[attr-defined]
        lab.run_script("deploy.sh")
    lines = [json.loads(line) for line in trace.read_text().splitlines()]
    assert [line["outcome"] for line in lines] == ["recorded", "replayed"]
    assert lines[0]["requests"] == lines[1]["requests"] >= 3  # create-rest-api, get-resources, create-queue
    assert lines[0]["seconds"] > lines[1]["seconds"]
    for part in ("script", "files", "state", "environment", "variables"):
        assert lines[0][part] == lines[1][part]
    assert script_replay.ENV_TRACE in lines[0]["variables"]


def spoil(recording_key: str) -> None:
    """The recording's first answer made one the emulator never gives: its replay diverges."""
    recording = script_replay._recordings[recording_key]
    changed = recording.requests[0].__class__(**{**recording.requests[0].__dict__, "status": 599})
    script_replay._recordings[recording_key] = script_replay.Recording((changed, *recording.requests[1:]), recording.result)


def test_a_replay_answered_differently_after_other_requests_is_a_harness_error_not_a_result(lab: ExerciseFiles) -> None:
    boto3.client("sqs").create_queue(QueueName="asked-first")  # the check asked something before the script
    lab.run_script("deploy.sh")
    (key, _), = script_replay._recordings.items()
    spoil(key)
    lab.backend.reset()  # type: ignore[attr-defined]
    boto3.client("sqs").create_queue(QueueName="asked-first")
    with pytest.raises(script_replay.ReplayDiverged, match="599 when the script ran"):
        lab.run_script("deploy.sh")


def test_a_replay_that_diverges_from_a_fresh_reset_is_undone_and_the_script_runs_for_real(lab: ExerciseFiles) -> None:
    first = lab.run_script("deploy.sh")
    (key, _), = script_replay._recordings.items()
    spoil(key)
    lab.backend.reset()  # type: ignore[attr-defined]
    before = runs(lab)
    again = lab.run_script("deploy.sh")
    assert runs(lab) == before + 1  # run for real, from the state the recorded run started from
    assert (again.returncode, again.stdout) == (first.returncode, first.stdout)
    assert script_replay._recordings[key].requests[0].status != 599  # the real run's recording replaces it


def test_a_reset_makes_the_same_ids_again(backend: EmbeddedMoto) -> None:
    made = []
    for _ in range(2):
        backend.reset()
        made.append(boto3.client("apigateway").create_rest_api(name="seeded")["id"])
    assert made[0] == made[1]


def test_the_reference_labs_get_the_same_report_with_and_without_replay(tmp_path: Path) -> None:
    """Every check of every lab that runs scripts, graded both ways: the same outcomes, points and messages."""
    from ci_support import clean_environment
    from ci_support import course as run_course

    reports = {}
    trace = tmp_path / "trace.jsonl"
    for replay in ("0", "1"):
        folder = tmp_path / f"no-replay-{replay}"
        done = run_course("grade", "lab1", "lab2", "lab3", "lab3b", "--solutions", "--report-dir", str(folder),
                          env=clean_environment(**{script_replay.ENV_NO_REPLAY: replay, script_replay.ENV_TRACE: str(trace)}),
                          timeout=600)
        assert done.returncode == 0, done.stdout[-3000:]
        report = json.loads((folder / "grade-report.json").read_text())
        reports[replay] = [
            (e["id"], e["points"], [(c["id"], c["outcome"], c["points"], c["message"]) for c in e["checks"]])
            for e in report["exercises"]
        ]
    assert reports["0"] == reports["1"]
    # Each lab runs a script again from a state it ran from before: what its grader does first is the same
    # bytes in every check (a stand-in function zipped with the clock's date made Lab 3's and 3B's states new).
    replayed = {line["check"].split("/")[1] for line in map(json.loads, trace.read_text().splitlines()) if line["outcome"] == "replayed"}
    assert replayed >= {"lab1_inventory_status", "lab2_events", "lab3_iam", "lab3b_encryption_api"}


class NotReadyYet:
    """An emulator whose answer to one request is 400 for its first ``refusals`` tries, then 200: a change
    set the run's waiter saw finished, still being made when the replay's polls end."""

    def __init__(self, refusals: int) -> None:
        import http.server
        import threading

        owner = self
        self.tries = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner.tries += 1
                self.send_response(400 if owner.tries <= refusals else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.endpoint = f"http://127.0.0.1:{self.server.server_port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


RUN = types.SimpleNamespace(command="bash deploy.sh")  # what the real run returned


def recorded(status: int) -> script_replay.Recording:
    from harness.call_log import RawRequest

    execute = RawRequest("POST", "/", "", (("Content-Type", "application/x-www-form-urlencoded"),), b"Action=ExecuteChangeSet", status)
    return script_replay.Recording(requests=(execute,), result=RUN)


def test_a_request_refused_while_the_emulator_catches_up_is_sent_again_until_it_succeeds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(script_replay, "SETTLE_STEP", 0.01)
    emulator = NotReadyYet(refusals=3)
    try:
        assert script_replay.replay(recorded(200), emulator.endpoint) is RUN
        assert emulator.tries == 4
    finally:
        emulator.close()


def test_a_state_that_never_comes_is_still_a_divergence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(script_replay, "SETTLE_STEP", 0.01)
    monkeypatch.setattr(script_replay, "SETTLE_SECONDS", 0.2)
    emulator = NotReadyYet(refusals=10**6)
    try:
        with pytest.raises(script_replay.ReplayDiverged, match="400 now, 200 when"):
            script_replay.replay(recorded(200), emulator.endpoint)
        assert emulator.tries > 1  # it was tried again before it counted as diverged
    finally:
        emulator.close()


def test_a_refusal_the_run_also_saw_is_not_sent_again(monkeypatch: pytest.MonkeyPatch) -> None:
    emulator = NotReadyYet(refusals=10**6)
    try:
        assert script_replay.replay(recorded(400), emulator.endpoint) is RUN
        assert emulator.tries == 1
    finally:
        emulator.close()
