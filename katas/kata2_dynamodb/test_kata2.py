"""Kata 2 grader (core): put_order and get_order on a real Orders table.

Every check is behavioural: it calls the student's ``OrderManager`` (in a student process) against the
emulator and judges what is stored, what comes back and which DynamoDB requests were sent, never how
the code is written. Two checks watch the requests the emulator receives (``DynamoSpy``, from
harness/kit/dynamodb_calls.py): one reads the parameters sent (ConsistentRead), one plays a second
writer that stores a competing order just before the student's write is answered, which is how a
read-then-write race shows itself.
test_kata2_extensions.py (the optional extensions) imports its shared helpers from here.
Run it with ``course grade kata2`` or ``pytest katas/kata2_dynamodb/test_kata2.py``.
"""

from __future__ import annotations

import decimal
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from harness import PartialCredit, expect, fail, student_error_summary
from harness.call_log import CallLog
from harness.exercise_files import ExerciseFiles
from harness.kit.dynamodb_calls import DynamoCall, DynamoSpy
from harness.kit.messages import readme_step, short
from harness.student.proxy import RemoteObject, StudentError

MODULE_FILE = "order_manager.py"
TABLE = "Orders"
ENV_TABLE = "OrdersFromEnvironment"
ARGUMENT_TABLE = "OrdersFromArgument"
MISSING_TABLE = "OrdersThatDoNotExist"
CUSTOMER_INDEX = "customer_id-index"
README = "katas/kata2_dynamodb/README.md"
IMPORTS = "test_the_module_imports_and_defines_order_manager"
DUPLICATE = "test_an_existing_order_is_refused_and_kept"
ROUND_TRIP = "test_a_stored_order_reads_back_unchanged"

step = functools.partial(readme_step, README)


# ------------------------------------------------------------------------------------------ hints
# Shown to students when a check fails. README.md lists them too; tests/exercises/test_every_exercise.py
# keeps the two in step.

IMPORT_HINT = (
    'Run `python -c "import order_manager"` in the kata folder: the module must import without AWS calls '
    "and keep the starter's OrderManager class and exception classes."
)
ROUND_TRIP_HINT = (
    "put_order stores the whole order as one item (put_item(Item=...)); get_order returns that item as a dict "
    "(get_item(Key={'order_id': order_id})['Item'])."
)
NOT_FOUND_HINT = "get_item's answer has no 'Item' key when nothing matches: return None then (answer.get('Item'))."
DECIMAL_OUT_HINT = (
    "Return the numbers as boto3 gives them, decimal.Decimal: converting them to float rounds money "
    "(float('64.22') is not exactly 64.22); with the low-level client, TypeDeserializer gives Decimal too."
)
MONEY_HINT = (
    "boto3 refuses floats, and Decimal(19.99) keeps the float's binary error (19.98999...): convert "
    "with Decimal(str(value)), which gives Decimal('19.99'), and leave Decimal and int values as they are."
)
VALIDATION_HINT = (
    "Check the order before any AWS call: raise ValueError when order_id or customer_id is missing, None or "
    "empty, or when items is missing or empty."
)
DUPLICATE_HINT = (
    "Write with put_item(..., ConditionExpression='attribute_not_exists(order_id)') and turn the "
    "ConditionalCheckFailedException into OrderAlreadyExistsError; re-raise every other ClientError."
)
RACE_HINT = (
    "A get_item before the put_item cannot see a writer that comes after it: let DynamoDB refuse the write "
    "itself with ConditionExpression='attribute_not_exists(order_id)', and map ConditionalCheckFailedException "
    "to OrderAlreadyExistsError."
)
CONSISTENT_HINT = (
    "Read one order by its key with get_item(Key={'order_id': order_id}, ConsistentRead=True); a Scan reads "
    "the whole table, and without ConsistentRead a read may miss a write that just succeeded."
)
ERRORS_HINT = (
    "Catch only the error you expect (ConditionalCheckFailedException in put_order) and re-raise every other "
    "ClientError (a missing table, throttling, a missing permission); never return None for a failed call. "
    "Raise your own errors from the ClientError (raise OrderAlreadyExistsError(...) from error)."
)
ONE_RESOURCE_HINT = (
    "Create the resource in __init__ (self.table = boto3.resource('dynamodb').Table(name)) or once at module "
    "level, and use it in every method: a new resource or client per call rebuilds its connection pool each time."
)
TABLE_NAME_HINT = (
    "In __init__, use the table_name argument when one is given, else os.environ['ORDERS_TABLE']; "
    "never write 'Orders' in the code."
)
MISSING_CLASS_HINT = (
    "Keep the starter's class definitions (OrderManager and the exception classes) in order_manager.py."
)

