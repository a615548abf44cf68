"""CodeDeploy's Lambda traffic shift, run on the backend's clock, with rollback when an alarm fires.

SAM's ``DeploymentPreference`` gives the function's alias an ``UpdatePolicy: CodeDeployLambdaAliasUpdate``.
On AWS, a stack update that moves such an alias to a new version does not move it: CloudFormation starts
a CodeDeploy deployment in the alias's deployment group, which shifts the traffic as the group's
deployment configuration says (``Canary10Percent5Minutes``: 10 % for 5 minutes, then all of it;
``Linear10PercentEvery1Minute``: 10 % more every minute; ``AllAtOnce``), watches the group's CloudWatch
alarms, and when one is in ALARM stops the deployment and puts all traffic back on the old version.
moto has none of it (the alias moved at once). Here the deployment is made through moto's CodeDeploy
backend (``get-deployment``/``list-deployments`` see it: InProgress, then Succeeded, or Stopped with
``errorInformation`` ALARM_ACTIVE), and each step of the shift is the alias's routing config, set when
the backend's clock (clock.py) reaches it: a grader advances the clock instead of waiting minutes.

Simplified, and said in docs/harness.md: the stack update completes at once (on AWS it waits for the
deployment and rolls the stack back when the deployment fails); the alarms are judged whenever the
clock moves or the alias or deployment is read, so within one advance that crosses both an alarm's
transition to ALARM and the end of the shift, the alarm wins; PreTraffic/PostTraffic hooks are not run.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from harness.emulator import clock, resets

UNKNOWN_CONFIG = (
    "The embedded backend shifts traffic only for CodeDeploy's predefined Lambda configurations "
    "(CodeDeployDefault.LambdaCanary..., LambdaLinear..., LambdaAllAtOnce), not {name}."
)
ALARM_ACTIVE = (
    "One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the "
    "affected deployments have been stopped. Activated alarms: <{names}>"
)

_lock = threading.RLock()
_busy = threading.local()


@dataclass
class Shift:
    """One deployment shifting an alias from ``old`` to ``new``: (seconds after start, weight of new) steps."""

    account_id: str
    region: str
    deployment_id: str
    function_name: str
    alias: str
    description: str
    old: str
    new: str
    steps: list[tuple[float, float]]
    started: float
    alarms: list[str] = field(default_factory=list)
    applied: int = 0  # how many steps are in place


_active: list[Shift] = []


def plan(config_name: str | None) -> list[tuple[float, float]]:
    """The shift a predefined Lambda deployment configuration describes."""
    name = (config_name or "CodeDeployDefault.LambdaAllAtOnce").split(".", 1)[-1]
    if name == "LambdaAllAtOnce":
        return [(0.0, 1.0)]
    canary = re.fullmatch(r"LambdaCanary(\d+)Percent(\d+)Minutes?", name)
    if canary and 0 < int(canary.group(1)) < 100:
        percent, minutes = map(int, canary.groups())
        return [(0.0, percent / 100), (minutes * 60.0, 1.0)]
    linear = re.fullmatch(r"LambdaLinear(\d+)PercentEvery(\d+)Minutes?", name)
    if linear and 0 < int(linear.group(1)) < 100:
        percent, minutes = map(int, linear.groups())
        steps, share, at = [], percent, 0.0
        while share < 100:
            steps.append((at, share / 100))
            share, at = share + percent, at + minutes * 60.0
        return [*steps, (at, 1.0)]
    raise ValueError(UNKNOWN_CONFIG.format(name=config_name))


def start(
    account_id: str,
    region: str,
    function_name: str,
    alias: str,
    description: str,
    old: str,
    new: str,
    policy: dict[str, Any],
) -> str:
    """Starts the deployment a stack update of a CodeDeploy-managed alias asks for; answers its id."""
    from moto.codedeploy.models import codedeploy_backends

    backend = codedeploy_backends[account_id][region]
    application, group_name = policy["ApplicationName"], policy["DeploymentGroupName"]
    group = backend.get_deployment_group(application, group_name)
    steps = plan(group.deployment_config_name)
    appspec = {
        "version": 0.0,
        "Resources": [
            {
                alias: {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {"Name": function_name, "Alias": alias, "CurrentVersion": old, "TargetVersion": new},
                }
            }
        ],
    }
    revision = {"revisionType": "AppSpecContent", "appSpecContent": {"content": json.dumps(appspec)}}
    deployment_id = backend.create_deployment(application, group_name, revision)
    deployment = backend.deployments[deployment_id]
    deployment.status, deployment.start_time = "InProgress", clock.utcnow()
    shift = Shift(
        account_id, region, deployment_id, function_name, alias, description, old, new, steps, clock.now(),
        alarms=_alarm_names(group),
    )
    with _lock, _quiet():
        _active.append(shift)
        _step(shift)
    return deployment_id


def _alarm_names(group: Any) -> list[str]:
    configuration = group.alarm_configuration or {}
    if isinstance(configuration, dict):
        enabled, alarms = configuration.get("enabled"), configuration.get("alarms") or []
    else:
        enabled, alarms = configuration.enabled, configuration.alarms
    if enabled in (False, "false", "False"):
        return []
    return [alarm["name"] for alarm in alarms if isinstance(alarm, dict) and alarm.get("name")]


def catch_up() -> None:
    """Brings every shift up to the backend's time (called on every clock advance and read)."""
    if not _active or getattr(_busy, "on", False):
        return
    with _lock, _quiet():
        for shift in list(_active):
            _step(shift)


