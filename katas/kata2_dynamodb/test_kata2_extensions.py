"""Kata 2 grader (optional extensions): update_order_status and list_orders_for_customer.

Graded apart from the kata (`course grade kata2-ext`) and reported beside the course total, not in it.
Like the core grader it judges behaviour: what is stored, what comes back, which requests were sent.
The atomicity check plays a second writer that changes the order just before the emulator answers the
student's write (DynamoSpy, harness/kit/dynamodb_calls.py); the pagination check seeds more than 1 MB of
one customer's orders, so that DynamoDB (and the emulator, measured) answers the query in several pages.
Run it with ``course grade kata2-ext`` or ``pytest katas/kata2_dynamodb/test_kata2_extensions.py``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from test_kata2 import (  # the core grader's helpers; its checks are not collected from here
    CUSTOMER_INDEX,
    MISSING_TABLE,
    TABLE,
    Outcome,
    attempt,
    base_names,
    comes_from_client_error,
    differences,
    dynamodb,
    load_orders,
    make_table,
    manager,
    manager_of_a_missing_table,
    order,
    stored,
    student_class,
)

from harness import PartialCredit, expect, fail
from harness.call_log import CallLog
from harness.exercise_files import ExerciseFiles
from harness.kit.dynamodb_calls import RUNAWAY_LIMIT, DynamoSpy
from harness.kit.messages import readme_step, short
from harness.student.proxy import RemoteObject

README = "katas/kata2_dynamodb/README.md"
STEP_6 = readme_step(README, 6)
STEP_7 = readme_step(README, 7)

# ------------------------------------------------------------------------------------------ hints

UPDATE_HINT = (
    "Use update_item(Key={'order_id': order_id}, UpdateExpression='SET #status = :new', "
    "ExpressionAttributeNames={'#status': 'status'}, ..., ReturnValues='ALL_NEW') and return answer['Attributes']."
)
TRANSITION_HINT = (
    "Allow only the moves in ALLOWED_TRANSITIONS and raise InvalidStatusTransitionError (a ValueError) for any "
    "other, an unknown status included; the stored order must stay as it was."
)
NOT_FOUND_HINT = (
    "update_item creates a missing item unless a condition forbids it: add "
    "ConditionExpression='attribute_exists(order_id) AND ...' and raise OrderNotFoundError when it fails "
    "because the order is not there."
)
ATOMIC_HINT = (
    "Let DynamoDB judge the move when it writes: ConditionExpression='attribute_exists(order_id) AND #status IN "
    "(:from1, :from2)' with the statuses that may precede the new one; on ConditionalCheckFailedException, "
    "ReturnValuesOnConditionCheckFailure='ALL_OLD' tells a missing order from a wrong status. Change only the "
    "status (an UpdateExpression), never put the whole item back."
)
LIST_HINT = (
    "Query the index: query(IndexName='customer_id-index', KeyConditionExpression=Key('customer_id').eq(customer_id)) "
    "and return the items as a list ([] when there is none)."
)
PAGES_HINT = (
    "One query returns at most 1 MB: while the answer holds LastEvaluatedKey, query again with "
    "ExclusiveStartKey=answer['LastEvaluatedKey'] and add each page's Items (or use the client's query paginator)."
)
GSI_HINT = (
    "A Scan reads (and bills) every order of every customer; query the customer_id-index GSI with "
    "IndexName='customer_id-index' and a KeyConditionExpression on customer_id."
)
EXT_ERRORS_HINT = (
    "Catch only ConditionalCheckFailedException in update_order_status and re-raise every other ClientError; "
    "in list_orders_for_customer catch nothing: an empty list must mean the customer has no orders."
)

# ------------------------------------------------------------------------------------- test data

ALLOWED_MOVES = [
    ("PLACED", "PAID"),
    ("PAID", "SHIPPED"),
    ("SHIPPED", "DELIVERED"),
    ("PLACED", "CANCELLED"),
    ("PAID", "CANCELLED"),
]
REFUSED_MOVES = [
    ("SHIPPED", "PLACED", "backwards"),
    ("PLACED", "SHIPPED", "skips PAID"),
    ("DELIVERED", "CANCELLED", "DELIVERED is final"),
    ("CANCELLED", "PAID", "CANCELLED is final"),
    ("PAID", "LOST", "not a status"),
    ("PAID", "PAID", "no transition to itself"),
]
NOTE = "leave at the back door"
PADDING = "x" * 250_000  # 7 orders of ~250 KB: more than the 1 MB one query page may return
BIG_CUSTOMER = "C-700"


@pytest.fixture
def spy(aws_calls: CallLog) -> DynamoSpy:
    """The student's DynamoDB requests, as the emulator receives them (embedded backend only)."""
    return DynamoSpy(aws_calls)