# ------------------------------------------------------------------------------------- test data

# The order most checks store: money as Decimal, quantities as int (what README step 3 allows).
ORDER: dict[str, Any] = {
    "order_id": "ORD-1001",
    "customer_id": "C-100",
    "items": [
        {"sku": "PU-1001", "quantity": 3, "unit_price": Decimal("19.99")},
        {"sku": "PU-2002", "quantity": 1, "unit_price": Decimal("4.25")},
    ],
    "total": Decimal("64.22"),
    "status": "PLACED",
}


def order(order_id: str = "ORD-1001", **changes: Any) -> dict[str, Any]:
    """A copy of ORDER with another order_id and some fields changed (items copied, never shared)."""
    return {**ORDER, "items": [dict(line) for line in ORDER["items"]], "order_id": order_id, **changes}


# ---------------------------------------------------------------------------------------- helpers


@functools.cache
def dynamodb() -> Any:
    """One resource for the grader's own calls: building one costs more than the calls themselves."""
    return boto3.resource("dynamodb")


@functools.cache
def client() -> Any:
    """The low-level client, which shows numbers as DynamoDB stores them ({"N": "19.99"}).

    Not the resource's .meta.client: that one converts Python values on the way, as the resource does.
    """
    return boto3.client("dynamodb")


def make_table(name: str = TABLE, orders: list[dict[str, Any]] = ()) -> Any:  # type: ignore[assignment]
    """The Orders table as README describes it, with the customer_id-index GSI, holding ``orders``."""
    client().create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "order_id", "AttributeType": "S"},
            {"AttributeName": "customer_id", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[
            {
                "IndexName": CUSTOMER_INDEX,
                "KeySchema": [{"AttributeName": "customer_id", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    client().get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 50})
    table = dynamodb().Table(name)
    for stored in orders:
        table.put_item(Item=stored)
    return table


def stored_raw(order_id: str, table: str = TABLE) -> dict[str, Any] | None:
    """The item as DynamoDB holds it (attribute values such as {"N": "19.99"}), or None."""
    return client().get_item(TableName=table, Key={"order_id": {"S": order_id}}, ConsistentRead=True).get("Item")


def stored(order_id: str, table: str = TABLE) -> dict[str, Any] | None:
    """The item as the resource API reads it (numbers as Decimal), or None."""
    return dynamodb().Table(table).get_item(Key={"order_id": order_id}, ConsistentRead=True).get("Item")


def item_count(table: str = TABLE) -> int:
    return int(client().scan(TableName=table, Select="COUNT", ConsistentRead=True)["Count"])


def load_orders(exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, table: str | None = TABLE) -> RemoteObject:
    """The student's module, imported fresh (in a student process) with ORDERS_TABLE set (unset for None)."""
    if table is None:
        monkeypatch.delenv("ORDERS_TABLE", raising=False)
    else:
        monkeypatch.setenv("ORDERS_TABLE", table)
    return exercise.load(MODULE_FILE)


def student_class(module: RemoteObject, name: str) -> RemoteObject:
    found = getattr(module, name, None)
    expect(
        isinstance(found, RemoteObject) and found.is_class,
        f"Expected {MODULE_FILE} to define the class {name}; it is {'missing' if found is None else short(found)}.",
        hint=MISSING_CLASS_HINT,
    )
    return found


def base_names(cls: RemoteObject) -> list[str]:
    """The classes a student class inherits from, by name: ['OrderError', 'Exception', ...]."""
    return [name.rsplit(".", 1)[-1] for name in cls.bases[1:]]


def manager(module: RemoteObject, *args: Any) -> RemoteObject:
    """OrderManager(*args): an exception in the constructor is reported as the student's."""
    return student_class(module, "OrderManager")(*args)


def manager_of_a_missing_table(module: RemoteObject) -> RemoteObject | None:
    """OrderManager(MISSING_TABLE), or None when the constructor itself raised the ClientError:
    a constructor that checks its table (describe_table, table.load()) tells the caller at once."""
    built = attempt(manager, module, MISSING_TABLE)
    if comes_from_client_error(built.error):
        return None
    if built.error is not None:
        raise built.error
    return built.value


@dataclass
class Outcome:
    """What one call of the student's code did: returned a value, or raised."""

    value: Any = None
    error: StudentError | None = None

    @property
    def raised(self) -> bool:
        return self.error is not None

    def raised_a(self, kind: type | RemoteObject) -> bool:
        """It raised this exception class (a student class, or a builtin one such as ValueError) or a subclass."""
        return self.error is not None and self.error.is_a(kind)

    def describe(self) -> str:
        if self.error is not None:
            return f"it raised {student_error_summary(self.error)}"
        if isinstance(self.value, dict) and "order_id" in self.value and "status" in self.value:
            return f"it returned the order {self.value['order_id']!r} with status {self.value['status']!r}"
        return f"it returned {short(self.value)}"


def attempt(function: Callable[..., Any], *args: Any) -> Outcome:
    try:
        return Outcome(value=function(*args))
    except StudentError as error:  # judged by the caller, in the student's terms
        return Outcome(error=error)


def comes_from_client_error(error: StudentError | None) -> bool:
    """A botocore ClientError, or an error raised while handling one (``raise X from error``)."""
    return error is not None and any(link.is_a(ClientError) for link in error.chain())


def same_numbers(value: Any) -> Any:
    """``value`` with every number as a Decimal, so that 3, 3.0 and Decimal('3') compare equal."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {key: same_numbers(inner) for key, inner in value.items()}
    if isinstance(value, (list, tuple)):
        return [same_numbers(inner) for inner in value]
    return value


def differences(expected: dict[str, Any], got: Any) -> list[str]:
    """The fields of ``expected`` that ``got`` lacks or holds with another value (numbers by value)."""
    if not isinstance(got, dict):
        return list(expected)
    return [key for key, value in expected.items() if same_numbers(got.get(key)) != same_numbers(value)]


# ------------------------------------------------------------------------ watching DynamoDB calls


@pytest.fixture
def spy(aws_calls: CallLog) -> DynamoSpy:
    """The student's DynamoDB requests, as the emulator receives them (embedded backend only)."""
    return DynamoSpy(aws_calls)


# ----------------------------------------------------------------------------------------- checks


@pytest.mark.points(1, hint=IMPORT_HINT, read=step(1))
def test_the_module_imports_and_defines_order_manager(exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch) -> None:
    """order_manager imports and defines OrderManager and OrderAlreadyExistsError"""
    module = load_orders(exercise, monkeypatch)
    student_class(module, "OrderManager")
    already_exists = student_class(module, "OrderAlreadyExistsError")
    expect(
        already_exists.is_subclass_of(Exception),
        f"Expected OrderAlreadyExistsError in {MODULE_FILE} to be an exception class; its bases are "
        f"{base_names(already_exists)}.",
    )


@pytest.mark.points(3, hint=ROUND_TRIP_HINT, read=step(4), requires=IMPORTS)
def test_a_stored_order_reads_back_unchanged(exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch) -> None:
    """put_order stores an order and get_order reads it back unchanged"""
    make_table()
    orders = manager(load_orders(exercise, monkeypatch), TABLE)
    put = attempt(orders.put_order, order())
    expect(
        not put.raised,
        f"Expected put_order to store the order {short(ORDER, 400)} in an empty table; {put.describe()}.",
    )
    expect(
        stored_raw(ORDER["order_id"]) is not None,
        f"Expected put_order to store the order {ORDER['order_id']} in the table {TABLE}; it returned, "
        f"but the table holds no item with order_id {ORDER['order_id']!r}.",
    )
    got = attempt(orders.get_order, ORDER["order_id"])
    expect(
        not got.raised, f"Expected get_order({ORDER['order_id']!r}) to return the order just stored; {got.describe()}."
    )
    expect(
        got.value is not None,
        f"Expected get_order({ORDER['order_id']!r}) to return the order just stored; it returned None "
        f"(the table holds it).",
    )
    wrong = differences(ORDER, got.value)
    expect(
        not wrong,
        f"Expected get_order({ORDER['order_id']!r}) to return {short(ORDER, 400)}; got {short(got.value, 400)} "
        f"(wrong or missing: {', '.join(wrong)}).",
    )


@pytest.mark.points(1, hint=NOT_FOUND_HINT, read=step(5), requires=IMPORTS)
def test_get_order_returns_none_for_an_unknown_order(exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch) -> None:
    """get_order returns None for an order that does not exist"""
    make_table(orders=[order()])
    orders = manager(load_orders(exercise, monkeypatch), TABLE)
    got = attempt(orders.get_order, "ORD-4040")
    expect(
        not got.raised and got.value is None,
        f"Expected get_order('ORD-4040') to return None (the table holds only ORD-1001); {got.describe()}.",
    )


@pytest.mark.points(1, hint=DECIMAL_OUT_HINT, read=step(5), requires=IMPORTS)
def test_get_order_returns_numbers_as_decimal(exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch) -> None:
    """get_order returns numbers as Decimal (quantity, unit_price, total)"""
    make_table(orders=[order()])
    orders = manager(load_orders(exercise, monkeypatch), TABLE)
    got = attempt(orders.get_order, ORDER["order_id"])
    expect(
        not got.raised and isinstance(got.value, dict),
        f"Expected get_order({ORDER['order_id']!r}) to return the stored order; {got.describe()}.",
        hint=ROUND_TRIP_HINT,
    )
    lines = got.value.get("items")
    first = lines[0] if isinstance(lines, list) and lines and isinstance(lines[0], dict) else {}
    numbers = {
        "total": (got.value.get("total"), ORDER["total"]),
        "items[0].unit_price": (first.get("unit_price"), ORDER["items"][0]["unit_price"]),
        "items[0].quantity": (first.get("quantity"), Decimal(ORDER["items"][0]["quantity"])),
    }
    wrong = [
        f"{name} is {'missing' if value is None else f'the {type(value).__name__} {value!r}'}"
        for name, (value, expected) in numbers.items()
        if not (type(value) is Decimal and value == expected)
    ]
    expect(
        not wrong,
        f"Expected get_order({ORDER['order_id']!r}) to return total Decimal('64.22'), unit_price Decimal('19.99') "
        f"and quantity Decimal('3'), as DynamoDB stores them; {'; '.join(wrong)}.",
    )


# (label, unit_price, total, what DynamoDB must hold for each)
MONEY_CASES = [
    ("unit_price 19.99 and total 59.97 as floats", 19.99, 59.97, ("19.99", "59.97")),
    ("unit_price Decimal('19.99') and total Decimal('59.97')", Decimal("19.99"), Decimal("59.97"), ("19.99", "59.97")),
    ("unit_price 20 and total 60 as ints", 20, 60, ("20", "60")),
    # Money is not always whole cents: a price per gram or a wholesale rate keeps every digit it was given.
    ("unit_price 0.125 and total 0.375 as floats", 0.125, 0.375, ("0.125", "0.375")),
    ("unit_price Decimal('4.995') and total Decimal('14.985')", Decimal("4.995"), Decimal("14.985"), ("4.995", "14.985")),
    # More digits than a float holds: a Decimal that goes through float() on its way in loses them.
    ("a total Decimal('12345678901234567.89')", Decimal("4115226300411522.63"), Decimal("12345678901234567.89"),
     ("4115226300411522.63", "12345678901234567.89")),
]


INEXACT = (
    " (boto3 refuses a Decimal with more digits than DynamoDB keeps, and Decimal(19.99) has 49 of them: "
    "19.989999999999998436805981327779591083526611328125)"
)


def stored_number(raw: dict[str, Any] | None, path: str) -> Any:
    """An attribute value inside a raw item: "total", "items[0].unit_price", "items[0].discount.amount"."""
    value: Any = {"M": raw} if raw is not None else None
    for step in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if not isinstance(value, dict):
            return None
        if step.startswith("["):
            inner = value.get("L")
            index = int(step[1:-1])
            value = inner[index] if isinstance(inner, list) and len(inner) > index else None
        else:
            value = (value.get("M") or {}).get(step)
    return value


@pytest.mark.points(3, hint=MONEY_HINT, read=step(3), requires=IMPORTS)
def test_money_is_stored_exactly(exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, partial_credit: PartialCredit) -> None:
    """money is stored exactly: 19.99 given as a float, a Decimal or an int is stored as that number"""
    make_table()
    orders = manager(load_orders(exercise, monkeypatch), TABLE)
    for index, (label, unit_price, total, (want_price, want_total)) in enumerate(MONEY_CASES):
        with partial_credit.part(label):
            order_id = f"ORD-20{index:02d}"
            given = order(order_id, items=[{"sku": "PU-1001", "quantity": 3, "unit_price": unit_price}], total=total)
            put = attempt(orders.put_order, given)
            expect(
                not put.raised,
                f"expected put_order to store {order_id} with {label}; {put.describe()}"
                + (INEXACT if put.raised_a(decimal.Inexact) else ""),
            )
            raw = stored_raw(order_id)
            expect(
                raw is not None, f"expected put_order to store {order_id} with {label}; the table holds no such item"
            )
            expect_exact(raw, order_id, {"items[0].unit_price": want_price, "total": want_total})
    # "All the way down": money in a map inside an item is money too (a line's discount).
    label = "a float in a map inside an item (items[0].discount.amount 1.99)"
    with partial_credit.part(label):
        line = {"sku": "PU-1001", "quantity": 1, "unit_price": 19.99, "discount": {"code": "SAVE2", "amount": 1.99}}
        put = attempt(orders.put_order, order("ORD-2090", items=[line], total=18.0))
        expect(not put.raised, f"expected put_order to store ORD-2090 with {label}; {put.describe()}")
        expect_exact(stored_raw("ORD-2090"), "ORD-2090", {"items[0].discount.amount": "1.99"})


def expect_exact(raw: dict[str, Any] | None, order_id: str, wanted: dict[str, str]) -> None:
    for path, want in wanted.items():
        value = stored_number(raw, path)
        exact = isinstance(value, dict) and "N" in value and Decimal(value["N"]) == Decimal(want)
        expect(
            exact,
            f"expected {order_id}'s {path} to be stored as the number {{'N': '{want}'}} exactly, got {short(value)}",
            hint=MONEY_HINT,
        )


# (label, the order given): each must be refused with ValueError before anything is written.
INVALID_ORDERS = [
    ("no order_id", {key: value for key, value in order().items() if key != "order_id"}),
    ("order_id ''", order("")),
    ("order_id None", order(None)),  # type: ignore[arg-type]
    ("no customer_id", {key: value for key, value in order("ORD-3004").items() if key != "customer_id"}),
    ("customer_id ''", order("ORD-3005", customer_id="")),
    ("customer_id None", order("ORD-3008", customer_id=None)),  # type: ignore[arg-type]
    ("items []", order("ORD-3006", items=[])),
    ("no items", {key: value for key, value in order("ORD-3007").items() if key != "items"}),
]


@pytest.mark.points(3, hint=VALIDATION_HINT, read=step(2), requires=IMPORTS)
def test_an_invalid_order_is_refused_with_value_error(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, partial_credit: PartialCredit
) -> None:
    """put_order refuses an order without order_id, customer_id or items with ValueError and stores nothing"""
    make_table()
    orders = manager(load_orders(exercise, monkeypatch), TABLE)
    for label, given in INVALID_ORDERS:
        with partial_credit.part(label):
            before = item_count()  # an earlier case's mistake is not this case's
            put = attempt(orders.put_order, given)
            expect(
                put.raised_a(ValueError),
                f"expected put_order with {label} to raise ValueError; {put.describe()}",
            )
            added = item_count() - before
            expect(added == 0, f"expected put_order with {label} to store nothing; it stored {added} item(s)")


@pytest.mark.points(2, hint=DUPLICATE_HINT, read=step(4), requires=IMPORTS)
def test_an_existing_order_is_refused_and_kept(exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch) -> None:
    """put_order refuses an order_id that exists with OrderAlreadyExistsError and keeps the stored order"""
    existing = order(customer_id="C-100", status="PAID")
    make_table(orders=[existing])
    module = load_orders(exercise, monkeypatch)
    already_exists = student_class(module, "OrderAlreadyExistsError")
    orders = manager(module, TABLE)
    newcomer = order(customer_id="C-999", status="PLACED")
    put = attempt(orders.put_order, newcomer)
    kept = stored(ORDER["order_id"]) or {}
    situation = (
        f"put_order for {ORDER['order_id']} (customer C-999) when {ORDER['order_id']} of customer C-100 is stored"
    )
    if kept.get("customer_id") != "C-100":
        fail(
            f"Expected {situation} to raise OrderAlreadyExistsError and keep the stored order; {put.describe()}, "
            f"and the stored order now belongs to {kept.get('customer_id')!r}: the existing order was overwritten."
        )
    expect(
        put.raised_a(already_exists),
        f"Expected {situation} to raise OrderAlreadyExistsError; {put.describe()} (the stored order was kept).",
    )


@pytest.mark.points(3, hint=RACE_HINT, read=step(4), requires=[IMPORTS, DUPLICATE])
def test_a_concurrent_order_with_the_same_id_is_not_overwritten(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, spy: DynamoSpy
) -> None:
    """put_order refuses atomically: an order another writer stores just before yours is kept"""
    make_table()
    module = load_orders(exercise, monkeypatch)
    already_exists = student_class(module, "OrderAlreadyExistsError")
    orders = manager(module, TABLE)
    rival = order("ORD-2001", customer_id="C-RIVAL")
    spy.interfere_before_first_write(lambda: dynamodb().Table(TABLE).put_item(Item=rival))
    with spy.watching():
        put = attempt(orders.put_order, order("ORD-2001", customer_id="C-100"))
    situation = "put_order for ORD-2001 (customer C-100) in an empty table"
    expect(
        spy.interfered,
        f"Expected {situation} to write the order to DynamoDB; {put.describe()}, and its DynamoDB calls were: "
        f"{spy.describe()}.",
        hint=ROUND_TRIP_HINT,
    )
    owner = (stored("ORD-2001") or {}).get("customer_id")
    if owner != "C-RIVAL":
        read_first = spy.read_before_first_write()
        fail(
            f"Expected {situation} to raise OrderAlreadyExistsError when another writer stores ORD-2001 "
            f"(customer C-RIVAL) just before your write arrives; {put.describe()}, and ORD-2001 now belongs to "
            f"{owner!r}: the other order was overwritten"
            + (" (your code read first and saw no order, then wrote without a condition)." if read_first else ".")
        )
    expect(
        put.raised_a(already_exists),
        f"Expected {situation} to raise OrderAlreadyExistsError when another writer stores ORD-2001 just before "
        f"your write arrives; {put.describe()} (the other order was kept).",
        hint=DUPLICATE_HINT,
    )


def consistent(call: DynamoCall) -> bool:
    if call.operation == "TransactGetItems":
        return True  # transactional reads are always strongly consistent
    if call.operation == "BatchGetItem":
        requests = call.params.get("RequestItems") or {}
        return bool(requests) and all(request.get("ConsistentRead") is True for request in requests.values())
    return call.params.get("ConsistentRead") is True


@pytest.mark.points(2, hint=CONSISTENT_HINT, read=step(5), requires=IMPORTS)
def test_get_order_reads_one_item_strongly_consistent(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, spy: DynamoSpy, partial_credit: PartialCredit
) -> None:
    """get_order reads the order with GetItem (no Scan or Query), strongly consistent"""
    make_table(orders=[order(), *(order(f"ORD-50{n:02d}") for n in range(5))])
    orders = manager(load_orders(exercise, monkeypatch), TABLE)
    with spy.watching():
        got = attempt(orders.get_order, ORDER["order_id"])
    expect(
        not got.raised and isinstance(got.value, dict) and got.value.get("order_id") == ORDER["order_id"],
        f"Expected get_order({ORDER['order_id']!r}) to return the stored order; {got.describe()}.",
        hint=ROUND_TRIP_HINT,
    )
    reads = [call for call in spy.calls if call.is_read]
    with partial_credit.part("one GetItem by key"):
        expect(
            "GetItem" in spy.operations() and not {"Scan", "Query"} & set(spy.operations()),
            f"expected get_order({ORDER['order_id']!r}) to call GetItem (and no Scan or Query); "
            f"it called: {spy.describe()}",
        )
    with partial_credit.part("ConsistentRead=True"):
        expect(
            reads and all(consistent(call) for call in reads),
            f"expected every read made by get_order({ORDER['order_id']!r}) to ask for a strongly consistent read "
            f"(ConsistentRead=True); it called: {spy.describe()}",
        )


@pytest.mark.points(2, hint=ERRORS_HINT, read=step(4), requires=IMPORTS)
def test_aws_errors_are_raised_not_swallowed(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, partial_credit: PartialCredit
) -> None:
    """AWS errors reach the caller: a missing table makes put_order and get_order raise, a duplicate's error carries AWS's answer"""
    module = load_orders(exercise, monkeypatch, table=MISSING_TABLE)
    already_exists = student_class(module, "OrderAlreadyExistsError")
    make_table(orders=[order(customer_id="C-100")])
    duplicate = attempt(manager(module, TABLE).put_order, order(customer_id="C-999"))
    # Judged where a ClientError was there to keep: refused by DynamoDB's condition (in the chain), or
    # ``raise ... from None``. No OrderAlreadyExistsError, or one from a read first, is another check's.
    error = duplicate.error
    if duplicate.raised_a(already_exists) and (error.__suppress_context__ or comes_from_client_error(error)):
        with partial_credit.part("a duplicate"):
            expect(
                comes_from_client_error(duplicate.error),
                f"expected the OrderAlreadyExistsError of put_order for a stored order id to be raised from the "
                f"ClientError (raise OrderAlreadyExistsError(...) from error); {duplicate.describe()}, without the "
                "ClientError in its chain (raise ... from None?): whoever debugs it no longer sees AWS's answer",
            )
    orders = manager_of_a_missing_table(module)  # the table MISSING_TABLE does not exist
    if orders is None:
        return  # OrderManager(...) raised the ClientError itself: the caller knows
    why = f"when the table {MISSING_TABLE} does not exist"
    with partial_credit.part("put_order"):
        put = attempt(orders.put_order, order())
        if put.raised_a(already_exists):
            fail(
                f"expected put_order({ORDER['order_id']}) {why} to raise the ClientError "
                "(ResourceNotFoundException); it raised OrderAlreadyExistsError, which tells the caller the "
                "order exists: only ConditionalCheckFailedException means that"
            )
        expect(
            comes_from_client_error(put.error),
            f"expected put_order({ORDER['order_id']}) {why} to raise the ClientError (ResourceNotFoundException), "
            f"or an error of yours raised from it; {put.describe()}"
            + (", as if the order were stored" if not put.raised else ""),
        )
    with partial_credit.part("get_order"):
        got = attempt(orders.get_order, ORDER["order_id"])
        expect(
            comes_from_client_error(got.error),
            f"expected get_order({ORDER['order_id']!r}) {why} to raise the ClientError (ResourceNotFoundException), "
            f"or an error of yours raised from it; {got.describe()}"
            + (": the caller cannot tell a failed read from a missing order" if not got.raised else ""),
        )


@pytest.mark.points(2, hint=TABLE_NAME_HINT, read=step(1), requires=IMPORTS)
def test_the_table_name_comes_from_orders_table_or_the_argument(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, partial_credit: PartialCredit
) -> None:
    """the table name comes from ORDERS_TABLE, and an explicit table_name argument wins"""
    make_table(ENV_TABLE)
    make_table(ARGUMENT_TABLE)
    module = load_orders(exercise, monkeypatch, table=ENV_TABLE)  # and no table named Orders exists
    with partial_credit.part(f"OrderManager() with ORDERS_TABLE={ENV_TABLE}"):
        put = attempt(lambda: manager(module).put_order(order("ORD-6001")))
        expect(
            stored_raw("ORD-6001", ENV_TABLE) is not None,
            f"expected OrderManager().put_order(ORD-6001) with ORDERS_TABLE={ENV_TABLE} to store the order in "
            f"{ENV_TABLE} (there is no table named {TABLE}); {put.describe()}, and {ENV_TABLE} does not hold it",
        )
    with partial_credit.part("OrderManager() without ORDERS_TABLE"):
        unset = load_orders(exercise, monkeypatch, table=None)
        make_table(TABLE)
        put = attempt(lambda: manager(unset).put_order(order("ORD-6003")))
        expect(
            stored_raw("ORD-6003", TABLE) is None,
            f"expected OrderManager() with no ORDERS_TABLE and no table_name to fail (os.environ['ORDERS_TABLE'] "
            f"raises KeyError); it stored ORD-6003 in {TABLE}, a table name written in the code ({put.describe()}).",
        )
    with partial_credit.part(f"OrderManager({ARGUMENT_TABLE!r}) with ORDERS_TABLE={ENV_TABLE}"):
        put = attempt(lambda: manager(module, ARGUMENT_TABLE).put_order(order("ORD-6002")))
        expect(
            stored_raw("ORD-6002", ARGUMENT_TABLE) is not None,
            f"expected OrderManager({ARGUMENT_TABLE!r}).put_order(ORD-6002) to store the order in {ARGUMENT_TABLE} "
            f"although ORDERS_TABLE={ENV_TABLE}; {put.describe()}, and {ARGUMENT_TABLE} does not hold it",
        )


CALLS_ON_ONE_MANAGER = 4


@pytest.mark.points(1, hint=ONE_RESOURCE_HINT, read=step(1), requires=ROUND_TRIP)
def test_one_dynamodb_resource_serves_every_call(
    exercise: ExerciseFiles, monkeypatch: pytest.MonkeyPatch, aws_calls: CallLog
) -> None:
    """one DynamoDB resource (or client) is created and reused by every call of an OrderManager"""
    make_table()
    orders = manager(load_orders(exercise, monkeypatch), TABLE)
    aws_calls.clear()  # what the calls use, not what __init__ made
    for number in (7001, 7002):
        orders.put_order(order(f"ORD-{number}"))
        orders.get_order(f"ORD-{number}")
    clients = aws_calls.clients("dynamodb")
    expect(
        len(clients) <= 1,
        f"Expected put_order and get_order, called {CALLS_ON_ONE_MANAGER} times on one OrderManager, to use the "
        f"DynamoDB resource made once; their calls came from {len(clients)} different boto3 clients.",
    )
