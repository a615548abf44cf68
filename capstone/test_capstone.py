"""Capstone grader: the orders service deployed by deploy.sh, judged over HTTP and by what it leaves.

The grader runs the student's deploy.sh (package and deploy of template.yaml, as Lab 4), reads the stack
back (the API and its stage, the Orders and audit tables, which functions serve the API and which one
consumes the Orders stream) and then judges behaviour only: a black-box HTTP contract suite against the
served stage (signed with SigV4), the audit records the stream consumer writes (kit event_sources waits
for them), each function's role (the kit's policy evaluator, then the functions at work with IAM
enforcement on), the functions' log groups and the stack's alarms. Any layout passes: one function or one
per route, SAM or plain CloudFormation, any names. Run it with ``course grade capstone``.

The deploy check also asks for what the stack holds to be read after it (the report_showcase fixture, kit
deployment_summary), for the report's showcase page, reports/capstone-showcase.md: the grade, a diagram,
the endpoints, the roles, the mapping, the alarms.
"""

from __future__ import annotations

import functools
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from harness import PartialCredit, dynamodb_stream_event, expect, fail, invoke_deployed, scrub_paths
from harness.backends import API_IAM_AUTHORIZATION, DEPLOYED_API_OVER_HTTP, IAM_ENFORCEMENT
from harness.call_log import CallLog
from harness.exercise_files import ExerciseFiles, ScriptResult
from harness.fixtures import ShowcaseRequest
from harness.kit import event_sources
from harness.kit.deployment_summary import function_of
from harness.kit.function_logs import invocations
from harness.kit.iam_enforcement import enforcing_iam
from harness.kit.messages import readme_step, short
from harness.kit.role_permissions import RolePermissions, read_role_permissions, role_name_of
from harness.kit.served_api import HttpAnswer, ServedApi
from harness.kit.stacks import Stack, read_stack

pytestmark = pytest.mark.start_ahead(student_processes=False)  # its checks deploy the student's Python, never load it

DEPLOY_SCRIPT = "deploy.sh"
STACK = "parts-unlimited-orders"
README = "capstone/README.md"
REGION = "us-east-1"
INDEX = "customer_id-index"
FUNCTION_TYPE = "AWS::Lambda::Function"
TABLE_TYPE = "AWS::DynamoDB::Table"
API_TYPE = "AWS::ApiGateway::RestApi"
STATUSES = ("PLACED", "PAID", "SHIPPED", "DELIVERED", "CANCELLED")
ROUTES = (
    ("POST", "/orders"),
    ("GET", "/orders/{order_id}"),
    ("PATCH", "/orders/{order_id}"),
    ("DELETE", "/orders/{order_id}"),
    ("GET", "/customers/{customer_id}/orders"),
)
OTHER_ACCOUNT = "111122223333"

DEPLOYS = "test_deploy_sh_deploys_the_orders_service"

step = functools.partial(readme_step, README)

# ------------------------------------------------------------------------------------------ hints
# Shown to students when a check fails. README.md lists them too; tests/exercises/test_every_exercise.py
# keeps the two in step.

DEPLOY_HINT = (
    "Run `bash capstone/deploy.sh` against a running backend and fix the first command that fails; the stack "
    "parts-unlimited-orders must hold a REST API deployed to a stage, the Orders table, the audit table and the "
    "functions (`course backend apis` lists the routes it serves)."
)
CREATE_HINT = (
    "POST /orders answers 201 with the whole order (order_id, customer_id, items, status PLACED, created_at) "
    "and stores it in the Orders table; GET /orders/{order_id} answers 200 with it, or 404 with {\"error\": ...}."
)
IDEMPOTENT_HINT = (
    "Derive the order_id from the customer and the Idempotency-Key header (a hash), and put the item with "
    "ConditionExpression attribute_not_exists(order_id); on ConditionalCheckFailedException answer 200 with the "
    "stored order."
)
VALIDATION_HINT = (
    "Check every input before any write and answer 400 with {\"error\": \"what is wrong\"}: a body that is not a "
    "JSON object, a missing or malformed customer_id, items empty or not a list, a quantity that is not a whole "
    "number from 1 to 1000, a status that is not one of the five, a limit outside 1-100, a next_token you did not give."
)
TRANSITIONS_HINT = (
    "Keep the README's transition table in one place (PLACED -> PAID or CANCELLED, PAID -> SHIPPED or CANCELLED, "
    "SHIPPED -> DELIVERED); answer 409 with {\"error\": ...} for any other change and leave the order as it was; "
    "DELETE cancels (200, and 200 again on a cancelled order); an unknown order is 404."
)
PAGINATION_HINT = (
    "Query the customer_id-index (KeyConditionExpression customer_id = :c) with Limit, return the page and "
    "next_token (LastEvaluatedKey, base64 of its JSON), and start the next page at ExclusiveStartKey; never Scan."
)
AUTH_HINT = (
    "Give every method AuthorizationType AWS_IAM (SAM: Auth: DefaultAuthorizer: AWS_IAM on the "
    "AWS::Serverless::Api); API Gateway then refuses unsigned or badly signed requests with 403 before your code runs."
)
AUDIT_HINT = (
    "Turn on the Orders table's stream (StreamViewType NEW_AND_OLD_IMAGES), map it to the consumer "
    "(SAM: a DynamoDB event, StartingPosition TRIM_HORIZON), and write one audit item per status an order "
    "reaches, keyed (order_id, status), so that a record delivered twice writes the same item again."
)
ROLES_HINT = (
    "One role per function, each with its own statements: the API's function GetItem, PutItem, UpdateItem on the "
    "Orders table and Query on its index; the consumer PutItem on the audit table (SAM adds the stream's read "
    "policy). No dynamodb:*, Scan, DeleteItem, Resource \"*\", other tables or services, managed full-access policies."
)
ENFORCED_HINT = (
    "With IAM enforced, each function's calls are allowed only by its role: read the function's log "
    "(`awslocal logs filter-log-events --log-group-name /aws/lambda/<function>`) for AccessDeniedException and add exactly that action on "
    "exactly that table or index ARN."
)
LOGS_HINT = (
    "Log with one JSON object per line (json.dumps, or Powertools Logger) holding level and message, and never "
    "log the whole event: its headers carry the caller's Authorization signature."
)
ALARM_HINT = (
    "For each function, an AWS::CloudWatch::Alarm on AWS/Lambda Errors with the one dimension FunctionName "
    "(!Ref the function), Statistic Sum, Period 60, EvaluationPeriods 1, Threshold 1, "
    "ComparisonOperator GreaterThanOrEqualToThreshold."
)

