#!/usr/bin/env bash
# Deploy Lab 2's two functions, their tables and role, and the event source mapping that feeds
# order-events-queue to the logger. Run setup_messaging.sh first: this script looks its topic and
# queue up. Idempotent: every resource is looked up first and updated when it exists.
set -euo pipefail
cd "$(dirname "$0")"

ORDERS_TABLE=Orders
PROCESSED_EVENTS_TABLE=ProcessedEvents
ROLE=order-events-role
PROCESSOR=order-processor
LOGGER=order-event-logger
TOPIC=order-events
QUEUE=order-events-queue

# What setup_messaging.sh made. create-topic returns the ARN of the topic that exists;
# get-queue-url fails (and stops the script) when the queue is missing.
TOPIC_ARN=$(awslocal sns create-topic --name "$TOPIC" --query TopicArn --output text)
QUEUE_URL=$(awslocal sqs get-queue-url --queue-name "$QUEUE" --query QueueUrl --output text)
QUEUE_ARN=$(awslocal sqs get-queue-attributes --queue-url "$QUEUE_URL" --attribute-names QueueArn \
  --query Attributes.QueueArn --output text)

# Step 10a: the two tables, each with a string partition key, on-demand capacity.
ensure_table() {
  local table=$1 key=$2
  if awslocal dynamodb describe-table --table-name "$table" >/dev/null 2>&1; then
    echo "table $table exists"
  else
    echo "creating table $table"
    awslocal dynamodb create-table --table-name "$table" \
      --attribute-definitions "AttributeName=$key,AttributeType=S" \
      --key-schema "AttributeName=$key,KeyType=HASH" \
      --billing-mode PAY_PER_REQUEST >/dev/null
  fi
  awslocal dynamodb wait table-exists --table-name "$table"
}
ensure_table "$ORDERS_TABLE" order_id
ensure_table "$PROCESSED_EVENTS_TABLE" message_id

# Step 10b: one execution role for both functions; its trust policy lets Lambda assume it.
TRUST_POLICY='{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'
if awslocal iam get-role --role-name "$ROLE" >/dev/null 2>&1; then
  echo "role $ROLE exists"
else
  echo "creating role $ROLE"
  awslocal iam create-role --role-name "$ROLE" --assume-role-policy-document "$TRUST_POLICY" >/dev/null
fi
ROLE_ARN=$(awslocal iam get-role --role-name "$ROLE" --query Role.Arn --output text)

# Step 10c: one package per function, the module at the root of its zip.
rm -f processor.zip logger.zip
python -m zipfile -c processor.zip order_processor.py
python -m zipfile -c logger.zip order_event_logger.py

# Step 10d: create each function, or update the code and then the configuration of the one that exists.
deploy_function() {
  local name=$1 handler=$2 package=$3 environment=$4
  if awslocal lambda get-function --function-name "$name" >/dev/null 2>&1; then
    echo "updating function $name"
    awslocal lambda update-function-code --function-name "$name" --zip-file "fileb://$package" >/dev/null
    awslocal lambda wait function-updated-v2 --function-name "$name"
    awslocal lambda update-function-configuration --function-name "$name" \
      --runtime python3.12 --handler "$handler" --role "$ROLE_ARN" \
      --environment "$environment" --timeout 10 --memory-size 128 >/dev/null
    awslocal lambda wait function-updated-v2 --function-name "$name"
  else
    echo "creating function $name"
    awslocal lambda create-function --function-name "$name" \
      --runtime python3.12 --handler "$handler" --role "$ROLE_ARN" \
      --zip-file "fileb://$package" --environment "$environment" --timeout 10 --memory-size 128 >/dev/null
    awslocal lambda wait function-active-v2 --function-name "$name"
  fi
}
deploy_function "$PROCESSOR" order_processor.lambda_handler processor.zip \
  "Variables={ORDERS_TABLE=$ORDERS_TABLE,ORDER_EVENTS_TOPIC_ARN=$TOPIC_ARN}"
deploy_function "$LOGGER" order_event_logger.lambda_handler logger.zip \
  "Variables={PROCESSED_EVENTS_TABLE=$PROCESSED_EVENTS_TABLE}"

# Step 10e: the event source mapping queue -> logger. Lambda polls the queue and invokes the logger
# with up to 10 messages; ReportBatchItemFailures makes it retry only the records the logger names.
MAPPING=$(awslocal lambda list-event-source-mappings --function-name "$LOGGER" --event-source-arn "$QUEUE_ARN" \
  --query 'EventSourceMappings[0].UUID' --output text)
if [ -n "$MAPPING" ] && [ "$MAPPING" != "None" ]; then
  echo "updating event source mapping $MAPPING"
  awslocal lambda update-event-source-mapping --uuid "$MAPPING" --function-name "$LOGGER" \
    --batch-size 10 --function-response-types ReportBatchItemFailures --enabled >/dev/null
else
  echo "creating event source mapping $QUEUE -> $LOGGER"
  awslocal lambda create-event-source-mapping --function-name "$LOGGER" --event-source-arn "$QUEUE_ARN" \
    --batch-size 10 --function-response-types ReportBatchItemFailures >/dev/null
fi
echo "deployed $PROCESSOR and $LOGGER"
