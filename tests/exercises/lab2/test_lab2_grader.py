"""Tests of the Lab 2 grader: each plausible mistake loses the points of the check about that mistake
(and only those, apart from the checks that build on it and say "finish ... first"). Full marks for
the reference and the correct solutions, a low starter and the README's check table are
tests/exercises/test_every_exercise.py's.

Every grading run is a child `pytest` process, as a student would run it (tests/grader_tests.py). A
mistake is graded with the check about it and its neighbours only (the checks of the same module, or
the few that run the same script), which keeps this file to a few minutes.
"""

from __future__ import annotations

from pathlib import Path

from grader_tests import ExerciseUnderTest, readme_text
from support import REPO

LAB = ExerciseUnderTest("lab2")
LAB_ID = LAB.id

SETUP_RUNS = "test_setup_messaging_sh_runs_and_creates_the_topic_and_queues"
SETUP_AGAIN = "test_setup_messaging_sh_runs_again_and_keeps_the_queued_messages"
QUEUE_CONFIG = "test_the_queue_redrives_after_3_receives_and_gets_raw_deliveries"
POLICY = "test_the_queue_policy_lets_only_the_topic_send"
PROCESSOR_IMPORTS = "test_the_processor_module_imports"
STORED = "test_a_valid_order_is_stored_with_money_as_numbers"
PUBLISHED = "test_a_stored_order_is_announced_with_an_order_placed_event"
INVALID = "test_an_invalid_order_gets_an_error_response_and_changes_nothing"
STORE_FAILS = "test_nothing_is_published_when_the_order_cannot_be_stored"
LOGGER_IMPORTS = "test_the_logger_module_imports"
LOGGED = "test_the_logger_logs_each_order_once_and_records_its_message_id"
REDELIVERY = "test_a_redelivered_message_is_logged_as_a_duplicate_not_processed_again"
RACE = "test_a_message_recorded_by_a_concurrent_delivery_is_not_processed_again"
POISON = "test_invalid_records_alone_are_reported_in_batch_item_failures"
ENVIRONMENT = "test_tables_and_topic_come_from_the_environment"
CLIENTS = "test_clients_are_created_once_and_reused"
FLOW = "test_an_order_flows_from_the_processor_through_the_queue_to_the_logger"
DLQ = "test_a_failing_message_moves_to_the_dlq_after_3_receives"
DEPLOY_RUNS = "test_deploy_sh_runs_and_creates_the_functions_tables_and_mapping"
DEPLOY_AGAIN = "test_deploy_sh_runs_again_and_updates_both_functions"
DEPLOY_CONFIG = "test_deploy_sh_configures_the_tables_role_and_functions_as_specified"
MAPPING = "test_the_event_source_mapping_feeds_the_queue_to_the_logger_with_batch_item_failures"
DEPLOYED = "test_the_deployed_functions_run_from_their_packages"

PROCESSOR_CHECKS = (PROCESSOR_IMPORTS, STORED, PUBLISHED, INVALID, STORE_FAILS, ENVIRONMENT, CLIENTS)
LOGGER_CHECKS = (LOGGER_IMPORTS, LOGGED, REDELIVERY, RACE, POISON, ENVIRONMENT, CLIENTS)


GRADER = LAB.grader()
grade = LAB.grade_only
mutant = LAB.mutant
assert_only_failures = LAB.assert_only_failures


# ------------------------------------------------------------------------------------ the starter


