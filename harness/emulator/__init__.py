"""Where the embedded backend answers as AWS does and moto, left alone, does not.

Each module here fixes one service's gap that a grader depends on, and says which AWS behaviour it
restores; docs/harness.md lists them. ``apply()`` is called once, before moto's server starts, and is
idempotent, so the grading process and ``course backend up`` behave the same.
"""

from __future__ import annotations

from harness.emulator import (
    apigateway,
    apigateway_routes,
    cfn_apigateway,
    cfn_capabilities,
    cfn_change_sets,
    cfn_codedeploy,
    cfn_dynamodb,
    cfn_iam,
    cfn_lambda,
    cfn_messaging,
    cfn_monitoring,
    cfn_parse,
    cfn_rollback,
    cfn_s3,
    cfn_secrets,
    cfn_template_url,
    cfn_updates,
    clock,
    cloudwatch_alarms,
    cloudwatch_metrics,
    codedeploy_traffic,
    event_sources,
    iam_enforcement,
    lambda_aliases,
    lambda_invoke,
    lambda_provisioned,
    lambda_tracing,
    lambda_updates,
    logs,
    on_import,
    resets,
    s3_secure_transport,
    sam_transform,
    sns_signing,
    xray,
)

# Resource types moto skips or half-makes in a stack.
RESOURCE_TYPES = (cfn_lambda, cfn_messaging, cfn_monitoring, cfn_secrets, cfn_apigateway, cfn_codedeploy)
RESOURCE_TYPES += (cfn_iam, cfn_dynamodb, cfn_s3)

_applied = False


def apply() -> None:
    global _applied
    if not _applied:
        on_import.when_imported("moto.apigateway", _apply_apigateway)
        resets.apply()
        clock.apply()
        lambda_invoke.apply()
        cloudwatch_metrics.apply()
        lambda_updates.apply()
        lambda_aliases.apply()
        lambda_provisioned.apply()
        lambda_tracing.apply()
        cloudwatch_alarms.apply()
        codedeploy_traffic.apply()  # after cloudwatch_alarms: alarms are judged first at each advance
        logs.apply()
        on_import.when_imported("moto.xray", xray.apply)
        on_import.when_imported("moto.cloudformation", _apply_stacks)
        s3_secure_transport.apply()
        sns_signing.apply()
        iam_enforcement.apply()
        event_sources.apply()
        _applied = True


def _apply_apigateway() -> None:
    """Run when moto's API Gateway is first imported: its models import an OpenAPI validator (~0.25 s),
    which an exercise without an API never needs."""
    apigateway.apply()
    apigateway_routes.apply()  # deployments keep what they deploy: stages served over HTTP


def _apply_stacks() -> None:
    """What stacks need: run when moto's CloudFormation is first imported (an exercise without a stack
    never imports it: harness/emulator/on_import.py says what that saves)."""
    cfn_parse.apply()
    cfn_rollback.apply()
    cfn_updates.apply()
    cfn_capabilities.apply()  # before cfn_change_sets and sam_transform: it judges the expanded template
    for resources in RESOURCE_TYPES:
        resources.apply()
    cfn_change_sets.apply()
    sam_transform.apply()  # after cfn_change_sets: it wraps what that module installs
    cfn_template_url.apply()


def shutdown() -> None:
    """End what the emulator runs beside moto (Lambda's execution environments) when the server stops."""
    from harness.emulator.lambda_environment import RUNTIME
    from harness.emulator.lambda_environments import POOL

    event_sources.stop()
    POOL.close_all()
    RUNTIME.close()