def exception_class(module: RemoteObject, name: str) -> RemoteObject:
    found = student_class(module, name)
    expect(found.is_subclass_of(Exception), f"Expected {name} to be an exception class.")
    return found


def list_orders(orders: RemoteObject, customer_id: str) -> Outcome:
    """list_orders_for_customer(customer_id); a generator (or other iterable object) it returns is run to its end."""
    outcome = attempt(orders.list_orders_for_customer, customer_id)
    if isinstance(outcome.value, RemoteObject):
        return attempt(list, outcome.value)
    return outcome


def as_list(value: Any) -> list[Any] | None:
    """A list or tuple of orders as a list; None for anything else (a dict, None, a string)."""
    return list(value) if isinstance(value, (list, tuple)) else None


def order_ids(orders: list[Any]) -> list[Any]:
    return [entry.get("order_id") if isinstance(entry, dict) else entry for entry in orders]


# ---------------------------------------------------------------------------- update_order_status


@pytest.mark.points(3, hint=UPDATE_HINT, read=STEP_6)
def test_update_order_status_makes_every_allowed_move(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, partial_credit: PartialCredit
) -> None:
    """update_order_status makes every allowed move and returns the updated order"""
    starts = {
        f"ORD-31{index:02d}": order(f"ORD-31{index:02d}", status=start)
        for index, (start, _) in enumerate(ALLOWED_MOVES)
    }
    make_table(orders=list(starts.values()))
    orders = manager(load_orders(exercise, monkeypatch), TABLE)
    for (order_id, before), (start, target) in zip(starts.items(), ALLOWED_MOVES):
        with partial_credit.part(f"{start} -> {target}"):
            call = f"update_order_status({order_id!r}, {target!r}) on an order in status {start}"
            outcome = attempt(orders.update_order_status, order_id, target)
            expect(not outcome.raised, f"expected {call} to succeed; {outcome.describe()}")
            after = {**before, "status": target}
            wrong = differences(after, outcome.value)
            expect(
                not wrong,
                f"expected {call} to return the whole updated order {short(after, 300)}; {outcome.describe()} "
                f"(wrong or missing: {', '.join(wrong)})",
            )
            kept = differences(after, stored(order_id))
            expect(
                not kept,
                f"expected {call} to store status {target} and keep the other fields; the table holds "
                f"{short(stored(order_id), 300)} (wrong or missing: {', '.join(kept)})",
            )


@pytest.mark.points(2, hint=TRANSITION_HINT, read=STEP_6)
def test_update_order_status_refuses_a_move_that_is_not_allowed(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, partial_credit: PartialCredit
) -> None:
    """update_order_status refuses a move ALLOWED_TRANSITIONS does not allow with InvalidStatusTransitionError"""
    starts = {
        f"ORD-32{index:02d}": order(f"ORD-32{index:02d}", status=start)
        for index, (start, _, _) in enumerate(REFUSED_MOVES)
    }
    make_table(orders=list(starts.values()))
    module = load_orders(exercise, monkeypatch)
    refused = exception_class(module, "InvalidStatusTransitionError")
    expect(
        refused.is_subclass_of(ValueError),
        f"Expected InvalidStatusTransitionError to be a ValueError subclass (class "
        f"InvalidStatusTransitionError(OrderError, ValueError)); its bases are {base_names(refused)}.",
    )
    orders = manager(module, TABLE)
    for (order_id, before), (start, target, why) in zip(starts.items(), REFUSED_MOVES):
        with partial_credit.part(f"{start} -> {target} ({why})"):
            call = f"update_order_status({order_id!r}, {target!r}) on an order in status {start}"
            outcome = attempt(orders.update_order_status, order_id, target)
            expect(
                outcome.raised_a(refused),
                f"expected {call} to raise InvalidStatusTransitionError; {outcome.describe()}",
            )
            now = (stored(order_id) or {}).get("status")
            expect(now == start, f"expected {call} to leave the order in status {start}; it is now {now!r}")


