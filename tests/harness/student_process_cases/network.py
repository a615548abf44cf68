"""Student code that reaches for the network, for the network guard's tests in tests/harness/test_student_process.py.

Only ever loaded in a student process inside a network namespace of its own (``unshare -rn``), so that
nothing could leave the machine even if the guard let it through.
"""

import ctypes
import errno
import socket
import struct

OUTSIDE = "203.0.113.1"  # TEST-NET-3: documentation only, routed nowhere


def _sockaddr(host, port):
    return struct.pack("=H", socket.AF_INET) + struct.pack("!H", port) + socket.inet_aton(host) + bytes(8)


def _raw_connect(function, host, port):
    """Call a C connect() found through ctypes on a fresh TCP socket; what the kernel said."""
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    sock = socket.socket()
    try:
        returned = function(sock.fileno(), _sockaddr(host, port), 16)
        return {"returned": returned, "errno": errno.errorcode.get(ctypes.get_errno(), "0")}
    finally:
        sock.close()


def tcp_connect(host, port):
    import _socket

    sock = _socket.socket()
    sock.settimeout(3)
    try:
        sock.connect((host, port))
    finally:
        sock.close()
    return "connected"


def udp_send(host, port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.sendto(b"hello", (host, port))
    finally:
        sock.close()
    return "sent"


def resolve(name):
    return [info[4][0] for info in socket.getaddrinfo(name, 80)]


def libc_connect():
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    return _raw_connect(libc.connect, OUTSIDE, 80)


def libc_connect_alias():
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    return _raw_connect(libc["__connect"], OUTSIDE, 80)


def libc_connect_by_address():
    import _ctypes

    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    address = _ctypes.dlsym(libc._handle, "connect")
    prototype = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint, use_errno=True)
    return _raw_connect(prototype(address), OUTSIDE, 80)


def interfaces():
    return sorted(name for _, name in socket.if_nameindex())
