"""Lambda provisioned concurrency on an alias or a version, as AWS allocates and uses it.

moto has no provisioned concurrency API (its server answers 404). Here Put/Get/Delete/List
ProvisionedConcurrencyConfig work with AWS's validation: not on $LATEST nor on an alias pointing at
$LATEST ("unpublished function versions"), the alias or version must exist, the function's provisioned
total may not exceed its reserved concurrency, and an alias and the version it points at cannot both
have a configuration.

Allocation: PutProvisionedConcurrencyConfig answers ``IN_PROGRESS`` with nothing allocated, as AWS does;
the first read of the configuration (Get or List, which is what a script polls) allocates it: the
environments are started and their module code run (the init) during that request, and the read answers
``READY`` with Allocated and Available equal to the request. Like lambda_updates.py, the minutes AWS
takes are compressed to the first read, never to the virtual clock: the same requests always get the
same answers (script replay), and a script that waits for READY never waits here. An invocation before
that read runs on demand, as it would on AWS while the allocation is in progress. An alias moved to
another version is allocated again at its next read (until then its invocations run on demand). If an
environment's init fails, the configuration is ``FAILED`` with the error in StatusReason. A stack's
``AWS::Lambda::Alias`` with ProvisionedConcurrencyConfig is allocated at once (cfn_lambda.py), as
CloudFormation waits for READY.

Invocations through a READY alias or version take an idle provisioned environment: no init, no
``Init Duration`` in REPORT, ``AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency``; past the
allocated count they spill over to on-demand environments (lambda_environments.py). A provisioned
environment that ends (a timeout, an exit) is replaced in the background, as Lambda keeps the allocation.
Not simulated: an alias's additional (weighted) version gets no provisioned environments.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

from . import lambda_execution, lambda_telemetry, resets
from .lambda_environments import POOL

ROUTE = r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[\w_:%-]+)/provisioned-concurrency/?$"
MAX_PROVISIONED = 10  # each one is a process on the student's machine; AWS allows the account's unreserved concurrency
UNPUBLISHED = "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
NOT_ALIAS_OR_VERSION = "The function resource provided must be an alias or a published version."
OVER_RESERVED = "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function"
OVER_EMULATOR_LIMIT = (
    "The course's embedded backend provisions at most {limit} execution environments per alias or version "
    "(each one is a process on this machine); AWS allows up to the account's unreserved concurrency."
)
NOT_FOUND = "No Provisioned Concurrency Config found for this function"


@dataclass
class Config:
    requested: int
    last_modified: str
    status: str = "IN_PROGRESS"
    reason: str | None = None
    version: str | None = None  # the version allocated
    allocated: int = 0


Key = tuple[str, str, str, str]  # (account, region, function name, qualifier)
_configs: dict[Key, Config] = {}
_lock = threading.RLock()


def clear() -> None:
    with _lock:
        _configs.clear()


def serving(account_id: str, region: str, name: str, qualifier: str | None, version: str) -> Key | None:
    """The key of the provisioned environments an invocation of ``qualifier`` running ``version`` may use."""
    if not qualifier:
        return None
    key = (account_id, region, name, qualifier)
    with _lock:
        config = _configs.get(key)
        if config is None or config.status != "READY" or config.version != version:
            return None
    return key


def apply() -> None:
    from moto.awslambda import urls
    from moto.awslambda.responses import LambdaResponse

    urls.url_paths[ROUTE] = LambdaResponse.dispatch
    LambdaResponse.put_provisioned_concurrency_config = _put  # type: ignore[attr-defined]
    LambdaResponse.get_provisioned_concurrency_config = _get  # type: ignore[attr-defined]
    LambdaResponse.delete_provisioned_concurrency_config = _delete  # type: ignore[attr-defined]
    LambdaResponse.list_provisioned_concurrency_configs = _list  # type: ignore[attr-defined]
    resets.on_reset(clear)
    POOL.on_provisioned_start = _log_init


# -- what the API and CloudFormation share ---------------------------------------------------------------
def configure(backend: Any, name: str, qualifier: str | None, count: int) -> Config:
    """Store a configuration (IN_PROGRESS) after AWS's checks; its previous environments end."""
    from moto.awslambda.exceptions import InvalidParameterValueException

    if qualifier == "$LATEST":
        raise InvalidParameterValueException(UNPUBLISHED)
    latest, version, alias = _target(backend, name, qualifier)
    if version == "$LATEST":
        raise InvalidParameterValueException(UNPUBLISHED)
    account, region = backend.account_id, backend.region_name
    with _lock:
        others = {q: c for (a, r, n, q), c in _configs.items() if (a, r, n) == (account, region, name) and q != qualifier}
        if alias is not None and version in others:
            raise _conflict("Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version")
        if alias is None and any(_alias_version(backend, name, q) == qualifier for q in others):
            raise _conflict("Version is pointed by a Provisioned Concurrency alias")
        reserved = latest.reserved_concurrency
        if reserved not in (None, "") and int(reserved) < sum(c.requested for c in others.values()) + count:
            raise InvalidParameterValueException(OVER_RESERVED)
        if count > MAX_PROVISIONED:
            raise InvalidParameterValueException(OVER_EMULATOR_LIMIT.format(limit=MAX_PROVISIONED))
        key = (account, region, name, str(qualifier))
        config = _configs[key] = Config(count, _now())
    POOL.deprovision(key)
    return config


