"""A Lambda execution environment's runtime, in a child process, the way the Python runtime behaves.

Usage: python -I -u -m harness.lambda_runner HANDLER REQUEST_FD REPLY_FD MARKER  (cwd: the package root)

It imports the handler's module once (the init of a cold start) and answers ``{"init": true, "error": ...}``,
then runs one invocation per request line for as long as the environment lives: module-level state
survives from one invocation to the next, as on Lambda. Requests and replies are JSON lines on the two
pipes, never pickle. stdout and stderr are the function's log; after each phase the runner writes
MARKER on its own line to the log, so its owner knows where that invocation's output ends. A timeout is
the owner's to enforce: it kills the environment (a loop in C code ends too); ``sys.exit`` ends it here.

``python -I -u -X utf8 -m harness.lambda_runner --zygote CONTROL_FD`` is the runtime's zygote: it imports
boto3 (in the Python runtime, as on Lambda; not imported by Lambda itself, so a cold start here costs what
the function's own imports and init cost, minus boto3's ~0.15 s of CPU) and forks one environment per
request, which then becomes what the command above starts: its session, working folder, pipes and
environment variables. No function code ever runs in the zygote. A package that brings its own copy of a
module the zygote imported (a vendored boto3) is run by a new interpreter instead (exec), so that its
copy is the one imported, as on Lambda where /var/task comes first.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import time
import traceback
from typing import Any, Callable

from . import lambda_runtime_log
from .student import clienttag, netguard


class LambdaContext:
    """The attributes and method of the context object the Lambda Python runtime passes a handler."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "function")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.aws_request_id = request["id"]
        self.invoked_function_arn = request["arn"]
        self.identity = None
        self.client_context = None
        self._deadline_ms = float(request["deadline_ms"])

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._deadline_ms - time.time() * 1000))


def _error(message: str, error_type: str, request_id: str = "", stack: list[str] | None = None) -> dict[str, Any]:
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": stack or []}


def _load(handler_spec: str) -> tuple[Callable[..., Any] | None, dict[str, Any] | None]:
    """Import the handler's module (the init), failing as the Python runtime does.

    ImportError (ModuleNotFoundError too): Runtime.ImportModuleError; SyntaxError:
    Runtime.UserCodeSyntaxError; any other exception raised by the module's code: the exception's own
    type, message and stack, as the runtime's bootstrap reports it (awslambdaric's _get_handler).
    """
    module_name, _, function_name = handler_spec.rpartition(".")
    if not module_name:
        message = f"Bad handler '{handler_spec}': not enough values to unpack (expected 2, got 1)"
        return None, _error(message, "Runtime.MalformedHandlerName")
    if module_name.split(".")[0] in sys.builtin_module_names:
        return None, _error(f"Cannot use built-in module {module_name} as a handler module", "Runtime.BuiltInModuleConflict")
    sys.path.insert(0, os.getcwd())  # the package root, as /var/task is on Lambda
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        return None, _error(f"Unable to import module '{module_name}': {error}", "Runtime.ImportModuleError")
    except SyntaxError as error:
        stack = [f'  File "{error.filename}" Line {error.lineno}\n    {error.text}']
        return None, _error(f"Syntax error in module '{module_name}': {error}", "Runtime.UserCodeSyntaxError", stack=stack)
    except Exception as error:
        frames = traceback.extract_tb(error.__traceback__)
        frames = [frame for frame in frames if frame.filename != __file__]  # the runtime's own frames, as awslambdaric drops its bootstrap's
        return None, _error(str(error), type(error).__name__, stack=traceback.format_list(frames))
    handler = getattr(module, function_name, None)
    if not callable(handler):
        return None, _error(f"Handler '{function_name}' missing on module '{module_name}'", "Runtime.HandlerNotFound")
    return handler, None


def _invoke(handler: Callable[..., Any], request: dict[str, Any]) -> dict[str, Any]:
    request_id = request["id"]
    lambda_runtime_log.set_request_id(request_id)
    if request.get("trace"):  # as the runtime does from Lambda-Runtime-Trace-Id: a new one per invocation
        os.environ["_X_AMZN_TRACE_ID"] = request["trace"]
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    context = LambdaContext(request)
    started = time.perf_counter()
    try:
        event = json.loads(request["event"])
        result = handler(event, context)
    except Exception as error:
        trace = traceback.format_exception(type(error), error, error.__traceback__)
        lambda_runtime_log.write_event(f"[ERROR] {type(error).__name__}: {error}\n" + "".join(trace))
        stack = traceback.format_tb(error.__traceback__)
        outcome, failed = _error(str(error), type(error).__name__, request_id, stack), True
    else:
        try:
            outcome, failed = json.loads(json.dumps(result)), False  # what the runtime sends is JSON
        except (TypeError, ValueError) as error:
            outcome, failed = _error(f"Unable to marshal response: {error}", "Runtime.MarshalError", request_id), True
    duration_ms = (time.perf_counter() - started) * 1000
    return {"payload": outcome, "error": failed, "duration_ms": duration_ms, "max_memory_mb": _max_memory_mb()}