@pytest.mark.points(2, hint=NOT_FOUND_HINT, read=STEP_6)
def test_update_order_status_raises_order_not_found_and_creates_nothing(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    """update_order_status raises OrderNotFoundError for a missing order and creates nothing"""
    make_table(orders=[order()])
    module = load_orders(exercise, monkeypatch)
    not_found = exception_class(module, "OrderNotFoundError")
    orders = manager(module, TABLE)
    call = "update_order_status('ORD-4040', 'PAID') (the table holds only ORD-1001)"
    outcome = attempt(orders.update_order_status, "ORD-4040", "PAID")
    ghost = stored("ORD-4040")
    if ghost is not None:
        fail(
            f"Expected {call} to raise OrderNotFoundError and create nothing; {outcome.describe()}, and the table "
            f"now holds a new item {short(ghost)}: update_item created the order it was meant to change."
        )
    expect(outcome.raised_a(not_found), f"Expected {call} to raise OrderNotFoundError; {outcome.describe()}.")


@pytest.mark.points(3, hint=ATOMIC_HINT, read=STEP_6)
def test_a_status_change_is_atomic(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, spy: DynamoSpy, partial_credit: PartialCredit
) -> None:
    """status changes are atomic: a cancel, a delete or an edit landing just before your write is not overwritten"""
    make_table(orders=[order(f"ORD-33{n:02d}", status="PLACED") for n in range(3)])
    module = load_orders(exercise, monkeypatch)
    refused = exception_class(module, "InvalidStatusTransitionError")
    not_found = exception_class(module, "OrderNotFoundError")
    orders = manager(module, TABLE)
    table = dynamodb().Table(TABLE)

    def change_under(order_id: str, action: Any) -> Outcome:
        spy.interfere_before_first_write(action)
        with spy.watching():
            outcome = attempt(orders.update_order_status, order_id, "PAID")
        expect(
            spy.interfered,
            f"expected update_order_status({order_id!r}, 'PAID') on a PLACED order to write to DynamoDB; "
            f"{outcome.describe()}, and its DynamoDB calls were: {spy.describe()}",
            hint=UPDATE_HINT,
        )
        return outcome

    with partial_credit.part("the customer cancels just before your write"):
        outcome = change_under(
            "ORD-3300",
            lambda: table.update_item(
                Key={"order_id": "ORD-3300"},
                UpdateExpression="SET #s = :c",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":c": "CANCELLED"},
            ),
        )
        now = (stored("ORD-3300") or {}).get("status")
        expect(
            now == "CANCELLED" and outcome.raised_a(refused),
            "expected update_order_status('ORD-3300', 'PAID') to raise InvalidStatusTransitionError when the order, "
            f"PLACED when your code started, is CANCELLED just before your write arrives; {outcome.describe()}, and "
            f"the order is now {now}" + (": the cancel was overwritten" if now != "CANCELLED" else ""),
        )
    with partial_credit.part("the order is deleted just before your write"):
        outcome = change_under("ORD-3301", lambda: table.delete_item(Key={"order_id": "ORD-3301"}))
        ghost = stored("ORD-3301")
        expect(
            ghost is None and outcome.raised_a(not_found),
            "expected update_order_status('ORD-3301', 'PAID') to raise OrderNotFoundError when the order is deleted "
            f"just before your write arrives; {outcome.describe()}"
            + (f", and the table now holds a new item {short(ghost)}" if ghost is not None else ""),
        )
    with partial_credit.part("another field changes just before your write"):
        outcome = change_under(
            "ORD-3302",
            lambda: table.update_item(
                Key={"order_id": "ORD-3302"}, UpdateExpression="SET note = :n", ExpressionAttributeValues={":n": NOTE}
            ),
        )
        after = stored("ORD-3302") or {}
        expect(
            not outcome.raised and after.get("status") == "PAID" and after.get("note") == NOTE,
            f"expected update_order_status('ORD-3302', 'PAID') to change only the status when another writer adds "
            f"note={NOTE!r} just before your write arrives; {outcome.describe()}, and the order now has status "
            f"{after.get('status')!r} and note {after.get('note')!r}"
            + (": the whole item was written back over the other change" if after.get("note") != NOTE else ""),
        )


# ------------------------------------------------------------------------- list_orders_for_customer


@pytest.mark.points(2, hint=LIST_HINT, read=STEP_7)
def test_list_orders_for_customer_returns_exactly_that_customers_orders(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, partial_credit: PartialCredit
) -> None:
    """list_orders_for_customer returns exactly that customer's orders"""
    mine = [order(f"ORD-41{n:02d}", customer_id="C-100") for n in range(3)]
    theirs = [order(f"ORD-42{n:02d}", customer_id="C-200") for n in range(2)]
    make_table(orders=[*theirs[:1], *mine, *theirs[1:]])
    orders = manager(load_orders(exercise, monkeypatch), TABLE)
    with partial_credit.part("C-100, with 3 orders"):
        outcome = list_orders(orders, "C-100")
        got = as_list(outcome.value)
        expect(
            not outcome.raised and got is not None,
            f"expected list_orders_for_customer('C-100') to return a list of orders; {outcome.describe()}",
        )
        want = sorted(entry["order_id"] for entry in mine)
        expect(
            sorted(map(str, order_ids(got))) == want and all(isinstance(entry, dict) for entry in got),
            f"expected list_orders_for_customer('C-100') to return the orders {want} (C-200 has 2 more); "
            f"got the order_ids {order_ids(got)}",
        )
    with partial_credit.part("C-999, with none"):
        outcome = list_orders(orders, "C-999")
        expect(
            not outcome.raised and as_list(outcome.value) == [],
            f"expected list_orders_for_customer('C-999') (no orders) to return []; {outcome.describe()}",
        )


