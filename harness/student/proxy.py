"""What a grader holds of student code: proxies whose calls run in the student process.

``module.lambda_handler(event, context)`` sends the call, waits for the answer and returns plain
values (dict, list, str, Decimal, bytes, datetime ...); anything else stays in the student process
and comes back as another ``RemoteObject`` (an ``OrderManager`` instance, a class, a generator).
An exception raised by student code arrives as ``StudentError``: its type, message, the student's
own file and line, the cause chain, and AWS's answer when it was a botocore ClientError.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import protocol
from .process import StudentProcess, StudentProcessEnded


@dataclass(frozen=True)
class Frame:
    file: str
    line: int | None
    name: str


class StudentError(Exception):
    """Student code raised: a description of the exception, never the exception object itself."""

    def __init__(self, described: dict[str, Any]) -> None:
        self.type_name = str(described.get("type", "Exception"))
        self.qualified = str(described.get("qualified", self.type_name))
        self.mro = [str(name) for name in described.get("mro", [])]
        self.message = str(described.get("message", ""))
        self.frames = [
            Frame(str(frame.get("file", "")), frame.get("line") if isinstance(frame.get("line"), int) else None,
                  str(frame.get("name", "")))
            for frame in described.get("frames", []) if isinstance(frame, dict)
        ]
        response = described.get("response")
        self.response = protocol.decode(response, _no_references) if isinstance(response, dict) else None
        cause, context = described.get("cause"), described.get("context")
        self.cause = StudentError(cause) if isinstance(cause, dict) else None
        self.context = StudentError(context) if isinstance(context, dict) else None
        self.syntax = described.get("syntax") if isinstance(described.get("syntax"), dict) else None
        attributes = described.get("attributes")
        # the exception's own plain attributes (``error.status``), when student code set any
        self.attributes: dict[str, Any] = dict(attributes) if isinstance(attributes, dict) else {}
        super().__init__(self.message)
        # pytest and the harness walk these like a real exception's chain
        self.__cause__ = self.cause
        self.__context__ = self.context
        self.__suppress_context__ = bool(described.get("suppress_context"))
        self.where: object = None  # a harness.locations.Location, set by the loader

    def is_a(self, kind: type | RemoteObject | str) -> bool:
        """isinstance in the student process: a class, a student class (a RemoteObject), or "module.Name"."""
        return _qualified_name(kind) in self.mro or (isinstance(kind, str) and kind in (self.type_name,))

    def chain(self) -> Iterator[StudentError]:
        """This error, then its causes and contexts (``raise X from Y``, errors raised in except), as a
        traceback shows them: ``raise X from None`` ends the chain."""
        seen = 0
        error: StudentError | None = self
        while error is not None and seen < 10:
            yield error
            error = error.cause or (None if error.__suppress_context__ else error.context)
            seen += 1

    @property
    def error_code(self) -> str | None:
        """AWS's error code when a botocore ClientError is this error or in its chain."""
        for error in self.chain():
            if isinstance(error.response, dict):
                code = (error.response.get("Error") or {}).get("Code")
                if code:
                    return str(code)
        return None

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{self.type_name}({self.message!r})"


class StudentExited(StudentError):
    """Student code ended its process: sys.exit, os._exit, a signal, or the harness's memory limit."""

    def __init__(self, message: str, *, exit_code: str | None = None) -> None:
        super().__init__({"type": "SystemExit", "qualified": "builtins.SystemExit", "message": message,
                          "mro": ["builtins.SystemExit", "builtins.BaseException", "builtins.object"]})
        self.exit_code = exit_code


def _qualified_name(kind: type | RemoteObject | str) -> str:
    if isinstance(kind, RemoteObject):
        return kind.qualified_name
    if isinstance(kind, type):
        return f"{kind.__module__}.{kind.__qualname__}"
    return str(kind)


def _no_references(tag: str, data: dict[str, Any]) -> Any:
    return f"<{tag}>"


@dataclass
class Session:
    """One student process and what it printed and logged, request by request."""

    process: StudentProcess
    on_output: Callable[[str, list[dict[str, Any]], list[Any]], None]
    ended: StudentExited | None = None
    refs: dict[int, RemoteObject] = field(default_factory=dict)

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        if self.ended is not None:
            raise self.ended
        try:
            reply = self.process.request(message)
        except StudentProcessEnded as end:
            self.ended = StudentExited(f"your code ended its process: {end}")
            raise self.ended from None
        except BaseException:  # a time limit stopped the wait: its answer must never reach a later request
            self.process.kill_group()
            self.ended = StudentExited("your code was stopped before it answered (time limit)")
            raise
        out, log, connections = reply.get("out"), reply.get("log"), reply.get("connections")
        self.on_output(
            out if isinstance(out, str) else "",
            [record for record in log if isinstance(record, dict)] if isinstance(log, list) else [],
            connections if isinstance(connections, list) else [],
        )
        if "exit" in reply:
            code = str(reply["exit"])
            self.ended = None  # the process lives on: SystemExit was caught there
            raise StudentExited(f"your code called sys.exit({code})", exit_code=code)
        if isinstance(reply.get("error"), dict):
            raise StudentError(reply["error"])
        return reply

    def value(self, reply: dict[str, Any], key: str = "value") -> Any:
        return protocol.decode(reply.get(key), self._resolve)

    def _resolve(self, tag: str, data: dict[str, Any]) -> Any:
        if tag == "$ref":
            return RemoteObject(self, data)
        if tag == "$exception":
            return StudentError(data["$exception"]) if isinstance(data["$exception"], dict) else None
        raise protocol.ProtocolError(f"unknown tag {tag}")

    def encode(self, value: Any) -> Any:
        return protocol.encode(value, self._other)

    def _other(self, value: Any) -> Any:
        if isinstance(value, RemoteObject):
            if value._session is not self:
                raise TypeError("an object of one student module cannot be passed to another")
            return {"$ref": value._ref}
        wire = getattr(type(value), "__student_wire__", None)
        if wire is not None:
            return wire(value)
        raise TypeError(f"a {type(value).__name__} cannot be sent to student code: pass plain data")


