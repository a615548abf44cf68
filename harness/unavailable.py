"""Services a backend cannot provide (LocalStack without Docker: Lambda code, DynamoDB), and the checks
that touched them: those are "not graded on this backend", whatever happened, never a waiter failure
or a pass that the service could not have earned."""

from __future__ import annotations

import re

from .call_log import ApiCall, CallLog

# Calls that make a stack build resources: the services of those resources count as called too (a
# stack of DynamoDB tables fails where DynamoDB cannot run, and says nothing of the template).
STACK_OPERATIONS = frozenset({"CreateStack", "UpdateStack", "CreateChangeSet"})
RESOURCE_TYPE = re.compile(r"""["']?Type["']?\s*:\s*["']?(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)""")
SERVERLESS = {  # the SAM types, by the service each becomes
    "AWS::Serverless::Function": "lambda",
    "AWS::Serverless::SimpleTable": "dynamodb",
    "AWS::Serverless::Api": "apigateway",
    "AWS::Serverless::HttpApi": "apigatewayv2",
    "AWS::Serverless::LayerVersion": "lambda",
}


class TouchLog(CallLog):
    """A call log that also remembers which services were called since the last reset, in the order of
    their first call (the aws_calls fixture clears the calls themselves when a check asks for them)."""

    def __init__(self) -> None:
        super().__init__()
        self.touched: dict[str, None] = {}  # ordered: the first service a check called comes first
        self.built_stacks = False  # a stack was created or updated since the last reset

    def record(self, call: ApiCall) -> None:
        self.touched.setdefault(call.service)
        self.built_stacks |= call.service == "cloudformation" and call.operation in STACK_OPERATIONS
        super().record(call)

    def forget_touched(self) -> None:
        self.touched = {}
        self.built_stacks = False


def services_in_template(text: str) -> set[str]:
    """The services a template's resources belong to (JSON or YAML: read from the Type lines)."""
    services = set()
    for kind in RESOURCE_TYPE.findall(text):
        services.add(SERVERLESS.get(kind) or kind.split("::")[1].lower())
    return services


def services_of_stacks(endpoint: str) -> set[str]:
    """The services of every stack's resources on the emulator at endpoint (asked directly, not through
    the call log); an emulator that cannot answer adds none."""
    import json

    from botocore.exceptions import BotoCoreError, ClientError

    from .localstack_probe import client

    cloudformation = client("cloudformation", endpoint)
    services: set[str] = set()
    try:
        for page in cloudformation.get_paginator("list_stacks").paginate():
            for stack in page.get("StackSummaries", []):
                body = cloudformation.get_template(StackName=stack["StackId"]).get("TemplateBody", "")
                services |= services_in_template(body if isinstance(body, str) else json.dumps(body))
    except (BotoCoreError, ClientError):
        pass
    return services


def reason_not_graded(backend: object) -> str | None:
    """Why the check just run cannot be graded here: the first unavailable service it called (what its
    code did after that wall depends on timing: a script may stop there or go on, so only the first is
    the same from run to run), or else the unavailable services its stacks were built from."""
    unavailable: dict[str, str] = getattr(backend, "unavailable", None) or {}
    log = getattr(backend, "call_log", None)
    if not unavailable or not isinstance(log, TouchLog):
        return None
    first = next((service for service in log.touched if service in unavailable), None)
    if first is not None:
        return unavailable[first]
    if not log.built_stacks:
        return None
    stacks = services_of_stacks(getattr(backend, "upstream", "") or getattr(backend, "endpoint", ""))
    reasons = [unavailable[service] for service in sorted(stacks) if service in unavailable]
    return "; ".join(dict.fromkeys(reasons)) or None
