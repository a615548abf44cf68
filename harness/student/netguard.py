"""Loopback only, for every Python process that runs student code: an audit hook nobody can undo.

CPython raises audit events from C code for every connect, sendto, sendmsg and name lookup, so a
hook sees ``_socket.socket(...).connect(...)`` and UDP datagrams as well as boto3's own sockets;
a hook cannot be removed once added. Standard library only: loaded by path before student code.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys

ALLOWED_HOSTS_VARIABLE = "COURSE_ALLOWED_HOSTS"  # set by the harness: the emulator's host, comma-separated
ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL"
BLOCKED_CONNECTION = (
    "The grading harness blocked a connection to {target}: while grading, code may only talk to the "
    "local emulator ({endpoint}). Nothing in this course needs real AWS or the internet; remove any "
    "endpoint_url, profile or hard-coded host from your code."
)
# Raw calls through ctypes would bypass the socket module's audit events.
NETWORK_SYMBOLS = frozenset({"connect", "sendto", "sendmsg", "sendmmsg", "syscall", "getaddrinfo", "gethostbyname"})
NETWORK_SYMBOL_PREFIXES = ("getaddrinfo", "gethostbyname", "gethostbyaddr", "res_", "sendm")
_installed: list[bool] = []
# Every outbound connection this process made: [host, port, the socket's timeout at connect, and at its
# first read once it reads], for graders that judge how student code connects (a timeout set or not; a
# (connect, read) pair sets the two apart); the student process reports them.
connections: list[list[object]] = []
_unread: dict[int, list[object]] = {}  # id(socket) -> its entry, until the socket's first read
MAX_RECORDED = 1000


class OutboundConnectionBlocked(ConnectionError):
    """A connection or datagram to anything but this machine, refused before it left."""


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _is_network_symbol(name: str) -> bool:
    """connect, and its aliases (__connect, __libc_connect) and relatives (getaddrinfo_a, res_query ...)."""
    bare = name.lstrip("_").removeprefix("libc_")
    return bare in NETWORK_SYMBOLS or bare.startswith(NETWORK_SYMBOL_PREFIXES)


class _Policy:
    def __init__(self, names: set[str], endpoint: str) -> None:
        self.names = {name.lower() for name in names} | {"localhost"}
        self.endpoint = endpoint
        self.addresses: set[str] = set()
        for name in self.names - {"localhost"}:
            if _is_loopback(name):
                continue
            try:  # a compose service host resolves to a private address: allow exactly those
                self.addresses |= {str(info[4][0]) for info in socket.getaddrinfo(name, None)}
            except OSError:
                pass

    def allows(self, host: object) -> bool:
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        if host is None:
            return True  # getaddrinfo(None, port): the local wildcard
        text = str(host).lower()
        return _is_loopback(text) or text in self.names or text.endswith(".localhost") or text in self.addresses

    def refuse(self, host: object, port: object) -> OutboundConnectionBlocked:
        return OutboundConnectionBlocked(BLOCKED_CONNECTION.format(target=f"{host}:{port}", endpoint=self.endpoint))

    def __call__(self, event: str, args: tuple) -> None:
        if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
            address = args[1] if len(args) > 1 else None
            if isinstance(address, tuple) and address and not self.allows(address[0]):
                raise self.refuse(address[0], address[1] if len(address) > 1 else "?")
            if event == "socket.connect" and isinstance(address, tuple) and len(connections) < MAX_RECORDED:
                entry: list[object] = [str(address[0]), int(address[1]) if len(address) > 1 else 0, _timeout_of(args[0])]
                connections.append(entry)
                _unread[id(args[0])] = entry
        elif event == "socket.getaddrinfo":
            if not self.allows(args[0]):
                raise self.refuse(args[0], args[1])
        elif event in ("socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr"):
            if not self.allows(args[0]):
                raise self.refuse(args[0], "?")
        elif event in ("ctypes.dlsym", "ctypes.dlsym/handle"):  # CDLL attributes; _ctypes.dlsym(handle, name)
            name = args[1] if len(args) > 1 else None
            if isinstance(name, bytes):
                name = name.decode("ascii", "replace")
            if isinstance(name, str) and _is_network_symbol(name):
                raise OutboundConnectionBlocked(f"The grading harness refused raw access to {name}() through ctypes.")


def _timeout_of(sock: object) -> float | None:
    try:
        return sock.gettimeout()  # type: ignore[attr-defined]
    except Exception:
        return None


def _watch_reads() -> None:
    """Note each recorded socket's timeout at its first read (no audit event exists for a read)."""

    def watched(read):  # type: ignore[no-untyped-def]
        def first_read_noted(sock, *args, **kwargs):  # type: ignore[no-untyped-def]
            entry = _unread.pop(id(sock), None) if _unread else None
            if entry is not None:
                entry.append(_timeout_of(sock))
            return read(sock, *args, **kwargs)

        return first_read_noted

    for name in ("recv", "recv_into"):
        setattr(socket.socket, name, watched(getattr(socket.socket, name)))


def install(names: set[str], endpoint: str) -> None:
    """Add the hook (once per process: it stays until the process ends)."""
    if _installed:
        return
    sys.addaudithook(_Policy(names, endpoint))
    _watch_reads()
    _installed.append(True)


def install_from_environment() -> bool:
    """In a process the harness started: the allowed hosts come from its environment."""
    hosts = os.environ.get(ALLOWED_HOSTS_VARIABLE)
    if hosts is None:
        return False
    install(set(filter(None, hosts.split(","))), os.environ.get(ENDPOINT_VARIABLE, "the local emulator"))
    return True
