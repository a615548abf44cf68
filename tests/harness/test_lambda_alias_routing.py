"""An alias with AdditionalVersionWeights runs the version picked by weight, reproducibly from a reset
(harness/emulator/lambda_routing.py)."""

from __future__ import annotations

from collections import Counter

import boto3
from lambda_backend_kit import create_function, invoke, package

from harness import invoke_deployed
from harness.backends import EmbeddedMoto

RUNS = 200
# 200 draws at 10 %: the count of the new version is binomial (mean 20, sd 4.2); 8..32 is beyond 2.8 sd.
TOLERANCE = 12


def deploy_two_versions_behind_live(weight: float) -> None:
    client = boto3.client("lambda")
    create_function("canary", "def handler(event, context):\n    return 'old'\n", publish=True)
    client.update_function_code(FunctionName="canary", ZipFile=package("def handler(event, context):\n    return 'new'\n"))
    client.get_waiter("function_updated_v2").wait(FunctionName="canary")  # as on AWS: the update must finish first
    client.publish_version(FunctionName="canary")
    client.create_alias(FunctionName="canary", Name="live", FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"2": weight}})


def executed_versions(runs: int = RUNS) -> list[str]:
    versions = []
    for _ in range(runs):
        answer, payload = invoke("canary", {}, Qualifier="live")
        assert payload == {"1": "old", "2": "new"}[answer["ExecutedVersion"]]  # the version named is the one that ran
        versions.append(answer["ExecutedVersion"])
    return versions


def test_a_weighted_alias_splits_invocations_by_weight(aws: EmbeddedMoto) -> None:
    deploy_two_versions_behind_live(0.1)
    counts = Counter(executed_versions())
    assert set(counts) == {"1", "2"}
    assert abs(counts["2"] - RUNS * 0.1) <= TOLERANCE, counts


def test_the_same_check_sees_the_same_sequence_after_a_reset(aws: EmbeddedMoto) -> None:
    deploy_two_versions_behind_live(0.3)
    first = executed_versions(60)
    aws.reset()
    deploy_two_versions_behind_live(0.3)
    assert executed_versions(60) == first


def test_without_weights_or_after_promotion_one_version_runs(aws: EmbeddedMoto) -> None:
    deploy_two_versions_behind_live(0.5)
    client = boto3.client("lambda")
    client.update_alias(FunctionName="canary", Name="live", FunctionVersion="2", RoutingConfig={"AdditionalVersionWeights": {}})
    assert set(executed_versions(20)) == {"2"}


def test_invoke_deployed_reports_the_executed_version_of_an_alias(aws: EmbeddedMoto) -> None:
    deploy_two_versions_behind_live(1.0)
    result = invoke_deployed("canary", {}, qualifier="live")
    assert result.executed_version == "2" and result.payload == "new"
