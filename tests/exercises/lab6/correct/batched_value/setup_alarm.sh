#!/usr/bin/env bash
set -euo pipefail
FUNCTION=order-processor

awslocal sns create-topic --name order-processor-alarms >/dev/null
TOPIC_ARN=$(awslocal sns list-topics --query "Topics[?ends_with(TopicArn, ':order-processor-alarms')].TopicArn | [0]" --output text)

awslocal cloudwatch put-metric-alarm \
  --alarm-name order-processor-errors \
  --metric-name Errors \
  --namespace AWS/Lambda \
  --dimensions "[{\"Name\": \"FunctionName\", \"Value\": \"$FUNCTION\"}]" \
  --evaluation-periods 3 \
  --datapoints-to-alarm 2 \
  --period 60 \
  --statistic Sum \
  --comparison-operator GreaterThanOrEqualToThreshold \
  --threshold 5.0 \
  --treat-missing-data notBreaching \
  --ok-actions "$TOPIC_ARN" \
  --alarm-actions "$TOPIC_ARN"