# ---------------------------------------------------------------------------- what was deployed


def run_deploy(exercise: ExerciseFiles) -> None:
    result: ScriptResult = exercise.run_script(DEPLOY_SCRIPT)
    if not result.ok:
        output = f"{result.stdout}\n{result.stderr}"
        hint = DEPLOY_HINT
        if "InsufficientCapabilities" in output or "Requires capabilities" in output:
            hint = "A template that creates roles needs --capabilities CAPABILITY_IAM on `awslocal cloudformation deploy`."
        fail(f"Expected `bash deploy.sh` to exit with status 0; {scrub_paths(result.describe())}", hint=hint)


def key_schema(description: dict[str, Any]) -> list[tuple[str, str]]:
    return [(key["AttributeName"], key["KeyType"]) for key in description.get("KeySchema", [])]


@dataclass
class Service:
    """What one deploy left, as the grader found it."""

    stack: Stack
    api_id: str
    stage: str
    orders_table: str
    orders: dict[str, Any]  # describe_table's Table
    audit_table: str | None
    functions: dict[str, dict[str, Any]]  # name -> configuration
    api_functions: list[str]
    routes: dict[tuple[str, str], str] = field(default_factory=dict)  # (method, path) -> authorization type
    consumer: str | None = None
    stream_arn: str | None = None

    def api(self, endpoint: str) -> ServedApi:
        return ServedApi(endpoint, self.api_id, self.stage)


def find_api(stack: Stack) -> tuple[str, str, dict[tuple[str, str], str], list[str]]:
    apis = stack.of_type(API_TYPE)
    if not apis:
        fail(f"Expected the stack {STACK} to hold a REST API (AWS::ApiGateway::RestApi); it holds {stack.listing()}.")
    client = boto3.client("apigateway")
    api_id = apis[0].physical_id
    stages = [s["stageName"] for s in client.get_stages(restApiId=api_id).get("item", [])]
    declared = [r.physical_id for r in stack.of_type("AWS::ApiGateway::Stage") if r.physical_id in stages]
    stage = (declared or [s for s in stages if s != "Stage"] or stages or [None])[0]
    if stage is None:
        fail(f"Expected the REST API {api_id} to be deployed to a stage; it has none.", hint=DEPLOY_HINT)
    routes: dict[tuple[str, str], str] = {}
    targets: list[str] = []
    for resource in client.get_resources(restApiId=api_id, limit=500).get("items", []):
        for method in resource.get("resourceMethods") or {}:
            described = client.get_method(restApiId=api_id, resourceId=resource["id"], httpMethod=method)
            routes[(method, resource["path"])] = described.get("authorizationType", "NONE")
            name = function_of((described.get("methodIntegration") or {}).get("uri", ""))
            if name and name not in targets:
                targets.append(name)
    return api_id, stage, routes, targets


def read_service(which: str = "`bash deploy.sh`") -> Service:
    stack = read_stack(boto3.client("cloudformation"), STACK)
    if stack is None:
        fail(f"Expected the stack {STACK} after {which}; there is no stack of that name.", hint=DEPLOY_HINT)
    if not stack.complete:
        reason = f" ({stack.reason})" if stack.reason else ""
        fail(f"Expected the stack {STACK} to be CREATE_COMPLETE or UPDATE_COMPLETE after {which}; it is {stack.status}{reason}.")
    api_id, stage, routes, api_functions = find_api(stack)
    dynamodb = boto3.client("dynamodb")
    tables = {t.physical_id: dynamodb.describe_table(TableName=t.physical_id)["Table"] for t in stack.of_type(TABLE_TYPE)}
    indexed = [name for name, t in tables.items() if any(i["IndexName"] == INDEX for i in t.get("GlobalSecondaryIndexes", []))]
    orders_name = (indexed or [name for name, t in tables.items() if key_schema(t) == [("order_id", "HASH")]] or [None])[0]
    if orders_name is None:
        fail(f"Expected one of the stack's tables to be the Orders table (key order_id, index {INDEX}); the stack holds "
             f"{stack.listing()}.", hint=DEPLOY_HINT)
    others = [name for name, t in tables.items() if name != orders_name and key_schema(t)[:1] == [("order_id", "HASH")]]
    lam = boto3.client("lambda")
    functions = {f.physical_id: lam.get_function_configuration(FunctionName=f.physical_id) for f in stack.of_type(FUNCTION_TYPE)}
    service = Service(stack, api_id, stage, orders_name, tables[orders_name], (others or [None])[0], functions,
                      [f for f in api_functions if f in functions], routes)
    service.stream_arn = tables[orders_name].get("LatestStreamArn")
    for name in functions:
        for mapping in lam.list_event_source_mappings(FunctionName=name).get("EventSourceMappings", []):
            if service.stream_arn and mapping.get("EventSourceArn") == service.stream_arn:
                service.consumer = name
    return service