def _step(shift: Shift) -> None:
    fired = _alarms_fired(shift)
    if fired:
        _roll_back(shift, fired)
        return
    elapsed = clock.now() - shift.started
    due = sum(1 for at, _ in shift.steps if at <= elapsed)
    if due > shift.applied:
        shift.applied = due
        _route(shift, shift.steps[due - 1][1])
        if shift.steps[due - 1][1] >= 1.0:
            _finish(shift, "Succeeded")


def _route(shift: Shift, weight: float) -> None:
    from moto.awslambda.utils import get_backend

    backend = get_backend(shift.account_id, shift.region)
    with _quiet():
        if weight >= 1.0:
            backend.update_alias(shift.alias, shift.function_name, shift.new, shift.description, {})
        else:
            weights = {"AdditionalVersionWeights": {shift.new: weight}}
            backend.update_alias(shift.alias, shift.function_name, shift.old, shift.description, weights)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Our own alias reads and updates must not catch up again (they run inside a catch-up)."""
    was = getattr(_busy, "on", False)
    _busy.on = True
    try:
        yield
    finally:
        _busy.on = was


def _alarms_fired(shift: Shift) -> list[str]:
    """The group's alarms in ALARM now, or that went into ALARM since the deployment started."""
    if not shift.alarms:
        return []
    from moto.cloudwatch.models import cloudwatch_backends

    backend = cloudwatch_backends[shift.account_id][shift.region]
    since = datetime.fromtimestamp(shift.started, tz=timezone.utc).replace(tzinfo=None)
    fired = []
    for name in shift.alarms:
        alarm = backend.alarms.get(name)
        if alarm is None:
            continue
        went_off = any(
            item["AlarmName"] == name
            and item["HistoryItemType"] == "StateUpdate"
            and item["Timestamp"] >= since
            and json.loads(item["HistoryData"])["newState"]["stateValue"] == "ALARM"
            for item in getattr(backend, "course_alarm_history", [])
        )
        if alarm.state_value == "ALARM" or went_off:
            fired.append(name)
    return fired


def _roll_back(shift: Shift, alarms: list[str]) -> None:
    from moto.awslambda.utils import get_backend

    with _quiet():
        get_backend(shift.account_id, shift.region).update_alias(
            shift.alias, shift.function_name, shift.old, shift.description, {}
        )
    deployment = _finish(shift, "Stopped")
    deployment.error_information = {"code": "ALARM_ACTIVE", "message": ALARM_ACTIVE.format(names=", ".join(alarms))}
    deployment.rollback_information = {
        "rollbackMessage": f"Deployment {shift.deployment_id} was stopped by an alarm; all traffic is back on "
        f"version {shift.old} of {shift.function_name}:{shift.alias}."
    }


def _finish(shift: Shift, status: str) -> Any:
    from moto.codedeploy.models import codedeploy_backends

    deployment = codedeploy_backends[shift.account_id][shift.region].deployments[shift.deployment_id]
    deployment.status, deployment.complete_time = status, clock.utcnow()
    if shift in _active:
        _active.remove(shift)
    return deployment


def forget() -> None:
    with _lock:
        _active.clear()


def apply() -> None:
    from moto.awslambda.models import LambdaStorage
    from moto.codedeploy import responses
    from moto.codedeploy.models import CodeDeployBackend

    clock.on_advance(catch_up)
    resets.on_reset(forget)
    if getattr(LambdaStorage._get_function_aliases, "shifts_traffic", False):
        return

    aliases_of = LambdaStorage._get_function_aliases

    def aliases_caught_up(self: Any, function_name: str) -> Any:
        catch_up()
        return aliases_of(self, function_name)

    aliases_caught_up.shifts_traffic = True  # type: ignore[attr-defined]
    LambdaStorage._get_function_aliases = aliases_caught_up  # type: ignore[method-assign]

    for name in ("get_deployment", "batch_get_deployments", "list_deployments"):
        original = getattr(CodeDeployBackend, name)

        def caught_up(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            catch_up()
            return _original(self, *args, **kwargs)

        setattr(CodeDeployBackend, name, caught_up)

    deployment_info = responses._deployment_info

    def with_errors(deployment: Any) -> dict[str, Any]:
        info = deployment_info(deployment)
        info["errorInformation"] = getattr(deployment, "error_information", {})
        info["rollbackInfo"] = getattr(deployment, "rollback_information", {})
        return info

    responses._deployment_info = with_errors