class RemoteObject:
    """A value that lives in the student process: attributes and calls are answered there."""

    def __init__(self, session: Session, info: dict[str, Any]) -> None:
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_ref", info.get("$ref"))
        object.__setattr__(self, "_info", info)

    @property
    def qualified_name(self) -> str:
        """``module.Class`` of a class; of an instance, of its class."""
        info = self._info
        return str(info.get("mro", [info.get("type")])[0] if self.is_class else info.get("type"))

    @property
    def is_class(self) -> bool:
        return "mro" in self._info

    @property
    def is_callable(self) -> bool:
        return bool(self._info.get("callable"))

    @property
    def name(self) -> str:
        return str(self._info.get("name") or str(self._info.get("type", "")).rsplit(".", 1)[-1])

    @property
    def bases(self) -> list[str]:
        """A class's method resolution order, as qualified names (``builtins.Exception`` ...)."""
        return [str(name) for name in self._info.get("mro", [])]

    def is_subclass_of(self, kind: type | RemoteObject | str) -> bool:
        return self.is_class and _qualified_name(kind) in self.bases

    def is_instance_of(self, kind: type | RemoteObject | str) -> bool:
        return _qualified_name(kind) in [str(name) for name in self._info.get("type_mro", [])]

    def text(self) -> tuple[str, str]:
        """(repr, str) of the object as it is now (the repr in its info was taken when it came over)."""
        value = self._session.value(self._session.request({"op": "text", "target": {"$ref": self._ref}}))
        if not isinstance(value, dict):
            return "", ""
        return str(value.get("repr", "")), str(value.get("str", ""))

    def names(self) -> list[str]:
        """The public names the object holds (``sorted(vars(module))`` without the ``_`` ones), for messages."""
        value = self._session.value(self._session.request({"op": "names", "target": {"$ref": self._ref}}))
        return [str(name) for name in value] if isinstance(value, list) else []

    def describe(self) -> dict[str, Any]:
        """A callable's ``signature`` (str, or None), ``parameters`` (name, kind, default, has_default) and ``doc``."""
        reply = self._session.request({"op": "describe", "target": {"$ref": self._ref}})
        value = self._session.value(reply)
        return value if isinstance(value, dict) else {"signature": None, "parameters": [], "doc": ""}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # copy, pickle and pytest probe these: never the student's
        reply = self._session.request({"op": "getattr", "target": {"$ref": self._ref}, "name": name})
        if reply.get("missing"):
            raise AttributeError(f"{self.name} has no attribute {name!r}")
        return self._session.value(reply)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("student objects are read-only from a grader")

    def _call(self, args: tuple[Any, ...], kwargs: dict[str, Any], *, echo_args: bool = False) -> dict[str, Any]:
        message = {"op": "call", "target": {"$ref": self._ref}, "args": self._session.encode(list(args)),
                   "kwargs": self._session.encode(kwargs), "echo_args": echo_args}
        return self._session.request(message)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._session.value(self._call(args, kwargs))

    def call_and_see_arguments(self, *args: Any) -> tuple[Any, list[Any]]:
        """Call it with plain-data arguments; (result, the arguments as the call left them), so a grader can
        tell a function that changes its caller's data in place (the student process has its own copy)."""
        reply = self._call(args, {}, echo_args=True)
        after = self._session.value(reply, "args_after")
        return self._session.value(reply), list(after) if isinstance(after, list) else []

    def __iter__(self) -> Iterator[Any]:
        reply = self._session.request({"op": "materialise", "target": {"$ref": self._ref}})
        return iter(self._session.value(reply))

    def __repr__(self) -> str:
        return str(self._info.get("repr", "<student object>"))


class StudentModule(RemoteObject):
    """The student's module, imported fresh in a process of its own (a Lambda cold start)."""

    def __init__(self, session: Session, info: dict[str, Any], path: Path) -> None:
        super().__init__(session, info)
        object.__setattr__(self, "path", path)

    @property
    def name(self) -> str:
        return self.path.stem

    @contextmanager
    def time_limit(self, seconds: float) -> Iterator[None]:
        """Calls inside end after ``seconds``: the process group is killed and the call raises
        StudentExited saying so; for one call among several in a check (each of a student's exploits)."""
        session = self._session
        expired = threading.Event()

        def stop() -> None:
            expired.set()
            session.process.kill_group()

        timer = threading.Timer(seconds, stop)
        timer.daemon = True
        timer.start()
        try:
            yield
        except StudentExited:
            if expired.is_set():
                session.ended = StudentExited(f"your code was stopped after {seconds:g} s (its time limit)")
                raise session.ended from None
            raise
        finally:
            timer.cancel()