def test_the_untouched_starter_fails_at_its_todos_and_blocks_the_rest(tmp_path: Path) -> None:
    run = LAB.grade_starter(tmp_path)
    LAB.assert_sane(run)
    lab = run.exercise(LAB_ID)
    assert lab["points"] == 2, lab["points"]  # the two import checks: the modules load
    assert {run.check(LAB_ID, c)["outcome"] for c in (PROCESSOR_IMPORTS, LOGGER_IMPORTS)} == {"passed"}
    assert "NotImplementedError: TODO 6" in run.check(LAB_ID, STORED)["message"]
    assert "NotImplementedError: TODO 9" in run.check(LAB_ID, LOGGED)["message"]
    assert "README step 1 first" in run.check(LAB_ID, SETUP_RUNS)["message"]
    assert "README step 10 first" in run.check(LAB_ID, DEPLOY_RUNS)["message"]
    for blocked in (
        SETUP_AGAIN,
        QUEUE_CONFIG,
        POLICY,
        INVALID,
        STORE_FAILS,
        REDELIVERY,
        RACE,
        POISON,
        FLOW,
        DLQ,
        DEPLOY_AGAIN,
        DEPLOY_CONFIG,
        MAPPING,
        DEPLOYED,
    ):
        assert run.check(LAB_ID, blocked)["outcome"] == "blocked", blocked


# ----------------------------------------------------------------------- mistakes in the processor

PROCESSOR = "order_processor.py"
STORE_THEN_PUBLISH = """    try:
        store_order(event, placed_at)
    except ClientError:"""


def test_a_processor_that_publishes_before_storing_loses_the_store_failure_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        PROCESSOR,
        (STORE_THEN_PUBLISH, "    message_id = publish_order_placed(event, placed_at)\n" + STORE_THEN_PUBLISH),
        ("    message_id = publish_order_placed(event, placed_at)\n    logger.info", "    logger.info"),
    )
    (check,) = assert_only_failures(grade(code, tmp_path, *PROCESSOR_CHECKS), STORE_FAILS)
    assert check["outcome"] == "partial"
    assert (
        "nothing published: expected no OrderPlaced event for ORD-1001 when the table Orders does not exist"
        in check["message"]
    )


def test_a_processor_that_publishes_although_the_store_failed_loses_the_whole_store_failure_check(
    tmp_path: Path,
) -> None:
    code = mutant(tmp_path, PROCESSOR, ('return {"error": "the order could not be stored"}', "pass"))
    (check,) = assert_only_failures(grade(code, tmp_path, *PROCESSOR_CHECKS), STORE_FAILS)
    assert check["outcome"] == "failed" and check["points"] == 0
    assert "which tells the caller the order was placed" in check["message"]
    assert check["hint"] == GRADER.STORE_FAILS_HINT


def test_a_processor_that_lets_the_store_error_escape_loses_the_error_answer_part(tmp_path: Path) -> None:
    code = mutant(tmp_path, PROCESSOR, ('return {"error": "the order could not be stored"}', "raise"))
    (check,) = assert_only_failures(grade(code, tmp_path, *PROCESSOR_CHECKS), STORE_FAILS)
    assert check["outcome"] == "partial"
    assert 'an error answer: expected the answer {"error": "..."} for ORD-1001' in check["message"]
    assert "your handler raised ResourceNotFoundException" in check["message"], check["message"]


def test_a_processor_that_raises_on_invalid_input_loses_the_invalid_order_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, PROCESSOR, ('return {"error": problem}', "raise ValueError(problem)"))
    (check,) = assert_only_failures(grade(code, tmp_path, *PROCESSOR_CHECKS), INVALID)
    assert check["outcome"] == "failed" and check["points"] == 0
    assert "your handler raised ValueError: the order must be a JSON object" in check["message"]


def test_a_processor_that_accepts_a_total_given_as_text_loses_one_case_of_the_invalid_order_check(
    tmp_path: Path,
) -> None:
    code = mutant(
        tmp_path,
        PROCESSOR,
        ("isinstance(value, (int, float, Decimal))", "isinstance(value, (int, float, Decimal, str))"),
        (
            '    if not _is_number(order.get("total")) or order["total"] < 0:',
            '    if not _is_number(order.get("total")) or float(order["total"]) < 0:',
        ),
    )
    (check,) = assert_only_failures(grade(code, tmp_path, INVALID), INVALID)
    assert check["outcome"] == "partial"
    assert check["message"].startswith("21 of 23 cases passed"), check["message"]  # unit_price as text too
    assert (
        '- total as text: expected an answer {"error": "..."} for ORD-1001 with "total": "60.07", got {"order_id": "ORD-1001", "message_id": '
        in check["message"]
    )


