"""Tests of the Lab 4 grader: each plausible mistake in template.yaml or deploy.sh loses the check about it.

Full marks for the reference and the correct solutions (tests/exercises/lab4/correct/), a low starter and
the README's check table are tests/exercises/test_every_exercise.py's. Here, edits of the reference
solution, graded in a child `pytest` (tests/grader_tests.py), each against the whole grader: a mistake
must cost its own check and leave the others passing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from grader_tests import ExerciseUnderTest
from support import REPO

LAB = ExerciseUnderTest("lab4")
LAB_ID = LAB.id
GRADER = LAB.grader()

LINT = "test_the_template_passes_cfn_lint"
DEPLOYS = "test_deploy_sh_deploys_the_stack"
ANSWERS = "test_the_deployed_function_answers_api_gateway_events_with_lab1s_handler"
REFERENCE = "test_inventory_table_names_the_stacks_table_through_a_reference"
SETTINGS = "test_the_function_has_the_runtime_memory_and_timeout_asked"
INVENTORY = "test_the_inventory_table_has_lab1s_key_and_billing"
ORDERS = "test_the_orders_table_has_kata2s_key_index_and_billing"
MAY_READ = "test_the_role_may_read_the_inventory_table"
NOTHING_MORE = "test_the_role_grants_nothing_more"
REDEPLOY = "test_a_second_deploy_updates_the_code_and_keeps_the_tables_and_items"

READ_POLICY = """      Policies:
        - DynamoDBReadPolicy:
            TableName: !Ref InventoryTable
"""

grade = LAB.grade
assert_only_failures = LAB.assert_only_failures


def template_mutant(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    return LAB.mutant(tmp_path, "template.yaml", *edits)


def policies(tmp_path: Path, replacement: str) -> Path:
    return template_mutant(tmp_path, (READ_POLICY, replacement))


# ---------------------------------------------------------------------- the copies of Lab 1's handler


@pytest.mark.parametrize(
    ("copy", "original"),
    [
        ("solutions/labs/lab4_sam", "solutions/labs/lab1_inventory_status"),
        ("tests/exercises/lab4/correct/plain_cloudformation", "tests/exercises/lab1/correct/client_deserializer"),
        ("tests/exercises/lab4/correct/globals_inline_statement", "tests/exercises/lab1/correct/resource_dispatch"),
    ],
)
def test_each_deployed_handler_is_a_copy_of_a_lab1_solution(copy: str, original: str) -> None:
    handler = "inventory_status_lambda.py"
    assert (REPO / copy / "src" / handler).read_bytes() == (REPO / original / handler).read_bytes(), (
        f"{copy}/src/{handler} must stay a copy of {original}/{handler}: Lab 4 deploys Lab 1's handler"
    )


# ------------------------------------------------------------------------------------ permissions


def test_dynamodb_star_on_the_table_loses_only_the_nothing_more_check(tmp_path: Path) -> None:
    code = policies(
        tmp_path,
        """      Policies:
        - Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: dynamodb:*
              Resource: !GetAtt InventoryTable.Arn
""",
    )
    (more,) = assert_only_failures(grade(code, tmp_path), NOTHING_MORE)
    assert more["outcome"] == "partial" and "no write on the inventory table" in more["message"]
    assert "allows dynamodb:PutItem on the inventory table" in more["message"]
    assert '"Action": "dynamodb:*"' in more["message"]


def test_get_item_on_every_resource_loses_only_the_nothing_more_check(tmp_path: Path) -> None:
    code = policies(
        tmp_path,
        """      Policies:
        - Statement:
            - Effect: Allow
              Action: [dynamodb:GetItem]
              Resource: "*"
