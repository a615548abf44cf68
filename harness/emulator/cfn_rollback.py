"""CloudFormation: a resource that cannot be created fails the stack, which rolls back, as on AWS.

moto skips a resource type it has no model for (a warning in its log, the stack still CREATE_COMPLETE, a
Ref to it resolves to nothing: an output using it is missing), and a resource whose creation raises
leaves the stack CREATE_IN_PROGRESS for ever (CreateStack answers an error botocore cannot parse). On AWS
the resource is CREATE_FAILED with a reason, the stack deletes what it made and ends ROLLBACK_COMPLETE,
and DescribeStackEvents says why. Here a type with no model fails like any other resource ("... cannot
create resources of type ..."), the resources already made are deleted, and the stack ends
ROLLBACK_COMPLETE (ROLLBACK_FAILED when a delete fails). A failed update ends UPDATE_ROLLBACK_FAILED:
moto cannot put modified resources back, so the stack says so instead of claiming a rollback it did not
do.
"""

from __future__ import annotations

import functools
from typing import Any

CANNOT_CREATE = "The embedded backend (moto) cannot create resources of type {type}; deploy it on AWS or LocalStack."
FAILED_TO = "The following resource(s) failed to {action}: [{logical_id}]. "
CREATE_ROLLBACK = FAILED_TO + "Rollback requested by user."
UPDATE_NOT_ROLLED_BACK = (
    FAILED_TO + "The embedded backend cannot roll an update back: delete the stack and deploy again."
)

# What moto deliberately ignores (it has no state to keep for them).
IGNORED_TYPES = ("AWS::CloudFormation::WaitCondition", "AWS::CloudFormation::WaitConditionHandle")


class ResourceFailed(Exception):
    """One resource of a stack could not be created or updated."""

    def __init__(self, logical_id: str, resource_type: str, reason: str) -> None:
        super().__init__(reason)
        self.logical_id, self.resource_type, self.reason = logical_id, resource_type, reason


def reason_of(error: BaseException) -> str:
    if type(error) is KeyError:  # moto's model read a property the template does not give
        return f"Property {error} is missing: the embedded backend (moto) needs it for this resource type."
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    code = getattr(error, "error_type", None) or getattr(error, "code", None)
    return f"{message} (Error: {code})" if isinstance(code, str) and code not in message else message


def add_resource_event(stack: Any, failure: ResourceFailed, status: str) -> None:
    from moto.cloudformation.models import Event

    stack.events.append(
        Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=failure.logical_id,
            physical_resource_id="",
            resource_type=failure.resource_type,
            resource_status=status,
            resource_status_reason=failure.reason,
            resource_properties=None,
        )
    )


def add_done_event(resources_map: Any, logical_id: str, resource_type: str, made: Any, status: str) -> None:
    """A resource's own event, as AWS lists one per resource (``sam deploy`` and the console show them)."""
    from moto.cloudformation.models import Event, cloudformation_backends

    backend = cloudformation_backends[resources_map._account_id][resources_map._region_name]
    stack = backend.stacks.get(resources_map.stack_id)
    if stack is None:
        return
    physical_id = getattr(made, "physical_resource_id", "")
    stack.events.append(
        Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id=physical_id if isinstance(physical_id, str) else "",
            resource_type=resource_type,
            resource_status=status,
            resource_status_reason=None,
            resource_properties=None,
        )
    )


def failure_of(error: BaseException) -> ResourceFailed:
    if isinstance(error, ResourceFailed):
        return error
    return ResourceFailed("", "", reason_of(error))


def roll_back_create(stack: Any, error: BaseException) -> None:
    """What CloudFormation does when a resource of a new stack fails: delete the others, say why."""
    failure = failure_of(error)
    add_resource_event(stack, failure, "CREATE_FAILED")
    reason = CREATE_ROLLBACK.format(action="create", logical_id=failure.logical_id)
    stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
    stack.stack_status_reason = reason
    try:
        stack.resource_map.delete()
    except Exception as delete_error:  # noqa: BLE001 - reported in the stack, as AWS does
        forget_resources(stack)
        stack.status = "ROLLBACK_FAILED"
        stack._add_stack_event("ROLLBACK_FAILED", resource_status_reason=reason_of(delete_error))
        return
    forget_resources(stack)
    stack.status = "ROLLBACK_COMPLETE"
    stack._add_stack_event("ROLLBACK_COMPLETE")


def forget_resources(stack: Any) -> None:
    """A rolled-back stack keeps only what it could not delete, and no outputs: moto makes a resource
    the first time it is looked up, so a lookup of one never made must find nothing."""
    from moto.cloudformation.parsing import OutputMap

    resources = stack.resource_map
    left = {k: v for k, v in resources._resource_json_map.items() if resources._parsed_resources.get(k) is not None}
    resources._resource_json_map = left
    stack.output_map = OutputMap(stack.resource_map, {}, stack.stack_id)


def fail_update(stack: Any, error: BaseException) -> None:
    failure = failure_of(error)
    add_resource_event(stack, failure, "UPDATE_FAILED")
    reason = UPDATE_NOT_ROLLED_BACK.format(action="update", logical_id=failure.logical_id)
    stack.stack_status_reason = reason
    stack.status = "UPDATE_ROLLBACK_FAILED"
    stack._add_stack_event("UPDATE_ROLLBACK_FAILED", resource_status_reason=reason)


def apply() -> None:
    from moto.cloudformation import parsing
    from moto.cloudformation.models import Stack

    parse_resource = parsing.parse_resource
    create_resource = parsing.parse_and_create_resource
    update_resource = parsing.parse_and_update_resource

    @functools.wraps(parse_resource)
    def parse_known_resource(resource_json: dict[str, Any], resources_map: Any) -> Any:
        resource_type = resource_json["Type"]
        known = resource_type in parsing.get_model_map() or resource_type.startswith("Custom::")
        if not known and resource_type not in IGNORED_TYPES:
            raise ValueError(CANNOT_CREATE.format(type=resource_type))
        return parse_resource(resource_json, resources_map)

    def naming_the_resource(make: Any, done: str) -> Any:
        @functools.wraps(make)
        def make_or_say_which(logical_id: str, resource_json: dict[str, Any], resources_map: Any, **kwargs: Any) -> Any:
            try:
                made = make(logical_id, resource_json, resources_map, **kwargs)
            except ResourceFailed:
                raise  # a resource it depends on failed: that one is named
            except Exception as error:
                raise ResourceFailed(logical_id, resource_json.get("Type", ""), reason_of(error)) from error
            if made is not None:
                add_done_event(resources_map, logical_id, resource_json.get("Type", ""), made, done)
            return made

        return make_or_say_which

    parsing.parse_resource = parse_known_resource
    parsing.parse_and_create_resource = naming_the_resource(create_resource, "CREATE_COMPLETE")
    parsing.parse_and_update_resource = naming_the_resource(update_resource, "UPDATE_COMPLETE")

    create_resources = Stack.create_resources
    update = Stack.update

    @functools.wraps(create_resources)
    def create_or_roll_back(self: Stack) -> None:
        try:
            create_resources(self)
        except Exception as error:  # noqa: BLE001 - becomes the stack's status, as on AWS
            roll_back_create(self, error)

    @functools.wraps(update)
    def update_or_fail(self: Stack, *args: Any, **kwargs: Any) -> None:
        try:
            update(self, *args, **kwargs)
        except Exception as error:  # noqa: BLE001
            fail_update(self, error)

    Stack.create_resources = create_or_roll_back  # type: ignore[method-assign]
    Stack.update = update_or_fail  # type: ignore[method-assign]
