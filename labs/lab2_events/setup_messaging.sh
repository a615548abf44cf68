#!/usr/bin/env bash
# Create the messaging of Lab 2 on the local emulator with awslocal: the SNS topic order-events, the
# SQS queue order-events-queue subscribed to it, and the dead-letter queue order-events-dlq.
# It must be idempotent: a second run succeeds and leaves one topic, two queues and one subscription.
# Start a backend first (`course backend up`, then paste the exports it prints).
set -euo pipefail
cd "$(dirname "$0")"

TOPIC=order-events
QUEUE=order-events-queue
DLQ=order-events-dlq
MAX_RECEIVES=3

# TODO 1a (README step 1a): create the topic $TOPIC and keep its ARN in TOPIC_ARN
#         (create-topic ... --query TopicArn --output text).

# TODO 1b (README step 1b): create the dead-letter queue $DLQ; keep its ARN in DLQ_ARN
#         (get-queue-attributes --attribute-names QueueArn).

# TODO 1c (README step 1c): create the queue $QUEUE; keep its URL and ARN. Give it a RedrivePolicy:
#         messages received $MAX_RECEIVES times without being deleted move to $DLQ.

# TODO 1d (README step 1d): give the queue an access policy (the Policy attribute) that allows
#         sqs:SendMessage to SNS only for messages from $TOPIC (a condition on aws:SourceArn).

# TODO 1e (README step 1e): subscribe the queue to the topic (protocol sqs) with raw message delivery.

echo "setup_messaging.sh: nothing is created yet; write the TODOs of README step 1 first." >&2
exit 1
