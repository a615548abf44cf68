#!/usr/bin/env bash
# Deploy Lab 2's functions order-processor and order-event-logger, their tables and role, and the
# event source mapping order-events-queue -> order-event-logger, to the local emulator with awslocal.
# Run setup_messaging.sh first: this script looks its topic and queue up.
# It must be idempotent: a second run updates the functions and keeps one mapping.
set -euo pipefail
cd "$(dirname "$0")"

ORDERS_TABLE=Orders
PROCESSED_EVENTS_TABLE=ProcessedEvents
ROLE=order-events-role
PROCESSOR=order-processor
LOGGER=order-event-logger
TOPIC=order-events
QUEUE=order-events-queue

# TODO 10a (README step 10a): look up the topic's ARN and the queue's URL and ARN, then create the
#          tables $ORDERS_TABLE (key order_id) and $PROCESSED_EVENTS_TABLE (key message_id), both
#          string keys and on-demand, unless they exist.

# TODO 10b (README step 10b): create the role $ROLE (trust policy: lambda.amazonaws.com may assume
#          it) unless it exists; keep its ARN.

# TODO 10c (README step 10c): one zip per function, the module at the root.

# TODO 10d (README step 10d): create or update $PROCESSOR (order_processor.lambda_handler,
#          ORDERS_TABLE and ORDER_EVENTS_TOPIC_ARN) and $LOGGER (order_event_logger.lambda_handler,
#          PROCESSED_EVENTS_TABLE): python3.12, timeout 10 s, 128 MB, the role above.

# TODO 10e (README step 10e): create the event source mapping $QUEUE -> $LOGGER (batch size 10,
#          function response type ReportBatchItemFailures), or update the one that exists.

echo "deploy.sh: nothing is deployed yet; write the TODOs of README step 10 first." >&2
exit 1