def allocate(backend: Any, name: str, qualifier: str, endpoint: str) -> Config | None:
    """Allocate a stored configuration now if it is not yet (what the first read does); None if there is none."""
    key = (backend.account_id, backend.region_name, name, qualifier)
    with _lock:
        config = _configs.get(key)
    version = _alias_version(backend, name, qualifier)
    if config is not None and version is not None:
        _settle(backend, key, config, version, endpoint)
    return config


def remove(backend: Any, name: str, qualifier: str) -> None:
    key = (backend.account_id, backend.region_name, name, qualifier)
    with _lock:
        _configs.pop(key, None)
    POOL.deprovision(key)


# -- the API -------------------------------------------------------------------------------------------
def _put(self: Any) -> tuple[int, dict[str, str], str]:
    from moto.awslambda.exceptions import LambdaClientError

    name, qualifier = _names(self)
    count = self._get_param("ProvisionedConcurrentExecutions")
    if not isinstance(count, int) or count < 1:
        raise LambdaClientError(
            "ValidationException",
            f"1 validation error detected: Value '{count}' at 'provisionedConcurrentExecutions' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1",
        )
    config = configure(self.backend, name, qualifier, count)
    return 202, {"status": "202", "content-type": "application/json"}, json.dumps(_describe(config))


def _get(self: Any) -> tuple[int, dict[str, str], str]:
    from moto.awslambda.exceptions import InvalidParameterValueException

    name, qualifier = _names(self)
    if qualifier in (None, "", "$LATEST"):
        raise InvalidParameterValueException(NOT_ALIAS_OR_VERSION)
    _target(self.backend, name, qualifier)  # AWS's error for an alias or version that does not exist
    config = allocate(self.backend, name, str(qualifier), _endpoint(self))
    if config is None:
        raise _not_found()
    return 200, {"status": "200", "content-type": "application/json"}, json.dumps(_describe(config))


def _delete(self: Any) -> tuple[int, dict[str, str], str]:
    from moto.awslambda.exceptions import InvalidParameterValueException

    name, qualifier = _names(self)
    if qualifier in (None, "", "$LATEST"):
        raise InvalidParameterValueException(NOT_ALIAS_OR_VERSION)
    _target(self.backend, name, qualifier)
    remove(self.backend, name, str(qualifier))
    return 204, {"status": "204"}, ""


def _list(self: Any) -> tuple[int, dict[str, str], str]:
    name, _ = _names(self)
    latest = self.backend.get_function(name)  # ResourceNotFoundException for an unknown function
    account, region = self.backend.account_id, self.backend.region_name
    with _lock:
        mine = sorted((key, config) for key, config in _configs.items() if key[:3] == (account, region, name))
    items = []
    for key, config in mine:
        version = _alias_version(self.backend, name, key[3])
        if version is None:  # its alias or version was deleted: so is the configuration
            remove(self.backend, name, key[3])
            continue
        _settle(self.backend, key, config, version, _endpoint(self))
        arn = latest.function_arn.split(":function:")[0] + f":function:{name}:{key[3]}"
        items.append({"FunctionArn": arn, **_describe(config)})
    return 200, {"status": "200", "content-type": "application/json"}, json.dumps({"ProvisionedConcurrencyConfigs": items})