def test_a_processor_that_takes_booleans_for_numbers_loses_the_boolean_cases(tmp_path: Path) -> None:
    code = mutant(tmp_path, PROCESSOR, (" and not isinstance(value, bool)", ""))
    (check,) = assert_only_failures(grade(code, tmp_path, INVALID), INVALID)
    assert check["message"].startswith("21 of 23 cases passed"), check["message"]  # quantity has its own bool test
    for case in ("total true", "unit_price false"):
        assert f"- {case}: expected an answer" in check["message"]


def test_a_logger_that_takes_any_total_loses_part_of_the_poison_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        "order_event_logger.py",
        ("    if not isinstance(total, (int, float)) or isinstance(total, bool):", "    if total is None:"),
    )
    (check,) = assert_only_failures(grade(code, tmp_path, POISON), POISON)
    assert "these are missing: an event whose total is text" in check["message"], check["message"]


def test_an_event_without_the_event_type_attribute_loses_part_of_the_publish_and_flow_checks(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        PROCESSOR,
        ('        MessageAttributes={"event_type": {"DataType": "String", "StringValue": EVENT_TYPE}},\n', ""),
    )
    published, flow = assert_only_failures(
        grade(code, tmp_path, *PROCESSOR_CHECKS, SETUP_RUNS, LOGGER_IMPORTS, FLOW), PUBLISHED, FLOW
    )
    assert published["outcome"] == flow["outcome"] == "partial"
    assert "event_type attribute: expected the message attribute event_type = 'OrderPlaced'" in published["message"]
    assert "event_type attribute: expected the message in order-events-queue to carry" in flow["message"]


def test_a_processor_that_forgets_the_message_id_loses_part_of_the_publish_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        PROCESSOR,
        ('return {"order_id": event["order_id"], "message_id": message_id}', 'return {"order_id": event["order_id"]}'),
    )
    (check,) = assert_only_failures(grade(code, tmp_path, PUBLISHED), PUBLISHED)
    assert (
        check["message"].startswith("2 of 3 cases passed")
        and "- answer: expected your handler to answer" in check["message"]
    )


def test_decimals_made_from_floats_fail_the_store_check_with_the_decimal_hint(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        PROCESSOR,
        (
            "item = json.loads(json.dumps(order), parse_float=Decimal)",
            "item = json.loads(json.dumps(order), parse_float=lambda text: Decimal(float(text)))",
        ),
    )
    run = grade(code, tmp_path, PROCESSOR_IMPORTS, STORED, INVALID, STORE_FAILS)
    (check,) = assert_only_failures(run, STORED, blocked=(INVALID, STORE_FAILS))
    assert "your handler raised Inexact" in check["message"]
    assert check["hint"] == GRADER.DECIMAL_HINT


def test_money_stored_as_text_fails_the_store_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        PROCESSOR,
        (
            '    item["placed_at"] = placed_at\n',
            '    item["placed_at"] = placed_at\n    item["total"] = str(item["total"])\n',
        ),
    )
    (check,) = assert_only_failures(grade(code, tmp_path, STORED), STORED)
    assert 'total: expected the number 60.07, got {"S": "60.07"}' in check["message"]


def test_a_hard_coded_table_name_loses_part_of_the_environment_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, PROCESSOR, ('ORDERS_TABLE = os.environ["ORDERS_TABLE"]', 'ORDERS_TABLE = "Orders"'))
    (check,) = assert_only_failures(grade(code, tmp_path, *PROCESSOR_CHECKS), ENVIRONMENT)
    assert (
        check["message"].startswith("2 of 3 cases passed")
        and "- ORDERS_TABLE: expected ORD-1001 stored in OrdersGraderCheck" in check["message"]
    )


def test_a_processor_without_lambda_handler_fails_the_import_check_with_what_it_defines(tmp_path: Path) -> None:
    code = mutant(tmp_path, PROCESSOR, ("def lambda_handler(", "def handler("))
    (check,) = assert_only_failures(grade(code, tmp_path, PROCESSOR_IMPORTS), PROCESSOR_IMPORTS)
    assert "order_processor.py to define lambda_handler(event, context); it defines [" in check["message"]
    assert "'handler', 'json'" in check["message"]