def deploy_and_read(exercise: ExerciseFiles) -> Service:
    run_deploy(exercise)
    return read_service()


# ------------------------------------------------------------------------------ the HTTP contract

ITEMS = [{"sku": "PU-1001", "quantity": 2}, {"sku": "PU-2002", "quantity": 1}]


def customer() -> str:
    return f"C-{uuid.uuid4().hex[:10]}"


def new_order(api: ServedApi, customer_id: str, **headers: str) -> HttpAnswer:
    return api.call("POST", "/orders", body={"customer_id": customer_id, "items": ITEMS}, headers=headers or None)


def created(api: ServedApi, customer_id: str | None = None) -> dict[str, Any]:
    """An order the student's API created, or a failure (the check needs one to go on)."""
    answer = new_order(api, customer_id or customer())
    if answer.status != 201 or not isinstance(answer.body, dict) or not isinstance(answer.body.get("order_id"), str):
        fail(f"Expected {answer.request} with a valid order to answer 201 with the order and its order_id; got "
             f"{answer.described()}.", hint=CREATE_HINT)
    return answer.body


def expect_status(answer: HttpAnswer, status: int, why: str, *, error_body: bool = False) -> None:
    expect(answer.status == status, f"Expected {answer.request} {why} to answer {status}; got {answer.described()}.")
    if error_body:
        expect(answer.error_text() is not None,
               f"Expected {answer.request} {why} to answer a JSON body {{\"error\": \"...\"}} saying why; got {answer.described()}.")


def stored(service: Service, order_id: str) -> dict[str, Any] | None:
    return boto3.resource("dynamodb").Table(service.orders_table).get_item(Key={"order_id": order_id}, ConsistentRead=True).get("Item")


def orders_of(service: Service, customer_id: str) -> list[dict[str, Any]]:
    """The customer's orders in the table, read with the grader's own Query on the index (never a Scan)."""
    table = boto3.resource("dynamodb").Table(service.orders_table)
    found, start = [], {}
    while True:
        page = table.query(IndexName=INDEX, KeyConditionExpression="customer_id = :c",
                           ExpressionAttributeValues={":c": customer_id}, **start)
        found += page["Items"]
        if "LastEvaluatedKey" not in page:
            return found
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


@pytest.fixture
def service(exercise: ExerciseFiles) -> Service:
    return deploy_and_read(exercise)


# ======================================================================================= deploying


@pytest.mark.points(4, hint=DEPLOY_HINT, read=step(8))
def test_deploy_sh_deploys_the_orders_service(
    exercise: ExerciseFiles, partial_credit: PartialCredit, report_showcase: ShowcaseRequest
) -> None:
    """deploy.sh deploys parts-unlimited-orders: the API's five routes, the Orders table, its stream consumer"""
    report_showcase.stack = STACK  # read after the check, for the report's showcase page: what was deployed
    service = deploy_and_read(exercise)
    with partial_credit.part("the API's five routes"):
        wanted = [f"{m} {p}" for m, p in ROUTES if (m, p) not in service.routes]
        expect(not wanted, f"Expected the REST API {service.api_id} to have the routes of the README's contract; it lacks "
                           f"{', '.join(wanted)} (it has {', '.join(f'{m} {p}' for m, p in sorted(service.routes)) or 'none'}).")
        expect(service.api_functions, f"Expected the API's methods to have Lambda proxy integrations with the stack's functions; "
                                      f"they reach none of {', '.join(service.functions) or 'no function'}.")
    with partial_credit.part(f"the Orders table (key order_id, index {INDEX})"):
        expect(key_schema(service.orders) == [("order_id", "HASH")],
               f"Expected the Orders table {service.orders_table} to have the partition key order_id and no sort key; its key "
               f"schema is {key_schema(service.orders)}.")
        index = next((i for i in service.orders.get("GlobalSecondaryIndexes", []) if i["IndexName"] == INDEX), None)
        expect(index is not None and key_schema(index)[:1] == [("customer_id", "HASH")],
               f"Expected the Orders table to have the index {INDEX} with the partition key customer_id; it has "
               f"{[(i['IndexName'], key_schema(i)) for i in service.orders.get('GlobalSecondaryIndexes', [])] or 'no index'}.")
    with partial_credit.part("the audit table and the stream's consumer"):
        expect(service.audit_table is not None,
               f"Expected a second table, the audit table, with the partition key order_id; the stack holds {service.stack.listing()}.")
        expect(service.stream_arn is not None, f"Expected the Orders table {service.orders_table} to have a stream; it has none.")
        expect(service.consumer is not None,
               f"Expected one of the stack's functions to consume the Orders table's stream (an event source mapping); "
               f"none of {', '.join(service.functions)} does.")


# ================================================================================== the contract


