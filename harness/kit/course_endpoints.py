"""Calls to the embedded backend's own /_course/ endpoints (harness/emulator/course_api.py), for the kit's
modules that drive it: the clock, IAM enforcement, short log pages."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the backend is local: no proxy


def backend_endpoint(capability: str, refusal: str, endpoint: str | None = None) -> str:
    """``endpoint``, or the active backend's when it has ``capability`` (else RuntimeError: ``refusal``, with
    ``{name}`` the backend's name)."""
    if endpoint:
        return endpoint.rstrip("/")
    from ..runtime import active_backend

    backend = active_backend()
    if capability not in backend.capabilities:
        raise RuntimeError(refusal.format(name=backend.name))
    return backend.endpoint


def call(method: str, url: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with _direct.open(request, timeout=30) as response:
        return json.loads(response.read())
