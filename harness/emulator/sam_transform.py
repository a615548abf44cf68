"""CloudFormation: a template with ``Transform: AWS::Serverless-2016-10-31`` is expanded as AWS expands it.

moto deploys the template as written, so every ``AWS::Serverless::*`` resource is silently skipped and the
stack still ends CREATE_COMPLETE. Here CreateStack, UpdateStack and CreateChangeSet run AWS's own
translator (aws-sam-translator) with the stack's region and parameters first, and moto deploys what it
returns. As on AWS: CreateStack and UpdateStack need ``CAPABILITY_AUTO_EXPAND`` for a transform, a
translation error is a ValidationError "Transform AWS::Serverless-2016-10-31 failed with: ..." (for a
change set: the change set FAILED with that reason), GetTemplate answers the template as written, or the
expanded one with ``TemplateStage=Processed``, and ValidateTemplate lists ``DeclaredTransforms``.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from typing import Any

SAM = "AWS::Serverless-2016-10-31"
FAILED_WITH = "Transform " + SAM + " failed with: {}"
NOT_WELL_FORMED = "Template format error: YAML not well-formed. ({error})"
NEEDS_AUTO_EXPAND = "Requires capabilities : [CAPABILITY_AUTO_EXPAND]"

# samtranslator keeps the region in a class attribute (ArnGenerator): one translation at a time.
_translating = threading.Lock()


class TransformFailed(Exception):
    """The SAM translator refused the template; the message is CloudFormation's."""


class TemplateFormatError(Exception):
    """The template is neither YAML nor JSON; the message is CloudFormation's."""


def declared_transforms(template: Any) -> list[str]:
    transform = template.get("Transform") if isinstance(template, dict) else None
    if transform is None:
        return []
    return [transform] if isinstance(transform, str) else [t for t in transform if isinstance(t, str)]


def parse(body: str | dict) -> Any:
    """The template as CloudFormation reads it (YAML with short-form tags, or JSON)."""
    import yaml
    from moto.cloudformation.models import Stack

    if isinstance(body, dict):
        return body
    try:
        return Stack.parse_template(body)
    except (ValueError, yaml.YAMLError) as error:  # moto would answer HTTP 500
        raise TemplateFormatError(NOT_WELL_FORMED.format(error=str(error).splitlines()[0])) from None


def expand(body: str | dict, parameters: dict[str, Any], region: str, account_id: str) -> str | None:
    """The processed template as JSON text, or None when the template declares no SAM transform."""
    template = parse(body)
    if SAM not in declared_transforms(template):
        return None
    # YAML reads an unquoted 2012-10-17 as a date: CloudFormation reads it as the string.
    template = json.loads(json.dumps(template, default=str))
    template["Transform"] = [t for t in declared_transforms(template) if t != SAM] or None
    if template["Transform"] is None:
        del template["Transform"]
    values = {**{k: v for k, v in parameters.items() if v is not None}}
    values.update({"AWS::Region": region, "AWS::AccountId": account_id})
    with _translating:
        processed = _translate(template, values, region)
    return json.dumps(processed)


class _Session:
    """What samtranslator reads from a boto3 session: the region only (no credentials, no AWS call)."""

    def __init__(self, region_name: str) -> None:
        self.region_name = region_name


def _translate(template: dict[str, Any], parameters: dict[str, Any], region: str) -> dict[str, Any]:
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    logging.getLogger("samtranslator").setLevel(logging.ERROR)  # feature-toggle and metrics chatter
    share_policy_templates()
    translator = Translator(None, Parser(), boto_session=_Session(region))  # type: ignore[arg-type]
    try:
        return translator.translate(template, parameter_values=parameters, get_managed_policy_map=managed_policies)
    except InvalidDocumentException as error:
        causes = " ".join(cause.message for cause in error.causes)
        raise TransformFailed(FAILED_WITH.format(f"{error.message} {causes}".strip())) from None
    except Exception as error:  # what AWS says when the translator itself breaks
        logging.getLogger(__name__).debug("SAM translator failed", exc_info=True)
        raise TransformFailed(FAILED_WITH.format(f"Internal transform failure. ({error})")) from None


