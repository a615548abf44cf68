"""CloudFormation stacks as graders read them: what a deployed stack holds, and a student's template
read and written back (short-form tags such as !Ref included) so that a grader can deploy an edited copy.

Templates are parsed with the AWS CLI's own YAML helper, the one `aws cloudformation package` uses, so
what the grader reads is what the student's deploy sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..awscli_modules import awscli_module

COMPLETE = ("CREATE_COMPLETE", "UPDATE_COMPLETE")


@dataclass(frozen=True)
class StackResource:
    logical_id: str
    type: str
    physical_id: str
    status: str


@dataclass(frozen=True)
class Stack:
    name: str
    status: str
    reason: str  # StackStatusReason, "" when there is none
    resources: tuple[StackResource, ...]

    @property
    def complete(self) -> bool:
        return self.status in COMPLETE

    def of_type(self, *types: str) -> list[StackResource]:
        return [resource for resource in self.resources if resource.type in types]

    def logical(self, physical_id: str) -> StackResource | None:
        return next((r for r in self.resources if r.physical_id == physical_id), None)

    def listing(self) -> str:
        """"InventoryTable (AWS::DynamoDB::Table), ..." for messages."""
        return ", ".join(f"{r.logical_id} ({r.type})" for r in self.resources) or "no resources"


def read_stack(cloudformation: Any, name: str) -> Stack | None:
    """The stack as the backend holds it, or None when there is no such stack."""
    try:
        described = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    except Exception:  # noqa: BLE001 - a missing stack is a ValidationError; any failure means none to read
        return None
    resources = cloudformation.describe_stack_resources(StackName=name)["StackResources"]
    return Stack(
        name=name,
        status=described.get("StackStatus", ""),
        reason=described.get("StackStatusReason") or "",
        resources=tuple(
            StackResource(r["LogicalResourceId"], r["ResourceType"], r.get("PhysicalResourceId", ""), r.get("ResourceStatus", ""))
            for r in resources
        ),
    )


class TemplateError(ValueError):
    """The template is not YAML or JSON that CloudFormation could read."""


def load_template(text: str) -> dict[str, Any]:
    """A template's text as a dict, short-form tags turned into their long form ({"Ref": ...})."""
    try:
        document = _yamlhelper().yaml_parse(text)
    except Exception as error:  # yaml's own errors, and ValueError from the JSON path
        raise TemplateError(str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__) from error
    if not isinstance(document, dict):
        raise TemplateError(f"the top level is a {type(document).__name__}, not a mapping of sections")
    return document


def dump_template(document: dict[str, Any]) -> str:
    """The template as YAML again (intrinsic functions in their long form), as `cloudformation package` writes it."""
    return str(_yamlhelper().yaml_dump(document))


def _yamlhelper() -> Any:
    """`aws cloudformation package`'s own YAML reader and writer (CloudFormation's short-form tags)."""
    return awscli_module("awscli.customizations.cloudformation.yamlhelper")
