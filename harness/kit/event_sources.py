"""Waiting for what Lambda's event source mappings and SNS deliver, for graders.

    from harness.kit import event_sources

    sqs.send_message(QueueUrl=orders_queue, MessageBody=order)
    stored = event_sources.wait_for(lambda: table.get_item(Key=key).get("Item"))
    expect(stored is not None, ...)

On the embedded backend ``wait_for`` first asks the backend to drain its mappings (``drain``: it answers
once no mapping has a batch running or messages and stream records it could deliver now), so the effect
is usually there at the first look; on LocalStack and MiniStack it polls until the timeout. Messages of a
failed batch waiting out their visibility timeout do not hold a drain up; a stream batch being retried
does, until its retries run out (or the drain's timeout passes). An SNS ``lambda``
subscription runs the function asynchronously: ``wait_for`` polls for its effect on every backend.
"""

from __future__ import annotations

import json
import time
import urllib.request
from dataclasses import dataclass
from typing import Callable, TypeVar

T = TypeVar("T")
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the backend is local: no proxy


@dataclass(frozen=True)
class Drained:
    idle: bool  # False: the timeout passed first
    delivered: int  # messages and stream records delivered successfully meanwhile
    pending: list[str]  # what each mapping still had to do


def drain(timeout: float = 10.0, endpoint: str | None = None) -> Drained | None:
    """Waits until the embedded backend's mappings are idle; None on a backend without that route."""
    endpoint = endpoint or _embedded_endpoint()
    if endpoint is None:
        return None
    request = urllib.request.Request(endpoint.rstrip("/") + "/_course/event-sources/drain", method="POST",
                                     data=json.dumps({"timeout": timeout}).encode(), headers={"Content-Type": "application/json"})
    with _direct.open(request, timeout=timeout + 10) as answer:
        body = json.loads(answer.read())
    return Drained(bool(body["idle"]), int(body["delivered"]), list(body["pending"]))


def wait_for(check: Callable[[], T], timeout: float = 15.0, interval: float = 0.1, *, mappings_only: bool = False) -> T | None:
    """``check()``'s first truthy answer, or its last answer when ``timeout`` seconds pass.

    ``mappings_only``: the effect can only come from an event source mapping, so once the embedded
    backend's mappings are idle the answer is final (a disabled mapping or a failing function costs
    no waiting); on other backends it still polls until the timeout."""
    deadline = time.monotonic() + timeout
    drained = drain(timeout)
    if mappings_only and drained is not None and drained.idle:
        return check()
    while True:
        answer = check()
        if answer or time.monotonic() >= deadline:
            return answer
        time.sleep(interval)


def _embedded_endpoint() -> str | None:
    from ..backends import EmbeddedMoto
    from ..runtime import active_backend

    backend = active_backend()
    return backend.endpoint if isinstance(backend, EmbeddedMoto) else None