@functools.cache
def policy_templates() -> Any:
    """samtranslator's policy templates (DynamoDBCrudPolicy and the others), read and checked once."""
    from samtranslator.policy_template_processor.processor import PolicyTemplatesProcessor

    return PolicyTemplatesProcessor(PolicyTemplatesProcessor.get_default_policy_templates_json())


def share_policy_templates() -> None:
    """One processor of policy templates for every translation in this process (idempotent).

    samtranslator builds a new one per translation: it reads the templates and validates them against
    their JSON schema (~15 ms, 30-60 ms on a busy machine, measured). The templates are its own data, and
    a processor only reads them (each statement it makes is a copy), so translations can share one.
    """
    from samtranslator.plugins.policies.policy_templates_plugin import PolicyTemplatesForResourcePlugin
    from samtranslator.translator import translator

    if getattr(translator.make_policy_template_for_function_plugin, "shares_templates", False):
        return

    def make_policy_template_for_function_plugin() -> PolicyTemplatesForResourcePlugin:
        return PolicyTemplatesForResourcePlugin(policy_templates())

    make_policy_template_for_function_plugin.shares_templates = True  # type: ignore[attr-defined]
    translator.make_policy_template_for_function_plugin = make_policy_template_for_function_plugin


@functools.cache
def managed_policies() -> dict[str, str]:
    """AWS managed policy name -> ARN, from the policies moto ships: no IAM call, no AWS account.

    samtranslator first looks in its own bundled map; this is its fallback for newer names.
    """
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return {
        name: f"arn:aws:iam::aws:policy{data.get('Path', '/')}{name}"
        for name, data in json.loads(aws_managed_policies_data).items()
    }


