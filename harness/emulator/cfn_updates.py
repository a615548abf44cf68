"""CloudFormation stack updates in dependency order, with the old resources removed last, as on AWS.

moto updates a stack by deleting removed resources first, then adding new ones, then modifying the
rest, each in template order. A SAM redeploy with new code then publishes the new
``AWS::Lambda::Version`` before the function's code is updated (so no new version: the alias stays on
the old code), deletes the old version even though SAM marks it ``DeletionPolicy: Retain`` (a rollback
needs it), and a type moto cannot update is silently dropped from the stack. Here new and modified
resources are processed so that each comes after what it references (Ref, Fn::GetAtt, Fn::Sub,
DependsOn), removed resources are deleted afterwards unless retained, and a type that cannot be updated
fails the update with a reason instead of vanishing. A resource whose definition is unchanged but refers
to a parameter whose value changed (a new value given, or a new Default in the template: moto only saw
the former) is updated too, as CloudFormation does: a table whose TableName follows it is replaced.
"""

from __future__ import annotations

import re
from typing import Any

from harness.emulator.cfn_rollback import ResourceFailed

CANNOT_UPDATE = "The embedded backend (moto) cannot update resources of type {type}; delete the stack and deploy again."
_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[^}]*)?\}")


def references(node: Any) -> set[str]:
    """Logical ids a resource definition points at."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else str(value).split(".")[0]
                found.add(target)
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                if isinstance(text, str):
                    found.update(_SUB_NAME.findall(text))
                found.update(references(value[1:] if isinstance(value, list) else []))
            elif key == "DependsOn":
                found.update([value] if isinstance(value, str) else value)
            else:
                found.update(references(value))
    elif isinstance(node, list):
        for item in node:
            found.update(references(item))
    return found


def changed_parameters(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    """Parameters whose value changed: given anew, or their Default changed in the template."""
    return {name for name in set(before) | set(after) if before.get(name) != after.get(name)}


def dependency_order(resources: dict[str, Any], names: list[str]) -> list[str]:
    wanted, ordered, seen = set(names), [], set()

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for dependency in sorted(references(resources[name]) & wanted):
            visit(dependency)
        ordered.append(name)

    for name in names:
        visit(name)
    return ordered


def apply() -> None:
    from moto.cloudformation import parsing
    from moto.cloudformation.parsing import ResourceMap

    def update(self: ResourceMap, template: dict[str, Any], parameters: dict[str, Any] | None = None) -> None:
        names = self.build_resource_diff(template, parameters)
        previous = self._resource_json_map
        values_before = dict(self.resolved_parameters)
        self._template = template
        if parameters:
            self.input_parameters = parameters
        self.load_mapping()
        self.load_parameters()
        self.load_conditions()
        self._resource_json_map = template["Resources"]
        changed = changed_parameters(values_before, self.resolved_parameters)
        names["Modify"] += [
            name
            for name, resource in self._resource_json_map.items()
            if name in previous and name not in names["Modify"] and references(resource) & changed
        ]
        for name in dependency_order(self._resource_json_map, names["Add"] + names["Modify"]):
            if name in names["Add"]:
                _ = self[name]  # moto creates a resource the first time it is looked up
                continue
            resource_type = self._resource_json_map[name]["Type"]
            model = parsing.resource_class_from_type(resource_type)
            if model is None or hasattr(model.update_from_cloudformation_json, "__isabstractmethod__"):
                raise ResourceFailed(name, resource_type, CANNOT_UPDATE.format(type=resource_type))
            self._parsed_resources[name] = parsing.parse_and_update_resource(
                name, self._resource_json_map[name], self, account_id=self._account_id, region_name=self._region_name
            )
        remove_old(self, previous, names["Remove"])

    ResourceMap.update = update  # type: ignore[method-assign]


def remove_old(resources: Any, previous: dict[str, Any], names: list[str]) -> None:
    """Delete what the new template no longer has (a few passes: one may depend on another)."""
    pending = [name for name in names if name in resources._parsed_resources]
    for name in [n for n in pending if previous[n].get("DeletionPolicy") == "Retain"]:
        resources._parsed_resources.pop(name)  # kept in the account, no longer in the stack
        pending.remove(name)
    for _ in range(3):
        failed = []
        for name in pending:
            try:
                resources._delete_resource(resources._parsed_resources[name], previous[name])
            except Exception:  # noqa: BLE001 - another removed resource may still use it: next pass
                failed.append(name)
            else:
                resources._parsed_resources.pop(name)
        pending = failed
        if not pending:
            return
