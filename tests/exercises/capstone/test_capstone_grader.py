"""Tests of the capstone grader: each plausible mistake, written from the README, loses the check about it.

Full marks for the reference and the correct solutions (tests/exercises/capstone/correct/), a low starter
and the README's check table are tests/exercises/test_every_exercise.py's. Here, edits of the reference
solution, graded in a child `pytest` (tests/grader_tests.py) against the whole grader: a mistake must cost
its own check(s) and leave the others passing.
"""

from __future__ import annotations

from pathlib import Path

from grader_tests import ExerciseUnderTest

CAPSTONE = ExerciseUnderTest("capstone")

CREATE = "test_orders_are_created_and_read_back"
IDEMPOTENT = "test_a_repeated_post_with_the_same_idempotency_key_creates_one_order"
VALIDATION = "test_invalid_input_is_refused_with_400_and_changes_nothing"
TRANSITIONS = "test_status_changes_follow_the_allowed_transitions"
PAGINATION = "test_a_customers_orders_are_listed_a_page_at_a_time_from_the_index"
AUTH = "test_every_method_refuses_unsigned_requests"
AUDIT = "test_the_stream_consumer_writes_one_audit_record_per_status_idempotently"
ROLES = "test_each_functions_role_grants_only_what_it_needs"
ENFORCED = "test_the_functions_do_their_jobs_with_iam_enforced"
LOGS = "test_the_api_logs_json_lines_without_the_callers_signature"
ALARMS = "test_every_function_has_an_alarm_on_its_errors"

API = "src/orders_api.py"
CONSUMER = "src/audit.py"
TEMPLATE = "template.yaml"


def graded(tmp_path: Path, code_root: Path, *failing: str) -> None:
    run = CAPSTONE.grade(code_root, tmp_path)
    CAPSTONE.assert_only_failures(run, *failing)


def test_a_quantity_that_is_not_checked_loses_only_validation(tmp_path: Path) -> None:
    code = CAPSTONE.mutant(tmp_path, API, (
        "if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:",
        "if quantity is None:",
    ))
    graded(tmp_path, code, VALIDATION)


def test_an_unknown_order_answered_200_loses_only_create_and_read(tmp_path: Path) -> None:
    code = CAPSTONE.mutant(tmp_path, API, ('        return error(404, f"order {order_id} not found")\n    return answer(200, plain(order))',
                                           "        return answer(200, {})\n    return answer(200, plain(order))"))
    graded(tmp_path, code, CREATE)


def test_an_illegal_transition_accepted_loses_only_transitions(tmp_path: Path) -> None:
    code = CAPSTONE.mutant(tmp_path, API, ('"PLACED": {"PAID", "CANCELLED"},', '"PLACED": {"PAID", "SHIPPED", "CANCELLED"},'))
    graded(tmp_path, code, TRANSITIONS)


def test_an_illegal_transition_answered_400_loses_only_transitions(tmp_path: Path) -> None:
    code = CAPSTONE.mutant(tmp_path, API, ('return error(409, f"order {order_id} is {current}', 'return error(400, f"order {order_id} is {current}'))
    graded(tmp_path, code, TRANSITIONS)


def test_an_ignored_idempotency_key_loses_only_idempotency(tmp_path: Path) -> None:
    code = CAPSTONE.mutant(tmp_path, API, ('key = header(event, "Idempotency-Key")', "key = None"))
    graded(tmp_path, code, IDEMPOTENT)


def test_no_pagination_loses_only_pagination(tmp_path: Path) -> None:
    code = CAPSTONE.mutant(tmp_path, API, (
        '"ExpressionAttributeValues": {":c": customer_id}, "Limit": page_limit(query)}',
        '"ExpressionAttributeValues": {":c": customer_id}}\n    page_limit(query)',
    ))
    graded(tmp_path, code, PAGINATION)


