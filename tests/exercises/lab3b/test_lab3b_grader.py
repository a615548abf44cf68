"""Tests of the Lab 3B grader: each plausible mistake loses the points of the check that is about that
mistake (and only those). Full marks for the reference and the correct solutions, a low starter and
the README's check table are tests/exercises/test_every_exercise.py's.

Every grading run is a child `pytest` process, as a student would run it (tests/grader_tests.py).
Mistakes in envelope.py are graded with the envelope checks only, mistakes in a script with that
script's checks only (-k), which keeps this file to a couple of minutes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from grader_tests import ExerciseUnderTest
from support import REPO

LAB = ExerciseUnderTest("lab3b")
LAB_ID = LAB.id
ENVELOPE_ONLY = ("-k", "envelope or record")
KMS_ONLY = ("-k", "kms or alias or orders_table")
API_ONLY = ("-k", "api or get_requires or get_has or signed")

IMPORTS = "test_the_envelope_module_imports"
ROUND_TRIP = "test_a_record_decrypts_to_its_plaintext"
DATA_KEY = "test_each_record_gets_a_data_key_from_the_key_given"
NO_PLAINTEXT_KEY = "test_the_record_holds_no_plaintext_key"
WRONG_CONTEXT = "test_a_record_does_not_decrypt_with_a_wrong_context"
TAMPERED = "test_a_tampered_record_fails_to_decrypt"
KMS_RUNS = "test_setup_kms_sh_runs_and_creates_the_key_and_the_table"
KEY = "test_the_alias_names_an_enabled_customer_managed_key"
TABLE_SSE = "test_the_orders_table_is_encrypted_with_that_key"
KMS_AGAIN = "test_setup_kms_sh_can_run_again_and_keeps_the_key"
API_RUNS = "test_setup_api_sh_runs_and_creates_the_api"
IAM_AUTH = "test_get_requires_iam_authorization"
INTEGRATION = "test_get_has_a_lambda_proxy_integration_to_inventory_status"
PERMISSION = "test_only_this_api_may_invoke_the_function"
STAGE = "test_the_api_is_deployed_to_dev_and_the_url_printed"
API_AGAIN = "test_setup_api_sh_can_run_again"
OVER_HTTP = "test_a_signed_request_through_dev_reaches_the_function"
ENVELOPE_CHECKS = {IMPORTS, ROUND_TRIP, DATA_KEY, NO_PLAINTEXT_KEY, WRONG_CONTEXT, TAMPERED}
KMS_CHECKS = {KMS_RUNS, KEY, TABLE_SSE, KMS_AGAIN}
API_CHECKS = {API_RUNS, IAM_AUTH, INTEGRATION, PERMISSION, STAGE, API_AGAIN, OVER_HTTP}


GRADER = LAB.grader()
grade = LAB.grade
mutant = LAB.mutant
assert_only_failures = LAB.assert_only_failures


def only_failure(tmp_path: Path, filename: str, selection: tuple[str, ...], check_id: str, *edits: tuple[str, str]) -> dict:
    (check,) = assert_only_failures(grade(mutant(tmp_path, filename, *edits), tmp_path, *selection), check_id)
    return check


# ------------------------------------------------------------------------- the reference and starter


def test_the_reference_solution_gets_full_marks_over_http_too_on_the_embedded_backend(tmp_path: Path) -> None:
    run = LAB.grade_reference(tmp_path)
    lab = run.exercise(LAB_ID)
    assert run.returncode == 0, run.output[-4000:]
    assert len(lab["checks"]) == 17
    assert lab["points"] == lab["max"] == lab["declared_points"], run.output[-4000:]
    assert all(check["outcome"] == "passed" for check in lab["checks"])


def test_the_untouched_starter_fails_at_its_todos_and_blocks_the_rest(tmp_path: Path) -> None:
    run = LAB.grade_starter(tmp_path)
    LAB.assert_sane(run)
    lab = run.exercise(LAB_ID)
    assert lab["points"] < lab["max"] / 4, lab["points"]
    assert run.check(LAB_ID, IMPORTS)["outcome"] == "passed"
    assert "NotImplementedError: TODO 3" in run.check(LAB_ID, ROUND_TRIP)["message"]
    assert "README steps 1 and 2" in run.check(LAB_ID, KMS_RUNS)["message"]
    assert "README steps 5 to 9" in run.check(LAB_ID, API_RUNS)["message"]
    for blocked in (DATA_KEY, NO_PLAINTEXT_KEY, WRONG_CONTEXT, TAMPERED, KEY, TABLE_SSE, KMS_AGAIN, IAM_AUTH, PERMISSION):
        assert run.check(LAB_ID, blocked)["outcome"] == "blocked"
    # Graded here (the embedded backend serves deployed stages): no API, so the signed request fails.
    over_http = run.check(LAB_ID, OVER_HTTP)
    assert over_http["outcome"] == "failed" and "Expected `bash setup_api.sh`" in over_http["message"]


# --------------------------------------------------------------------------- mistakes in envelope.py

ENVELOPE = "envelope.py"


def test_returning_the_plaintext_data_key_loses_part_of_the_record_check(tmp_path: Path) -> None:
    check = only_failure(
        tmp_path, ENVELOPE, ENVELOPE_ONLY, NO_PLAINTEXT_KEY,
        ('"encrypted_key": _b64(data_key["CiphertextBlob"]),', '"encrypted_key": _b64(data_key["CiphertextBlob"]),\n        "data_key": _b64(data_key["Plaintext"]),'),
    )
    assert check["outcome"] == "partial" and check["points"] == pytest.approx(check["max"] * 5 / 6, abs=0.01)
    assert "no plaintext data key in it: expected the record not to contain the plaintext data key in any form; the field 'data_key' holds it" in check["message"]
    # decrypt_record does not read the extra field, so changing it is not a successful tampering.


def test_keeping_the_data_key_in_a_global_loses_part_of_the_record_check(tmp_path: Path) -> None:
    check = only_failure(
        tmp_path, ENVELOPE, ENVELOPE_ONLY, NO_PLAINTEXT_KEY,
        ("    nonce = os.urandom(NONCE_BYTES)\n", "    global last_data_key\n    last_data_key = data_key\n    nonce = os.urandom(NONCE_BYTES)\n"),
    )
    assert "the data key is not kept in the module: expected the plaintext data key to be forgotten after encrypt_record; envelope.py keeps it in last_data_key" in check["message"]


def test_one_cached_data_key_for_every_record_loses_the_data_key_and_record_checks(tmp_path: Path) -> None:
    code = mutant(
        tmp_path, ENVELOPE,
        ('    data_key = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256", EncryptionContext=context)\n',
         ('    if key_id not in _cache:\n'
         '        _cache[key_id] = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256", EncryptionContext=context)\n'
         '    data_key = _cache[key_id]\n')),
        ("def _b64(data):", "_cache = {}\n\n\ndef _b64(data):"),
    )
    data_key, record = assert_only_failures(grade(code, tmp_path, *ENVELOPE_ONLY), DATA_KEY, NO_PLAINTEXT_KEY)
    assert "one GenerateDataKey call per record: expected" in data_key["message"] and "record 2 of 2" in data_key["message"]
    assert "envelope.py keeps it in _cache" in record["message"]


def test_ignoring_the_context_loses_the_context_check_and_the_context_part(tmp_path: Path) -> None:
    code = mutant(
        tmp_path, ENVELOPE,
        (', EncryptionContext=context)\n    nonce', ")\n    nonce"),
        ('base64.b64decode(record["encrypted_key"]), EncryptionContext=context)', 'base64.b64decode(record["encrypted_key"]))'),
    )
    data_key, wrong = assert_only_failures(grade(code, tmp_path, *ENVELOPE_ONLY), DATA_KEY, WRONG_CONTEXT)
    assert data_key["outcome"] == "partial" and "the context is bound to the data key" in data_key["message"]
    assert data_key["hint"] == GRADER.CONTEXT_HINT
    assert wrong["outcome"] == "failed" and "it returned the plaintext" in wrong["message"]


def test_a_context_stored_in_the_record_loses_the_context_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path, ENVELOPE,
        ('"encrypted_key": _b64(data_key["CiphertextBlob"]),', '"encrypted_key": _b64(data_key["CiphertextBlob"]),\n        "context": json.dumps(context),'),
        ("EncryptionContext=context)\n    return AESGCM", "EncryptionContext=json.loads(record[\"context\"]))\n    return AESGCM"),
        ("import base64\n", "import base64\nimport json\n"),
    )
    (check,) = assert_only_failures(grade(code, tmp_path, *ENVELOPE_ONLY), WRONG_CONTEXT)
    assert check["outcome"] == "failed"
    assert "expected decrypt_record(record, {'order_id': 'PU-ORD-1002', 'table': 'Orders'}) to raise" in check["message"]


def test_a_hard_coded_alias_loses_the_key_given_part(tmp_path: Path) -> None:
    check = only_failure(
        tmp_path, ENVELOPE, ENVELOPE_ONLY, DATA_KEY,
        ("generate_data_key(KeyId=key_id,", 'generate_data_key(KeyId="alias/parts-unlimited-data",'),
    )
    assert check["outcome"] == "partial"
    assert "the key given is used: expected encrypt_record(key_id, ...) to generate the data key under key_id" in check["message"]
    assert "under 'alias/parts-unlimited-data'" in check["message"]


def test_an_unauthenticated_cipher_loses_the_tampering_check(tmp_path: Path) -> None:
    code = mutant(
        tmp_path, ENVELOPE,
        ("NONCE_BYTES = 12", "NONCE_BYTES = 16"),
        ('AESGCM(data_key["Plaintext"]).encrypt(nonce, plaintext, None)',
         'Cipher(algorithms.AES(data_key["Plaintext"]), modes.CTR(nonce)).encryptor().update(plaintext)'),
        ('AESGCM(data_key["Plaintext"]).decrypt(\n        base64.b64decode(record["nonce"]), base64.b64decode(record["ciphertext"]), None\n    )',
         ('Cipher(algorithms.AES(data_key["Plaintext"]), modes.CTR(base64.b64decode(record["nonce"]))).decryptor()'
         '.update(base64.b64decode(record["ciphertext"]))')),
        ("from cryptography.hazmat.primitives.ciphers.aead import AESGCM\n",
         "from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes\n"),
    )
    (check,) = assert_only_failures(grade(code, tmp_path, *ENVELOPE_ONLY), TAMPERED)
    assert check["outcome"] == "partial"
    assert "field 'ciphertext' changed" in check["message"] and "field 'nonce' changed" in check["message"]
    assert "field 'encrypted_key' changed" not in check["message"]  # KMS still refuses that one


def test_a_decrypt_that_returns_none_on_failure_loses_the_context_and_tampering_checks(tmp_path: Path) -> None:
    code = mutant(
        tmp_path, ENVELOPE,
        ('    data_key = kms.decrypt(', '    try:\n        return _decrypt(record, context)\n    except Exception:\n        return None\n\n\ndef _decrypt(record, context):\n    data_key = kms.decrypt('),
    )
    wrong, tampered = assert_only_failures(grade(code, tmp_path, *ENVELOPE_ONLY), WRONG_CONTEXT, TAMPERED)
    assert "it returned None" in wrong["message"] and "it returned None" in tampered["message"]


def test_a_syntax_error_blocks_the_envelope_checks_only(tmp_path: Path) -> None:
    code = mutant(tmp_path, ENVELOPE, ("def decrypt_record(record, context):", "def decrypt_record(record, context)"))
    run = grade(code, tmp_path, "-k", "envelope or record or kms or alias or orders_table")
    LAB.assert_sane(run)
    assert re.search(r"labs/lab3b_encryption_api/envelope\.py has a syntax error on line \d+", run.check(LAB_ID, IMPORTS)["message"])
    assert run.check(LAB_ID, ROUND_TRIP)["outcome"] == "blocked"
    assert {run.check(LAB_ID, c)["outcome"] for c in KMS_CHECKS} == {"passed"}  # the scripts do not import it


# ------------------------------------------------------------------------- mistakes in setup_kms.sh

KMS_SCRIPT = "setup_kms.sh"


def test_the_aws_managed_key_on_the_table_loses_the_table_check(tmp_path: Path) -> None:
    check = only_failure(tmp_path, KMS_SCRIPT, KMS_ONLY, TABLE_SSE, ('SSE="Enabled=true,SSEType=KMS,KMSMasterKeyId=$KEY_ARN"', 'SSE="Enabled=true,SSEType=KMS"'))
    assert "Expected Orders to be encrypted with the key behind alias/parts-unlimited-data" in check["message"]
    assert "the AWS managed key alias/aws/dynamodb" in check["message"]


def test_a_table_without_sse_loses_the_table_check(tmp_path: Path) -> None:
    check = only_failure(tmp_path, KMS_SCRIPT, KMS_ONLY, TABLE_SSE, ('    --sse-specification "$SSE" >/dev/null', "    >/dev/null"))
    assert "it has no SSEDescription, so DynamoDB uses its own AWS owned key" in check["message"]


def test_a_new_key_on_every_run_loses_part_of_the_second_run_check(tmp_path: Path) -> None:
    check = only_failure(
        tmp_path, KMS_SCRIPT, KMS_ONLY, KMS_AGAIN,
        ('if KEY_ID=$(awslocal kms describe-key --key-id "$ALIAS" --query KeyMetadata.KeyId --output text 2>/dev/null); then', "if false; then"),
        ('  awslocal kms create-alias --alias-name "$ALIAS" --target-key-id "$KEY_ID"',
         ('  awslocal kms create-alias --alias-name "$ALIAS" --target-key-id "$KEY_ID" 2>/dev/null \\\n'
         '    || awslocal kms update-alias --alias-name "$ALIAS" --target-key-id "$KEY_ID"')),
    )
    assert check["outcome"] == "partial" and check["points"] == pytest.approx(check["max"] * 2 / 3, abs=0.01)
    assert "expected the second run to reuse the key" in check["message"]


def test_an_alias_created_on_every_run_fails_the_second_run(tmp_path: Path) -> None:
    check = only_failure(
        tmp_path, KMS_SCRIPT, KMS_ONLY, KMS_AGAIN,
        ('if KEY_ID=$(awslocal kms describe-key --key-id "$ALIAS" --query KeyMetadata.KeyId --output text 2>/dev/null); then', "if false; then"),
    )
    assert check["outcome"] == "failed" and check["points"] == 0
    assert "Expected a second `bash setup_kms.sh`" in check["message"] and "AlreadyExists" in check["message"]


def test_a_signing_key_loses_part_of_the_key_check(tmp_path: Path) -> None:
    check = only_failure(
        tmp_path, KMS_SCRIPT, KMS_ONLY, KEY,
        ("    --key-usage ENCRYPT_DECRYPT \\\n    --key-spec SYMMETRIC_DEFAULT \\", "    --key-usage SIGN_VERIFY \\\n    --key-spec RSA_2048 \\"),
    )
    assert "key usage: expected the key usage of the key behind alias/parts-unlimited-data to be ENCRYPT_DECRYPT, got 'SIGN_VERIFY'" in check["message"]


# ------------------------------------------------------------------------- mistakes in setup_api.sh

API_SCRIPT = "setup_api.sh"


def test_an_open_method_loses_the_iam_check_with_the_message_the_readme_shows(tmp_path: Path) -> None:
    check = only_failure(tmp_path, API_SCRIPT, API_ONLY, IAM_AUTH, ("--authorization-type AWS_IAM", "--authorization-type NONE"))
    title = f"Encryption (KMS) and API Gateway › {check['title']}  (0/{check['max']:g})"
    shown = "\n".join([title, check["message"], f"Hint: {check['hint']}", f"Read: {check['read']}"])
    lines = [line.strip() for line in (REPO / LAB.folder / "README.md").read_text(encoding="utf-8").splitlines()]
    start = lines.index(title)
    assert "\n".join(lines[start : start + 4]) == shown, "the README shows a different failure than the grader prints"


def test_a_get_integration_method_loses_part_of_the_integration_check_and_the_over_http_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, API_SCRIPT, ("--integration-http-method POST", "--integration-http-method GET"))
    check, over_http = assert_only_failures(grade(code, tmp_path, *API_ONLY), INTEGRATION, OVER_HTTP)
    assert check["outcome"] == "partial"
    assert "integration method POST: expected the integration's HTTP method to be POST (Lambda's Invoke API), got 'GET'" in check["message"]
    assert "got 500" in over_http["message"] and "calls Invoke with POST, not GET" in over_http["message"]


def test_a_uri_with_the_function_name_loses_part_of_the_integration_check_and_the_over_http_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, API_SCRIPT, ("functions/$FUNCTION_ARN/invocations", "functions/$FUNCTION/invocations"))
    check, over_http = assert_only_failures(grade(code, tmp_path, *API_ONLY), INTEGRATION, OVER_HTTP)
    assert "URI of inventory-status: expected the integration URI" in check["message"]
    assert "got 500" in over_http["message"] and "no such Lambda function" in over_http["message"]


def test_a_permission_without_source_arn_loses_the_permission_check(tmp_path: Path) -> None:
    check = only_failure(
        tmp_path, API_SCRIPT, API_ONLY, PERMISSION,
        (' \\\n  --source-arn "arn:aws:execute-api:$REGION:$ACCOUNT:$API_ID/*/GET/inventory/*" >/dev/null', " >/dev/null"),
    )
    assert "no SourceArn: any API Gateway API, in any account, may invoke the function" in check["message"]


def test_a_permission_for_every_api_loses_the_permission_check(tmp_path: Path) -> None:
    check = only_failure(tmp_path, API_SCRIPT, API_ONLY, PERMISSION, ("$ACCOUNT:$API_ID/*/GET/inventory/*", "$ACCOUNT:*/*/GET/inventory/*"))
    assert "got SourceArn arn:aws:execute-api:us-east-1:123456789012:*/*/GET/inventory/*" in check["message"]


def test_no_deployment_loses_the_stage_part(tmp_path: Path) -> None:
    code = mutant(tmp_path, API_SCRIPT, ('awslocal apigateway create-deployment --rest-api-id "$API_ID" --stage-name "$STAGE" >/dev/null\n', ""))
    # nor does a second run deploy, and no stage answers over HTTP
    check, _, over_http = assert_only_failures(grade(code, tmp_path, *API_ONLY), STAGE, API_AGAIN, OVER_HTTP)
    assert check["outcome"] == "partial" and "its stages: none" in check["message"]
    assert "got 403: '{\"message\": \"Forbidden\"}'" in over_http["message"]


def test_no_printed_url_loses_the_url_part(tmp_path: Path) -> None:
    check = only_failure(
        tmp_path, API_SCRIPT, API_ONLY, STAGE,
        ('echo "Invoke URL: $ENDPOINT/restapis/$API_ID/$STAGE/_user_request_/inventory/{sku}"\n', ""),
        ('echo "(on AWS: https://$API_ID.execute-api.$REGION.amazonaws.com/$STAGE/inventory/{sku})"\n', 'echo "done"\n'),
    )
    assert "the invoke URL is printed: expected `bash setup_api.sh` to print the invoke URL" in check["message"]


def test_a_new_api_on_every_run_loses_part_of_the_second_run_check(tmp_path: Path) -> None:
    check = only_failure(
        tmp_path, API_SCRIPT, API_ONLY, API_AGAIN,
        ('API_ID=$(awslocal apigateway get-rest-apis --query "items[?name==\'$API_NAME\'].id | [0]" --output text)', "API_ID="),
    )
    assert check["outcome"] == "partial"
    assert "one API: expected the second run to reuse inventory-api" in check["message"] and "there are now 2 REST APIs" in check["message"]


def test_a_fresh_statement_id_on_every_run_loses_part_of_the_second_run_check(tmp_path: Path) -> None:
    check = only_failure(tmp_path, API_SCRIPT, API_ONLY, API_AGAIN, ("STATEMENT_ID=inventory-api-get", "STATEMENT_ID=inventory-api-$RANDOM$RANDOM"))
    assert "no second permission for API Gateway: expected the second run to leave the 1 statement(s)" in check["message"]
    assert "there are 2 after two runs" in check["message"]


def test_a_script_that_needs_lab_1_says_so_when_the_function_is_missing_in_its_output(tmp_path: Path) -> None:
    check = only_failure(tmp_path, API_SCRIPT, ("-k", "setup_api_sh_runs"), API_RUNS, ("FUNCTION=inventory-status", "FUNCTION=inventory-status-v2"))
    assert "Expected `bash setup_api.sh` (with inventory-status deployed) to exit with status 0" in check["message"]
    assert "ResourceNotFoundException" in check["message"]


# ---------------------------------------------------------------------------------- the grader


def test_a_permission_for_another_method_loses_only_the_over_http_check(tmp_path: Path) -> None:
    # Scoped to this API (the permission check passes), but API Gateway may not invoke the function for GET.
    check = only_failure(tmp_path, API_SCRIPT, API_ONLY, OVER_HTTP, ("$API_ID/*/GET/inventory/*", "$API_ID/*/POST/inventory/*"))
    assert "to answer 200 from inventory-status, got 500" in check["message"]
    assert "Invalid permissions on Lambda function" in check["message"]


def test_a_permission_for_another_stage_loses_only_the_over_http_check(tmp_path: Path) -> None:
    check = only_failure(tmp_path, API_SCRIPT, API_ONLY, OVER_HTTP, ("$API_ID/*/GET/inventory/*", "$API_ID/prod/GET/inventory/*"))
    assert "got 500: '{\"message\": \"Internal server error\"}'" in check["message"]


def test_the_over_http_check_is_graded_only_where_a_deployed_api_answers_over_http() -> None:
    needs = next(m for m in GRADER.test_a_signed_request_through_dev_reaches_the_function.pytestmark if m.name == "needs")
    assert needs.args == (GRADER.DEPLOYED_API_OVER_HTTP,)


# ------------------------------------------------------------- what independent solutions showed


def test_a_table_keyed_by_another_attribute_loses_part_of_the_table_check(tmp_path: Path) -> None:
    check = only_failure(
        tmp_path, KMS_SCRIPT, KMS_ONLY, TABLE_SSE,
        ("AttributeName=order_id,AttributeType=S", "AttributeName=id,AttributeType=S"),
        ("AttributeName=order_id,KeyType=HASH", "AttributeName=id,KeyType=HASH"),
    )
    assert "it has key id (S), billing PAY_PER_REQUEST" in check["message"], check["message"]


def test_a_provisioned_table_loses_part_of_the_table_check(tmp_path: Path) -> None:
    check = only_failure(
        tmp_path, KMS_SCRIPT, KMS_ONLY, TABLE_SSE,
        ("--billing-mode PAY_PER_REQUEST", "--provisioned-throughput ReadCapacityUnits=5,WriteCapacityUnits=5"),
    )
    assert "billing PROVISIONED" in check["message"], check["message"]


def test_a_script_that_recreates_the_table_on_every_run_loses_the_kept_items_part(tmp_path: Path) -> None:
    check = only_failure(
        tmp_path, KMS_SCRIPT, KMS_ONLY, KMS_AGAIN,
        ('if awslocal dynamodb describe-table --table-name "$TABLE" >/dev/null 2>&1; then',
         'if awslocal dynamodb delete-table --table-name "$TABLE" >/dev/null 2>&1; then\n'
         '  awslocal dynamodb wait table-not-exists --table-name "$TABLE"\nfi\nif false; then'),
    )
    assert check["outcome"] == "partial"
    assert "the table keeps its items: expected the second run to leave Orders as it was" in check["message"]


def test_a_fixed_nonce_loses_the_fresh_nonce_part(tmp_path: Path) -> None:
    check = only_failure(
        tmp_path, ENVELOPE, ENVELOPE_ONLY, DATA_KEY, ("    nonce = os.urandom(NONCE_BYTES)", '    nonce = b"0123456789ab"')
    )
    assert check["outcome"] == "partial"
    assert "a fresh nonce per record: expected every record to get a fresh 12-byte nonce" in check["message"]


def test_a_url_printed_on_stderr_counts_as_printed(tmp_path: Path) -> None:
    code = mutant(tmp_path, API_SCRIPT, ('echo "Invoke URL: $ENDPOINT', 'echo >&2 "Invoke URL: $ENDPOINT'))
    assert_only_failures(grade(code, tmp_path, "-k", "deployed_to_dev"))


def test_a_second_permission_for_the_same_api_is_accepted(tmp_path: Path) -> None:
    permission = 'awslocal lambda remove-permission --function-name "$FUNCTION" --statement-id "$STATEMENT_ID"'
    second = (
        'awslocal lambda remove-permission --function-name "$FUNCTION" --statement-id test-invoke >/dev/null 2>&1 || true\n'
        'awslocal lambda add-permission --function-name "$FUNCTION" --statement-id test-invoke --action lambda:InvokeFunction '
        '--principal apigateway.amazonaws.com --source-arn "arn:aws:execute-api:$REGION:$ACCOUNT:$API_ID/test-invoke-stage/GET/inventory/*" >/dev/null\n'
    )
    code = mutant(tmp_path, API_SCRIPT, (permission, second + permission))
    assert_only_failures(grade(code, tmp_path, "-k", "only_this_api or can_run_again"))


def test_an_aes_128_data_key_loses_part_of_the_data_key_check(tmp_path: Path) -> None:
    check = only_failure(tmp_path, ENVELOPE, ENVELOPE_ONLY, DATA_KEY, ('KeySpec="AES_256"', 'KeySpec="AES_128"'))
    assert "a 256-bit data key: expected GenerateDataKey to ask for a 256-bit key" in check["message"], check["message"]


def test_a_logged_data_key_loses_part_of_the_record_check(tmp_path: Path) -> None:
    generate = '    data_key = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256", EncryptionContext=context)\n'
    logged = generate + '    print("data key:", base64.b64encode(data_key["Plaintext"]).decode())  # "only while debugging"\n'
    check = only_failure(tmp_path, ENVELOPE, ENVELOPE_ONLY, NO_PLAINTEXT_KEY, (generate, logged))
    assert "the data key is not logged" in check["message"], check["message"]


def test_resources_created_on_every_run_lose_part_of_the_second_run_check(tmp_path: Path) -> None:
    lookup = """  id=$(awslocal apigateway get-resources --rest-api-id "$API_ID" --query "items[?path=='$1'].id | [0]" --output text)"""
    check = only_failure(tmp_path, API_SCRIPT, API_ONLY, API_AGAIN, (lookup, "  id=None"))
    assert "no second resource: expected the second run to reuse inventory-api's resources" in check["message"], check["message"]


def test_a_second_run_that_does_not_deploy_again_loses_part_of_the_second_run_check(tmp_path: Path) -> None:
    deploy = 'awslocal apigateway create-deployment --rest-api-id "$API_ID" --stage-name "$STAGE" >/dev/null\n'
    once = f'if ! awslocal apigateway get-stage --rest-api-id "$API_ID" --stage-name "$STAGE" >/dev/null 2>&1; then\n  {deploy}fi\n'
    check = only_failure(tmp_path, API_SCRIPT, API_ONLY, API_AGAIN, (deploy, once))
    assert "the stage deployed again: expected the second run to deploy dev again" in check["message"], check["message"]



def test_fields_returned_as_base64_bytes_lose_the_text_part_and_the_tamper_check_but_not_the_data_key_check(
    tmp_path: Path,
) -> None:
    code = mutant(tmp_path, ENVELOPE, ('    return base64.b64encode(data).decode("ascii")', "    return base64.b64encode(data)"))
    record, tampered = assert_only_failures(grade(code, tmp_path, *ENVELOPE_ONLY), NO_PLAINTEXT_KEY, TAMPERED)
    assert record["message"].startswith("5 of 6 cases passed")
    assert "JSON text that can be stored: expected every field of the record to be base64 text" in record["message"]
    assert "expected base64 fields (ciphertext, nonce, encrypted data key) in the record" in tampered["message"]


def test_an_8_byte_nonce_loses_the_fresh_nonce_part(tmp_path: Path) -> None:
    check = only_failure(tmp_path, ENVELOPE, ENVELOPE_ONLY, DATA_KEY, ("    nonce = os.urandom(NONCE_BYTES)", "    nonce = os.urandom(8)"))
    assert check["outcome"] == "partial"
    assert "stored a 8-byte 'nonce'" in check["message"], check["message"]


def test_a_second_run_that_puts_the_method_again_without_deleting_it_fails_the_second_run(tmp_path: Path) -> None:
    delete = 'awslocal apigateway delete-method --rest-api-id "$API_ID" --resource-id "$SKU_ID" --http-method GET\n'
    check = only_failure(tmp_path, API_SCRIPT, API_ONLY, API_AGAIN, (delete, "true\n"))
    assert check["outcome"] == "failed"
    assert "Method already exists for this resource" in check["message"], check["message"]


def test_a_method_without_request_parameters_is_accepted(tmp_path: Path) -> None:
    code = mutant(tmp_path, API_SCRIPT, (" --request-parameters method.request.path.sku=true", ""))
    assert_only_failures(grade(code, tmp_path, *API_ONLY))
