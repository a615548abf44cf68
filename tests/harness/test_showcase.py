"""The showcase page a grading run writes beside its reports (harness/showcase.py) from an exercise's
recorded `showcase`, and how the report carries it: tested here on a made-up deployment, with no backend.
The capstone's real one is tests/exercises/capstone/test_capstone_showcase.py's."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jsonschema
from support import REPO

from harness.github_actions import job_summary
from harness.kit.deployment_summary import NO_STACK, empty_showcase
from harness.manifest import load_course
from harness.report import build_report, render_markdown, write_reports
from harness.results import CheckResult, ExerciseScore
from harness.showcase import diagram, page_name, permissions_in_brief, render_showcase, short_arn

SCHEMA = json.loads((REPO / "harness" / "report.schema.json").read_text())
COURSE = load_course(REPO)
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders-Orders-1"


def made_up_showcase() -> dict[str, Any]:
    """An orders service: a queue-fed consumer beside the stream one, a role with a Condition, an alarm
    outside the stack: the shapes a student's template may take that the reference does not."""
    return {
        "stack": "orders", "deployed": True, "status": "UPDATE_COMPLETE", "problem": "",
        "resources": [
            {"logical_id": "Orders", "type": "AWS::DynamoDB::Table", "physical_id": "orders-Orders-1", "status": "CREATE_COMPLETE"},
            {"logical_id": "Audit", "type": "AWS::DynamoDB::Table", "physical_id": "orders-Audit-1", "status": "CREATE_COMPLETE"},
            {"logical_id": "Api", "type": "AWS::ApiGateway::RestApi", "physical_id": "abc123", "status": "CREATE_COMPLETE"},
            {"logical_id": "Create", "type": "AWS::Lambda::Function", "physical_id": "orders-Create-1", "status": "CREATE_COMPLETE"},
            {"logical_id": "Read", "type": "AWS::Lambda::Function", "physical_id": "orders-Read-1", "status": "CREATE_COMPLETE"},
            {"logical_id": "Auditor", "type": "AWS::Lambda::Function", "physical_id": "orders-Auditor-1", "status": "CREATE_COMPLETE"},
            {"logical_id": "Permission", "type": "AWS::Lambda::Permission", "physical_id": "", "status": "CREATE_COMPLETE"},
        ],
        "endpoints": [
            {"api": "Api", "stage": "v1", "method": "POST", "path": "/orders", "authorization": "AWS_IAM", "function": "Create",
             "url": "http://127.0.0.1:5000/restapis/abc123/v1/_user_request_/orders"},
            {"api": "Api", "stage": "v1", "method": "GET", "path": "/orders/{order_id}", "authorization": "AWS_IAM", "function": "Read",
             "url": "http://127.0.0.1:5000/restapis/abc123/v1/_user_request_/orders/{order_id}"},
        ],
        "functions": [
            {"logical_id": "Create", "name": "orders-Create-1", "role": "orders-CreateRole-1", "tables": [{"table": "Orders", "actions": ["PutItem"]}],
             "statements": [{"policy": "inline policy Write", "effect": "Allow", "actions": ["dynamodb:PutItem"], "resources": [TABLE],
                             "conditional": True}]},
            {"logical_id": "Read", "name": "orders-Read-1", "role": "orders-ReadRole-1", "tables": [{"table": "Orders", "actions": ["GetItem"]}],
             "statements": [{"policy": "AWS managed policy arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "effect": "Allow",
                             "actions": ["logs:PutLogEvents"], "resources": ["*"], "conditional": False},
                            {"policy": "inline policy Read", "effect": "Allow", "actions": ["dynamodb:GetItem"], "resources": [TABLE],
                             "conditional": False}]},
            {"logical_id": "Auditor", "name": "orders-Auditor-1", "role": "orders-AuditorRole-1", "tables": [{"table": "Audit", "actions": ["PutItem"]}],
             "statements": []},
        ],
        "event_sources": [
            {"source": "Orders", "kind": "DynamoDB stream", "function": "Auditor", "batch_size": 10, "starting_position": "TRIM_HORIZON",
             "state": "Enabled"},
            {"source": "Retries", "kind": "SQS queue", "function": "Auditor", "batch_size": None, "starting_position": None, "state": "Enabled"},
        ],
        "alarms": [
            {"name": "orders-CreateErrors-1", "logical_id": "CreateErrors", "metric": "AWS/Lambda Errors",
             "dimensions": ["FunctionName=orders-Create-1"], "function": "Create", "condition": "Sum >= 1 in 1 of 1 period(s) of 60 s"},
            {"name": "by-hand", "logical_id": None, "metric": "AWS/Lambda Throttles", "dimensions": ["FunctionName=orders-Read-1"],
             "function": "Read", "condition": "Sum > 0 in 1 of 1 period(s) of 60 s"},
        ],
    }


def report_with(showcase: dict[str, Any] | None) -> Any:
    capstone = COURSE.get("capstone")
    checks = [CheckResult("capstone", "test_deploy", "deploys", "passed", 4, 4),
              CheckResult("capstone", "test_alarms", "alarms", "failed", 0, 2, message="no alarm", hint="add one")]
    now = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)
    return build_report(course=COURSE, scores=[ExerciseScore(capstone, checks)], backend={"name": "moto", "chosen_by": "default"},
                        code_root=".", started=now, finished=now, harness_errors=[],
                        showcases={"capstone": showcase} if showcase else {})


