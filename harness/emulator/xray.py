"""X-Ray: a daemon on loopback that takes what aws-xray-sdk sends, and traces assembled as X-Ray does.

The SDK (and Powertools' Tracer, built on it) sends each finished segment as one UDP datagram to
``AWS_XRAY_DAEMON_ADDRESS``: the header ``{"format":"json","version":1}``, a newline, the segment
document. moto has no daemon, so those datagrams were lost. ``XRayDaemon`` listens on 127.0.0.1 (a
free port), started and stopped with the embedded backend, and stores each document in moto's X-Ray
backend (the account and region the graders use), as the real daemon forwards them with
PutTraceSegments.

A subsegment sent on its own (``"type": "subsegment"`` with ``parent_id``: what the SDK does inside
Lambda, where the function's segment is Lambda's) is merged into its parent's document when the parent
is there, as X-Ray assembles a trace; until then it is shown as it came. GetTraceSummaries fills each
summary's ``Annotations`` from the segments and subsegments of the trace (moto leaves it empty).

``daemon_address()`` is the running daemon's address, which Lambda's execution environments are given as
``AWS_XRAY_DAEMON_ADDRESS`` (lambda_tracing.py).
"""

from __future__ import annotations

import functools
import json
import socket
import threading
from typing import Any

HEADER = {"format": "json", "version": 1}
MAX_DATAGRAM = 65535  # the SDK sends one segment per datagram; the daemon's own limit is 64 KB
POLL_SECONDS = 1.0  # stop() wakes the listener with a datagram; this only bounds the wait if that were lost
RECEIVE_BUFFER = 1 << 20  # room for a burst of segments (the kernel may cap it); beyond it UDP drops, as it would
_lock = threading.RLock()
_running: list[XRayDaemon] = []  # the daemons started in this process, latest last


def daemon_address() -> str:
    """Where deployed code sends its segments: the latest daemon started here ("" when none runs)."""
    with _lock:
        return _running[-1].address if _running else ""


class XRayDaemon:
    """The X-Ray daemon's UDP side on 127.0.0.1: ``start()`` returns its address, ``stop()`` joins it."""

    def __init__(self, account_id: str, region: str) -> None:
        self.account_id, self.region = account_id, region
        self.address = ""
        self.received = 0
        self.rejected = 0  # datagrams without the header or with a document X-Ray would refuse
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> str:
        listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        listener.bind(("127.0.0.1", 0))
        listener.settimeout(POLL_SECONDS)
        self._socket = listener
        self._stopping.clear()
        host, port = listener.getsockname()
        self.address = f"{host}:{port}"
        self._thread = threading.Thread(target=self._serve, name=f"xray-daemon {self.address}", daemon=True)
        self._thread.start()
        with _lock:
            _running.append(self)
        return self.address

    def stop(self) -> None:
        with _lock:
            if self in _running:
                _running.remove(self)
        self._stopping.set()
        if self._socket is not None:
            try:
                self._socket.sendto(b"", self._socket.getsockname())  # wakes the blocked recv at once
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def _serve(self) -> None:
        assert self._socket is not None
        while not self._stopping.is_set():
            try:
                datagram = self._socket.recv(MAX_DATAGRAM)
            except socket.timeout:
                continue
            except OSError:
                return
            if self._stopping.is_set():
                return
            self.received += 1
            if not self.take(datagram):
                self.rejected += 1

    def take(self, datagram: bytes) -> bool:
        """Stores the segment document of one datagram; False when the daemon would drop it."""
        header, _, document = datagram.decode("utf-8", errors="replace").partition("\n")
        try:
            if json.loads(header) != HEADER:
                return False
        except ValueError:
            return False
        from moto.xray.models import xray_backends

        try:
            xray_backends[self.account_id][self.region].process_segment(document)
        except Exception:  # a bad document: the real daemon drops it too, the sender never knows
            return False
        return True


def apply() -> None:
    from moto.xray import models

    process_segment = models.XRayBackend.process_segment

    @functools.wraps(process_segment)
    def assembled(self: Any, document: Any) -> None:
        with _lock:
            try:
                data = json.loads(document)
            except (TypeError, ValueError):
                data = None  # moto's own check reports it as X-Ray does (UnprocessedTraceSegments)
            if isinstance(data, dict) and data.get("type") == "subsegment" and _merge_into_parent(self, data):
                return
            process_segment(self, document)
            if isinstance(data, dict) and data.get("trace_id"):
                _adopt_orphans(self, data["trace_id"])

    summary = models.SegmentCollection.summary

    @functools.wraps(summary)
    def with_annotations(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        result = summary(self, *args, **kwargs)
        for item in result.get("TraceSummaries", []):
            trace = self._traces.get(item["Id"])
            if trace is not None:
                item["Annotations"] = _annotations(trace["segments"])
            item["IsPartial"] = item.pop("IsParital", False)
        return result

    models.XRayBackend.process_segment = assembled
    models.SegmentCollection.summary = with_annotations


def _merge_into_parent(backend: Any, subsegment: dict[str, Any]) -> bool:
    trace = backend._segment_collection._traces.get(subsegment.get("trace_id"))
    if trace is None:
        return False
    for segment in trace["segments"]:
        document = json.loads(segment.raw)
        if document.get("type") != "subsegment" and _insert(document, subsegment):
            _replace_document(segment, document)
            return True
    return False


def _adopt_orphans(backend: Any, trace_id: str) -> None:
    """Subsegments stored on their own before their parent arrived go into it now."""
    trace = backend._segment_collection._traces.get(trace_id)
    if trace is None:
        return
    for orphan in [segment for segment in trace["segments"] if json.loads(segment.raw).get("type") == "subsegment"]:
        trace["segments"].remove(orphan)
        if not _merge_into_parent(backend, json.loads(orphan.raw)):
            trace["segments"].append(orphan)
    trace["segments"].sort()


def _insert(document: dict[str, Any], subsegment: dict[str, Any]) -> bool:
    if document.get("id") == subsegment.get("parent_id"):
        children = document.setdefault("subsegments", [])
        children[:] = [child for child in children if child.get("id") != subsegment.get("id")]  # an in-progress copy
        children.append(
            {key: value for key, value in subsegment.items() if key not in ("type", "trace_id", "parent_id")}
        )
        return True
    return any(_insert(child, subsegment) for child in document.get("subsegments", []))


def _replace_document(segment: Any, document: dict[str, Any]) -> None:
    segment.raw = json.dumps(document)
    segment.subsegments = document.get("subsegments")


def _annotations(segments: list[Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}

    def visit(document: dict[str, Any]) -> None:
        for key, value in (document.get("annotations") or {}).items():
            kind = (
                "BooleanValue"
                if isinstance(value, bool)
                else "NumberValue"
                if isinstance(value, (int, float))
                else "StringValue"
            )
            entry = {"AnnotationValue": {kind: value}, "ServiceIds": [{"Name": document.get("name")}]}
            if entry not in found.setdefault(key, []):
                found[key].append(entry)
        for child in document.get("subsegments") or []:
            visit(child)

    for segment in segments:
        visit(json.loads(segment.raw))
    return found