def apply() -> None:
    from moto.cloudformation import exceptions
    from moto.cloudformation.models import CloudFormationBackend
    from moto.cloudformation.responses import CloudFormationResponse

    class InsufficientCapabilitiesException(exceptions.CloudFormationError):
        code = "InsufficientCapabilitiesException"

    def processed(body: str, parameters: dict[str, Any], backend: CloudFormationBackend) -> str | None:
        try:
            return expand(body, parameters, backend.region_name, backend.account_id)
        except (TransformFailed, TemplateFormatError) as error:
            raise exceptions.ValidationError(message=str(error)) from None

    def transforms_of(body: str | None) -> list[str]:
        try:
            return declared_transforms(parse(body)) if body else []
        except TemplateFormatError as error:
            raise exceptions.ValidationError(message=str(error)) from None

    def written_template(response: CloudFormationResponse) -> str | None:
        url = response._get_param("TemplateURL")
        return response._get_stack_from_s3_url(url) if url else response._get_param("TemplateBody")

    def require_auto_expand(response: CloudFormationResponse) -> None:
        body = written_template(response)
        if transforms_of(body):
            if "CAPABILITY_AUTO_EXPAND" not in response._get_param("Capabilities", []):
                raise InsufficientCapabilitiesException(NEEDS_AUTO_EXPAND)

    create_stack = CloudFormationBackend.create_stack
    update_stack = CloudFormationBackend.update_stack
    create_change_set = CloudFormationBackend.create_change_set
    execute_change_set = CloudFormationBackend.execute_change_set

    @functools.wraps(create_stack)
    def create_expanded_stack(
        self: CloudFormationBackend, name: str, template: str, parameters: dict, *a: Any, **kw: Any
    ) -> Any:
        expanded = processed(template, parameters, self)
        stack = create_stack(self, name, expanded or template, parameters, *a, **kw)
        stack.original_template = template
        return stack

    @functools.wraps(update_stack)
    def update_expanded_stack(
        self: CloudFormationBackend, name: str, template: str, role_arn: Any, parameters: list, tags: Any
    ) -> Any:
        stack = self.get_stack(name)
        if template is stack.template:  # UsePreviousTemplate: the template as written, expanded anew
            template = getattr(stack, "original_template", template)
        values = self._resolve_update_parameters(instance=stack, incoming_params=parameters)
        expanded = processed(template, values, self)
        stack = update_stack(self, name, expanded or template, role_arn, parameters, tags)
        stack.original_template = template
        return stack

    @functools.wraps(create_change_set)
    def create_expanded_change_set(
        self: CloudFormationBackend,
        stack_name: str,
        change_set_name: str,
        template: str,
        parameters: dict,
        *a: Any,
        **kw: Any,
    ) -> Any:
        stack = next((s for s in self.stacks.values() if s.name == stack_name), None)
        if stack is not None and template is stack.template:  # UsePreviousTemplate
            template = getattr(stack, "original_template", template)
        try:
            expanded = expand(template, parameters, self.region_name, self.account_id)
            failure = None
        except TransformFailed as error:
            expanded, failure = None, str(error)
        except TemplateFormatError as error:
            raise exceptions.ValidationError(message=str(error)) from None
        ids = create_change_set(self, stack_name, change_set_name, expanded or template, parameters, *a, **kw)
        change_set = self.change_sets[ids[0]]
        change_set.original_template = template
        if failure:  # AWS: the change set exists, FAILED, with the translator's reason
            change_set.status, change_set.execution_status = "FAILED", "UNAVAILABLE"
            change_set.status_reason, change_set.changes = failure, []
        return ids

    @functools.wraps(execute_change_set)
    def execute_expanded_change_set(
        self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None
    ) -> None:
        execute_change_set(self, change_set_name, stack_name)
        change_set = self.describe_change_set(change_set_name)
        if hasattr(change_set, "original_template"):
            self.stacks[change_set.stack_id].original_template = change_set.original_template

    CloudFormationBackend.create_stack = create_expanded_stack  # type: ignore[method-assign]
    CloudFormationBackend.update_stack = update_expanded_stack  # type: ignore[method-assign]
    CloudFormationBackend.create_change_set = create_expanded_change_set  # type: ignore[method-assign]
    CloudFormationBackend.execute_change_set = execute_expanded_change_set  # type: ignore[method-assign]

    respond_create = CloudFormationResponse.create_stack
    respond_update = CloudFormationResponse.update_stack
    respond_validate = CloudFormationResponse.validate_template

    @functools.wraps(respond_create)
    def create_stack_with_capabilities(self: CloudFormationResponse) -> Any:
        require_auto_expand(self)
        return respond_create(self)

    @functools.wraps(respond_update)
    def update_stack_with_capabilities(self: CloudFormationResponse) -> Any:
        require_auto_expand(self)
        return respond_update(self)

    @functools.wraps(respond_validate)
    def validate_with_transforms(self: CloudFormationResponse) -> Any:
        result = respond_validate(self)
        body = written_template(self)
        transforms = transforms_of(body)
        if transforms:
            result.result["DeclaredTransforms"] = transforms
        return result

    def get_template(self: CloudFormationResponse) -> Any:
        from moto.core.responses import ActionResult

        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        processed_stage = self._get_param("TemplateStage") == "Processed"
        written = getattr(stack, "original_template", None)
        body = stack.template if processed_stage or written is None else written
        stages = ["Original", "Processed"]
        return ActionResult({"TemplateBody": body, "StagesAvailable": stages})

    CloudFormationResponse.create_stack = create_stack_with_capabilities  # type: ignore[method-assign]
    CloudFormationResponse.update_stack = update_stack_with_capabilities  # type: ignore[method-assign]
    CloudFormationResponse.validate_template = validate_with_transforms  # type: ignore[method-assign]
    CloudFormationResponse.get_template = get_template  # type: ignore[method-assign]
