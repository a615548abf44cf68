"""CloudFormation: a template with IAM resources needs CAPABILITY_IAM (or CAPABILITY_NAMED_IAM), as on AWS.

moto creates IAM roles, users and policies whatever capabilities the request acknowledges, so a
`cloudformation deploy` without ``--capabilities CAPABILITY_IAM`` passed here and failed on AWS. Here
CreateStack, UpdateStack and CreateChangeSet refuse such a template with AWS's
InsufficientCapabilitiesException, "Requires capabilities : [CAPABILITY_IAM]", or
[CAPABILITY_NAMED_IAM] when one of those resources has a custom name (RoleName, UserName...). The
template judged is the one CloudFormation would create: after the SAM transform (the role SAM makes for
a function counts), so this module's check runs inside sam_transform's. A request that reaches moto's
backend some other way (no capabilities known) is not judged.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

NEEDS = "Requires capabilities : [{capability}]"
# The IAM resource types AWS asks consent for, and the property that gives each a custom name.
IAM_TYPES = {
    "AWS::IAM::AccessKey": None,
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::Policy": None,
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::UserToGroupAddition": None,
}

_request = threading.local()  # the capabilities the request being answered acknowledged


def required(template: Any) -> str | None:
    """The capability a template needs for its IAM resources, or None."""
    resources = template.get("Resources") if isinstance(template, dict) else None
    needed = None
    for resource in (resources or {}).values():
        if not isinstance(resource, dict) or resource.get("Type") not in IAM_TYPES:
            continue
        name_property = IAM_TYPES[resource["Type"]]
        if name_property and name_property in (resource.get("Properties") or {}):
            return "CAPABILITY_NAMED_IAM"
        needed = "CAPABILITY_IAM"
    return needed


def missing(template: Any, acknowledged: list[str]) -> str | None:
    needed = required(template)
    if needed is None or "CAPABILITY_NAMED_IAM" in acknowledged:
        return None
    if needed == "CAPABILITY_IAM" and "CAPABILITY_IAM" in acknowledged:
        return None
    return needed


def apply() -> None:
    from moto.cloudformation import exceptions
    from moto.cloudformation.models import CloudFormationBackend
    from moto.cloudformation.responses import CloudFormationResponse

    from harness.emulator.sam_transform import TemplateFormatError, parse

    if getattr(CloudFormationBackend.create_stack, "checks_capabilities", False):
        return

    class InsufficientCapabilitiesException(exceptions.CloudFormationError):
        code = "InsufficientCapabilitiesException"

    def check(template: str) -> None:
        acknowledged = getattr(_request, "capabilities", None)
        if acknowledged is None:
            return
        try:
            document = parse(template)
        except TemplateFormatError:
            return  # moto answers the format error itself
        needed = missing(document, acknowledged)
        if needed:
            raise InsufficientCapabilitiesException(NEEDS.format(capability=needed))

    def judged(method: Any, template_at: int) -> Any:
        @functools.wraps(method)
        def wrapper(self: CloudFormationBackend, *args: Any, **kwargs: Any) -> Any:
            template = kwargs.get("template", args[template_at] if len(args) > template_at else None)
            if isinstance(template, str):
                check(template)
            return method(self, *args, **kwargs)

        wrapper.checks_capabilities = True  # type: ignore[attr-defined]
        return wrapper

    # (name, change_set_name, template, ...) for change sets; (name, template, ...) for stacks.
    CloudFormationBackend.create_stack = judged(CloudFormationBackend.create_stack, 1)  # type: ignore[method-assign]
    CloudFormationBackend.update_stack = judged(CloudFormationBackend.update_stack, 1)  # type: ignore[method-assign]
    CloudFormationBackend.create_change_set = judged(CloudFormationBackend.create_change_set, 2)  # type: ignore[method-assign]

    for action in ("create_stack", "update_stack", "create_change_set"):
        respond = getattr(CloudFormationResponse, action)

        @functools.wraps(respond)
        def with_capabilities(self: CloudFormationResponse, _respond: Any = respond) -> Any:
            _request.capabilities = list(self._get_param("Capabilities", []) or [])
            try:
                return _respond(self)
            finally:
                _request.capabilities = None

        setattr(CloudFormationResponse, action, with_capabilities)