""",
    )
    (more,) = assert_only_failures(grade(code, tmp_path), NOTHING_MORE)
    assert "nothing on the Orders table" in more["message"] and "no other table, region or account" in more["message"]
    assert '"Resource": "*"' in more["message"]


def test_the_aws_managed_full_access_policy_loses_only_the_nothing_more_check(tmp_path: Path) -> None:
    code = policies(tmp_path, "      Policies:\n        - AmazonDynamoDBFullAccess\n")
    (more,) = assert_only_failures(grade(code, tmp_path), NOTHING_MORE)
    assert "the AWS managed policy arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess" in more["message"]


def test_the_crud_policy_template_loses_only_the_nothing_more_check(tmp_path: Path) -> None:
    code = policies(tmp_path, READ_POLICY.replace("DynamoDBReadPolicy", "DynamoDBCrudPolicy"))
    (more,) = assert_only_failures(grade(code, tmp_path), NOTHING_MORE)
    assert more["outcome"] == "partial" and "allows dynamodb:PutItem on the inventory table" in more["message"]
    assert "nothing on the Orders table" not in more["message"]


def test_reading_the_orders_table_too_loses_only_the_nothing_more_check(tmp_path: Path) -> None:
    code = policies(
        tmp_path, READ_POLICY + "        - DynamoDBReadPolicy:\n            TableName: !Ref OrdersTable\n"
    )
    (more,) = assert_only_failures(grade(code, tmp_path), NOTHING_MORE)
    assert more["message"].startswith("3 of 4 cases passed") and "nothing on the Orders table" in more["message"]


def test_no_policy_fails_the_read_check_and_blocks_the_nothing_more_check(tmp_path: Path) -> None:
    code = policies(tmp_path, "")
    (read,) = assert_only_failures(grade(code, tmp_path), MAY_READ, blocked=(NOTHING_MORE,))
    assert "nothing allows it" in read["message"]


# ------------------------------------------------------------------------- the function's settings


def test_a_typed_table_name_loses_only_the_reference_check(tmp_path: Path) -> None:
    code = template_mutant(
        tmp_path,
        ("INVENTORY_TABLE: !Ref InventoryTable", "INVENTORY_TABLE: Inventory"),
        ("      BillingMode: PAY_PER_REQUEST\n\n  # Step 4: Kata 2", "      BillingMode: PAY_PER_REQUEST\n      TableName: Inventory\n\n  # Step 4: Kata 2"),
    )
    (reference,) = assert_only_failures(grade(code, tmp_path), REFERENCE)
    assert "it is 'Inventory', a name the template typed" in reference["message"]
    assert "lab4-grader-InventoryTable" in reference["message"]


@pytest.mark.parametrize(
    ("edit", "part"),
    [
        (("Runtime: python3.12", "Runtime: python3.9"), "Runtime"),
        (("      MemorySize: 256\n", ""), "MemorySize"),
        (("Timeout: 10", "Timeout: 3"), "Timeout"),
    ],
    ids=["runtime", "default-memory", "timeout"],
)
def test_a_wrong_runtime_memory_or_timeout_loses_part_of_the_settings_check(
    edit: tuple[str, str], part: str, tmp_path: Path
) -> None:
    code = template_mutant(tmp_path, edit)
    (settings,) = assert_only_failures(grade(code, tmp_path, "-k", f"{SETTINGS} or {DEPLOYS}"), SETTINGS)
    assert settings["outcome"] == "partial" and settings["message"].startswith("2 of 3 cases passed")
    assert f"- {part}:" in settings["message"]


def test_a_handler_path_with_the_folder_loses_only_the_answers_check(tmp_path: Path) -> None:
    code = template_mutant(
        tmp_path, ("Handler: inventory_status_lambda.lambda_handler", "Handler: src/inventory_status_lambda.lambda_handler")
    )
    (answers,) = assert_only_failures(grade(code, tmp_path), ANSWERS)
    assert "Runtime.ImportModuleError" in answers["message"] or "import" in answers["message"].lower()
    assert answers["hint"] == GRADER.HANDLER_HINT


# ---------------------------------------------------------------------------------------- the tables


ORDERS_KEY = """      KeySchema:
        - AttributeName: order_id
          KeyType: HASH
      GlobalSecondaryIndexes:"""
ORDERS_INDEX = """      GlobalSecondaryIndexes:
        - IndexName: customer_id-index
          KeySchema:
            - AttributeName: customer_id
              KeyType: HASH
          Projection:
            ProjectionType: ALL
