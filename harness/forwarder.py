"""An HTTP forwarder on 127.0.0.1 in front of an emulator that runs in another process (MiniStack).

The call log (harness/call_log.py) wraps a WSGI app; moto is one, and this forwarder is one for an
emulator we cannot wrap: every request passes through the log, then goes on unchanged (same path,
headers and body, so the SigV4 signature still matches) and its answer comes back unchanged.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .call_log import CallLog, recording_middleware

# Headers that describe one connection, not the message: never passed on (RFC 9110, 7.6.1).
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"}
)
# The server in front adds its own.
SERVER_SET = frozenset({"date", "server"})
# Lambda invocations wait for the function (a check's own limit ends a stuck one first).
FORWARD_TIMEOUT = 300.0
UNREACHABLE = "The emulator behind the course's forwarder did not answer ({error})."


def _request_headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return {name: value for name, value in headers.items() if name not in HOP_BY_HOP}


def forwarding_app(host: str, port: int, scheme: str = "http") -> Callable[..., Iterable[bytes]]:
    """A WSGI app that sends each request to host:port and answers with what came back."""
    connection_class = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        # The path exactly as sent: SigV4 signs the encoded path, which PATH_INFO has decoded.
        target = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
        method = environ["REQUEST_METHOD"]
        connection = connection_class(host, port, timeout=FORWARD_TIMEOUT)
        try:
            connection.request(method, target, body=body, headers=_request_headers(environ))
            response = connection.getresponse()
            answer = response.read()
            status = f"{response.status} {response.reason}"
            headers = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP | SERVER_SET]
        except (OSError, http.client.HTTPException) as error:
            answer = json.dumps({"message": UNREACHABLE.format(error=error)}).encode()
            status, headers = "502 Bad Gateway", [("Content-Type", "application/json")]
        finally:
            connection.close()
        if method != "HEAD":  # a HEAD answer keeps the length of the body it did not send
            headers = [(name, value) for name, value in headers if name.lower() != "content-length"]
            headers.append(("Content-Length", str(len(answer))))
        start_response(status, headers)
        return [answer] if method != "HEAD" else []

    return app


@dataclass
class Forwarder:
    """A threaded server on 127.0.0.1:port (0: a free one) that logs each call, then passes it on."""

    target_host: str
    target_port: int
    call_log: CallLog = field(default_factory=CallLog)
    port: int = 0
    scheme: str = "http"  # the target's
    _server: Any = None
    _thread: threading.Thread | None = None

    def start(self) -> int:
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # werkzeug ignores verbose=False
        app = recording_middleware(forwarding_app(self.target_host, self.target_port, self.scheme), self.call_log)
        self._server = make_server("127.0.0.1", self.port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        self.port = self._server.server_port
        return self.port

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = None