def test_a_scan_instead_of_a_query_loses_pagination_and_roles(tmp_path: Path) -> None:
    CAPSTONE.mutant(tmp_path, API, (
        "    page = TABLE.query(**arguments)\n",
        "    from boto3.dynamodb.conditions import Attr\n"
        "    arguments.pop(\"IndexName\"), arguments.pop(\"KeyConditionExpression\"), arguments.pop(\"ExpressionAttributeValues\")\n"
        "    page = TABLE.scan(FilterExpression=Attr(\"customer_id\").eq(customer_id), **arguments)\n",
    ), ('if not isinstance(key, dict) or key.get("customer_id") != customer_id:', "if not isinstance(key, dict):"))
    code = CAPSTONE.mutant(tmp_path, TEMPLATE, ("              Action: dynamodb:Query\n", "              Action: [dynamodb:Query, dynamodb:Scan]\n"),
                           ('Resource: !Sub "${OrdersTable.Arn}/index/customer_id-index"',
                            'Resource: [!GetAtt OrdersTable.Arn, !Sub "${OrdersTable.Arn}/index/customer_id-index"]'))
    graded(tmp_path, code, PAGINATION, ROLES)


def test_no_aws_iam_authorization_loses_only_authorization(tmp_path: Path) -> None:
    code = CAPSTONE.mutant(tmp_path, TEMPLATE, ("      Auth:\n        DefaultAuthorizer: AWS_IAM\n", ""))
    graded(tmp_path, code, AUTH)


def test_an_audit_record_keyed_by_a_fresh_id_loses_only_the_consumers_idempotency(tmp_path: Path) -> None:
    CAPSTONE.mutant(tmp_path, CONSUMER, ('item = {"order_id": order_id, "status": new,',
                                         'item = {"order_id": order_id, "audit_id": __import__("uuid").uuid4().hex, "status": new,'))
    code = CAPSTONE.mutant(tmp_path, TEMPLATE, ("        - {AttributeName: status, AttributeType: S}\n      KeySchema:\n"
                                                "        - {AttributeName: order_id, KeyType: HASH}\n        - {AttributeName: status, KeyType: RANGE}",
                                                "        - {AttributeName: audit_id, AttributeType: S}\n      KeySchema:\n"
                                                "        - {AttributeName: order_id, KeyType: HASH}\n        - {AttributeName: audit_id, KeyType: RANGE}"))
    graded(tmp_path, code, AUDIT)


def test_a_wildcard_resource_in_the_api_role_loses_only_roles(tmp_path: Path) -> None:
    code = CAPSTONE.mutant(tmp_path, TEMPLATE, ("                - dynamodb:UpdateItem\n              Resource: !GetAtt OrdersTable.Arn",
                                                "                - dynamodb:UpdateItem\n              Resource: \"*\""))
    graded(tmp_path, code, ROLES)


def test_a_role_without_the_index_query_loses_only_the_enforced_check(tmp_path: Path) -> None:
    code = CAPSTONE.mutant(tmp_path, TEMPLATE, ("            - Effect: Allow\n              Action: dynamodb:Query\n"
                                                "              Resource: !Sub \"${OrdersTable.Arn}/index/customer_id-index\"\n", ""))
    graded(tmp_path, code, ENFORCED)


def test_the_whole_event_in_the_logs_loses_only_logs(tmp_path: Path) -> None:
    code = CAPSTONE.mutant(tmp_path, API, ('    log("INFO", "request", method=route[0],', '    log("INFO", "event", event=event)\n    log("INFO", "request", method=route[0],'))
    graded(tmp_path, code, LOGS)


def test_plain_text_logs_lose_only_logs(tmp_path: Path) -> None:
    code = CAPSTONE.mutant(tmp_path, "src/structured_log.py", (
        'print(json.dumps({"level": level, "message": message, "timestamp": time.time(), **fields}, default=str))',
        'print(f"{level} {message} {fields}")',
    ))
    graded(tmp_path, code, LOGS)


def test_an_alarm_that_needs_five_errors_loses_only_alarms(tmp_path: Path) -> None:
    code = CAPSTONE.mutant(tmp_path, TEMPLATE, ("      Threshold: 1\n", "      Threshold: 5\n"), count=2)
    graded(tmp_path, code, ALARMS)