def test_a_client_created_inside_the_handler_loses_part_of_the_client_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        PROCESSOR,
        ("    orders.put_item(Item=item)", '    boto3.resource("dynamodb").Table(ORDERS_TABLE).put_item(Item=item)'),
    )
    (check,) = assert_only_failures(grade(code, tmp_path, *PROCESSOR_CHECKS), CLIENTS)
    assert (
        "- order_processor.py: expected no new boto3 client or resource during 2 warm invocations" in check["message"]
    )
    assert "2 were created (dynamodb, dynamodb)" in check["message"]


# -------------------------------------------------------------------------- mistakes in the logger

LOGGER = "order_event_logger.py"
CONDITION = '            ConditionExpression="attribute_not_exists(message_id)",\n'


def test_a_logger_that_takes_every_store_error_for_a_duplicate_loses_part_of_the_redelivery_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        LOGGER,
        (
            '    except ClientError as error:\n        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":\n            return False\n        raise\n',
            "    except ClientError:\n        return False  # it must be there already\n",
        ),
    )
    (check,) = assert_only_failures(grade(code, tmp_path, REDELIVERY), REDELIVERY)
    assert "another error is not taken for a duplicate: expected a new message to fail" in check["message"], check["message"]


def test_a_logger_with_a_plain_put_processes_a_redelivery_again(tmp_path: Path) -> None:
    code = mutant(tmp_path, LOGGER, (CONDITION, ""))
    (check,) = assert_only_failures(grade(code, tmp_path, *LOGGER_CHECKS), REDELIVERY, blocked=(RACE,))
    assert check["outcome"] == "partial" and check["message"].startswith("2 of 4 cases passed")
    assert "- not processed again: expected no new 'processed' log line" in check["message"]
    assert check["hint"] == GRADER.DUPLICATE_HINT


def test_a_logger_that_reads_before_a_plain_put_loses_only_the_concurrent_delivery_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        LOGGER,
        (CONDITION, ""),
        (
            "    try:\n        processed_events.put_item(",
            (
                '    if "Item" in processed_events.get_item(Key={"message_id": message_id}):\n        return False\n'
                "    try:\n        processed_events.put_item("
            ),
        ),
    )
    (check,) = assert_only_failures(grade(code, tmp_path, *LOGGER_CHECKS), RACE)
    assert check["outcome"] == "failed"
    assert "after your logger looked and before its PutItem arrived, yet your logger logged" in check["message"]
    assert check["hint"] == GRADER.RACE_HINT


def test_a_logger_that_lets_an_invalid_record_fail_the_batch_loses_the_poison_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, LOGGER, ("        except InvalidEvent as error:", "        except KeyError as error:"))
    run = grade(code, tmp_path, *LOGGER_CHECKS, DLQ)
    (check,) = assert_only_failures(run, POISON, blocked=(DLQ,))
    assert (
        check["outcome"] == "failed" and "so Lambda retries the whole batch, the 2 good records too" in check["message"]
    )


def test_a_logger_that_records_invalid_records_loses_part_of_the_poison_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        LOGGER,
        (
            '            order_event = parse_event(record["body"])\n            first_time = record_once(message_id, order_event["order_id"])',
            '            first_time = record_once(message_id, "unknown")\n            order_event = parse_event(record["body"])',
        ),
    )
    run = grade(code, tmp_path, *LOGGER_CHECKS, DLQ)
    (check,) = assert_only_failures(run, POISON, blocked=(DLQ,))
    assert check["message"].startswith("4 of 5 cases passed"), check["message"]
    assert "their retries would be skipped as duplicates and never reach the DLQ" in check["message"]


