#!/usr/bin/env bash
# Another correct style: the queue's attributes given at creation (the same on every run, so
# create-queue stays idempotent), the policy for the principal {"AWS": "*"} with StringEquals, and the
# subscription's attributes as JSON.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

topic=$(awslocal sns create-topic --name order-events --query TopicArn --output text)
dlq=$(awslocal sqs create-queue --queue-name order-events-dlq --query QueueUrl --output text)
dlq_arn=$(awslocal sqs get-queue-attributes --queue-url "$dlq" --attribute-names All --query Attributes.QueueArn --output text)
account=$(echo "$topic" | cut -d: -f5)
region=$(echo "$topic" | cut -d: -f4)
queue_arn="arn:aws:sqs:$region:$account:order-events-queue"

python - "$topic" "$queue_arn" "$dlq_arn" > create-attributes.json <<'PY'
import json, sys
topic, queue_arn, dlq_arn = sys.argv[1:]
print(json.dumps({
    "RedrivePolicy": json.dumps({"maxReceiveCount": 3, "deadLetterTargetArn": dlq_arn}),
    "Policy": json.dumps({"Statement": [{
        "Sid": "order-events-only", "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": "sqs:SendMessage", "Resource": queue_arn,
        "Condition": {"StringEquals": {"aws:SourceArn": topic}}}]}),
}))
PY
queue=$(awslocal sqs create-queue --queue-name order-events-queue --attributes file://create-attributes.json \
  --query QueueUrl --output text)
awslocal sns subscribe --topic-arn "$topic" --protocol sqs --notification-endpoint "$queue_arn" \
  --attributes '{"RawMessageDelivery": "true"}' >/dev/null
echo "ready: $topic -> $queue"
