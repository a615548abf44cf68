#!/usr/bin/env bash
# The alarm on order-processor's errors and the topic it notifies (a second run changes nothing).
set -euo pipefail

FUNCTION=order-processor
TOPIC=order-processor-alarms
ALARM=order-processor-errors

TOPIC_ARN=$(awslocal sns create-topic --name "$TOPIC" --query TopicArn --output text)

# notBreaching: a quiet minute has no Errors datapoint, and a quiet minute is a healthy one.
awslocal cloudwatch put-metric-alarm --alarm-name "$ALARM" \
  --alarm-description "order-processor fails: 5 or more errors a minute, in 2 of the last 3 minutes" \
  --namespace AWS/Lambda --metric-name Errors --dimensions "Name=FunctionName,Value=$FUNCTION" \
  --statistic Sum --period 60 --evaluation-periods 3 --datapoints-to-alarm 2 \
  --threshold 5 --comparison-operator GreaterThanOrEqualToThreshold \
  --treat-missing-data notBreaching \
  --alarm-actions "$TOPIC_ARN" --ok-actions "$TOPIC_ARN"

echo "$ALARM notifies $TOPIC_ARN"