def test_a_logger_that_swallows_invalid_records_loses_the_poison_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        LOGGER,
        (
            (
                '            log_json(logging.ERROR, status="invalid", message_id=message_id, error=str(error))\n'
                '            failures.append({"itemIdentifier": message_id})\n'
            ),
            '            log_json(logging.ERROR, status="invalid", message_id=message_id, error=str(error))\n',
        ),
    )
    (check,) = assert_only_failures(grade(code, tmp_path, POISON), POISON)
    assert "- invalid records reported: expected batchItemFailures to name the invalid records" in check["message"]
    assert "not JSON, a JSON list, a JSON object without the event's fields" in check["message"]


def test_a_logger_that_reports_duplicates_as_failures_loses_part_of_the_redelivery_check(tmp_path: Path) -> None:
    duplicate = '            log_json(logging.INFO, status="duplicate", message_id=message_id, order_id=order_event["order_id"])\n'
    code = mutant(
        tmp_path, LOGGER, (duplicate, duplicate + '            failures.append({"itemIdentifier": message_id})\n')
    )
    (check,) = assert_only_failures(grade(code, tmp_path, *LOGGER_CHECKS), REDELIVERY, blocked=(RACE,))
    assert check["message"].startswith("3 of 4 cases passed")
    assert "- not reported as failed: expected no batchItemFailures for the second delivery" in check["message"]


def test_the_dlq_check_follows_a_failing_message_through_three_receives(tmp_path: Path) -> None:
    """The check plays Lambda's poller: with the reference it passes (above); with a maxReceiveCount
    of 5 the message is received a fourth time and the check says so."""
    code = mutant(tmp_path, "setup_messaging.sh", ("MAX_RECEIVES=3", "MAX_RECEIVES=5"))
    config, dlq = assert_only_failures(grade(code, tmp_path, QUEUE_CONFIG, DLQ), QUEUE_CONFIG, DLQ)
    assert (
        "- maxReceiveCount: expected the RedrivePolicy of order-events-queue to have maxReceiveCount 3, got 5."
        in config["message"]
    )
    assert "it was received 5 time(s) and is not in the DLQ." in dlq["message"]


# ----------------------------------------------------------------------- mistakes in the setup script

SETUP = "setup_messaging.sh"


def test_a_queue_policy_for_anyone_without_a_source_condition_loses_part_of_the_policy_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        SETUP,
        ('"Principal": {"Service": "sns.amazonaws.com"},', '"Principal": "*",'),
        ('            "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},\n', ""),
    )
    (check,) = assert_only_failures(grade(code, tmp_path, QUEUE_CONFIG, POLICY), POLICY)
    assert check["outcome"] == "partial"
    assert (
        "- nobody else may send: expected every statement that Allows sqs:SendMessage to carry the condition"
        in check["message"]
    )
    assert "this one lets anyone send" in check["message"]


def test_a_queue_policy_that_checks_only_the_source_account_lets_another_topic_send(tmp_path: Path) -> None:
    code = mutant(
        tmp_path, SETUP,
        ('"Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},',
         '"Condition": {"StringEquals": {"aws:SourceAccount": queue_arn.split(":")[4]}},'),
    )
    (check,) = assert_only_failures(grade(code, tmp_path, QUEUE_CONFIG, POLICY), POLICY)
    assert check["outcome"] == "partial"
    assert "this one lets another topic of the account send" in check["message"]


def test_a_queue_policy_that_also_allows_the_owner_account_loses_part_of_the_policy_check(tmp_path: Path) -> None:
    owner = (
        '        },\n        {"Sid": "Owner", "Effect": "Allow", '
        '"Principal": {"AWS": "arn:aws:iam::" + queue_arn.split(":")[4] + ":root"}, '
        '"Action": "sqs:*", "Resource": queue_arn},\n'
    )
    code = mutant(tmp_path, SETUP, ('        }\n    ],\n}', owner.replace("\\n", "\n") + '    ],\n}'))
    (check,) = assert_only_failures(grade(code, tmp_path, QUEUE_CONFIG, POLICY), POLICY)
    assert "this one lets the account's own users directly send" in check["message"]


