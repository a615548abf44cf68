#!/bin/bash
# Another correct style: try to create and fall back to an update, one zip holding both modules, and
# the mapping looked up among all mappings of the queue.
set -eu
cd "$(dirname "$0")"

topic=$(awslocal sns create-topic --name order-events --output text --query TopicArn)
queue_arn=$(awslocal sqs get-queue-attributes --attribute-names QueueArn --output text --query Attributes.QueueArn \
  --queue-url "$(awslocal sqs get-queue-url --queue-name order-events-queue --output text --query QueueUrl)")

awslocal dynamodb create-table --table-name Orders --billing-mode PAY_PER_REQUEST \
  --attribute-definitions AttributeName=order_id,AttributeType=S --key-schema AttributeName=order_id,KeyType=HASH \
  >/dev/null 2>&1 || echo "Orders already there"
awslocal dynamodb create-table --table-name ProcessedEvents --billing-mode PAY_PER_REQUEST \
  --attribute-definitions AttributeName=message_id,AttributeType=S --key-schema AttributeName=message_id,KeyType=HASH \
  >/dev/null 2>&1 || echo "ProcessedEvents already there"
awslocal dynamodb wait table-exists --table-name Orders
awslocal dynamodb wait table-exists --table-name ProcessedEvents

cat > trust.json <<'JSON'
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
JSON
awslocal iam create-role --role-name order-events-role --assume-role-policy-document file://trust.json \
  >/dev/null 2>&1 || echo "role already there"
role=$(awslocal iam get-role --role-name order-events-role --output text --query Role.Arn)

rm -f package.zip
python -m zipfile -c package.zip order_processor.py order_event_logger.py

deploy() {
  local name=$1; shift
  if awslocal lambda create-function --function-name "$name" --zip-file fileb://package.zip --role "$role" \
       --runtime python3.12 --timeout 10 --memory-size 128 "$@" >/dev/null 2>&1; then
    awslocal lambda wait function-active --function-name "$name"
  else
    awslocal lambda update-function-code --function-name "$name" --zip-file fileb://package.zip >/dev/null
    awslocal lambda wait function-updated --function-name "$name"
    awslocal lambda update-function-configuration --function-name "$name" --role "$role" \
      --runtime python3.12 --timeout 10 --memory-size 128 "$@" >/dev/null
    awslocal lambda wait function-updated --function-name "$name"
  fi
}
deploy order-processor --handler order_processor.lambda_handler \
  --environment "Variables={ORDERS_TABLE=Orders,ORDER_EVENTS_TOPIC_ARN=$topic}"
deploy order-event-logger --handler order_event_logger.lambda_handler \
  --environment "Variables={PROCESSED_EVENTS_TABLE=ProcessedEvents}"

existing=$(awslocal lambda list-event-source-mappings --event-source-arn "$queue_arn" --output text \
  --query "EventSourceMappings[?contains(FunctionArn, ':function:order-event-logger')].UUID")
if [ -z "$existing" ] || [ "$existing" = None ]; then
  awslocal lambda create-event-source-mapping --function-name order-event-logger --event-source-arn "$queue_arn" \
    --batch-size 10 --function-response-types ReportBatchItemFailures >/dev/null
else
  awslocal lambda update-event-source-mapping --uuid "$existing" --function-response-types ReportBatchItemFailures \
    --batch-size 10 >/dev/null
fi
echo deployed
