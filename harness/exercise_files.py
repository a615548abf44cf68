"""An exercise's files as graders see them: the student's code (or the solution) and its scripts."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import locations, script_replay
from .cli_shim import warm_cli_bin_dir
from .limits import clip
from .loader import StudentCodeError, load_module
from .manifest import Exercise
from .settings import ENV_AWSLOCAL_NO_BANNER, ENV_ENDPOINT, SITECUSTOM_DIR
from .student.proxy import StudentModule
from .student_files import shown_path
from .unreachable_endpoint import unreachable_endpoint_note

NO_BASH = "bash was not found; on Windows run the course from WSL (see README, 'Without make')."


@dataclass
class ScriptResult:
    command: str
    returncode: int | None  # None: stopped at the time limit
    stdout: str
    stderr: str
    duration: float
    endpoint: str = ""  # the AWS_ENDPOINT_URL the script was given: the grader's emulator

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def describe(self) -> str:
        status = "timed out" if self.returncode is None else f"exited with status {self.returncode}"
        tail = (self.stderr.strip() or self.stdout.strip())[-1500:]
        described = f"`{self.command}` {status}" + (f"; its last output:\n{tail}" if tail else " with no output")
        note = unreachable_endpoint_note(f"{self.stderr}\n{self.stdout}", self.endpoint)
        return f"{described}\n{note}" if note else described


@dataclass
class ExerciseFiles:
    exercise: Exercise
    folder: Path
    backend: object

    def path(self, name: str) -> Path:
        return self.folder / name

    def shown(self, name: str) -> str:
        return shown_path(self.path(name))

    def load(self, filename: str, *, log_level: str | None = None) -> StudentModule:
        """Import the student's module fresh in a student process, as a Lambda cold start would.

        The environment is this process's at the moment of the call (``monkeypatch.setenv`` first)."""
        return load_module(self.path(filename), log_level=log_level)

    def copy_to(self, directory: Path) -> ExerciseFiles:
        """A copy of the files in ``directory``, for a check that edits them (a second deploy of changed code)."""
        target = directory / self.folder.name
        shutil.copytree(self.folder, target, ignore=shutil.ignore_patterns("__pycache__", "*.zip", ".pytest_cache"))
        return ExerciseFiles(self.exercise, target, self.backend)

    def run_script(self, name: str, *, timeout: float = 120.0, env: dict[str, str] | None = None) -> ScriptResult:
        """Run a student's shell script with bash, in a scratch copy of the exercise folder."""
        script = self.path(name)
        if not script.is_file():
            raise StudentCodeError(f"{self.shown(name)} is missing.")
        bash = shutil.which("bash")
        if bash is None:
            raise StudentCodeError(NO_BASH)
        environment = dict(os.environ)
        environment.update(env or {})
        environment[ENV_AWSLOCAL_NO_BANNER] = "1"  # else the real awslocal's 14-line banner fills the output
        warm_cli = warm_cli_bin_dir()
        bin_dir = str(Path(sys.executable).parent)  # else the venv's awslocal and aws come first
        path = [str(warm_cli)] if warm_cli else []
        environment["PATH"] = os.pathsep.join([*path, bin_dir, environment.get("PATH", "")])
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SITECUSTOM_DIR), environment.get("PYTHONPATH")]))
        command = f"bash {name}"
        log = getattr(self.backend, "call_log", None)
        replayable = script_replay.enabled(self.backend)
        run_key = script_replay.key(self.folder, name, environment, log) if replayable else None
        parts = None
        if replayable and os.environ.get(script_replay.ENV_TRACE):
            parts = {**script_replay.key_parts(self.folder, name, environment, log), "variables": script_replay.variable_digests(environment)}
        recording = script_replay.recorded(run_key)
        if recording is not None:  # the same script from the same state ran before: its requests again
            started = time.perf_counter()
            fresh = script_replay.fresh(log)  # type: ignore[arg-type]
            try:
                result: ScriptResult = script_replay.replay(recording, self.backend.endpoint)  # type: ignore[attr-defined]
            except script_replay.ReplayDiverged:
                if not fresh:
                    raise
                # It started right after the check's reset: reset again, and the real run starts from there.
                self.backend.reset()  # type: ignore[attr-defined]
                script_replay.trace("diverged, run again", time.perf_counter() - started, parts, len(recording.requests))
            else:
                script_replay.trace("replayed", time.perf_counter() - started, parts, len(recording.requests))
                locations.touched(script, locations.script_error_line(name, result.stderr) if result.returncode else None)
                return dataclasses.replace(result)
        if run_key is not None:
            log.start_capture()  # type: ignore[union-attr]
        try:
            result = self._run(name, command, bash, environment, timeout)
        finally:
            requests = log.stop_capture() if run_key is not None else []  # type: ignore[union-attr]
        if result.returncode is not None:  # a run cut at its time limit depends on time: never replayed
            script_replay.record(run_key, requests, result)
        outcome = "recorded" if run_key and result.returncode is not None else "run, hooked" if replayable else "run"
        script_replay.trace(outcome, result.duration, parts, len(requests))
        return dataclasses.replace(result)

    def _run(self, name: str, command: str, bash: str, environment: dict[str, str], timeout: float) -> ScriptResult:
        script = self.path(name)
        with tempfile.TemporaryDirectory(prefix=f"{self.exercise.id}-") as scratch:
            workdir = Path(scratch) / self.folder.name
            shutil.copytree(self.folder, workdir, ignore=shutil.ignore_patterns("__pycache__", "*.zip", ".pytest_cache"))
            started = time.perf_counter()
            returncode = _run_in_own_session([bash, name], workdir, environment, timeout, Path(scratch))
            elapsed = time.perf_counter() - started
            stdout, stderr = (_head_and_tail(Path(scratch, f".{stream}")) for stream in ("stdout", "stderr"))
            stderr_text = _text(stderr, workdir, self.exercise.folder)
            locations.touched(script, locations.script_error_line(name, stderr_text) if returncode else None)
            shown = self.exercise.folder  # the scratch copy's path means nothing to a student
            stdout_text = _text(stdout, workdir, shown)
            endpoint = environment.get(ENV_ENDPOINT, "")
            return ScriptResult(command, returncode, stdout_text, stderr_text, elapsed, endpoint=endpoint)


def _head_and_tail(path: Path, keep: int = 1 << 20) -> bytes:
    """A script's output file, at most ``keep`` bytes from each end (it may have printed gigabytes)."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        if size <= 2 * keep:
            return handle.read()
        head = handle.read(keep)
        handle.seek(size - keep)
        return head + f"\n[... {size - 2 * keep:,} bytes of output cut ...]\n".encode() + handle.read()


def _run_in_own_session(command: list[str], cwd: Path, env: dict[str, str], timeout: float, scratch: Path) -> int | None:
    """Run a script in a session of its own, output to files: a background job that keeps a pipe open
    cannot hold the check up, and at the time limit the whole group goes (the check's end sweeps the rest)."""
    with open(scratch / ".stdout", "wb") as out, open(scratch / ".stderr", "wb") as err:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True
        )
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        finally:
            if hasattr(os, "killpg"):
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            if process.poll() is None:
                process.kill()
                process.wait()


def _text(data: bytes | str | None, scratch: Path, shown: str) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data or ""
    return clip(text.replace(str(scratch), shown))