@pytest.mark.needs(DEPLOYED_API_OVER_HTTP)
@pytest.mark.points(5, hint=CREATE_HINT, read=step(1), requires=DEPLOYS)
def test_orders_are_created_and_read_back(service: Service, backend: Any, partial_credit: PartialCredit) -> None:
    """POST /orders answers 201 with the stored order; GET answers it (200), an unknown order 404"""
    api = service.api(backend.endpoint)
    customer_id = customer()
    answer = new_order(api, customer_id)
    order = answer.body if isinstance(answer.body, dict) else {}
    with partial_credit.part("POST /orders: 201 with the order"):
        expect_status(answer, 201, "with a valid order")
        wanted = {"customer_id": customer_id, "items": ITEMS, "status": "PLACED"}
        wrong = {k: order.get(k) for k, v in wanted.items() if order.get(k) != v}
        expect(isinstance(order.get("order_id"), str) and order["order_id"] and isinstance(order.get("created_at"), str) and not wrong,
               f"Expected {answer.request} to answer the order: a string order_id, created_at, and {wanted}; got {short(order, 300)}.")
    order_id = order.get("order_id")
    with partial_credit.part("the order is stored in the Orders table"):
        item = stored(service, order_id) if isinstance(order_id, str) and order_id else None
        expect(item is not None and item.get("customer_id") == customer_id and item.get("status") == "PLACED",
               f"Expected the Orders table {service.orders_table} to hold order {order_id!r} of {customer_id} with status PLACED; "
               f"it holds {short(item, 300)}.")
    with partial_credit.part("GET /orders/{order_id}: 200 with the order"):
        read = api.call("GET", f"/orders/{order_id}")
        expect_status(read, 200, "for the order just created")
        expect(isinstance(read.body, dict) and read.body.get("order_id") == order_id and read.body.get("items") == ITEMS
               and read.body.get("status") == "PLACED",
               f"Expected {read.request} to answer the order as POST answered it; got {read.described()}.")
    with partial_credit.part("GET of an unknown order: 404 with an error"):
        expect_status(api.call("GET", "/orders/ORD-no-such-order"), 404, "(no such order)", error_body=True)


@pytest.mark.needs(DEPLOYED_API_OVER_HTTP)
@pytest.mark.points(3, hint=IDEMPOTENT_HINT, read=step(1), requires=DEPLOYS)
def test_a_repeated_post_with_the_same_idempotency_key_creates_one_order(service: Service, backend: Any) -> None:
    """a POST repeated with the same Idempotency-Key answers 200 with the first order and creates nothing"""
    api = service.api(backend.endpoint)
    customer_id, key = customer(), uuid.uuid4().hex
    first = new_order(api, customer_id, **{"Idempotency-Key": key})
    again = new_order(api, customer_id, **{"Idempotency-Key": key})
    expect_status(first, 201, f"with Idempotency-Key {key}")
    expect_status(again, 200, f"a second time with the same Idempotency-Key {key}")
    first_id = first.body.get("order_id") if isinstance(first.body, dict) else None
    expect(isinstance(again.body, dict) and again.body.get("order_id") == first_id,
           f"Expected the repeated POST to answer the first order ({first_id}); got {again.described()}.")
    other = new_order(api, customer_id, **{"Idempotency-Key": uuid.uuid4().hex})
    expect_status(other, 201, "with another Idempotency-Key")
    count = len(orders_of(service, customer_id))
    expect(count == 2, f"Expected two orders of {customer_id} in the Orders table after two keys (one repeated); it holds {count}.")


INVALID_CREATES: list[tuple[str, Any]] = [
    ("a body that is not JSON", "{not json"),
    ("a JSON list, not an object", [{"customer_id": "C-1", "items": ITEMS}]),
    ("no customer_id", {"items": ITEMS}),
    ("a customer_id that is a number", {"customer_id": 42, "items": ITEMS}),
    ("no items", {"customer_id": "C-VALID"}),
    ("an empty items list", {"customer_id": "C-VALID", "items": []}),
    ("an item without sku", {"customer_id": "C-VALID", "items": [{"quantity": 1}]}),
    ("quantity 0", {"customer_id": "C-VALID", "items": [{"sku": "PU-1001", "quantity": 0}]}),
    ("quantity \"2\", a string", {"customer_id": "C-VALID", "items": [{"sku": "PU-1001", "quantity": "2"}]}),
    ("quantity 1.5", {"customer_id": "C-VALID", "items": [{"sku": "PU-1001", "quantity": 1.5}]}),
    ("quantity 1001", {"customer_id": "C-VALID", "items": [{"sku": "PU-1001", "quantity": 1001}]}),
]