def _max_memory_mb() -> int:
    """The peak resident memory of this environment (VmHWM: ru_maxrss would include the forking parent's)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return max(1, int(line.split()[1]) // 1024)
    except (OSError, ValueError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # bytes on macOS, kilobytes elsewhere
    return max(1, peak // (1024 * 1024 if sys.platform == "darwin" else 1024))


def _end_of_output(marker: str) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os.write(1, f"{marker}\n".encode())


def main(argv: list[str]) -> int:
    handler_spec, request_fd, reply_fd, marker = argv[0], int(argv[1]), int(argv[2]), argv[3]
    if netguard.install_from_environment():  # -I ignores PYTHONPATH, so sitecustomize does not run here
        clienttag.install_when_imported()
    lambda_runtime_log.install()
    requests = os.fdopen(request_fd, "rb")
    replies = os.fdopen(reply_fd, "wb")

    def reply(message: dict[str, Any]) -> None:
        _end_of_output(marker)
        replies.write(json.dumps(message).encode() + b"\n")
        replies.flush()  # a buffered writer writes a large reply whole

    handler, init_error = _load(handler_spec)
    if init_error is not None:  # logged as the runtime's log_error does: the stack (if any) after the header
        stack = "".join(init_error["stackTrace"]).rstrip("\n")
        lambda_runtime_log.write_event(
            f"[ERROR] {init_error['errorType']}: {init_error['errorMessage']}\nTraceback (most recent call last):"
            + (f"\n{stack}" if stack else "")
        )
    reply({"init": True, "error": init_error})
    if handler is None:
        return 0
    for line in requests:  # EOF: the owner closed the environment
        reply(_invoke(handler, json.loads(line)))  # sys.exit in the handler ends the process: Runtime.ExitError
    return 0


WARM_IMPORTS = ("boto3",)  # in Lambda's Python runtime, and what most functions import first
# The services the course's functions make clients of (parsed once here, not at each cold start).
WARM_MODELS = ("dynamodb", "sns", "cloudwatch")
MAX_REQUEST_BYTES = 1 << 20  # a fork request: the handler, marker, folder and environment variables, as JSON


def zygote(control_fd: int) -> int:
    """Fork an environment per request (harness/student/fork_server.py's protocol, the student zygote's):
    a fork request is b"F" + JSON {handler, marker, cwd, env} with the request, reply and log pipe ends."""
    from .student import fork_server

    baseline = _top_level_modules()
    for name in WARM_IMPORTS:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - not installed: functions import it themselves, and fail as they would
            pass
    warm = _top_level_modules() - baseline
    if "boto3" in warm:
        from . import botocore_files

        botocore_files.parse_ahead(WARM_MODELS, for_moto=False)

    def become(request: bytes, fds: list[int]) -> None:
        _become_environment(request, fds, warm)  # never returns

    return fork_server.serve(control_fd, fds_per_fork=3, max_request_bytes=MAX_REQUEST_BYTES, become=become)


def _top_level_modules() -> set[str]:
    return {name.partition(".")[0] for name in sys.modules}


def _become_environment(request_json: bytes, fds: list[int], warm: set[str]) -> None:
    """In the forked child: what a new ``python -I -u -X utf8 -m harness.lambda_runner`` has, then main()."""
    code: Any = 1
    try:
        request = json.loads(request_json)
        request_fd, reply_fd, log_fd = fds  # in a session of its own (fork_server): one kill reaches what the function starts
        os.chdir(request["cwd"])
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        os.close(null)
        os.close(log_fd)
        os.environ.clear()
        os.environ.update(request["env"])
        time.tzset()  # TZ is the function's
        args = [request["handler"], str(request_fd), str(reply_fd), request["marker"]]
        shipped = {entry.partition(".")[0] for entry in os.listdir(".")}
        if shipped & warm:  # the package's own copy must be the one imported: a new interpreter, as before
            for fd in (request_fd, reply_fd):
                os.set_inheritable(fd, True)
            os.execv(sys.executable, [sys.executable, "-I", "-u", "-X", "utf8", "-m", "harness.lambda_runner", *args])
        sys.argv = [__file__, *args]
        code = main(args)
    except SystemExit as exit_:  # sys.exit() in the function's init or handler: its status, as a process exit
        code = exit_.code
    except BaseException:  # noqa: BLE001 - what an uncaught error at the top would print, then status 1
        traceback.print_exc()
        code = 1
    finally:
        _exit_as_python_does(code)


def _exit_as_python_does(code: Any) -> None:
    """os._exit with the status an interpreter exit would give ``code``, after its exit functions ran."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code & 0xFF
    else:
        print(code, file=sys.stderr)
        status = 1
    try:
        import atexit

        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(status)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--zygote"]:
        sys.exit(zygote(int(sys.argv[2])))
    sys.exit(main(sys.argv[1:]))
