"""CloudFormation change sets behave as on AWS where ``aws cloudformation deploy`` and ``sam deploy`` look.

moto, left alone: a stack made by a change set has no Outputs and no exports (``sam deploy --resolve-s3``
reads its managed bucket from one), a FAILED change set can be executed, a second CREATE change set for a
stack still in REVIEW_IN_PROGRESS (after a failed first one) makes a second stack of the same name, an
UPDATE change set is accepted for a stack in ROLLBACK_COMPLETE, and a resource that fails during
ExecuteChangeSet answers an error and leaves the stack half made. Here each answers as AWS does: Outputs
and exports after execution, InvalidChangeSetStatus, the REVIEW_IN_PROGRESS stack reused,
ValidationError, and a failed execution ends the stack ROLLBACK_COMPLETE (cfn_rollback.py).
"""

from __future__ import annotations

import functools
from typing import Any

from harness.emulator import cfn_rollback

CANNOT_EXECUTE = "ChangeSet [{id}] cannot be executed in its current execution status of [{status}]"
ALREADY_EXISTS = "Stack [{name}] already exists and cannot be created again with the changeSet [{change_set}]."
CANNOT_UPDATE = "Stack:{id} is in {status} state and can not be updated."
NOT_UPDATABLE = (
    "ROLLBACK_COMPLETE",
    "ROLLBACK_FAILED",
    "ROLLBACK_IN_PROGRESS",
    "DELETE_COMPLETE",
    "UPDATE_ROLLBACK_FAILED",
)


def apply() -> None:
    from moto.cloudformation.exceptions import CloudFormationError, ValidationError
    from moto.cloudformation.models import CloudFormationBackend

    class InvalidChangeSetStatus(CloudFormationError):
        code = "InvalidChangeSetStatus"

    create_change_set = CloudFormationBackend.create_change_set

    @functools.wraps(create_change_set)
    def create_change_set_as_aws(
        self: CloudFormationBackend, stack_name: str, change_set_name: str, *args: Any, **kwargs: Any
    ) -> Any:
        change_set_type = kwargs.get("change_set_type") or (args[4] if len(args) > 4 else "CREATE")
        existing = next((s for s in self.stacks.values() if s.name == stack_name), None)
        if existing is not None and change_set_type == "CREATE":
            if existing.status != "REVIEW_IN_PROGRESS":
                raise ValidationError(message=ALREADY_EXISTS.format(name=stack_name, change_set=change_set_name))
            del self.stacks[existing.stack_id]  # AWS creates it anew from this change set
        if existing is not None and change_set_type == "UPDATE" and existing.status in NOT_UPDATABLE:
            raise ValidationError(message=CANNOT_UPDATE.format(id=existing.stack_id, status=existing.status))
        return create_change_set(self, stack_name, change_set_name, *args, **kwargs)

    def execute_change_set(self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = self.describe_change_set(change_set_name)  # ValidationError when unknown
        if change_set.execution_status != "AVAILABLE":
            status = change_set.execution_status
            raise InvalidChangeSetStatus(CANNOT_EXECUTE.format(id=change_set.change_set_id, status=status))
        stack = self.stacks[change_set.stack_id]
        action = change_set.change_set_type  # CREATE or UPDATE
        stack._add_stack_event(f"{action}_IN_PROGRESS", resource_status_reason="User Initiated")
        change_set.execution_status = "EXECUTE_IN_PROGRESS"
        stack.status = f"{action}_IN_PROGRESS"
        try:
            change_set.apply()
        except Exception as error:  # noqa: BLE001 - becomes the stack's status, as on AWS
            change_set.execution_status = "EXECUTE_FAILED"
            if action == "CREATE":
                cfn_rollback.roll_back_create(stack, error)
            else:
                cfn_rollback.fail_update(stack, error)
            return
        stack.template = change_set.template
        stack._parse_template()
        stack.description = stack.template_dict.get("Description")
        if change_set.parameters:
            stack.parameters = change_set.parameters
        stack.output_map = stack._create_output_map()  # moto keeps the map of the template before
        for export in stack.exports:
            self.exports[export.name] = export
        change_set.execution_status = "EXECUTE_COMPLETE"
        stack.status = f"{action}_COMPLETE"
        stack._add_stack_event(f"{action}_COMPLETE")

    CloudFormationBackend.create_change_set = create_change_set_as_aws  # type: ignore[method-assign]
    CloudFormationBackend.execute_change_set = execute_change_set  # type: ignore[method-assign]
