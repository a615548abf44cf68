#!/usr/bin/env bash
# Create the messaging of Lab 2 on the local emulator (awslocal): the order-events topic, the
# order-events-queue subscribed to it with raw message delivery, and its dead-letter queue.
# Idempotent: every command either creates a resource or returns (and updates) the one that exists.
set -euo pipefail
cd "$(dirname "$0")"

TOPIC=order-events
QUEUE=order-events-queue
DLQ=order-events-dlq
MAX_RECEIVES=3

# Step 1a: the topic. For a name that exists, create-topic returns the existing topic's ARN.
TOPIC_ARN=$(awslocal sns create-topic --name "$TOPIC" --query TopicArn --output text)
echo "topic $TOPIC_ARN"

# Step 1b: the dead-letter queue, where a message goes after $MAX_RECEIVES failed receives.
DLQ_URL=$(awslocal sqs create-queue --queue-name "$DLQ" --query QueueUrl --output text)
DLQ_ARN=$(awslocal sqs get-queue-attributes --queue-url "$DLQ_URL" --attribute-names QueueArn \
  --query Attributes.QueueArn --output text)

# Step 1c: the queue. Created without attributes (so a second run never conflicts with the first);
# its attributes are set below on every run.
QUEUE_URL=$(awslocal sqs create-queue --queue-name "$QUEUE" --query QueueUrl --output text)
QUEUE_ARN=$(awslocal sqs get-queue-attributes --queue-url "$QUEUE_URL" --attribute-names QueueArn \
  --query Attributes.QueueArn --output text)

# Steps 1c and 1d: the redrive policy and the access policy. Both are JSON documents stored as
# strings inside the attributes map, so Python writes the map with the right escaping.
python - "$TOPIC_ARN" "$QUEUE_ARN" "$DLQ_ARN" "$MAX_RECEIVES" > queue-attributes.json <<'PYTHON'
import json
import sys

topic_arn, queue_arn, dlq_arn, max_receives = sys.argv[1:]
redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receives}
policy = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "OnlyTheOrderEventsTopicMaySend",
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
        }
    ],
}
print(json.dumps({"RedrivePolicy": json.dumps(redrive), "Policy": json.dumps(policy)}))
PYTHON
awslocal sqs set-queue-attributes --queue-url "$QUEUE_URL" --attributes file://queue-attributes.json
rm -f queue-attributes.json
echo "queue $QUEUE_ARN (dead letters to $DLQ_ARN after $MAX_RECEIVES receives)"

# Step 1e: subscribe the queue to the topic. Raw delivery puts the event itself in the message body
# (instead of SNS's JSON envelope) and turns SNS message attributes into SQS message attributes.
# subscribe is idempotent: the same topic, endpoint and attributes return the existing subscription.
SUBSCRIPTION_ARN=$(awslocal sns subscribe --topic-arn "$TOPIC_ARN" --protocol sqs \
  --notification-endpoint "$QUEUE_ARN" --attributes RawMessageDelivery=true \
  --return-subscription-arn --query SubscriptionArn --output text)
echo "subscription $SUBSCRIPTION_ARN"
