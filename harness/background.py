"""The embedded emulator (or MiniStack) as a detached process (`course backend up`), for the docs' commands by hand.

Run as ``python -m harness.background --port P --state-file F --idle-minutes M [--backend ministack]``. It
writes F (its pid, backend and endpoint) once the emulator answers, and removes it when it stops: on
SIGTERM, or after M minutes without an AWS call, so a forgotten server does not live for ever.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

POLL_SECONDS = 1.0
DEFAULT_IDLE_MINUTES = 120.0
BACKGROUND_BACKENDS = ("moto", "ministack")  # LocalStack runs under docker compose, not here
MODULE = "harness.background"  # `down` only signals a pid whose command line names this module


def write_state(path: Path, state: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)  # readers never see half a file


def remove_state_if_mine(path: Path, pid: int) -> None:
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == pid:
            path.unlink()
    except (OSError, ValueError):
        pass


def _backend(name: str, port: int):  # type: ignore[no-untyped-def]
    if name == "ministack":
        from .ministack import MiniStack

        return MiniStack(port=port)  # behind the call-log forwarder: its log tells activity as moto's does
    from .backends import EmbeddedMoto

    return EmbeddedMoto(port=port)


def serve(*, port: int, state_file: Path, idle_minutes: float, backend_name: str = "moto") -> int:
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    backend = _backend(backend_name, port)
    backend.start()  # moto: also switches Lambda to its no-Docker mode
    write_state(
        state_file,
        {
            "pid": os.getpid(),
            "backend": backend_name,
            "endpoint": backend.endpoint,
            "port": port,
            # for AWS_XRAY_DAEMON_ADDRESS; only the embedded backend runs a daemon
            "xray_daemon_address": getattr(backend, "xray_daemon_address", ""),
            "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "idle_minutes": idle_minutes,
        },
    )
    last_call = time.monotonic()
    try:
        while not stopping.wait(POLL_SECONDS):
            if backend.call_log.calls:
                backend.call_log.clear()  # the log only tells activity here; clearing keeps memory flat
                last_call = time.monotonic()
            elif time.monotonic() - last_call > idle_minutes * 60:
                break
    finally:
        remove_state_if_mine(state_file, os.getpid())
        backend.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-file", type=Path, required=True)
    parser.add_argument("--idle-minutes", type=float, default=DEFAULT_IDLE_MINUTES)
    parser.add_argument("--backend", choices=BACKGROUND_BACKENDS, default="moto")
    args = parser.parse_args(argv)
    return serve(port=args.port, state_file=args.state_file, idle_minutes=args.idle_minutes, backend_name=args.backend)


if __name__ == "__main__":
    raise SystemExit(main())