@pytest.mark.points(3, hint=PAGES_HINT, read=STEP_7)
def test_list_orders_for_customer_reads_every_page(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, spy: DynamoSpy
) -> None:
    """list_orders_for_customer follows LastEvaluatedKey through every page (more than 1 MB of orders)"""
    big = [order(f"ORD-43{n:02d}", customer_id=BIG_CUSTOMER, padding=PADDING) for n in range(7)]
    others = [order(f"ORD-44{n:02d}", customer_id="C-200", padding=PADDING) for n in range(2)]
    make_table(orders=[*big[:3], others[0], *big[3:], others[1]])
    orders = manager(load_orders(exercise, monkeypatch), TABLE)
    call = f"list_orders_for_customer({BIG_CUSTOMER!r}) ({BIG_CUSTOMER} has 7 orders of ~250 KB: 1.75 MB)"
    with spy.watching():
        outcome = list_orders(orders, BIG_CUSTOMER)
    if spy.runaway:
        fail(
            f"Expected {call} to return the 7 orders; it made more than {RUNAWAY_LIMIT} DynamoDB calls without "
            f"ending ({spy.describe()[:200]}): a loop that never passes ExclusiveStartKey asks for the first page "
            "again and again."
        )
    got = as_list(outcome.value)
    expect(not outcome.raised and got is not None, f"Expected {call} to return a list of orders; {outcome.describe()}.")
    want = sorted(entry["order_id"] for entry in big)
    ids = order_ids(got)
    repeated = sorted(str(key) for key, count in Counter(map(str, ids)).items() if count > 1)
    expect(
        sorted(map(str, ids)) == want,
        f"Expected {call} to return all 7 orders {want}; got {len(ids)}: {sorted(map(str, ids))}"
        + (f" ({', '.join(repeated)} more than once)" if repeated else "")
        + f". DynamoDB answered in pages; your calls: {spy.describe()}.",
    )


@pytest.mark.points(2, hint=GSI_HINT, read=STEP_7)
def test_list_orders_for_customer_queries_the_gsi(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, spy: DynamoSpy
) -> None:
    """list_orders_for_customer queries the customer_id-index GSI, never a Scan"""
    make_table(orders=[order(f"ORD-45{n:02d}", customer_id=f"C-{n % 2}00") for n in range(4)])
    orders = manager(load_orders(exercise, monkeypatch), TABLE)
    with spy.watching():
        outcome = list_orders(orders, "C-100")  # a generator runs here
    queried = [
        call for call in spy.calls if call.operation == "Query" and call.params.get("IndexName") == CUSTOMER_INDEX
    ]
    expect(
        queried and "Scan" not in spy.operations(),
        f"Expected list_orders_for_customer('C-100') to call Query with IndexName={CUSTOMER_INDEX} and no Scan; "
        f"it called: {spy.describe()}" + ("" if not outcome.raised else f", and {outcome.describe()}") + ".",
    )


# ------------------------------------------------------------------------------------ AWS errors


@pytest.mark.points(1, hint=EXT_ERRORS_HINT, read=STEP_6)
def test_extension_aws_errors_are_raised_not_swallowed(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, partial_credit: PartialCredit
) -> None:
    """AWS errors reach the caller: a missing table makes update_order_status and list_orders_for_customer raise"""
    module = load_orders(exercise, monkeypatch, table=MISSING_TABLE)  # no table exists in this check
    not_found = exception_class(module, "OrderNotFoundError")
    orders = manager_of_a_missing_table(module)
    if orders is None:
        return  # OrderManager(...) raised the ClientError itself: the caller knows
    why = f"when the table {MISSING_TABLE} does not exist"
    with partial_credit.part("update_order_status"):
        outcome = attempt(orders.update_order_status, "ORD-1001", "PAID")
        if outcome.raised_a(not_found):
            fail(
                f"expected update_order_status('ORD-1001', 'PAID') {why} to raise the ClientError "
                "(ResourceNotFoundException); it raised OrderNotFoundError, which tells the caller the order does "
                "not exist: only a failed condition means that"
            )
        expect(
            comes_from_client_error(outcome.error),
            f"expected update_order_status('ORD-1001', 'PAID') {why} to raise the ClientError "
            f"(ResourceNotFoundException), or an error of yours raised from it; {outcome.describe()}",
        )
    with partial_credit.part("list_orders_for_customer"):
        outcome = list_orders(orders, "C-100")
        expect(
            comes_from_client_error(outcome.error),
            f"expected list_orders_for_customer('C-100') {why} to raise the ClientError (ResourceNotFoundException), "
            f"or an error of yours raised from it; {outcome.describe()}"
            + (": the caller would take it for a customer without orders" if outcome.value == [] else ""),
        )
