"""The student process: loads one student module and answers the grading process's requests.

Started by harness/student/pool.py as ``python -I host.py READ_FD WRITE_FD``, warm (boto3 imported)
before any student code exists. Whatever happens in here is untrusted: the grading process reads
only JSON from it and kills it at the end of every check. Standard library only, apart from
boto3/botocore and requests when they are installed.
"""

from __future__ import annotations

import importlib.util
import io
import logging
import os
import sys
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _load_sibling(name: str) -> Any:
    """A harness file by path, under a private name a student module cannot shadow or import."""
    spec = importlib.util.spec_from_file_location(f"_course_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


protocol = _load_sibling("protocol")
netguard = _load_sibling("netguard")
clienttag = _load_sibling("clienttag")
capture = _load_sibling("capture")
describe = _load_sibling("describe")

MAX_CHAIN = 5
MAX_FRAMES = 40  # the innermost frames of a traceback: a million-frame recursion is described in no time
MEMORY_LIMIT_BYTES = 3 * 1024**3  # a runaway allocation fails here, as MemoryError, not on the machine
WARM_SERVICES = ("dynamodb", "sns", "sqs", "kms", "secretsmanager", "lambda", "sts", "iam", "logs")


_MISSING = object()


class Host:
    def __init__(self, reader: io.BufferedReader, writer: io.BufferedWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.objects: list[Any] = []
        self.module_folder = ""
        self.capture = capture.RecordCapture()
        self.output = capture.CurrentOutput()

    # ------------------------------------------------------------------------- values and errors

    def reference(self, value: Any) -> dict[str, Any]:
        if isinstance(value, BaseException):
            return {"$exception": self.describe_error(value)}
        self.objects.append(value)
        kind = type(value)
        info: dict[str, Any] = {
            "$ref": len(self.objects) - 1,
            "type": describe.qualified(kind),
            "repr": describe.safe_repr(value),
            "callable": callable(value),
        }
        if isinstance(value, type):
            info["mro"] = [describe.qualified(base) for base in value.__mro__]
            info["name"] = value.__name__
        else:
            info["type_mro"] = [describe.qualified(base) for base in kind.__mro__]
        return info

    def encode(self, value: Any) -> Any:
        return protocol.encode(value, self.reference)

    def resolve(self, tag: str, data: dict[str, Any]) -> Any:
        if tag == "$ref":
            index = data["$ref"]
            if not isinstance(index, int) or not 0 <= index < len(self.objects):
                raise protocol.ProtocolError(f"unknown reference {index!r}")
            return self.objects[index]
        if tag == "$context":
            return LambdaContext(**data["$context"])
        raise protocol.ProtocolError(f"unknown tag {tag}")

    def decode(self, data: Any) -> Any:
        return protocol.decode(data, self.resolve)

    def describe_error(self, error: BaseException, depth: int = 0) -> dict[str, Any]:
        frames = [
            {"file": frame.filename, "line": frame.lineno, "name": frame.name}
            for frame in traceback.extract_tb(describe.last_entries(error.__traceback__, MAX_FRAMES))
        ]
        described: dict[str, Any] = {
            "type": type(error).__name__,
            "qualified": describe.qualified(type(error)),
            "mro": [describe.qualified(base) for base in type(error).__mro__],
            "message": describe.safe_str(error)[: describe.MAX_MESSAGE],
            "frames": frames,
        }
        if isinstance(error, SyntaxError):
            described["syntax"] = {"file": error.filename, "line": error.lineno, "msg": error.msg}
        if isinstance(error, SystemExit):
            described["exit_code"] = describe.safe_repr(error.code)
        attributes = describe.plain_attributes(error)
        if attributes:
            described["attributes"] = attributes
        response = getattr(error, "response", None)
        if isinstance(response, dict):  # botocore's ClientError: AWS's answer, as data
            try:
                described["response"] = protocol.encode(response, lambda value: describe.safe_repr(value))
            except Exception:
                pass
        if error.__suppress_context__:  # ``raise X from None``: the traceback hides the context, so do we
            described["suppress_context"] = True
        if depth < MAX_CHAIN:
            for link in ("__cause__", "__context__"):
                linked = getattr(error, link, None)
                if isinstance(linked, BaseException):
                    described[link.strip("_")] = self.describe_error(linked, depth + 1)
        return described

    # ---------------------------------------------------------------------------------- requests

    def serve(self) -> None:
        self.send({"ready": os.getpid()})
        while True:
            line = self.reader.readline(protocol.MAX_LINE_BYTES + 1)
            if not line:
                return
            request = protocol.loads(line)
            self.send(self.answer(request))

    def send(self, message: dict[str, Any]) -> None:
        try:
            data = protocol.dumps(message)
        except (TypeError, ValueError) as error:
            data = protocol.dumps({"error": {"type": "ProtocolError", "qualified": "harness.ProtocolError",
                                             "mro": [], "message": f"the answer could not be sent: {error}",
                                             "frames": []}})
        self.writer.write(data)
        self.writer.flush()

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        out = self.output.target = capture.BoundedText()
        self.capture.records = []
        try:
            reply = self.run(request)
        except SystemExit as stop:
            reply = {"exit": describe.safe_repr(stop.code), "error": self.describe_error(stop)}
        except BaseException as error:  # the student's exception, reported as data
            reply = {"error": self.describe_error(error)}
        reply["out"] = out.text()
        reply["log"] = self.capture.records
        reply["connections"] = netguard.connections[:]
        netguard.connections.clear()  # a socket not read yet keeps its entry in netguard's _unread
        return reply

    def run(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        if op == "load":
            return {"value": self.encode(self.load(request))}
        target = self.decode(request.get("target"))
        if op == "getattr":
            value = getattr(target, str(request["name"]), _MISSING)  # once: a property may have effects
            return {"missing": True} if value is _MISSING else {"value": self.encode(value)}
        if op == "call":
            function = getattr(target, str(request["name"])) if request.get("name") else target
            args = self.decode(request.get("args", []))
            kwargs = self.decode(request.get("kwargs", {}))
            reply = {"value": self.encode(function(*args, **kwargs))}
            if request.get("echo_args"):  # the arguments as the call left them: did it change them in place?
                reply["args_after"] = self.encode(args)
            return reply
        if op == "text":  # repr() and str() as they are now (a cached secret may show up in either)
            return {"value": {"repr": describe.safe_repr(target, describe.MAX_MESSAGE), "str": describe.safe_text(target)}}
        if op == "names":  # the public names an object holds (a module's functions, classes, settings)
            return {"value": sorted(name for name in vars(target) if not name.startswith("_"))}
        if op == "describe":  # a callable's signature and docstring, as inspect sees them there
            return {"value": describe.describe_callable(target)}
        if op == "materialise":  # a generator or other iterable the student returned, as a list
            return {"value": self.encode(list(_bounded(target)))}
        raise protocol.ProtocolError(f"unknown request {op!r}")

    def load(self, request: dict[str, Any]) -> Any:
        path = Path(request["path"])
        os.environ.clear()
        os.environ.update({str(key): str(value) for key, value in request.get("env", {}).items()})
        folder = str(path.parent)
        self.module_folder = folder
        sys.path.insert(0, folder)
        level = request.get("log_level")
        if isinstance(level, str) and isinstance(logging.getLevelName(level.upper()), int):
            logging.getLogger().setLevel(level.upper())  # as Lambda's AWS_LAMBDA_LOG_LEVEL sets it
        name = path.stem if path.stem.isidentifier() else "student_module"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"{path.name} cannot be imported as a module")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module


class LambdaContext:
    """The context object the Lambda Python runtime passes a handler (built from the grader's values)."""

    def __init__(self, **fields: Any) -> None:
        remaining = float(fields.pop("remaining_ms", 10_000))
        for key, value in fields.items():
            setattr(self, key, value)
        self._remaining_ms = remaining

    def get_remaining_time_in_millis(self) -> int:
        return int(self._remaining_ms)


def _bounded(iterable: Any, limit: int = 100_000) -> Any:
    for index, item in enumerate(iterable):
        if index >= limit:
            raise OverflowError(f"more than {limit:,} items")
        yield item


def _limit_memory() -> None:
    try:
        import resource
    except ImportError:  # Windows
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = MEMORY_LIMIT_BYTES if hard == resource.RLIM_INFINITY else min(MEMORY_LIMIT_BYTES, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (ValueError, OSError):
        pass


def _warm_up() -> None:
    """What student modules import and build first, done before anyone waits for it: boto3, the
    default session's clients for the course's services (their models parsed once, then shared by
    every forked student process instead of parsed again by each), and requests."""
    try:
        import boto3
    except ImportError:
        return
    try:
        for service in WARM_SERVICES:
            boto3.client(service)
        boto3.resource("dynamodb")
    except Exception:  # no region or an odd environment: students' code will say so itself
        pass
    try:
        import requests  # noqa: F401 - the HTTP clients of Kata 3 and the heist's exploits import it (~40 ms a process)
    except ImportError:
        pass


def _prepare() -> None:
    """What every student process has before any student code: the guard, the limits, boto3 warm (unless the
    run's exercises call no AWS: its first module load would wait ~0.3 s for a warm-up it never uses)."""
    sys.dont_write_bytecode = True
    calls_aws = os.environ.pop(protocol.NO_AWS, None) is None
    netguard.install_from_environment()
    _limit_memory()
    if calls_aws:
        _warm_up()
        clienttag.install()
    else:
        clienttag.install_when_imported()


def _serve(read_fd: int, write_fd: int) -> None:
    host = Host(os.fdopen(read_fd, "rb"), os.fdopen(write_fd, "wb"))
    logging.getLogger().addHandler(host.capture)
    sys.stdout = sys.stderr = host.output
    host.serve()


def zygote(control_fd: int) -> int:
    """Fork a fresh student process per request, from this warm and clean interpreter (no student code
    ever runs here): fork_server.py's protocol, a fork request being b"F" with the child's two pipe ends."""
    fork_server = _load_sibling("fork_server")  # only here: a spawned student process never needs it

    def become_student_process(request: bytes, fds: list[int]) -> None:
        sys.argv[1:] = [str(fds[0]), str(fds[1])]  # as a spawned student process has them
        _serve(fds[0], fds[1])

    return fork_server.serve(control_fd, fds_per_fork=2, max_request_bytes=64, become=become_student_process)


def main(argv: list[str]) -> int:
    _prepare()
    if argv[0] == "--zygote":
        return zygote(int(argv[1]))
    _serve(int(argv[0]), int(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