@pytest.mark.needs(DEPLOYED_API_OVER_HTTP)
@pytest.mark.points(5, hint=VALIDATION_HINT, read=step(1), requires=DEPLOYS)
def test_invalid_input_is_refused_with_400_and_changes_nothing(service: Service, backend: Any, partial_credit: PartialCredit) -> None:
    """invalid bodies, statuses, limits and tokens answer 400 with an error, and nothing is written"""
    api = service.api(backend.endpoint)
    customer_id = customer()
    with partial_credit.part("POST /orders"):
        for label, body in INVALID_CREATES:
            if isinstance(body, dict) and body.get("customer_id") == "C-VALID":
                body = {**body, "customer_id": customer_id}
            expect_status(api.call("POST", "/orders", body=body), 400, f"with {label}", error_body=True)
        left = orders_of(service, customer_id)
        expect(not left, f"Expected no order of {customer_id} to be stored after refused POSTs; the table holds {len(left)}.")
    order = created(api, customer_id)
    path = f"/orders/{order['order_id']}"
    with partial_credit.part("PATCH /orders/{order_id}"):
        for label, body in (("status \"SENT\" (not a status)", {"status": "SENT"}), ("no status", {"state": "PAID"}),
                            ("a body that is not JSON", "PAID")):
            expect_status(api.call("PATCH", path, body=body), 400, f"with {label}", error_body=True)
        item = stored(service, order["order_id"]) or {}
        expect(item.get("status") == "PLACED", f"Expected the order to stay PLACED after refused PATCHes; it is {item.get('status')!r}.")
    with partial_credit.part("GET /customers/{customer_id}/orders"):
        listing = f"/customers/{customer_id}/orders"
        for label, query in (("limit=0", {"limit": "0"}), ("limit=abc", {"limit": "abc"}), ("limit=101", {"limit": "101"}),
                             ("a next_token the API never gave", {"next_token": "not-a-token"})):
            expect_status(api.call("GET", listing, query=query), 400, f"with {label}", error_body=True)


def patched(api: ServedApi, order_id: str, status: str) -> HttpAnswer:
    return api.call("PATCH", f"/orders/{order_id}", body={"status": status})


@pytest.mark.needs(DEPLOYED_API_OVER_HTTP)
@pytest.mark.points(6, hint=TRANSITIONS_HINT, read=step(1), requires=DEPLOYS)
def test_status_changes_follow_the_allowed_transitions(service: Service, backend: Any, partial_credit: PartialCredit) -> None:
    """PATCH moves an order along the allowed transitions (200), refuses the others (409), DELETE cancels"""
    api = service.api(backend.endpoint)
    customer_id = customer()
    with partial_credit.part("PLACED -> PAID -> SHIPPED -> DELIVERED"):
        order_id = created(api, customer_id)["order_id"]
        for status in ("PAID", "SHIPPED", "DELIVERED"):
            answer = patched(api, order_id, status)
            expect_status(answer, 200, f"(the order is allowed to become {status})")
            expect(isinstance(answer.body, dict) and answer.body.get("status") == status,
                   f"Expected {answer.request} to answer the order with status {status}; got {answer.described()}.")
            item = stored(service, order_id) or {}
            expect(item.get("status") == status, f"Expected the stored order to be {status} after {answer.request}; it is {item.get('status')!r}.")
    with partial_credit.part("illegal transitions: 409, order unchanged"):
        placed = created(api, customer_id)["order_id"]
        for status, now in (("SHIPPED", "PLACED"), ("DELIVERED", "PLACED"), ("PLACED", "PLACED")):
            expect_status(patched(api, placed, status), 409, f"(a {now} order cannot become {status})", error_body=True)
        expect_status(patched(api, order_id, "PAID"), 409, "(a DELIVERED order cannot become PAID)", error_body=True)
        expect_status(patched(api, order_id, "CANCELLED"), 409, "(a DELIVERED order cannot be cancelled)", error_body=True)
        for which, wanted in ((placed, "PLACED"), (order_id, "DELIVERED")):
            got = (stored(service, which) or {}).get("status")
            expect(got == wanted, f"Expected order {which} to stay {wanted} after refused changes; it is {got!r}.")
    with partial_credit.part("DELETE cancels, twice is still 200"):
        paid = created(api, customer_id)["order_id"]
        expect_status(patched(api, paid, "PAID"), 200, "(PLACED -> PAID)")
        for attempt in ("", " again"):
            answer = api.call("DELETE", f"/orders/{paid}")
            expect_status(answer, 200, f"(cancelling a PAID order{attempt})")
            expect(isinstance(answer.body, dict) and answer.body.get("status") == "CANCELLED",
                   f"Expected {answer.request} to answer the order with status CANCELLED; got {answer.described()}.")
        expect_status(patched(api, paid, "SHIPPED"), 409, "(a CANCELLED order cannot be shipped)", error_body=True)
        shipped = created(api, customer_id)["order_id"]
        patched(api, shipped, "PAID")
        patched(api, shipped, "SHIPPED")
        expect_status(api.call("DELETE", f"/orders/{shipped}"), 409, "(a SHIPPED order cannot be cancelled)", error_body=True)
    with partial_credit.part("an unknown order: 404"):
        expect_status(patched(api, "ORD-no-such-order", "PAID"), 404, "(no such order)", error_body=True)
        expect_status(api.call("DELETE", "/orders/ORD-no-such-order"), 404, "(no such order)", error_body=True)


