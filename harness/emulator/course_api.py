"""The embedded backend's own endpoints, beside the AWS APIs: its clock and where its X-Ray daemon is.

    GET  /_course/clock                               {"now": 1767225600.0, "iso": "...", "offset_seconds": 0.0}
    POST /_course/clock/advance {"seconds": 60}        moves the clock on; alarms are evaluated; answers as GET
    POST /_course/clock/advance {"to_period_start": 60} jumps to the next multiple of 60 s since the epoch
    GET  /_course/xray                                {"daemon_address": "127.0.0.1:PORT"}
    POST /_course/event-sources/drain {"timeout": 10} waits until no event source mapping has work it could
                                      do now: {"idle": true, "delivered": 3, "pending": []}
    GET  /_course/iam-enforcement                     {"enabled": false}
    POST /_course/iam-enforcement {"enabled": true}   deployed code's calls are judged by its role (until reset)
    GET  /_course/log-pages                           {"events": null}
    POST /_course/log-pages {"events": 10}            FilterLogEvents answers at most 10 events a page (until reset)

They answer the grading process (harness/kit/clock.py) and anyone trying ``course backend up`` by hand;
they never reach the call log. Before any AWS request, alarms catch up with the clock (an alarm's
period boundaries pass with wall time too), so what a request sees is what CloudWatch would show by then.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from . import clock, cloudwatch_alarms, iam_enforcement, logs
from .esm_poller import POLLER

PREFIX = "/_course/"
MAX_DRAIN_SECONDS = 60.0
Wsgi = Callable[[dict, Callable[..., Any]], Iterable[bytes]]
_endpoint = ""  # the server's own address, from the socket the latest request came in on


def server_endpoint() -> str:
    """Where this process's emulator answers: what work started by a request without one (CloudFormation
    allocating provisioned concurrency) gives the Lambda environments it starts as AWS_ENDPOINT_URL."""
    return _endpoint


def wrap(app: Wsgi, xray_daemon_address: Callable[[], str]) -> Wsgi:
    def course_endpoints(environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        global _endpoint
        host = environ.get("SERVER_NAME", "127.0.0.1")
        _endpoint = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{environ.get('SERVER_PORT', '80')}"
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            try:
                cloudwatch_alarms.sweep()
            except Exception:  # a fault in alarm evaluation must not fail an unrelated AWS request
                logging.getLogger(__name__).exception("CloudWatch alarm evaluation failed")
            return app(environ, start_response)
        status, body = _answer(
            environ.get("REQUEST_METHOD", "GET"), path[len(PREFIX) :].strip("/"), _body(environ), xray_daemon_address
        )
        payload = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]

    return course_endpoints


def _answer(
    method: str, route: str, body: dict[str, Any], xray_daemon_address: Callable[[], str]
) -> tuple[str, dict[str, Any]]:
    if route == "clock" and method == "GET":
        return "200 OK", _clock()
    if route == "clock/advance" and method == "POST":
        try:
            if "to_period_start" in body:
                clock.advance_to_period_start(float(body["to_period_start"]))
            else:
                clock.advance(float(body.get("seconds", 0)))
        except (TypeError, ValueError) as error:
            return "400 Bad Request", {"error": str(error)}
        return "200 OK", _clock()
    if route == "event-sources/drain" and method == "POST":
        return _drain(body)
    if route == "xray" and method == "GET":
        return "200 OK", {"daemon_address": xray_daemon_address()}
    if route == "iam-enforcement" and method in ("GET", "POST"):
        if method == "POST":
            if not isinstance(body.get("enabled"), bool):
                return "400 Bad Request", {"error": 'expected {"enabled": true} or {"enabled": false}'}
            iam_enforcement.set_enabled(body["enabled"])
        return "200 OK", {"enabled": iam_enforcement.enabled()}
    if route == "log-pages" and method in ("GET", "POST"):
        if method == "POST":
            events = body.get("events")
            if events is not None and (isinstance(events, bool) or not isinstance(events, int) or events < 1):
                return "400 Bad Request", {"error": 'expected {"events": 10} (a positive number) or {"events": null}'}
            logs.set_page_events(events)
        return "200 OK", {"events": logs.page_events()}
    return "404 Not Found", {"error": f"no {method} /_course/{route}: see harness/emulator/course_api.py"}


def _drain(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    try:
        timeout = min(float(body.get("timeout", 10)), MAX_DRAIN_SECONDS)
    except (TypeError, ValueError) as error:
        return "400 Bad Request", {"error": str(error)}
    result = POLLER.drain(timeout)
    return "200 OK", {"idle": result.idle, "delivered": result.delivered, "pending": result.pending}


def _clock() -> dict[str, Any]:
    now = clock.now()
    return {
        "now": now,
        "iso": datetime.fromtimestamp(now, tz=timezone.utc).isoformat(),
        "offset_seconds": clock.offset(),
    }


def _body(environ: dict) -> dict[str, Any]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        data = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
    except (ValueError, KeyError):
        return {}
    return data if isinstance(data, dict) else {}
