#!/bin/bash
# Another correct style: look each queue up before creating it, write the attributes with printf,
# let any principal send on the condition of the topic's ARN (ArnLike), and set raw delivery after
# subscribing.
set -eu
cd "$(dirname "$0")"

topic_arn=$(awslocal sns create-topic --name order-events --output text --query TopicArn)

queue_url() {
  awslocal sqs get-queue-url --queue-name "$1" --output text --query QueueUrl 2>/dev/null \
    || awslocal sqs create-queue --queue-name "$1" --output text --query QueueUrl
}
arn_of() {
  awslocal sqs get-queue-attributes --queue-url "$1" --attribute-names QueueArn --output text --query Attributes.QueueArn
}
dlq_url=$(queue_url order-events-dlq)
dlq_arn=$(arn_of "$dlq_url")
queue_url=$(queue_url order-events-queue)
queue_arn=$(arn_of "$queue_url")

policy=$(printf '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["sqs:SendMessage"],"Resource":"%s","Condition":{"ArnLike":{"aws:SourceArn":"%s"}}}]}' "$queue_arn" "$topic_arn")
redrive=$(printf '{"deadLetterTargetArn":"%s","maxReceiveCount":3}' "$dlq_arn")
# Each document becomes a JSON string inside the attributes map: escape its quotes once more.
printf '{"Policy": "%s", "RedrivePolicy": "%s"}' "${policy//\"/\\\"}" "${redrive//\"/\\\"}" > attributes.json
awslocal sqs set-queue-attributes --queue-url "$queue_url" --attributes file://attributes.json

subscription=$(awslocal sns subscribe --topic-arn "$topic_arn" --protocol sqs --notification-endpoint "$queue_arn" \
  --return-subscription-arn --output text --query SubscriptionArn)
awslocal sns set-subscription-attributes --subscription-arn "$subscription" \
  --attribute-name RawMessageDelivery --attribute-value true
echo "order-events -> order-events-queue ($subscription)"