def test_the_report_carries_the_deploy_checks_showcase_on_the_exercise_and_stays_valid() -> None:
    report = report_with(made_up_showcase())
    jsonschema.validate(report, SCHEMA)
    exercise = report["exercises"][0]
    assert exercise["showcase"]["stack"] == "orders"
    assert all("showcase" not in check for check in exercise["checks"])  # the exercise's, not a check's
    assert "showcase" not in report_with(None)["exercises"][0]


def test_the_diagram_draws_every_arrow_from_an_integration_a_grant_a_mapping_or_an_alarm() -> None:
    lines = diagram(made_up_showcase())
    assert lines[0] == "flowchart LR"
    for expected in (
        'callers([callers]) -->|"AWS_IAM"| api_Api',
        'api_Api -->|"POST /orders"| fn_Create',
        'api_Api -->|"GET /orders/#123;order_id#125;"| fn_Read',  # braces as entities: Mermaid reads them as shapes
        'fn_Create -->|"PutItem"| table_Orders',
        'fn_Read -->|"GetItem"| table_Orders',
        "table_Orders -.->|changes| source_Orders",
        'source_Orders -->|"batch 10"| fn_Auditor',
        'source_Retries[/"Retries (SQS queue)"/]',
        'source_Retries -->|"mapping"| fn_Auditor',
        'fn_Auditor -->|"PutItem"| table_Audit',
        'alarm_0{{"alarm CreateErrors"}} -.->|watches| fn_Create',
        'alarm_1{{"alarm by-hand"}} -.->|watches| fn_Read',
    ):
        assert f"  {expected}" in lines, f"{expected!r} not in:\n" + "\n".join(lines)


def test_roles_are_told_in_brief_policy_by_policy() -> None:
    brief = permissions_in_brief(made_up_showcase()["functions"][1]["statements"])
    assert brief == ("AWS managed policy AWSLambdaBasicExecutionRole: Allow logs:PutLogEvents on *"
                     "<br>inline policy Read: Allow dynamodb:GetItem on table/orders-Orders-1")
    assert "(with a condition)" in permissions_in_brief(made_up_showcase()["functions"][0]["statements"])
    assert permissions_in_brief([]) == "no policy"
    assert short_arn(TABLE + "/index/by-customer") == "table/orders-Orders-1/index/by-customer" and short_arn("*") == "*"


def test_the_page_shows_the_grade_and_says_the_urls_are_gone_with_the_run(tmp_path: Path) -> None:
    report = report_with(made_up_showcase())
    page = render_showcase(report["exercises"][0], report)
    assert page.startswith("# Showcase: The orders service (`capstone`)\n")
    assert "**4 / 6 points (66.7%)**, in progress · graded 2026-12-05 12:00 UTC" in page
    assert "| alarms | 0 / 2 |" in page
    assert "which stopped when the run ended" in page and "`course backend apis`" in page
    assert "| GET | `/orders/{order_id}` | AWS_IAM | Read | http://127.0.0.1:5000/restapis/abc123/v1/_user_request_/orders/{order_id} |" in page
    assert "| Permission | AWS::Lambda::Permission |  | CREATE_COMPLETE |" in page  # no empty code span
    assert "| Retries | SQS queue | Auditor |  |  | Enabled |" in page
    assert "Not deployed yet" not in page


def test_a_missing_stack_is_said_plainly_and_a_half_made_one_lists_what_is_missing() -> None:
    nothing = report_with(empty_showcase("orders", NO_STACK.format(stack="orders")))
    jsonschema.validate(nothing, SCHEMA)
    page = render_showcase(nothing["exercises"][0], nothing)
    assert "> There is no stack orders: nothing was deployed." in page
    assert "```mermaid" not in page and "## Endpoints" not in page
    half = made_up_showcase() | {"endpoints": [], "event_sources": [], "alarms": []}
    page = render_showcase(report_with(half)["exercises"][0], report_with(half))
    assert ("Not deployed yet: no REST API stage serves a route; no function reads an event source; "
            "no alarm watches a function.") in page
    assert "No REST API stage of the stack serves a route." in page and "## Alarms\n\nNone." in page


def test_write_reports_puts_the_page_beside_the_summary_which_links_it(tmp_path: Path) -> None:
    report = report_with(made_up_showcase())
    write_reports(report, tmp_path, "grade-report.json", "grade-summary.md")
    assert (tmp_path / page_name("capstone")).read_text().startswith("# Showcase:")
    assert "[capstone-showcase.md](capstone-showcase.md)" in (tmp_path / "grade-summary.md").read_text()
    # On GitHub the job summary cannot link a file of the runner: it names the artifact that holds it.
    summary = job_summary(report, shown=0, total=0, environ={})
    assert "`capstone-showcase.md` in the `grade-report` artifact" in summary and "](capstone-showcase.md)" not in summary
    without = report_with(None)
    write_reports(without, tmp_path / "none", "grade-report.json", "grade-summary.md")
    assert not (tmp_path / "none" / page_name("capstone")).exists()
    assert "Showcase" not in render_markdown(without)