def test_a_queue_policy_that_allows_anyone_and_denies_every_other_source_gets_full_marks(tmp_path: Path) -> None:
    code = mutant(
        tmp_path, SETUP,
        ('"Principal": {"Service": "sns.amazonaws.com"},', '"Principal": "*",'),
        ('            "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},\n        }\n',
         '        },\n        {"Effect": "Deny", "Principal": "*", "Action": "sqs:SendMessage", "Resource": queue_arn,\n'
         '         "Condition": {"ArnNotEquals": {"aws:SourceArn": topic_arn}}},\n'),
    )
    assert_only_failures(grade(code, tmp_path, QUEUE_CONFIG, POLICY))


def test_a_subscription_without_raw_delivery_loses_part_of_the_config_and_flow_checks(tmp_path: Path) -> None:
    code = mutant(tmp_path, SETUP, (" --attributes RawMessageDelivery=true", ""))
    config, flow = assert_only_failures(grade(code, tmp_path, QUEUE_CONFIG, POLICY, FLOW), QUEUE_CONFIG, FLOW)
    assert (
        "- raw message delivery: expected the subscription of order-events-queue to order-events to have"
        in config["message"]
    )
    assert "got SNS's JSON envelope (the subscription lacks RawMessageDelivery)" in flow["message"]


def test_a_setup_script_that_recreates_the_queue_loses_its_messages_and_the_second_run_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        SETUP,
        (
            'QUEUE_URL=$(awslocal sqs create-queue --queue-name "$QUEUE"',
            (
                'awslocal sqs delete-queue --queue-url "$(awslocal sqs get-queue-url --queue-name "$QUEUE" --query QueueUrl '
                '--output text 2>/dev/null)" 2>/dev/null || true\nQUEUE_URL=$(awslocal sqs create-queue --queue-name "$QUEUE"'
            ),
        ),
    )
    (check,) = assert_only_failures(grade(code, tmp_path, SETUP_AGAIN), SETUP_AGAIN)
    assert "the queue holds 0 messages (was it deleted and created again, or purged?)" in check["message"]


# ---------------------------------------------------------------------------- mistakes in deploy.sh

DEPLOY = "deploy.sh"


def test_a_mapping_without_report_batch_item_failures_loses_part_of_the_mapping_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        DEPLOY,
        (
            "--batch-size 10 --function-response-types ReportBatchItemFailures --enabled >/dev/null",
            "--batch-size 10 --enabled >/dev/null",
        ),
        ("--batch-size 10 --function-response-types ReportBatchItemFailures >/dev/null", "--batch-size 10 >/dev/null"),
    )
    (check,) = assert_only_failures(grade(code, tmp_path, DEPLOY_CONFIG, MAPPING), MAPPING)
    assert check["message"].startswith("2 of 3 cases passed")
    assert (
        "- partial batch responses: expected FunctionResponseTypes to include ReportBatchItemFailures"
        in check["message"]
    )


def test_a_deploy_script_that_always_creates_the_mapping_loses_part_of_the_second_run_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, DEPLOY, ('if [ -n "$MAPPING" ] && [ "$MAPPING" != "None" ]; then', "if false; then"))
    (check,) = assert_only_failures(grade(code, tmp_path, DEPLOY_AGAIN), DEPLOY_AGAIN)
    assert check["message"].startswith("2 of 4 cases passed"), check["message"]  # the new mapping has other settings
    assert (
        "- one mapping: expected one event source mapping for order-event-logger after two deploys, found 2"
        in check["message"]
    )


def test_a_deploy_script_that_updates_the_mapping_with_other_settings_loses_part_of_the_second_run_check(
    tmp_path: Path,
) -> None:
    script = (REPO / "solutions" / LAB.folder / DEPLOY).read_text(encoding="utf-8")
    update = script[script.index('  awslocal lambda update-event-source-mapping --uuid "$MAPPING"'):]
    update = update[: update.index(">/dev/null\n") + len(">/dev/null\n")]
    code = mutant(tmp_path, DEPLOY, (update, '  awslocal lambda update-event-source-mapping --uuid "$MAPPING" --batch-size 1 >/dev/null\n'))
    (check,) = assert_only_failures(grade(code, tmp_path, DEPLOY_AGAIN), DEPLOY_AGAIN)
    assert "- the settings applied again: expected the second `bash deploy.sh` to apply its settings again" in check["message"]


