"""CloudFormation: ``AWS::CloudWatch::Alarm`` is made for real.

moto has no model for it: the stack ended CREATE_COMPLETE with no alarm, so a canary's rollback alarm
(SAM ``DeploymentPreference.Alarms``) never existed. Here the alarm is put through moto's CloudWatch
backend with its metric, dimensions, threshold and actions; Ref is its name and ``Fn::GetAtt Arn`` its
ARN, as on AWS. (moto never evaluates alarms: a test sets their state with SetAlarmState.)
"""

from __future__ import annotations

from typing import Any

from harness.emulator import cfn_registry
from harness.emulator.cfn_registry import MadeByStack


def metric_queries(metrics: list[dict[str, Any]]) -> list[Any]:
    """Metric math (``Metrics``) as moto's objects, as its PutMetricAlarm handler builds them."""
    from moto.cloudwatch.models import Dimension, Metric, MetricDataQuery, MetricStat

    queries = []
    for query in metrics:
        stat = query.get("MetricStat")
        metric_stat = None
        if stat:
            metric = stat["Metric"]
            dimensions = [Dimension(name=d["Name"], value=d["Value"]) for d in metric.get("Dimensions", [])]
            metric_stat = MetricStat(
                metric=Metric(
                    metric_name=metric["MetricName"], namespace=metric.get("Namespace"), dimensions=dimensions
                ),
                period=stat.get("Period"),
                stat=stat.get("Stat"),
                unit=stat.get("Unit"),
            )
        queries.append(
            MetricDataQuery(
                query_id=query.get("Id"),
                label=query.get("Label"),
                period=query.get("Period"),
                return_data=query.get("ReturnData"),
                expression=query.get("Expression"),
                metric_stat=metric_stat,
            )
        )
    return queries


def apply() -> None:
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.core.common_models import CloudFormationModel

    class CloudWatchAlarm(MadeByStack, CloudFormationModel):
        ATTRIBUTES = ("Arn",)

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::CloudWatch::Alarm"

        @staticmethod
        def cloudformation_name_type() -> str:
            return "AlarmName"

        @classmethod
        def make(cls, resource_name: str, properties: dict[str, Any], account_id: str, region: str) -> CloudWatchAlarm:
            p = properties
            alarm = cloudwatch_backends[account_id][region].put_metric_alarm(
                name=resource_name,
                namespace=p.get("Namespace"),
                metric_name=p.get("MetricName"),
                comparison_operator=p["ComparisonOperator"],
                evaluation_periods=int(p["EvaluationPeriods"]),
                period=int(p["Period"]) if "Period" in p else None,
                threshold=float(p["Threshold"]) if "Threshold" in p else None,
                statistic=p.get("Statistic"),
                description=p.get("AlarmDescription"),
                dimensions=p.get("Dimensions", []),
                alarm_actions=p.get("AlarmActions", []),
                metric_data_queries=metric_queries(p["Metrics"]) if "Metrics" in p else None,
                datapoints_to_alarm=int(p["DatapointsToAlarm"]) if "DatapointsToAlarm" in p else None,
                extended_statistic=p.get("ExtendedStatistic"),
                ok_actions=p.get("OKActions", []),
                insufficient_data_actions=p.get("InsufficientDataActions", []),
                unit=p.get("Unit"),
                actions_enabled=str(p.get("ActionsEnabled", True)).lower() == "true",
                treat_missing_data=p.get("TreatMissingData"),
                evaluate_low_sample_count_percentile=p.get("EvaluateLowSampleCountPercentile"),
                threshold_metric_id=p.get("ThresholdMetricId"),
            )
            return cls(alarm.name, account_id, region, {"Arn": alarm.alarm_arn})

        def remove(self) -> None:
            cloudwatch_backends[self.account_id][self.region].delete_alarms([self.physical_id])

    cfn_registry.models_added()