"""


def test_orders_keyed_by_customer_and_order_loses_only_part_of_the_orders_check(tmp_path: Path) -> None:
    code = template_mutant(
        tmp_path,
        (
            ORDERS_KEY,
            """      KeySchema:
        - AttributeName: customer_id
          KeyType: HASH
        - AttributeName: order_id
          KeyType: RANGE
      GlobalSecondaryIndexes:""",
        ),
    )
    (orders,) = assert_only_failures(grade(code, tmp_path), ORDERS)
    assert orders["outcome"] == "partial" and "key order_id (string)" in orders["message"]


def test_orders_without_its_index_loses_only_part_of_the_orders_check(tmp_path: Path) -> None:
    code = template_mutant(
        tmp_path,
        (ORDERS_INDEX, ""),
        ("        - AttributeName: customer_id\n          AttributeType: S\n", ""),
    )
    (orders,) = assert_only_failures(grade(code, tmp_path), ORDERS)
    assert orders["message"].startswith("2 of 3 cases passed") and "customer_id-index" in orders["message"]


def test_provisioned_orders_loses_only_part_of_the_orders_check(tmp_path: Path) -> None:
    throughput = "ProvisionedThroughput: {ReadCapacityUnits: 5, WriteCapacityUnits: 5}"
    code = template_mutant(
        tmp_path,
        ("            ProjectionType: ALL\n      BillingMode: PAY_PER_REQUEST",
         f"            ProjectionType: ALL\n          {throughput}\n      BillingMode: PROVISIONED\n      {throughput}"),
    )
    (orders,) = assert_only_failures(grade(code, tmp_path), ORDERS)
    assert orders["message"].startswith("2 of 3 cases passed") and "PROVISIONED" in orders["message"]


def test_a_provisioned_inventory_table_loses_only_part_of_the_inventory_check(tmp_path: Path) -> None:
    code = template_mutant(
        tmp_path,
        ("          KeyType: HASH\n      BillingMode: PAY_PER_REQUEST\n\n  # Step 4: Kata 2",
         "          KeyType: HASH\n      ProvisionedThroughput: {ReadCapacityUnits: 1, WriteCapacityUnits: 1}\n\n  # Step 4: Kata 2"),
    )
    (inventory,) = assert_only_failures(grade(code, tmp_path), INVENTORY)
    assert inventory["message"].startswith("1 of 2 cases passed") and "PROVISIONED" in inventory["message"]


# ------------------------------------------------------------------------------------------- deploy.sh


DEPLOY_CALL = """awslocal cloudformation deploy \\
  --template-file packaged.yaml \\"""


@pytest.mark.parametrize(
    ("output", "hint"),
    [
        ("An error occurred (InsufficientCapabilitiesException) when calling the CreateChangeSet operation: "
         "Requires capabilities : [CAPABILITY_IAM]", "CAPABILITIES_HINT"),
        ("deploy.sh: line 9: sam: command not found", "SAM_MISSING_HINT"),
        ("No changes to deploy. Stack parts-unlimited-inventory is up to date", "EMPTY_CHANGESET_HINT"),
        ("An error occurred (ValidationError) when calling the CreateChangeSet operation: bad template", "DEPLOY_HINT"),
    ],
    ids=["capabilities", "no-sam-cli", "empty-change-set", "other"],
)
def test_a_failed_deploy_gets_the_hint_of_its_cause(output: str, hint: str) -> None:
    from harness.exercise_files import ScriptResult

    result = ScriptResult("bash deploy.sh", 255, "", output, 1.0)
    assert GRADER.deploy_failure_hint(result) == getattr(GRADER, hint)


def test_a_deploy_without_capability_iam_is_refused_as_on_aws(tmp_path: Path) -> None:
    code = LAB.mutant(tmp_path, "deploy.sh", ("  --capabilities CAPABILITY_IAM \\\n", ""))
    run = LAB.grade_only(code, tmp_path, DEPLOYS)
    (deploys,) = assert_only_failures(run, DEPLOYS)
    assert "Requires capabilities : [CAPABILITY_IAM]" in deploys["message"]
    assert deploys["hint"] == GRADER.CAPABILITIES_HINT


def test_deleting_the_stack_before_each_deploy_loses_only_the_redeploy_check(tmp_path: Path) -> None:
    code = LAB.mutant(
        tmp_path,
        "deploy.sh",
        (
            DEPLOY_CALL,
            """if awslocal cloudformation describe-stacks --stack-name "$STACK" >/dev/null 2>&1; then
  awslocal cloudformation delete-stack --stack-name "$STACK"
  awslocal cloudformation wait stack-delete-complete --stack-name "$STACK"
fi
""" + DEPLOY_CALL,
        ),
    )
    (redeploy,) = assert_only_failures(grade(code, tmp_path), REDEPLOY)
    assert redeploy["message"].startswith("1 of 3 cases passed")
    assert "the inventory table is kept, with its items" in redeploy["message"]


def test_code_uploaded_under_a_fixed_key_is_never_updated_and_loses_only_the_redeploy_check(tmp_path: Path) -> None:
    code = template_mutant(
        tmp_path, ("CodeUri: src/", "CodeUri: s3://parts-unlimited-artifacts/inventory-status.zip")
    )
    LAB.mutant(
        tmp_path,
        "deploy.sh",
        (
            "# Step 8b",
            (
                "(cd src && python -m zipfile -c ../function.zip inventory_status_lambda.py)\n"
                "awslocal s3 cp function.zip s3://$BUCKET/inventory-status.zip >/dev/null\n# Step 8b"
            ),
        ),
    )
    (redeploy,) = assert_only_failures(grade(code, tmp_path), REDEPLOY)
    assert redeploy["message"].startswith("2 of 3 cases passed") and "CodeSha256 is still" in redeploy["message"]
