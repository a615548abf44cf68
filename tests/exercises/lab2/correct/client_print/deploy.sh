#!/bin/bash
# Another correct style: `if ! lookup; then create; fi`, JSON for the environment, one loop over
# both functions, and the mapping found with a JMESPath filter over every mapping of the function.
set -eu
cd "$(dirname "$0")"

topic_arn=$(awslocal sns create-topic --name order-events --output text --query TopicArn)
queue_url=$(awslocal sqs get-queue-url --queue-name order-events-queue --output text --query QueueUrl)
queue_arn=$(awslocal sqs get-queue-attributes --queue-url "$queue_url" --attribute-names QueueArn \
  --output text --query Attributes.QueueArn)

for spec in Orders:order_id ProcessedEvents:message_id; do
  table=${spec%%:*} key=${spec##*:}
  if ! awslocal dynamodb describe-table --table-name "$table" >/dev/null 2>&1; then
    awslocal dynamodb create-table --table-name "$table" --billing-mode PAY_PER_REQUEST \
      --attribute-definitions "AttributeName=$key,AttributeType=S" --key-schema "AttributeName=$key,KeyType=HASH" >/dev/null
  fi
  awslocal dynamodb wait table-exists --table-name "$table"
done

if ! awslocal iam get-role --role-name order-events-role >/dev/null 2>&1; then
  awslocal iam create-role --role-name order-events-role --assume-role-policy-document \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com"]},"Action":["sts:AssumeRole"]}]}' >/dev/null
fi
role_arn=$(awslocal iam get-role --role-name order-events-role --output text --query Role.Arn)

for fn in order-processor order-event-logger; do
  module=${fn//-/_}   # order-processor -> order_processor
  if [ "$fn" = order-processor ]; then
    environment="{\"Variables\": {\"ORDERS_TABLE\": \"Orders\", \"ORDER_EVENTS_TOPIC_ARN\": \"$topic_arn\"}}"
  else
    environment='{"Variables": {"PROCESSED_EVENTS_TABLE": "ProcessedEvents"}}'
  fi
  rm -f "$fn.zip"
  python -m zipfile -c "$fn.zip" "$module.py"
  settings=(--runtime python3.12 --handler "$module.lambda_handler" --role "$role_arn" --timeout 10 --memory-size 128
            --environment "$environment")
  if ! awslocal lambda get-function --function-name "$fn" >/dev/null 2>&1; then
    awslocal lambda create-function --function-name "$fn" --zip-file "fileb://$fn.zip" "${settings[@]}" >/dev/null
    awslocal lambda wait function-active --function-name "$fn"
  else
    awslocal lambda update-function-code --function-name "$fn" --zip-file "fileb://$fn.zip" >/dev/null
    awslocal lambda wait function-updated --function-name "$fn"
    awslocal lambda update-function-configuration --function-name "$fn" "${settings[@]}" >/dev/null
    awslocal lambda wait function-updated --function-name "$fn"
  fi
done

uuid=$(awslocal lambda list-event-source-mappings --function-name order-event-logger --output text \
  --query "EventSourceMappings[?EventSourceArn=='$queue_arn'].UUID | [0]")
if [ "$uuid" = None ]; then
  awslocal lambda create-event-source-mapping --function-name order-event-logger --event-source-arn "$queue_arn" \
    --batch-size 10 --function-response-types ReportBatchItemFailures >/dev/null
else
  awslocal lambda update-event-source-mapping --uuid "$uuid" --batch-size 10 \
    --function-response-types ReportBatchItemFailures >/dev/null
fi