@pytest.mark.needs(DEPLOYED_API_OVER_HTTP)
@pytest.mark.points(5, hint=PAGINATION_HINT, read=step(1), requires=DEPLOYS)
def test_a_customers_orders_are_listed_a_page_at_a_time_from_the_index(
    service: Service, backend: Any, aws_calls: CallLog, partial_credit: PartialCredit
) -> None:
    """GET /customers/{id}/orders pages with limit and next_token, each order once, with a Query on the index"""
    api = service.api(backend.endpoint)
    customer_id, neighbour = customer(), customer()
    mine = {created(api, customer_id)["order_id"] for _ in range(5)}
    created(api, neighbour)
    aws_calls.clear()
    pages: list[list[Any]] = []
    token: str | None = None
    seen: list[Any] = []
    problem = None
    for _ in range(8):  # 5 orders, 2 a page: 3 pages, or 4 with an empty last one
        answer = api.call("GET", f"/customers/{customer_id}/orders", query={"limit": "2", **({"next_token": token} if token else {})})
        body = answer.body if isinstance(answer.body, dict) else {}
        if answer.status != 200 or not isinstance(body.get("orders"), list):
            problem = f"Expected {answer.request} to answer 200 with {{\"orders\": [...], \"next_token\": ...}}; got {answer.described()}."
            break
        pages.append(body["orders"])
        seen += [o.get("order_id") if isinstance(o, dict) else o for o in body["orders"]]
        token = body.get("next_token")
        if not token:
            break
    if problem:
        fail(problem)
    sizes = [len(page) for page in pages]
    with partial_credit.part("pages of at most limit orders, next_token until the last"):
        expect(all(size <= 2 for size in sizes) and len(pages) >= 3 and not token,
               f"Expected pages of at most 2 orders (limit=2) for 5 orders, following next_token until it is null; got pages of "
               f"{sizes} orders" + (" and a next_token still given after 8 pages." if token else "."))
    with partial_credit.part("each of the customer's orders once, no one else's"):
        expect(sorted(map(str, seen)) == sorted(mine),
               f"Expected the pages together to hold the customer's 5 orders once each ({sorted(mine)}); they hold {sorted(map(str, seen))}.")
    with partial_credit.part(f"read with Query on {INDEX}, never Scan"):
        scans = [c for c in aws_calls.calls if c.service == "dynamodb" and c.operation == "Scan"]
        queries = [c for c in aws_calls.calls if c.service == "dynamodb" and c.operation == "Query"
                   and c.params.get("IndexName") == INDEX]
        expect(not scans, f"Expected the listing to read the index with Query; it called Scan {len(scans)} time(s) on "
                          f"{sorted({str(c.params.get('TableName')) for c in scans})}: a Scan reads every customer's orders.")
        expect(queries, f"Expected the listing to call Query with IndexName {INDEX}; the calls were {aws_calls.describe()}.")


@pytest.mark.needs(DEPLOYED_API_OVER_HTTP, API_IAM_AUTHORIZATION)
@pytest.mark.points(3, hint=AUTH_HINT, read=step(2), requires=DEPLOYS)
def test_every_method_refuses_unsigned_requests(service: Service, backend: Any, partial_credit: PartialCredit) -> None:
    """every route answers 403 to an unsigned or badly signed request, before any code runs"""
    api = service.api(backend.endpoint)
    customer_id = customer()
    order = created(api, customer_id)
    body = {"customer_id": customer_id, "items": ITEMS}
    calls = {("POST", "/orders"): ("/orders", body), ("GET", "/orders/{order_id}"): (f"/orders/{order['order_id']}", None),
             ("PATCH", "/orders/{order_id}"): (f"/orders/{order['order_id']}", {"status": "PAID"}),
             ("DELETE", "/orders/{order_id}"): (f"/orders/{order['order_id']}", None),
             ("GET", "/customers/{customer_id}/orders"): (f"/customers/{customer_id}/orders", None)}
    for (method, route), (path, payload) in calls.items():
        with partial_credit.part(f"{method} {route}"):
            for tamper, signed in ((False, False), (True, True)):
                answer = api.call(method, path, body=payload, signed=signed, tamper=tamper)
                what = "(the signature altered)" if tamper else "(no signature)"
                expect(answer.status == 403, f"Expected {answer.request} {what} to be refused with 403; got {answer.described()}.")
    left = orders_of(service, customer_id)
    status = (stored(service, order["order_id"]) or {}).get("status")
    expect(len(left) == 1 and status == "PLACED",
           f"Expected refused requests to change nothing; {customer_id} has {len(left)} order(s) and the first is {status!r}.")


# ================================================================================= the consumer


def audit_items(service: Service, order_id: str) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb").Table(service.audit_table or "")
    return table.query(KeyConditionExpression="order_id = :o", ExpressionAttributeValues={":o": order_id}, ConsistentRead=True)["Items"]


def statuses_in(items: list[dict[str, Any]]) -> list[str]:
    return sorted(str(item.get("status")) for item in items)


@pytest.mark.needs(DEPLOYED_API_OVER_HTTP)
@pytest.mark.points(5, hint=AUDIT_HINT, read=step(5), requires=DEPLOYS)
def test_the_stream_consumer_writes_one_audit_record_per_status_idempotently(
    service: Service, backend: Any, partial_credit: PartialCredit
) -> None:
    """the stream's consumer writes one audit record per status reached, and a redelivery duplicates none"""
    if service.consumer is None or service.audit_table is None or service.stream_arn is None:
        fail("Expected a function consuming the Orders table's stream and an audit table keyed by order_id; "
             f"the stack holds {service.stack.listing()}.")
    api = service.api(backend.endpoint)
    order_id = created(api)["order_id"]
    for status in ("PAID", "SHIPPED"):
        expect_status(patched(api, order_id, status), 200, f"(the order may become {status})")
    wanted = ["PAID", "PLACED", "SHIPPED"]

    def all_three() -> list[dict[str, Any]] | None:
        items = audit_items(service, order_id)
        return items if len(items) >= len(wanted) else None

    items = event_sources.wait_for(all_three, mappings_only=True) or audit_items(service, order_id)
    with partial_credit.part("one audit record per status, with the previous one"):
        expect(statuses_in(items) == wanted,
               f"Expected the audit table to hold one record per status order {order_id} reached ({wanted}); it holds "
               f"{statuses_in(items)}.")
        previous = {str(i.get("status")): i.get("previous_status") for i in items}
        expect(previous.get("PAID") == "PLACED" and previous.get("SHIPPED") == "PAID",
               f"Expected each audit record to name the previous status (PAID after PLACED, SHIPPED after PAID); got {previous}.")
    with partial_credit.part("a redelivered batch writes nothing new"):
        records = stream_records(service, order_id)
        expect(records, f"Expected the Orders stream to hold the records of order {order_id}; it holds none.")
        result = invoke_deployed(service.consumer, dynamodb_stream_event(records, service.stream_arn))
        expect(not result.function_error,
               f"Expected the consumer {service.consumer} to take the same stream records a second time; it failed with "
               f"{short(result.payload, 300)}.")
        again = audit_items(service, order_id)
        expect(statuses_in(again) == wanted,
               f"Expected the audit table to still hold one record per status ({wanted}) after the same {len(records)} stream "
               f"records were delivered again (Lambda delivers at least once); it holds {statuses_in(again)}.")


