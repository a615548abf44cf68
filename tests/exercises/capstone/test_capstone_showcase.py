"""The capstone's showcase page (reports/capstone-showcase.md) and its `showcase` in the report, written by
the grading run from what the deploy check found on the backend: the reference's service in full, the
starter's half-made stack as it is, and a deploy that made nothing as nothing. Only the deploy check
runs (it is the one that records the page): full marks are tests/exercises/test_every_exercise.py's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from grader_tests import ExerciseUnderTest
from support import REPO, GradeRun

CAPSTONE = ExerciseUnderTest("capstone")
DEPLOY = "test_deploy_sh_deploys_the_orders_service"
SCHEMA = json.loads((REPO / "harness" / "report.schema.json").read_text())
ROUTES = {("POST", "/orders"), ("GET", "/orders/{order_id}"), ("PATCH", "/orders/{order_id}"),
          ("DELETE", "/orders/{order_id}"), ("GET", "/customers/{customer_id}/orders")}


def showcase_of(run: GradeRun, tmp_path: Path) -> tuple[dict[str, Any], str]:
    """The report's showcase (the report checked against its schema) and the page the run wrote."""
    assert run.report is not None, run.output[-3000:]
    jsonschema.validate(run.report, SCHEMA)
    showcase = run.exercise("capstone").get("showcase")
    assert showcase, f"the report carries no showcase for the capstone: {run.exercise('capstone')}"
    page = tmp_path / "reports" / "capstone-showcase.md"
    assert page.is_file(), f"no showcase page beside the report: {sorted(p.name for p in page.parent.iterdir())}"
    summary = (tmp_path / "reports" / "grade-summary.md").read_text()
    assert "[capstone-showcase.md](capstone-showcase.md)" in summary, summary
    return showcase, page.read_text()


def test_the_references_showcase_lists_its_resources_endpoints_roles_mapping_and_alarms(tmp_path: Path) -> None:
    run = CAPSTONE.grade_reference(tmp_path, "-k", DEPLOY)
    assert run.check("capstone", DEPLOY)["outcome"] == "passed", run.output[-3000:]
    showcase, page = showcase_of(run, tmp_path)
    assert showcase["deployed"] and showcase["status"] == "CREATE_COMPLETE" and not showcase["problem"], showcase["problem"]
    resources = {(r["logical_id"], r["type"]) for r in showcase["resources"]}
    assert {("OrdersTable", "AWS::DynamoDB::Table"), ("AuditTable", "AWS::DynamoDB::Table"), ("OrdersApi", "AWS::ApiGateway::RestApi"),
            ("OrdersApiFunction", "AWS::Lambda::Function"), ("AuditFunction", "AWS::Lambda::Function")} <= resources, resources
    assert all(r["physical_id"] for r in showcase["resources"] if r["type"] != "AWS::Lambda::Permission"), showcase["resources"]
    served = {(e["method"], e["path"]) for e in showcase["endpoints"]}
    assert served == ROUTES, served
    for endpoint in showcase["endpoints"]:
        assert endpoint["stage"] == "prod" and endpoint["authorization"] == "AWS_IAM" and endpoint["function"] == "OrdersApiFunction"
        assert endpoint["url"].startswith("http://127.0.0.1:") and endpoint["url"].endswith("/prod/_user_request_" + endpoint["path"])
    functions = {f["logical_id"]: f for f in showcase["functions"]}
    assert {t["table"]: t["actions"] for t in functions["OrdersApiFunction"]["tables"]} == {
        "OrdersTable": ["GetItem", "PutItem", "UpdateItem", "Query"]}
    assert {t["table"]: t["actions"] for t in functions["AuditFunction"]["tables"]} == {"AuditTable": ["PutItem"]}
    assert all(f["role"] and f["statements"] for f in functions.values()), functions
    assert [(m["source"], m["kind"], m["function"]) for m in showcase["event_sources"]] == [("OrdersTable", "DynamoDB stream", "AuditFunction")]
    assert sorted((a["logical_id"], a["function"]) for a in showcase["alarms"]) == [
        ("AuditErrorsAlarm", "AuditFunction"), ("OrdersApiErrorsAlarm", "OrdersApiFunction")]
    # The page: its diagram runs API -> function -> table -> stream -> consumer -> audit table, then the tables.
    for line in ('api_OrdersApi -->|"GET /customers/#123;customer_id#125;/orders<br/>POST /orders',
                 'fn_OrdersApiFunction -->|"GetItem, PutItem, UpdateItem, Query"| table_OrdersTable',
                 "table_OrdersTable -.->|changes| source_OrdersTable", 'source_OrdersTable -->|"batch 10"| fn_AuditFunction',
                 'fn_AuditFunction -->|"PutItem"| table_AuditTable', '-.->|watches| fn_AuditFunction'):
        assert line in page, f"{line!r} is not in the page:\n{page}"
    for heading in ("```mermaid", "## Endpoints", "## Functions and their roles", "## Event sources", "## Alarms",
                    "## The stack's resources"):
        assert heading in page, f"{heading!r} is not in the page:\n{page}"
    assert "inline policy OrdersApiFunctionRolePolicy0: Allow dynamodb:GetItem, dynamodb:PutItem, dynamodb:UpdateItem" in page
    assert "Not deployed yet" not in page


def test_the_starters_showcase_says_that_no_api_consumer_or_alarm_is_deployed(tmp_path: Path) -> None:
    run = CAPSTONE.grade_starter(tmp_path, "-k", DEPLOY)
    assert run.check("capstone", DEPLOY)["outcome"] == "failed", run.output[-3000:]
    showcase, page = showcase_of(run, tmp_path)
    # The starter's template deploys the function and the table it starts from, and nothing else.
    assert sorted(r["logical_id"] for r in showcase["resources"]) == ["OrdersApiFunction", "OrdersApiFunctionRole", "OrdersTable"]
    assert not showcase["endpoints"] and not showcase["event_sources"] and not showcase["alarms"]
    assert ("Not deployed yet: no REST API stage serves a route; no function reads an event source; "
            "no alarm watches a function.") in page, page
    assert "0 / 4 points" in page and "partial run (1 check)" in page, page


def test_a_deploy_that_made_no_stack_shows_that_nothing_was_deployed(tmp_path: Path) -> None:
    code = CAPSTONE.mutant(tmp_path, "deploy.sh", ('cd "$(dirname "$0")"\n', 'cd "$(dirname "$0")"\necho "not today" >&2\nexit 3\n'))
    run = CAPSTONE.grade(code, tmp_path, "-k", DEPLOY)
    assert run.check("capstone", DEPLOY)["outcome"] == "failed", run.output[-3000:]
    showcase, page = showcase_of(run, tmp_path)
    assert showcase["deployed"] is False and showcase["status"] is None and showcase["resources"] == []
    assert "There is no stack parts-unlimited-orders: nothing was deployed." in page, page
    assert "```mermaid" not in page and "## Endpoints" not in page, page