def test_a_deploy_script_that_never_updates_the_code_loses_part_of_the_second_run_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        DEPLOY,
        (
            '    awslocal lambda update-function-code --function-name "$name" --zip-file "fileb://$package" >/dev/null\n',
            "",
        ),
    )
    (check,) = assert_only_failures(grade(code, tmp_path, DEPLOY_AGAIN), DEPLOY_AGAIN)
    assert check["message"].startswith("2 of 4 cases passed"), check["message"]
    assert "to upload the new code of order-processor" in check["message"]
    assert check["hint"] == GRADER.UPDATE_CODE_HINT


def test_a_processor_deployed_without_its_topic_loses_parts_of_the_config_and_deployed_checks(tmp_path: Path) -> None:
    code = mutant(
        tmp_path,
        DEPLOY,
        (
            '"Variables={ORDERS_TABLE=$ORDERS_TABLE,ORDER_EVENTS_TOPIC_ARN=$TOPIC_ARN}"',
            '"Variables={ORDERS_TABLE=$ORDERS_TABLE}"',
        ),
    )
    config, deployed = assert_only_failures(grade(code, tmp_path, DEPLOY_CONFIG, DEPLOYED), DEPLOY_CONFIG, DEPLOYED)
    assert "- order-processor environment: expected order-processor's environment to hold" in config["message"]
    assert "- order-processor: expected the deployed order-processor to run; it failed with" in deployed["message"]
    # Lambda's Python runtime reports an exception raised at import under its own type, here the KeyError of
    # os.environ[...] at module level, and its log shows the module's line.
    assert "it failed with KeyError: 'ORDER_EVENTS_TOPIC_ARN'" in deployed["message"]
    assert 'order_processor.py", line' in deployed["message"] and "in <module>" in deployed["message"]


# ---------------------------------------------------------------------------------- the README


def test_the_readme_shows_the_sharper_hints_too() -> None:
    readme = readme_text((REPO / LAB.folder / "README.md").read_text(encoding="utf-8"))
    for sharper in (GRADER.DECIMAL_HINT, GRADER.UPDATE_CODE_HINT):
        assert readme_text(sharper) in readme


def test_the_starter_has_the_numbered_todos_the_readme_steps_name() -> None:
    starter = "\n".join(
        (REPO / LAB.folder / name).read_text(encoding="utf-8") for name in ("setup_messaging.sh", PROCESSOR, LOGGER, DEPLOY)
    )
    readme = (REPO / LAB.folder / "README.md").read_text(encoding="utf-8")
    for todo in (
        "1a",
        "1b",
        "1c",
        "1d",
        "1e",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7a",
        "7b",
        "8",
        "9",
        "10a",
        "10b",
        "10c",
        "10d",
        "10e",
    ):
        assert f"TODO {todo} (README step {todo.rstrip('abcde')}" in starter, f"TODO {todo} is missing"
    for number in range(1, 11):
        assert f"### Step {number}:" in readme


# ------------------------------------------------------------------ the failure the README shows


def test_a_logger_that_lets_an_invalid_record_escape_prints_exactly_the_failure_the_readme_shows(
    tmp_path: Path,
) -> None:
    code = mutant(tmp_path, LOGGER, ("        except InvalidEvent as error:", "        except KeyError as error:"))
    check = grade(code, tmp_path, POISON).check(LAB_ID, POISON)
    shown = [
        f"Event handling with SNS and SQS › {check['title']}  ({check['points']:g}/{check['max']:g})",
        check["message"],
        f"Hint: {check['hint']}",
        f"Read: {check['read']}",
    ]
    lines = [line.strip() for line in (REPO / LAB.folder / "README.md").read_text(encoding="utf-8").splitlines()]
    start = lines.index(shown[0])
    assert lines[start : start + 4] == shown