def stream_records(service: Service, order_id: str) -> list[dict[str, Any]]:
    streams = boto3.client("dynamodbstreams")
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=service.stream_arn)["StreamDescription"].get("Shards", []):
        iterator = streams.get_shard_iterator(StreamArn=service.stream_arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        for _ in range(20):
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            records += page["Records"]
            iterator = page.get("NextShardIterator")
            if not page["Records"] or not iterator:
                break
    return [r for r in records if r["dynamodb"].get("Keys", {}).get("order_id", {}).get("S") == order_id]


# ==================================================================================== the roles


def table_arn(name: str, account: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:{account}:table/{name}"


def over_grants(permissions: RolePermissions, requests: list[tuple[str, str, str]]) -> list[str]:
    reasons = []
    for action, arn, what in requests:
        decision = permissions.decide(action, arn)
        if decision.possibly_allowed:
            reasons.append(f"{decision.allows[0].described} allows {action} on {what}")
    return reasons


def permissions_of(service: Service, function: str) -> RolePermissions:
    return read_role_permissions(boto3.client("iam"), role_name_of(service.functions[function]["Role"]))


@pytest.mark.points(5, hint=ROLES_HINT, read=step(6), requires=DEPLOYS)
def test_each_functions_role_grants_only_what_it_needs(service: Service, backend: Any, partial_credit: PartialCredit) -> None:
    """each function's role allows no Scan, no delete, no other table and no other service"""
    account = backend.account_id
    orders = service.orders["TableArn"]
    audit = table_arn(service.audit_table or "Audit", account)
    elsewhere = [
        ("dynamodb:GetItem", table_arn("Customers", account), "another table of the account"),
        ("dynamodb:GetItem", orders.replace(account, OTHER_ACCOUNT), f"a table of that name in the account {OTHER_ACCOUNT}"),
        ("s3:GetObject", "arn:aws:s3:::parts-unlimited-artifacts/any-object", "an S3 object"),
        ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:{REGION}:{account}:secret:parts-unlimited/shipping-api-AbC123", "a secret"),
        ("iam:PassRole", f"arn:aws:iam::{account}:role/any-role", "a role"),
        ("dynamodb:DeleteTable", orders, "the Orders table"),
    ]
    serving = [
        ("dynamodb:Scan", orders, "the Orders table"), ("dynamodb:Scan", f"{orders}/index/{INDEX}", f"the index {INDEX}"),
        ("dynamodb:DeleteItem", orders, "the Orders table (orders are cancelled, never deleted)"),
        ("dynamodb:PutItem", audit, "the audit table (the consumer writes it)"),
    ]
    consuming = [
        ("dynamodb:PutItem", orders, "the Orders table"), ("dynamodb:UpdateItem", orders, "the Orders table"),
        ("dynamodb:DeleteItem", orders, "the Orders table"), ("dynamodb:Scan", orders, "the Orders table"),
    ]
    roles: list[tuple[str, str, list[tuple[str, str, str]]]] = [
        (f"the API's function {name}", name, serving + elsewhere) for name in service.api_functions
    ]
    if service.consumer:
        roles.append((f"the consumer {service.consumer}", service.consumer, consuming + elsewhere))
    expect(roles, f"Expected functions behind the API and a stream consumer; the stack holds {service.stack.listing()}.")
    for label, function, requests in roles:
        with partial_credit.part(label):
            permissions = permissions_of(service, function)
            if permissions.unreadable:
                fail(f"Expected to read every policy of {permissions.role_name}; the grader does not know {', '.join(permissions.unreadable)}.")
            reasons = over_grants(permissions, requests)
            expect(not reasons, f"Expected the role of {label} ({permissions.role_name}) to deny it; " + "; ".join(reasons[:3]) + ".")


@pytest.mark.needs(DEPLOYED_API_OVER_HTTP)
@pytest.mark.needs(IAM_ENFORCEMENT)
@pytest.mark.points(4, hint=ENFORCED_HINT, read=step(6), requires=DEPLOYS)
def test_the_functions_do_their_jobs_with_iam_enforced(service: Service, backend: Any, partial_credit: PartialCredit) -> None:
    """with IAM enforced, the API creates, reads, lists and updates, and the consumer writes its audit"""
    api = service.api(backend.endpoint)
    customer_id = customer()
    with enforcing_iam():
        answers: list[tuple[HttpAnswer, int]] = []
        with partial_credit.part("the API's functions, with their roles"):
            made = new_order(api, customer_id)
            answers.append((made, 201))
            order_id = made.body.get("order_id") if isinstance(made.body, dict) else "ORD-unknown"
            answers += [(api.call("GET", f"/orders/{order_id}"), 200), (api.call("GET", f"/customers/{customer_id}/orders"), 200),
                        (patched(api, order_id, "PAID"), 200)]
            for answer, status in answers:
                expect(answer.status == status, f"Expected {answer.request} to answer {status} with IAM enforced; got "
                                                f"{answer.described()}: a call of the function was probably refused (AccessDenied).")
        with partial_credit.part("the consumer, with its role"):
            if not service.consumer or not service.audit_table:
                fail("Expected a stream consumer and an audit table (the deploy check says what is missing).")
            found = event_sources.wait_for(lambda: len(audit_items(service, order_id)) >= 2 or None, mappings_only=True)
            expect(found, f"Expected the consumer {service.consumer} to write the audit records PLACED and PAID of {order_id} "
                          f"with IAM enforced; the audit table holds {statuses_in(audit_items(service, order_id))}.")


# ============================================================================ logs and alarms


@pytest.mark.needs(DEPLOYED_API_OVER_HTTP)
@pytest.mark.points(3, hint=LOGS_HINT, read=step(7), requires=DEPLOYS)
def test_the_api_logs_json_lines_without_the_callers_signature(service: Service, backend: Any, partial_credit: PartialCredit) -> None:
    """every API invocation logs JSON lines (level, message), and no line holds the request's signature"""
    api = service.api(backend.endpoint)
    made = new_order(api, customer())
    answers = [made, api.call("GET", "/orders/ORD-no-such-order"), api.call("POST", "/orders", body={"items": []})]
    signatures = {a.signature for a in answers if a.signature}
    logged = {name: invocations(name) for name in service.api_functions}
    runs = [(name, run) for name, runs in logged.items() for run in runs]
    expect(runs, f"Expected the API's functions ({', '.join(service.api_functions)}) to have logged the grader's "
                 f"{len(answers)} requests; their log groups hold no invocation.")
    with partial_credit.part("JSON lines with level and message"):
        for name, run in runs:
            objects = [parsed for parsed in map(json_object, (e.message for e in run.lines)) if parsed is not None]
            expect(any(("level" in o or "levelname" in o) and "message" in o for o in objects),
                   f"Expected invocation {run.request_id} of {name} to log at least one JSON object with level and message; "
                   f"it logged {short([e.message for e in run.lines][:3], 300)}.")
    with partial_credit.part("no line holds the request's signature"):
        for name, run in runs:
            for event in run.init_lines + run.lines:
                leaked = next((s for s in signatures if s in event.message), None)
                expect(leaked is None, f"Expected no log line of {name} to hold a caller's SigV4 signature; invocation "
                                       f"{run.request_id} logged it: {short(event.message, 200)} (the whole event, headers included).")


def json_object(text: str) -> dict[str, Any] | None:
    try:
        parsed = json.loads(text.strip())
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def fires_on_one_error(alarm: dict[str, Any]) -> bool:
    threshold, operator = float(alarm.get("Threshold", -1)), alarm.get("ComparisonOperator")
    return (operator == "GreaterThanOrEqualToThreshold" and 0 < threshold <= 1) or (operator == "GreaterThanThreshold" and 0 <= threshold < 1)


def alarm_problem(alarm: dict[str, Any]) -> str | None:
    datapoints = alarm.get("DatapointsToAlarm") or alarm.get("EvaluationPeriods")
    checks: list[tuple[bool, str]] = [
        (alarm.get("Statistic") in ("Sum", "Maximum"), f"Statistic {alarm.get('Statistic')} (Sum counts the errors)"),
        (int(alarm.get("Period") or 0) <= 300, f"Period {alarm.get('Period')} s (at most 300)"),
        (fires_on_one_error(alarm), f"{alarm.get('ComparisonOperator')} {alarm.get('Threshold')} (one error must set it off)"),
        (datapoints == 1, f"{datapoints} datapoints to alarm (the first failing period must set it off)"),
    ]
    wrong = [text for ok, text in checks if not ok]
    return ", ".join(wrong) if wrong else None


@pytest.mark.points(2, hint=ALARM_HINT, read=step(7), requires=DEPLOYS)
def test_every_function_has_an_alarm_on_its_errors(service: Service, partial_credit: PartialCredit) -> None:
    """each function of the stack has an alarm that one error in a period sets off"""
    alarms = boto3.client("cloudwatch").describe_alarms(AlarmTypes=["MetricAlarm"])["MetricAlarms"]
    for function in service.functions:
        with partial_credit.part(function):
            mine = [a for a in alarms if a.get("Namespace") == "AWS/Lambda" and a.get("MetricName") == "Errors"
                    and a.get("Dimensions") == [{"Name": "FunctionName", "Value": function}]]
            expect(mine, f"Expected an alarm on AWS/Lambda Errors with the dimension FunctionName={function}; the alarms are "
                         f"{[(a.get('AlarmName'), a.get('MetricName'), a.get('Dimensions')) for a in alarms] or 'none'}.")
            problems = [alarm_problem(a) for a in mine]
            expect(None in problems, f"Expected {mine[0].get('AlarmName')} to go to ALARM on one error; it has {problems[0]}.")
