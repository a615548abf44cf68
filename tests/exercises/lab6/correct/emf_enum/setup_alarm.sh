#!/usr/bin/env bash
# The alarm from a JSON document; "> 4" is ">= 5" for a count of errors.
set -euo pipefail

TOPIC_ARN=$(aws sns create-topic --name order-processor-alarms --output json | python -c 'import json, sys; print(json.load(sys.stdin)["TopicArn"])')

cat > alarm.json <<JSON
{
  "AlarmName": "order-processor-errors",
  "Namespace": "AWS/Lambda",
  "MetricName": "Errors",
  "Dimensions": [{"Name": "FunctionName", "Value": "order-processor"}],
  "Statistic": "Sum",
  "Period": 60,
  "EvaluationPeriods": 3,
  "DatapointsToAlarm": 2,
  "Threshold": 4,
  "ComparisonOperator": "GreaterThanThreshold",
  "TreatMissingData": "notBreaching",
  "AlarmActions": ["$TOPIC_ARN"],
  "OKActions": ["$TOPIC_ARN"]
}
JSON
aws cloudwatch put-metric-alarm --cli-input-json file://alarm.json
rm -f alarm.json