# -- allocation ----------------------------------------------------------------------------------------
def _settle(backend: Any, key: Key, config: Config, version: str, endpoint: str) -> None:
    """At the first read after a put (or after the alias moved), allocate: start and initialise the environments."""
    from .lambda_invoke import _spec

    if config.status in ("READY", "FAILED") and config.version == version:
        return
    function = backend._lambdas._get_version(key[2], version)
    spec = _spec(function, backend)
    started = POOL.provision(key, spec, endpoint, config.requested)
    failures = []
    for _, init in started:
        if init.reply is None or init.reply.get("error"):
            failures.append((init.reply or {}).get("error") or {"errorType": "Runtime.ExitError", "errorMessage": init.exit_status})
    with _lock:
        config.version = version
        config.allocated = len(started) - len(failures)
        config.status = "FAILED" if failures else "READY"
        config.reason = (
            f"Function initialization failed: {failures[0]['errorType']}: {failures[0].get('errorMessage', '')}"
            if failures else None
        )


def _log_init(environment: Any, init: Any) -> None:
    """A provisioned environment's init, in its own log stream, when it happens (allocation or replacement)."""
    spec = environment.spec
    lines = [lambda_execution.init_start_line(spec), *init.log]
    lambda_telemetry.write_log(spec.account_id, spec.region, spec.log_group, environment.log_stream, lines)


# -- helpers -------------------------------------------------------------------------------------------
def _endpoint(response: Any) -> str:
    from .lambda_invoke import _own_endpoint

    return _own_endpoint(response)


def _names(response: Any) -> tuple[str, str | None]:
    """The function's name (from a name or an ARN in the path) and the qualifier asked for."""
    from moto.awslambda.exceptions import InvalidParameterValueException

    raw = unquote(response.path.rsplit("/", 2)[-2])
    if raw.startswith("arn:"):
        _, name, in_name = response.backend._lambdas.split_function_arn(raw)
    else:
        name, _, in_name = raw.partition(":")
    qualifier = (response.querystring.get("Qualifier") or [None])[0]
    if in_name and qualifier and in_name != qualifier:
        raise InvalidParameterValueException(
            "The derived qualifier from the function name does not match the specified qualifier."
        )
    return name, qualifier or in_name or None


def _target(backend: Any, name: str, qualifier: str | None) -> tuple[Any, str, Any]:
    """($LATEST's function object, the version the qualifier names or points at, its alias or None)."""
    latest = backend.get_function(name)  # ResourceNotFoundException, as AWS says it
    storage = backend._lambdas
    base = latest.function_arn.split(":function:")[0] + f":function:{name}"
    if qualifier and qualifier.isdigit():
        if storage._get_version(name, qualifier) is None:
            raise _resource_not_found(f"Function not found: {base}:{qualifier}")
        return latest, qualifier, None
    alias = storage._get_function_aliases(name).get(qualifier or "")
    if alias is None:
        raise _resource_not_found(f"Cannot find alias arn: {base}:{qualifier}")
    return latest, str(alias.function_version), alias


def _alias_version(backend: Any, name: str, qualifier: str) -> str | None:
    """The version a qualifier runs now (itself for a version), or None when it no longer exists."""
    try:
        return _target(backend, name, qualifier)[1]
    except Exception:
        return None


def _describe(config: Config) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "RequestedProvisionedConcurrentExecutions": config.requested,
        "AvailableProvisionedConcurrentExecutions": config.allocated,
        "AllocatedProvisionedConcurrentExecutions": config.allocated,
        "Status": config.status,
        "LastModified": config.last_modified,
    }
    if config.reason:
        answer["StatusReason"] = config.reason
    return answer


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _error(error_type: str, message: str, code: int) -> Exception:
    from moto.awslambda.exceptions import LambdaClientError

    error = LambdaClientError(error_type, message)
    error.code = code
    return error


def _conflict(message: str) -> Exception:
    return _error("ResourceConflictException", message, 409)


def _resource_not_found(message: str) -> Exception:
    return _error("ResourceNotFoundException", message, 404)


def _not_found() -> Exception:
    return _error("ProvisionedConcurrencyConfigNotFoundException", NOT_FOUND, 404)
