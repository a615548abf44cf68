"""Lambda ``Invoke`` runs the function's code, as Lambda does.

moto without Docker answers Invoke by echoing the payload (and drops the ``Qualifier`` parameter). Here
the stored package of the version asked for ($LATEST, a version, or an alias, whose routing weights pick
the version) runs in a warm execution environment (lambda_environments.py) with its handler, environment,
memory and timeout. The answer is Lambda's: the payload, ``X-Amz-Function-Error: Unhandled`` with
Lambda's error JSON, ``X-Amz-Log-Result`` (the log's last 4 KB, base64) for ``LogType=Tail``, and
``X-Amz-Executed-Version``. ``InvocationType=Event`` runs it in the background and answers 202;
``DryRun`` answers 204. Unknown function or qualifier: ResourceNotFoundException. Reserved concurrency
in use: TooManyRequestsException (429) and a Throttles metric.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import threading
import time
from typing import Any
from urllib.parse import unquote

from . import iam_enforcement, lambda_execution, lambda_provisioned, lambda_routing, lambda_telemetry, resets
from .lambda_environment import RUNTIME, FunctionSpec
from .lambda_environments import POOL, Throttled

MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
MAX_ASYNC_PAYLOAD = 256 * 1024
QUALIFIER_MISMATCH = "The derived qualifier from the function name does not match the specified qualifier."


def apply() -> None:
    from moto.awslambda.models import LambdaBackend
    from moto.awslambda.responses import LambdaResponse
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.utilities.aws_headers import amz_crc32

    echo = LambdaResponse.invoke

    @amz_crc32
    def invoke(self: LambdaResponse) -> Any:
        if not isinstance(self.backend, LambdaSimpleBackend):
            return echo(self)  # moto's Docker mode runs code its own way
        return _answer(self)

    invoke.__name__ = "invoke"
    LambdaResponse.invoke = invoke  # type: ignore[method-assign]

    create_function = LambdaBackend.create_function

    @functools.wraps(create_function)
    def create_and_warm_up(self: LambdaBackend, spec: dict[str, Any]) -> Any:
        created = create_function(self, spec)
        RUNTIME.warm_up()  # a cold start may follow: the runtime's zygote starts now (through a stack too)
        return created

    LambdaBackend.create_function = create_and_warm_up  # type: ignore[method-assign]
    resets.on_reset(POOL.close_all)
    resets.on_reset(lambda_routing.reseed)


def _client_error(error_type: str, message: str, code: int, **extra: Any) -> Exception:
    from moto.core.exceptions import JsonRESTError

    error = JsonRESTError(error_type, message)
    error.code = code
    if extra:
        error.description = json.dumps({"__type": error_type, "message": message, **extra})
    return error


def _answer(response: Any) -> tuple[int, dict[str, str], bytes | str]:
    name = unquote(response.path.rsplit("/", 2)[-2])
    qualifier = (response.querystring.get("Qualifier") or [None])[0]
    invocation_type = response.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
    target = resolve(response.backend, name, qualifier)
    if invocation_type == "DryRun":
        return 204, {"status": "204"}, ""
    body = response.body.decode("utf-8", "replace") if isinstance(response.body, bytes) else (response.body or "")
    event = _event_text(body, MAX_ASYNC_PAYLOAD if invocation_type == "Event" else MAX_SYNC_PAYLOAD)
    endpoint = _own_endpoint(response)
    if invocation_type == "Event":
        threading.Thread(target=_run_in_background, args=(target, event, endpoint, POOL.generation), daemon=True).start()
        return 202, {"status": "202", "content-type": "application/json"}, ""
    try:
        invocation = lambda_execution.run(target, event, endpoint)
    except Throttled:
        _count_throttle(target)
        raise _client_error("TooManyRequestsException", "Rate Exceeded.", 429,
                            Reason="ReservedFunctionConcurrentInvocationLimitExceeded", Type="User") from None
    headers = {"status": "200", "content-type": "application/json", "X-Amz-Executed-Version": invocation.executed_version}
    if invocation.function_error:
        headers["X-Amz-Function-Error"] = invocation.function_error
    if response.headers.get("X-Amz-Log-Type") == "Tail":
        headers["X-Amz-Log-Result"] = base64.b64encode(invocation.log_tail.encode("utf-8")).decode()
    return 200, headers, invocation.body


def _event_text(body: str, limit: int) -> str:
    if len(body.encode("utf-8")) > limit:
        raise _client_error("RequestEntityTooLargeException", f"Request must be smaller than {limit} bytes for the InvokeFunction operation", 413)
    if not body.strip():
        return "{}"  # boto3 without Payload sends nothing; the handler gets an empty object, as on Lambda
    try:
        json.loads(body)
    except ValueError as error:
        raise _client_error("InvalidRequestContentException", f"Could not parse request body into json: Could not parse payload into json: {error}", 400) from None
    return body


def _run_in_background(target: lambda_execution.Target, event: str, endpoint: str, generation: int) -> None:
    """An Event invocation: Lambda queues it; a throttled one waits for a free environment."""
    for _ in range(600):
        if POOL.generation != generation:
            return  # the backend was reset: this invocation belonged to the old state
        try:
            lambda_execution.run(target, event, endpoint)
            return
        except Throttled:
            _count_throttle(target)
            time.sleep(0.1)
        except Exception:  # the backend was reset or stopped under it: nobody waits for this answer
            return


def _count_throttle(target: lambda_execution.Target) -> None:
    spec = target.spec
    lambda_telemetry.put_metrics(spec.account_id, spec.region, lambda_telemetry.Measured(spec.name, target.resource, None, throttled=True))


def _own_endpoint(response: Any) -> str:
    """The server's own address, from the socket it listens on: a client's Host header could name any host."""
    environ = response.normalized_request.environ
    host = environ.get("SERVER_NAME", "127.0.0.1")
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://{host}:{environ.get('SERVER_PORT', '80')}"


def resolve(backend: Any, name_or_arn: str, qualifier: str | None) -> lambda_execution.Target:
    """The version an invocation runs, with AWS's errors for a function or qualifier that does not exist."""
    from moto.utilities.utils import ARN_PARTITION_REGEX

    storage = backend._lambdas
    if re.match(ARN_PARTITION_REGEX, name_or_arn):
        _, name, named_qualifier = storage.split_function_arn(name_or_arn)
    else:
        name, _, named_qualifier = name_or_arn.partition(":")
        named_qualifier = named_qualifier or None
    if named_qualifier and qualifier and named_qualifier != qualifier:
        from moto.awslambda.exceptions import InvalidParameterValueException

        raise InvalidParameterValueException(QUALIFIER_MISMATCH)
    qualifier = qualifier or named_qualifier
    latest = backend.get_function(name)  # ResourceNotFoundException, as AWS says it
    alias = None
    if qualifier in (None, "$LATEST"):
        function = latest
    else:
        function = storage._get_version(name, qualifier)
        if function is None:
            alias = storage._get_function_aliases(name).get(qualifier)
            if alias is None:
                raise storage.construct_unknown_function_exception(name, qualifier)
            version = lambda_routing.pick_version(alias.function_version, alias.routing_config)
            function = latest if version == "$LATEST" else storage._get_version(name, version)
            if function is None:
                raise storage.construct_unknown_function_exception(name, version)
    arn = latest.function_arn.split(":function:")[0] + f":function:{name}"
    reserved = latest.reserved_concurrency
    spec = _spec(function, backend)
    return lambda_execution.Target(
        spec=spec,
        invoked_arn=f"{arn}:{qualifier}" if qualifier else arn,
        resource=f"{name}:{qualifier}" if qualifier else None,
        alias=qualifier if alias is not None else None,
        reserved_concurrency=int(reserved) if reserved not in (None, "") else None,
        provisioned=lambda_provisioned.serving(spec.account_id, spec.region, name, qualifier, spec.version),
    )


def _spec(function: Any, backend: Any) -> FunctionSpec:
    version = str(function.version)
    return FunctionSpec(
        account_id=backend.account_id,
        region=backend.region_name,
        name=function.function_name,
        version=version,
        handler=function.handler or "",
        runtime=function.run_time or "",
        memory_mb=int(function.memory_size or 128),
        timeout_seconds=float(function.timeout or 3),
        variables=tuple(sorted((str(k), str(v)) for k, v in (function.environment_vars or {}).items())),
        code_sha256=getattr(function, "code_sha_256", ""),
        code=getattr(function, "code_bytes", b"") or b"",
        tracing=str((getattr(function, "tracing_config", None) or {}).get("Mode") or "PassThrough"),
        role_arn=str(getattr(function, "role", "") or ""),
        iam_enforced=iam_enforcement.enabled(),
    )
