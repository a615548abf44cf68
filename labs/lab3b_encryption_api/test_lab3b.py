"""Lab 3B grader: envelope encryption with KMS in-process, then setup_kms.sh and setup_api.sh.

envelope.py is called the way application code would call it (in a student process of its own), with
a KMS key the grader creates; the grader reads the KMS calls it made from the emulator's call log,
learns the data key it received by decrypting the encrypted copy in the record, and judges the record:
round trip, tampering, encryption context, and whether the plaintext data key shows up.
The scripts run on an empty emulator (with a stand-in inventory-status function for the API) and the
grader reads back what they built, then calls the deployed API over HTTP with a signed request (on the
embedded backend, LocalStack and MiniStack: each serves a deployed stage at the same URL).
Run it with ``course grade lab3b`` or ``pytest labs/lab3b_encryption_api``.
"""

from __future__ import annotations

import ast
import base64
import functools
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from harness import PartialCredit, expect, fail, scrub_paths
from harness.backends import DEPLOYED_API_OVER_HTTP
from harness.call_log import ApiCall, CallLog
from harness.exercise_files import ExerciseFiles, ScriptResult
from harness.kit.iam import as_list
from harness.kit.lambda_versions import module_zip
from harness.kit.logs import StudentLog
from harness.kit.messages import readme_step, short
from harness.kit.served_api import ServedApi
from harness.student.proxy import RemoteObject, StudentError, StudentExited, StudentModule

ENVELOPE_FILE = "envelope.py"
KMS_SCRIPT = "setup_kms.sh"
API_SCRIPT = "setup_api.sh"
README = "labs/lab3b_encryption_api/README.md"
REGION = "us-east-1"
ALIAS = "alias/parts-unlimited-data"
TABLE = "Orders"
API_NAME = "inventory-api"
FUNCTION = "inventory-status"
FUNCTION_ROLE = "inventory-status-role"
STAGE = "dev"
SKU_PATH = "/inventory/{sku}"

IMPORTS = "test_the_envelope_module_imports"
ROUND_TRIP = "test_a_record_decrypts_to_its_plaintext"
KMS_RUNS = "test_setup_kms_sh_runs_and_creates_the_key_and_the_table"
API_RUNS = "test_setup_api_sh_runs_and_creates_the_api"

# What the envelope checks encrypt: an order with health data on it (the HIPAA case study).
ORDER = json.dumps(
    {"order_id": "PU-ORD-1001", "customer": "Dr. Ana Reyes", "items": [{"sku": "PU-1001", "qty": 2}],
     "delivery_note": "insulin pump spares; patient MRN 448-21-7731"},
).encode()
CONTEXT = {"order_id": "PU-ORD-1001", "table": "Orders"}
CALL = "encrypt_record('alias/parts-unlimited-data', <order bytes>, {'order_id': 'PU-ORD-1001', 'table': 'Orders'})"


step = functools.partial(readme_step, README)


# ------------------------------------------------------------------------------------------ hints
# Shown to students when a check fails. README.md lists them too; tests/exercises/test_every_exercise.py
# keeps the two in step.

IMPORT_HINT = (
    "Run `python -c \"import envelope\"` in the lab folder: the module must define encrypt_record and "
    "decrypt_record, and module-level code should only create the KMS client."
)
ROUND_TRIP_HINT = (
    "encrypt: generate_data_key(KeyId=key_id, KeySpec='AES_256', EncryptionContext=context), then "
    "AESGCM(plaintext_key).encrypt(nonce, plaintext, None) with a fresh 12-byte nonce; decrypt: "
    "kms.decrypt(CiphertextBlob=encrypted key, EncryptionContext=context), then AESGCM(...).decrypt(nonce, ciphertext, None)."
)
DATA_KEY_HINT = (
    "Call kms.generate_data_key(KeyId=key_id, KeySpec='AES_256', EncryptionContext=context) once per "
    "record, with the key_id you were given (not a fixed alias), and store its CiphertextBlob."
)
RECORD_HINT = (
    "Return only {'ciphertext': ..., 'nonce': ..., 'encrypted_key': ...}, each base64.b64encode(...).decode(); "
    "the plaintext data key is used once, in memory, and never returned, stored or kept in a global."
)
CONTEXT_HINT = (
    "Pass the context to KMS on both sides: generate_data_key(..., EncryptionContext=context) and "
    "decrypt(..., EncryptionContext=context); do not store the context in the record and read it back."
)
TAMPER_HINT = (
    "Use an authenticated mode: AES-GCM (cryptography's AESGCM) refuses a changed ciphertext or nonce with "
    "InvalidTag, and KMS refuses a changed encrypted key; let those exceptions propagate."
)
KMS_RUN_HINT = (
    "Run `bash setup_kms.sh` yourself against a running backend (`course backend up`) and fix the first "
    "command that fails; it must create the key, the alias alias/parts-unlimited-data and the Orders table."
)
KEY_HINT = (
    "Create the key with `awslocal kms create-key` (symmetric, ENCRYPT_DECRYPT, the defaults) and point "
    "the alias at it with `awslocal kms create-alias --alias-name alias/parts-unlimited-data --target-key-id <KeyId>`."
)
TABLE_SSE_HINT = (
    "Create Orders with --sse-specification Enabled=true,SSEType=KMS,KMSMasterKeyId=<the key's ARN>; "
    "without KMSMasterKeyId DynamoDB uses the AWS managed key aws/dynamodb, not yours."
)
KMS_AGAIN_HINT = (
    "Look the key up first (`awslocal kms describe-key --key-id alias/parts-unlimited-data`) and create "
    "a key and alias only when that fails; create the table only when describe-table fails."
)
API_RUN_HINT = (
    "Run Lab 1's deploy.sh, then `bash setup_api.sh`, against a running backend and fix the first command "
    "that fails; it must create the REST API inventory-api with the resources /inventory and /inventory/{sku}."
)
IAM_AUTH_HINT = (
    "put-method --http-method GET --authorization-type AWS_IAM on /inventory/{sku}: with NONE anyone who "
    "finds the URL can call the API."
)
INTEGRATION_HINT = (
    "put-integration --type AWS_PROXY --integration-http-method POST --uri "
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/<inventory-status ARN>/invocations "
    "(Lambda is always invoked with POST)."
)
PERMISSION_HINT = (
    "lambda add-permission --action lambda:InvokeFunction --principal apigateway.amazonaws.com "
    "--source-arn arn:aws:execute-api:us-east-1:<account>:<api id>/*/GET/inventory/*; without "
    "--source-arn any API in any account could invoke the function."
)
STAGE_HINT = (
    "create-deployment --rest-api-id <id> --stage-name dev after the method and integration exist, then "
    "echo the invoke URL, which holds the API id and the stage: .../restapis/<id>/dev/_user_request_/inventory/{sku}."
)
API_AGAIN_HINT = (
    "Find the API by name first (get-rest-apis --query \"items[?name=='inventory-api'].id | [0]\") and reuse "
    "its resources; remove the permission's statement before adding it again (or keep one fixed statement id)."
)
OVER_HTTP_HINT = (
    "The method, integration, permission and deployment must all be in place: call the invoke URL that "
    "setup_api.sh prints with a SigV4-signed GET and read the function's logs (`awslocal logs tail /aws/lambda/inventory-status`). "
    "A 500 means API Gateway could not invoke the function: the permission's --source-arn must cover GET /inventory/* on dev."
)

# ------------------------------------------------------------------------------- KMS and envelope


@functools.cache
def kms() -> Any:
    return boto3.client("kms")


def make_key(alias: str | None = ALIAS) -> dict[str, Any]:
    key = kms().create_key(Description="lab3b grader key")["KeyMetadata"]
    if alias:
        kms().create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    return key


def load(exercise: ExerciseFiles) -> StudentModule:
    return exercise.load(ENVELOPE_FILE)


NONCE_BYTES = 12  # an AES-GCM nonce, as the README asks for it (os.urandom(12))
B64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
B64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def decoded(value: Any) -> tuple[bytes, str] | None:
    """(bytes, alphabet) for a base64 string (standard or URL-safe alphabet), else None."""
    if not isinstance(value, str) or not value or len(value) % 4 or UUID.fullmatch(value):
        return None
    for alphabet, pattern, decode in (("std", B64, base64.b64decode), ("url", B64URL, base64.urlsafe_b64decode)):
        if pattern.fullmatch(value):
            try:
                return decode(value), alphabet
            except ValueError:
                return None
    return None


def encoded(data: bytes, alphabet: str) -> str:
    return (base64.b64encode(data) if alphabet == "std" else base64.urlsafe_b64encode(data)).decode("ascii")


def forms(secret: bytes) -> list[str]:
    """Ways a byte string is commonly written as text."""
    return [
        base64.b64encode(secret).decode().rstrip("="),
        base64.urlsafe_b64encode(secret).decode().rstrip("="),
        secret.hex(),
        secret.hex().upper(),
    ]


def holds(record: Any, secret: bytes) -> str | None:
    """The field of a record that holds secret (raw, or written as text), if any."""
    items = record.items() if isinstance(record, dict) else [("record", record)]
    for name, value in items:
        if isinstance(value, bytes) and secret and secret in value:
            return str(name)
        if isinstance(value, str):
            if any(text and text in value for text in forms(secret)):
                return str(name)
            raw = decoded(value)
            if raw is not None and secret and secret in raw[0]:
                return str(name)
            if secret and secret.decode("latin-1") in value:
                return str(name)
        if isinstance(value, (dict, list, tuple)) and holds(dict(enumerate(value)) if not isinstance(value, dict) else value, secret):
            return str(name)
    return None


# The student process gets copies of the arguments: what encrypt_record or decrypt_record does to
# them never reaches the grader's record or context.
def encrypt(module: StudentModule, key_id: str, plaintext: bytes, context: dict[str, str]) -> Any:
    return module.encrypt_record(key_id, plaintext, context)


def decrypt(module: StudentModule, record: Any, context: dict[str, str]) -> Any:
    return module.decrypt_record(record, context)


def refused(module: StudentModule, record: Any, context: dict[str, str]) -> tuple[bool, Any]:
    """(True, None) when decrypt_record raises, of any kind (InvalidCiphertextException, InvalidTag, ...),
    else (False, what it returned). Ending the process (sys.exit) is no refusal: the check fails on it."""
    try:
        return False, decrypt(module, record, context)
    except StudentExited:
        raise
    except StudentError:  # any refusal is the right answer here
        return True, None


def found(lookup: Callable[[], Any]) -> Any:
    """What a describe or get call answers, or None when the thing is not there."""
    try:
        return lookup()
    except Exception:  # noqa: BLE001 - "not found", in whichever words the service uses
        return None


def encrypted_order(module: StudentModule) -> Any:
    record = encrypt(module, ALIAS, ORDER, CONTEXT)
    expect(
        isinstance(record, dict) and record,
        f"Expected {CALL} to return a dict (the record to store), got {short(record)}.",
        hint=RECORD_HINT,
    )
    return record


def repeated_nonce(records: list[Any]) -> str | None:
    """A field holding the same 12 bytes (a GCM nonce's size) in two records: a nonce that is not fresh."""
    first, second = (record if isinstance(record, dict) else {} for record in records[:2])
    for name, value in first.items():
        raw = decoded(value)
        if raw is not None and len(raw[0]) == NONCE_BYTES and second.get(name) == value:
            return str(name)
    return None


def short_nonce(record: Any) -> tuple[str, int] | None:
    """(field, its size) when the record's field named nonce (or iv) holds fewer than 12 bytes (longer
    nonces are hashed to 96 bits by GCM, which is as safe)."""
    for name in ("nonce", "iv"):
        raw = decoded(record.get(name)) if isinstance(record, dict) else None
        if raw is not None and len(raw[0]) < NONCE_BYTES:
            return name, len(raw[0])
    return None


def encrypted_key_field(record: dict[str, Any], blob: bytes) -> str | None:
    for name, value in record.items():
        raw = decoded(value.decode("ascii", "replace") if isinstance(value, bytes) else value)  # text, or base64 bytes
        if raw is not None and raw[0] == blob:
            return str(name)
    return None


def generate_data_key_calls(aws_calls: CallLog) -> list[ApiCall]:
    return [call for call in aws_calls.by_students("kms") if call.operation == "GenerateDataKey"]


@dataclass(frozen=True)
class DataKey:
    """A data key a record holds encrypted: the encrypted blob, and what KMS decrypts it to."""

    blob: bytes
    plaintext: bytes


def stored_bytes(value: Any) -> list[bytes]:
    """The bytes a record field may hold an encrypted data key as: raw, base64 or hex."""
    if isinstance(value, bytes):  # raw, or base64 left as bytes (not text a table can store: another check's business)
        return [value, *stored_bytes(value.decode("ascii", "replace"))]
    raw = decoded(value)
    candidates = [raw[0]] if raw is not None else []
    if isinstance(value, str) and re.fullmatch(r"(?:[0-9a-fA-F]{2})+", value):
        candidates.append(bytes.fromhex(value))
    return candidates


def unwrapped(blob: bytes, context: dict[str, str]) -> bytes | None:
    """What KMS decrypts blob to under context, for the grader (who may use every key), else None."""
    try:
        return kms().decrypt(CiphertextBlob=blob, EncryptionContext=context)["Plaintext"]
    except Exception:  # noqa: BLE001 - not a KMS ciphertext, or not under this context
        return None


def data_keys(record: Any, calls: list[ApiCall]) -> list[DataKey]:
    """The data keys a record holds encrypted, under the encryption context of one of the student's
    KMS calls that hands out or wraps a data key. The call log holds requests, not KMS's answers: the
    plaintext data key is learnt from the record, by decrypting its encrypted copy."""
    contexts: list[dict[str, str]] = []
    for call in calls:
        context = call.params.get("EncryptionContext") or {}
        if (call.operation.startswith("GenerateDataKey") or call.operation == "Encrypt") and context not in contexts:
            contexts.append(context)
    keys = []
    for value in record.values() if isinstance(record, dict) else []:
        for blob in stored_bytes(value):
            plaintext = next(filter(None, (unwrapped(blob, context) for context in contexts)), None)
            if plaintext is not None:
                keys.append(DataKey(blob, plaintext))
    return keys


def bound_names(source: str) -> list[str]:
    """Every name the module's code binds, and every attribute name it assigns: where a module-level
    variable, or a field of one of its objects, can come from. (The grader reads the student's
    module through a proxy, which cannot list the module's globals.)"""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Global):
            names.update(node.names)
    return sorted(name for name in names if not (name.startswith("__") and name.endswith("__")))


def attribute(owner: RemoteObject, name: str) -> Any:
    """owner.name, read in the student process; None when it is missing or reading it raises."""
    try:
        return getattr(owner, name)
    except (AttributeError, StudentError):
        return None


# ------------------------------------------------------------------------------ envelope checks


@pytest.mark.points(1, hint=IMPORT_HINT, read=step(3))
def test_the_envelope_module_imports(exercise: ExerciseFiles) -> None:
    """envelope module imports and defines encrypt_record and decrypt_record"""
    module = load(exercise)

    def is_function(name: str) -> bool:
        value = attribute(module, name)
        return isinstance(value, RemoteObject) and value.is_callable

    missing = [name for name in ("encrypt_record", "decrypt_record") if not is_function(name)]
    if missing:
        names = bound_names(exercise.path(ENVELOPE_FILE).read_text(encoding="utf-8"))
        fail(
            f"Expected {exercise.shown(ENVELOPE_FILE)} to define {' and '.join(missing)}; it defines "
            f"{[name for name in names if not name.startswith('_') and hasattr(module, name)]}.",
        )


ROUND_TRIPS = [
    ("a JSON order", ORDER),
    ("empty bytes", b""),
    ("64 KiB of binary data", bytes(range(256)) * 256),
]


@pytest.mark.points(3, hint=ROUND_TRIP_HINT, read=step(4), requires=IMPORTS)
def test_a_record_decrypts_to_its_plaintext(exercise: ExerciseFiles, partial_credit: PartialCredit) -> None:
    """decrypt_record(encrypt_record(...)) gives back the plaintext, also after a fresh import"""
    make_key()
    module = load(exercise)
    for label, plaintext in ROUND_TRIPS:
        with partial_credit.part(label):
            record = encrypt(module, ALIAS, plaintext, CONTEXT)
            got = decrypt(module, record, CONTEXT)
            expect(
                got == plaintext,
                f"expected decrypt_record(record, context) to return the {len(plaintext)} bytes given to "
                f"encrypt_record ({label}), with the same context; got {short(got, 100)}.",
            )
    with partial_credit.part("a record decrypted after a fresh import of envelope.py"):
        record = encrypt(module, ALIAS, ORDER, CONTEXT)
        fresh = load(exercise)  # another Lambda execution environment, a day later
        got = decrypt(fresh, record, CONTEXT)
        expect(
            got == ORDER,
            "expected a record to decrypt in a new process (envelope.py imported again): everything needed "
            f"must be in the record and in KMS, not in memory; got {short(got, 100)}.",
        )


@pytest.mark.points(2, hint=DATA_KEY_HINT, read=step(3), requires=ROUND_TRIP)
def test_each_record_gets_a_data_key_from_the_key_given(exercise: ExerciseFiles, aws_calls: CallLog, partial_credit: PartialCredit) -> None:
    """each record gets its own 256-bit data key from GenerateDataKey and a fresh nonce, under the key given, bound to the context"""
    make_key()
    other = make_key(alias=None)
    module = load(exercise)
    with partial_credit.part("one GenerateDataKey call per record"):
        records = []
        for number in range(2):
            before = len(aws_calls.by_students("kms"))
            records.append(encrypt(module, ALIAS, ORDER, CONTEXT))
            made = aws_calls.by_students("kms")[before:]
            expect(
                any(c.operation == "GenerateDataKey" for c in made),
                f"expected {CALL} to call KMS GenerateDataKey (record {number + 1} of 2); it made: "
                f"{', '.join(c.operation for c in made) or 'no KMS call'}.",
            )
        calls = aws_calls.by_students("kms")
        found = {key.plaintext for record in records for key in data_keys(record, calls)}
        expect(
            found,
            f"expected each record to hold the encrypted data key GenerateDataKey returned (base64 text); none of the "
            f"fields of {CALL}'s records decrypts with KMS: {short(records[0], 300)}.",
            hint=RECORD_HINT,
        )
        expect(len(found) >= 2, f"expected two records to get two different data keys; {CALL} twice used one data key.")
    with partial_credit.part("a 256-bit data key"):
        sizes = [(c.params.get("KeySpec"), c.params.get("NumberOfBytes")) for c in generate_data_key_calls(aws_calls)]
        small = [size for size in sizes if size not in (("AES_256", None), (None, 32))]
        expect(
            not small,
            f"expected GenerateDataKey to ask for a 256-bit key (KeySpec='AES_256'); it asked for "
            f"{', '.join(f'KeySpec={spec!r}' if spec else f'NumberOfBytes={count!r}' for spec, count in small)}.",
        )
    with partial_credit.part("a fresh nonce per record"):
        repeated = repeated_nonce(records)
        expect(
            repeated is None,
            f"expected every record to get a fresh 12-byte nonce (os.urandom(12)); {CALL} twice gave the field "
            f"{repeated!r} the same 12 bytes (a nonce used twice under one key lets an attacker XOR two "
            "ciphertexts and forge GCM tags).",
        )
        size = short_nonce(records[0])
        expect(
            size is None,
            f"expected every record to get a fresh nonce of 12 bytes (os.urandom(12)); {CALL} stored a {size and size[1]}-byte "
            f"{size and size[0]!r} (GCM is designed for 96-bit nonces: a random nonce shorter than that repeats after "
            "far fewer records, and a repeated nonce under one key breaks the encryption).",
        )
    with partial_credit.part("the key given is used"):
        key_arn = other["Arn"]
        record = encrypt(module, key_arn, ORDER, CONTEXT)
        calls = generate_data_key_calls(aws_calls)
        expect(calls, f"expected encrypt_record('{key_arn}', ...) to call GenerateDataKey; it did not.")
        used = calls[-1].params.get("KeyId")
        resolved = kms().describe_key(KeyId=used)["KeyMetadata"]["Arn"] if used else None
        expect(
            resolved == key_arn,
            f"expected encrypt_record(key_id, ...) to generate the data key under key_id; given the key "
            f"{key_arn} (another key than the alias), it asked KMS for a data key under {used!r}.",
        )
        expect(
            any(encrypted_key_field(record, key.blob) for key in data_keys(record, calls[-1:])),
            f"expected the record to hold the encrypted data key GenerateDataKey returned (base64), got the fields "
            f"{sorted(record) if isinstance(record, dict) else short(record)}.",
            hint=RECORD_HINT,
        )
    with partial_credit.part("the context is bound to the data key"):
        calls = generate_data_key_calls(aws_calls)
        sent = calls[-1].params.get("EncryptionContext") if calls else None
        expect(
            sent == CONTEXT,
            f"expected GenerateDataKey to get EncryptionContext={CONTEXT} (the context given to encrypt_record), "
            f"got {sent!r}.",
            hint=CONTEXT_HINT,
        )


@pytest.mark.points(3, hint=RECORD_HINT, read=step(3), requires=ROUND_TRIP)
def test_the_record_holds_no_plaintext_key(
    exercise: ExerciseFiles, aws_calls: CallLog, partial_credit: PartialCredit, student_log: StudentLog
) -> None:
    """record holds only base64 text (ciphertext, nonce, encrypted data key): no plaintext data key, no plaintext"""
    make_key()
    module = load(exercise)
    record = encrypted_order(module)
    calls = aws_calls.by_students("kms")
    expect(
        any(c.operation.startswith("GenerateDataKey") for c in calls),
        f"expected {CALL} to get its data key from KMS GenerateDataKey; it made no such call.",
        hint=DATA_KEY_HINT,
    )
    keys = data_keys(record, calls)
    with partial_credit.part("JSON text that can be stored"):
        not_text = [f"{name} ({type(value).__name__})" for name, value in record.items() if not isinstance(value, str)]
        expect(
            not not_text,
            f"expected every field of the record to be base64 text (a DynamoDB string, a JSON value), got {', '.join(not_text)}.",
        )
        json.dumps(record)
    with partial_credit.part("the encrypted data key is in it"):
        expect(
            any(encrypted_key_field(record, key.blob) for key in keys),
            f"expected one field to hold the CiphertextBlob of GenerateDataKey as base64; the fields are {sorted(record)}.",
        )
    plaintext_keys = [key.plaintext for key in keys]
    with partial_credit.part("no plaintext data key in it"):
        where = next(filter(None, (holds(record, key) for key in plaintext_keys)), None)
        expect(
            where is None,
            f"expected the record not to contain the plaintext data key in any form; the field {where!r} holds it "
            "(whoever reads the table could then decrypt without KMS, and without leaving a trace in CloudTrail).",
        )
    with partial_credit.part("the data key is not logged"):
        log = student_log.text()
        expect(
            not any(holds({"log": log}, key) for key in plaintext_keys),
            "expected the plaintext data key never to be logged or printed; encrypt_record wrote it to the log "
            "(CloudWatch Logs keeps it for anyone who may read the log group).",
        )
    with partial_credit.part("no plaintext in it"):
        where = holds(record, ORDER)
        expect(where is None, f"expected the record not to contain the order in the clear; the field {where!r} holds it.")
    with partial_credit.part("the data key is not kept in the module"):
        names = bound_names(exercise.path(ENVELOPE_FILE).read_text(encoding="utf-8"))
        kept = _kept_in_module(module, names, plaintext_keys)
        expect(
            kept is None,
            f"expected the plaintext data key to be forgotten after encrypt_record; envelope.py keeps it in {kept} "
            "(memory dumps, logs of globals and later calls could expose it).",
        )


def _kept_in_module(module: StudentModule, names: list[str], secrets: list[bytes]) -> str | None:
    """The name of a module-level variable (or a field of one of the module's own objects) holding a secret.
    names are the names the module's source binds: the candidates for variables and for fields."""
    own = f"{module.name}."

    def fields(owner: RemoteObject) -> dict[str, Any]:
        return {name: attribute(owner, name) for name in names}

    def contains(value: Any, depth: int) -> bool:
        if depth > 3:
            return False
        if isinstance(value, (bytes, str)):
            return any(holds({"v": value}, secret) for secret in secrets)
        if isinstance(value, dict):
            return any(contains(k, depth + 1) or contains(v, depth + 1) for k, v in list(value.items())[:1000])
        if isinstance(value, (list, tuple, set, frozenset)):
            return any(contains(v, depth + 1) for v in list(value)[:1000])
        if isinstance(value, RemoteObject) and not value.is_class and value.qualified_name.startswith(own):
            return contains(fields(value), depth + 1)
        return False

    for name in names:
        value = attribute(module, name)
        if isinstance(value, RemoteObject) and value.is_class and value.qualified_name.startswith(own):
            if contains(fields(value), 1):
                return f"{name} (a class attribute)"
        elif contains(value, 0):
            return name
    return None


WRONG_CONTEXTS = [
    ("another order's context", {"order_id": "PU-ORD-1002", "table": "Orders"}),
    ("a pair missing", {"order_id": "PU-ORD-1001"}),
    ("an extra pair", {**CONTEXT, "purpose": "analytics"}),
    ("no context", {}),
]


@pytest.mark.points(2, hint=CONTEXT_HINT, read=step(4), requires=ROUND_TRIP)
def test_a_record_does_not_decrypt_with_a_wrong_context(exercise: ExerciseFiles, partial_credit: PartialCredit) -> None:
    """a record does not decrypt with a wrong encryption context (it raises)"""
    make_key()
    module = load(exercise)
    record = encrypted_order(module)
    for label, context in WRONG_CONTEXTS:
        with partial_credit.part(label):
            was_refused, got = refused(module, record, context)
            expect(
                was_refused,
                f"expected decrypt_record(record, {context}) to raise for a record encrypted with the context "
                f"{CONTEXT}; it returned {'the plaintext' if got == ORDER else short(got, 80)}.",
            )


@pytest.mark.points(2, hint=TAMPER_HINT, read=step(4), requires=ROUND_TRIP)
def test_a_tampered_record_fails_to_decrypt(exercise: ExerciseFiles, partial_credit: PartialCredit) -> None:
    """a record with any field changed (one bit) does not decrypt (it raises)"""
    make_key()
    module = load(exercise)
    record = encrypted_order(module)
    targets = {name: raw for name, value in record.items() if (raw := decoded(value)) is not None and len(raw[0]) >= 12}
    expect(targets, f"expected base64 fields (ciphertext, nonce, encrypted data key) in the record, got {sorted(record)}.", hint=RECORD_HINT)
    for name, (data, alphabet) in targets.items():
        with partial_credit.part(f"field {name!r} changed"):
            changed = bytearray(data)
            changed[len(changed) // 2] ^= 0x01
            tampered = {**record, name: encoded(bytes(changed), alphabet)}
            was_refused, got = refused(module, tampered, CONTEXT)
            expect(
                # Getting the very same plaintext back means decrypt_record does not read this field.
                was_refused or got == ORDER,
                f"expected decrypt_record to raise for a record whose field {name!r} had one bit flipped; it returned "
                f"{short(got, 60)} without noticing (without an authentication tag, nobody notices a changed ciphertext).",
            )


# ------------------------------------------------------------------------------------ setup_kms.sh


@dataclass
class KmsSetup:
    """What setup_kms.sh left on an empty backend."""

    result: ScriptResult
    alias_key: dict[str, Any] | None = None  # the key metadata behind the alias
    customer_keys: list[dict[str, Any]] = field(default_factory=list)
    table: dict[str, Any] | None = None
    table_key: dict[str, Any] | None = None  # the key metadata behind the table's KMSMasterKeyArn
    table_key_aliases: list[str] = field(default_factory=list)
    again: KmsSetup | None = None  # the same, after a second run right after the first
    marker_kept: bool | None = None  # (on `again`) the item written between the runs is still there


def describe_kms_setup(result: ScriptResult) -> KmsSetup:
    setup = KmsSetup(result)
    setup.alias_key = found(lambda: kms().describe_key(KeyId=ALIAS)["KeyMetadata"])
    for key in kms().list_keys()["Keys"]:
        metadata = kms().describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if metadata.get("KeyManager") == "CUSTOMER" and metadata.get("KeyState") != "PendingDeletion":
            setup.customer_keys.append(metadata)
    setup.table = found(lambda: boto3.client("dynamodb").describe_table(TableName=TABLE)["Table"])
    table_key = ((setup.table or {}).get("SSEDescription") or {}).get("KMSMasterKeyArn")
    if table_key:
        # The emulator stores what it was given (an ARN, a key id or an alias) and accepts unknown keys.
        setup.table_key = found(lambda: kms().describe_key(KeyId=table_key)["KeyMetadata"])
        if setup.table_key is not None:
            setup.table_key_aliases = [
                alias["AliasName"] for alias in kms().list_aliases()["Aliases"]
                if alias.get("TargetKeyId") == setup.table_key["KeyId"]
            ]
    return setup


MARKER_VALUES = {"S": "GRADER-KEEP-1", "N": "424242", "B": b"grader-keep-1"}


def put_marker(table: dict[str, Any] | None) -> dict[str, Any] | None:
    """Store an item in the student's table (whatever its key schema); its key, or None when that fails."""
    if table is None:
        return None
    types = {a["AttributeName"]: a["AttributeType"] for a in table.get("AttributeDefinitions", [])}
    key = {k["AttributeName"]: {types[k["AttributeName"]]: MARKER_VALUES[types[k["AttributeName"]]]} for k in table["KeySchema"]}
    try:
        boto3.client("dynamodb").put_item(TableName=TABLE, Item=key)
    except ClientError:
        return None
    return key


def holds_marker(key: dict[str, Any]) -> bool:
    try:
        return "Item" in boto3.client("dynamodb").get_item(TableName=TABLE, Key=key, ConsistentRead=True)
    except ClientError:
        return False


TABLE_SHAPE = "key order_id (S), billing PAY_PER_REQUEST"


def table_shape(table: dict[str, Any]) -> str:
    """A table's key schema and billing mode, as a message shows them."""
    types = {a["AttributeName"]: a["AttributeType"] for a in table.get("AttributeDefinitions", [])}
    keys = ", ".join(
        f"{k['AttributeName']} ({types.get(k['AttributeName'], '?')})" + (" as sort key" if k["KeyType"] == "RANGE" else "")
        for k in table.get("KeySchema", [])
    )
    billing = (table.get("BillingModeSummary") or {}).get("BillingMode") or "PROVISIONED"
    return f"key {keys or 'none'}, billing {billing}"


def _script_digest(exercise: ExerciseFiles, name: str) -> str:
    path = exercise.path(name)
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


# Each script runs twice per version of it, on an empty backend: several checks judge the state the
# first run left (described before the second run) and the second run, without running it again.
_KMS_SETUPS: dict[tuple[str, str], KmsSetup] = {}


def kms_setup(exercise: ExerciseFiles, *, fresh: bool = False) -> KmsSetup:
    """Run setup_kms.sh twice on the (empty) backend, describing the state after each run; reuses an
    earlier identical pair of runs."""
    cache_key = (str(exercise.folder), _script_digest(exercise, KMS_SCRIPT))
    if fresh or cache_key not in _KMS_SETUPS:
        setup = describe_kms_setup(exercise.run_script(KMS_SCRIPT))
        if setup.result.ok:
            marker = put_marker(setup.table)  # an order stored between the runs must survive the second one
            setup.again = describe_kms_setup(exercise.run_script(KMS_SCRIPT))
            setup.again.marker_kept = None if marker is None else holds_marker(marker)
        _KMS_SETUPS[cache_key] = setup
    setup = _KMS_SETUPS[cache_key]
    expect(setup.result.ok, f"Expected `bash {KMS_SCRIPT}` on an empty backend to exit with status 0; {scrub_paths(setup.result.describe())}", hint=KMS_RUN_HINT)
    return setup


@pytest.mark.points(2, hint=KMS_RUN_HINT, read=step(1))
def test_setup_kms_sh_runs_and_creates_the_key_and_the_table(exercise: ExerciseFiles) -> None:
    """setup_kms.sh runs on an empty backend and creates the key, its alias and the Orders table"""
    setup = kms_setup(exercise, fresh=True)
    missing = []
    if setup.alias_key is None:
        missing.append(f"the alias {ALIAS}")
    if setup.table is None:
        missing.append(f"the table {TABLE}")
    expect(
        not missing,
        f"Expected `bash {KMS_SCRIPT}` to create a KMS key with the alias {ALIAS} and the table {TABLE}; it exited "
        f"with status 0, but {' and '.join(missing)} {'does' if len(missing) == 1 else 'do'} not exist.",
    )


@pytest.mark.points(2, hint=KEY_HINT, read=step(1), requires=KMS_RUNS)
def test_the_alias_names_an_enabled_customer_managed_key(exercise: ExerciseFiles, partial_credit: PartialCredit) -> None:
    """the alias names an enabled, customer managed, symmetric encryption key"""
    setup = kms_setup(exercise)
    key = setup.alias_key
    expect(key is not None, f"Expected the alias {ALIAS} to exist after `bash {KMS_SCRIPT}`; it does not.")
    assert key is not None
    for label, got, want in (
        ("key state", key.get("KeyState"), "Enabled"),
        ("key manager", key.get("KeyManager"), "CUSTOMER"),
        # moto leaves KeyUsage empty when create-key was not given one; AWS reports the default.
        ("key usage", key.get("KeyUsage") or "ENCRYPT_DECRYPT", "ENCRYPT_DECRYPT"),
        ("key spec", key.get("KeySpec") or key.get("CustomerMasterKeySpec"), "SYMMETRIC_DEFAULT"),
    ):
        with partial_credit.part(label):
            expect(got == want, f"expected the {label} of the key behind {ALIAS} to be {want}, got {got!r}.")


@pytest.mark.points(2, hint=TABLE_SSE_HINT, read=step(2), requires=KMS_RUNS)
def test_the_orders_table_is_encrypted_with_that_key(exercise: ExerciseFiles, partial_credit: PartialCredit) -> None:
    """the Orders table (order_id, on-demand) is encrypted at rest (SSE-KMS) with the key behind the alias"""
    setup = kms_setup(exercise)
    expect(setup.table is not None and setup.alias_key is not None, f"Expected the table {TABLE} and the alias {ALIAS} to exist.")
    assert setup.table is not None and setup.alias_key is not None
    with partial_credit.part("keyed by order_id, on-demand"):
        shape = table_shape(setup.table)
        expect(
            shape == TABLE_SHAPE,
            f"expected {TABLE} to have the partition key order_id (a string), no sort key, and on-demand billing, as "
            f"Kata 2's code reads it; it has {shape}.",
        )
    with partial_credit.part("encrypted with the key behind the alias"):
        _expect_the_key_of_the_alias(setup)


def _expect_the_key_of_the_alias(setup: KmsSetup) -> None:
    assert setup.table is not None and setup.alias_key is not None
    sse = setup.table.get("SSEDescription") or {}
    if not sse or sse.get("Status") not in ("ENABLED", "ENABLING", "UPDATING"):
        fail(
            f"Expected {TABLE} to be encrypted with SSE-KMS (SSEDescription with SSEType KMS); it has "
            f"{'no SSEDescription, so DynamoDB uses its own AWS owned key' if not sse else json.dumps(sse)}.",
        )
    expect(sse.get("SSEType") == "KMS", f"Expected {TABLE}'s SSEType to be KMS, got {sse.get('SSEType')!r}.")
    table_key, resolved = sse.get("KMSMasterKeyArn"), setup.table_key
    expect(
        resolved is not None and resolved["KeyId"] == setup.alias_key["KeyId"],
        f"Expected {TABLE} to be encrypted with the key behind {ALIAS} ({setup.alias_key['Arn']}); its KMSMasterKeyArn is "
        f"{table_key!r}"
        + (", the AWS managed key alias/aws/dynamodb" if "alias/aws/dynamodb" in setup.table_key_aliases
           or (resolved is not None and resolved.get("KeyManager") == "AWS") else "")
        + (", which names no existing key" if table_key and resolved is None else "") + ".",
    )


@pytest.mark.points(2, hint=KMS_AGAIN_HINT, read=step(1), requires=KMS_RUNS)
def test_setup_kms_sh_can_run_again_and_keeps_the_key(exercise: ExerciseFiles, partial_credit: PartialCredit) -> None:
    """setup_kms.sh runs a second time and keeps the same key and the table's items (no second key, no error)"""
    first = kms_setup(exercise)
    assert first.again is not None
    after, second = first.again, first.again.result
    if not second.ok:
        fail(
            f"Expected a second `bash {KMS_SCRIPT}` (the key, the alias and the table already exist) to exit with "
            f"status 0; {scrub_paths(second.describe())}",
        )
    with partial_credit.part("the second run succeeds"):
        pass
    with partial_credit.part("the alias still names the first key, and there is no second key"):
        before_id = first.alias_key["KeyId"] if first.alias_key else None
        after_id = after.alias_key["KeyId"] if after.alias_key else None
        expect(
            after_id == before_id and len(after.customer_keys) == len(first.customer_keys),
            f"expected the second run to reuse the key {before_id}; afterwards the alias names {after_id} and there are "
            f"{len(after.customer_keys)} customer managed keys instead of {len(first.customer_keys)} (every key costs "
            "USD 1 a month, and data encrypted under the first one still needs it).",
        )
    with partial_credit.part("the table keeps its items"):
        expect(
            after.marker_kept is not False,  # None: no table to write to, which the first check reports
            f"expected the second run to leave {TABLE} as it was; an item stored in it after the first run is gone "
            "(a script that deletes and recreates the table wipes every order each time it runs).",
        )


# ------------------------------------------------------------------------------------ setup_api.sh

STAND_IN = '''import json


def handler(event, context):
    sku = (event.get("pathParameters") or {}).get("sku")
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"sku": sku, "answered_by": "lab3b grader stand-in"})}
'''


def deploy_stand_in_function() -> str:
    """Lab 1's inventory-status, played by a tiny function: the API's target. Returns its ARN."""
    iam = boto3.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName=FUNCTION_ROLE, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    client = boto3.client("lambda")
    # Fixed dates in the zip: the same bytes in every check, so setup_api.sh's runs from this state replay.
    arn = client.create_function(
        FunctionName=FUNCTION, Runtime="python3.12", Role=role, Handler="inventory_status_lambda.handler",
        Code={"ZipFile": module_zip("inventory_status_lambda", STAND_IN)}, Timeout=10,
    )["FunctionArn"]
    client.get_waiter("function_active_v2").wait(FunctionName=FUNCTION, WaiterConfig={"Delay": 1, "MaxAttempts": 25})
    return arn


@dataclass
class ApiSetup:
    """What setup_api.sh left on a backend where only the inventory-status function existed."""

    result: ScriptResult
    function_arn: str
    account: str
    apis: list[dict[str, Any]] = field(default_factory=list)  # REST APIs named inventory-api
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> resource, of the first
    resource_paths: list[str] = field(default_factory=list)  # every resource's path, repeats included
    deployments: int = 0
    method: dict[str, Any] | None = None  # GET on /inventory/{sku}, with its integration
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    statements: list[dict[str, Any]] = field(default_factory=list)  # the function's resource policy
    again: ApiSetup | None = None  # the same, after a second run right after the first

    @property
    def api_id(self) -> str | None:
        return self.apis[0]["id"] if self.apis else None


def describe_api_setup(result: ScriptResult, function_arn: str) -> ApiSetup:
    apigateway = boto3.client("apigateway")
    setup = ApiSetup(result, function_arn, function_arn.split(":")[4])
    setup.apis = [api for api in apigateway.get_rest_apis(limit=500)["items"] if api.get("name") == API_NAME]
    if setup.api_id:
        items = apigateway.get_resources(restApiId=setup.api_id, limit=500)["items"]
        setup.resources = {item["path"]: item for item in items}
        setup.resource_paths = sorted(item["path"] for item in items)
        setup.deployments = len(apigateway.get_deployments(restApiId=setup.api_id, limit=500).get("items", []))
        sku = setup.resources.get(SKU_PATH)
        if sku is not None:
            setup.method = found(lambda: apigateway.get_method(restApiId=setup.api_id, resourceId=sku["id"], httpMethod="GET"))
        setup.stages = {s["stageName"]: s for s in apigateway.get_stages(restApiId=setup.api_id).get("item", [])}
    policy = found(lambda: boto3.client("lambda").get_policy(FunctionName=FUNCTION)["Policy"])  # none: no permission yet
    setup.statements = json.loads(policy).get("Statement", []) if policy else []
    return setup


_API_SETUPS: dict[tuple[str, str], ApiSetup] = {}


def api_setup(exercise: ExerciseFiles, *, fresh: bool = False) -> ApiSetup:
    """Deploy the stand-in function, run setup_api.sh twice and describe the state after each run;
    reuses an earlier identical pair of runs."""
    cache_key = (str(exercise.folder), _script_digest(exercise, API_SCRIPT))
    if fresh or cache_key not in _API_SETUPS:
        function_arn = deploy_stand_in_function()
        setup = describe_api_setup(exercise.run_script(API_SCRIPT), function_arn)
        if setup.result.ok:
            setup.again = describe_api_setup(exercise.run_script(API_SCRIPT), function_arn)
        _API_SETUPS[cache_key] = setup
    setup = _API_SETUPS[cache_key]
    expect(
        setup.result.ok,
        f"Expected `bash {API_SCRIPT}` (with {FUNCTION} deployed) to exit with status 0; {scrub_paths(setup.result.describe())}",
        hint=API_RUN_HINT,
    )
    return setup


def expect_the_method(setup: ApiSetup) -> dict[str, Any]:
    expect(setup.method is not None, f"Expected a GET method on {SKU_PATH} of {API_NAME}; there is none.", hint=API_RUN_HINT)
    assert setup.method is not None
    return setup.method




@pytest.mark.points(2, hint=API_RUN_HINT, read=step(5))
def test_setup_api_sh_runs_and_creates_the_api(exercise: ExerciseFiles) -> None:
    """setup_api.sh runs and creates the REST API inventory-api with GET /inventory/{sku}"""
    setup = api_setup(exercise, fresh=True)
    expect(
        setup.apis,
        f"Expected `bash {API_SCRIPT}` to create a REST API named {API_NAME}; it exited with status 0, but there is none.",
    )
    expect(
        len(setup.apis) == 1,
        f"Expected one REST API named {API_NAME} after `bash {API_SCRIPT}` on an empty backend, found {len(setup.apis)}.",
    )
    paths = sorted(setup.resources)
    expect(
        "/inventory" in setup.resources and SKU_PATH in setup.resources,
        f"Expected {API_NAME} to have the resources /inventory and {SKU_PATH} (path part '{{sku}}'), got {paths}.",
    )
    expect_the_method(setup)


@pytest.mark.points(2, hint=IAM_AUTH_HINT, read=step(6), requires=API_RUNS)
def test_get_requires_iam_authorization(exercise: ExerciseFiles) -> None:
    """GET /inventory/{sku} requires IAM authorization (AWS_IAM, not NONE)"""
    method = expect_the_method(api_setup(exercise))
    got = method.get("authorizationType")
    expect(
        got == "AWS_IAM",
        f"Expected the authorization type of GET {SKU_PATH} to be AWS_IAM (callers sign requests with SigV4), got {got!r}"
        + (": anyone who finds the URL can call it." if got == "NONE" else "."),
    )


@pytest.mark.points(2, hint=INTEGRATION_HINT, read=step(7), requires=API_RUNS)
def test_get_has_a_lambda_proxy_integration_to_inventory_status(exercise: ExerciseFiles, partial_credit: PartialCredit) -> None:
    """GET /inventory/{sku} has a Lambda proxy integration (AWS_PROXY, POST) to inventory-status"""
    setup = api_setup(exercise)
    integration = expect_the_method(setup).get("methodIntegration") or {}
    expect(integration, f"Expected GET {SKU_PATH} to have an integration (put-integration); it has none.")
    with partial_credit.part("type AWS_PROXY"):
        got = integration.get("type")
        expect(got == "AWS_PROXY", f"expected the integration type AWS_PROXY (Lambda proxy), got {got!r}.")
    with partial_credit.part("integration method POST"):
        got = integration.get("httpMethod")
        expect(got == "POST", f"expected the integration's HTTP method to be POST (Lambda's Invoke API), got {got!r}.")
    with partial_credit.part("URI of inventory-status"):
        want = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{setup.function_arn}/invocations"
        got = integration.get("uri")
        expect(got == want, f"expected the integration URI {want}, got {got!r}.")


def _source_arns(statement: dict[str, Any]) -> list[str]:
    condition = statement.get("Condition") or {}
    arns: list[str] = []
    for operator in ("ArnLike", "ArnEquals", "StringLike", "StringEquals"):
        block = condition.get(operator) or {}
        for name, value in block.items():
            if name.lower() == "aws:sourcearn":
                arns += [str(v) for v in as_list(value)]
    return arns


def _for_api_gateway(statement: dict[str, Any]) -> bool:
    principal = statement.get("Principal")
    services = as_list(principal.get("Service", [])) if isinstance(principal, dict) else as_list(principal)
    return statement.get("Effect", "Allow") == "Allow" and "apigateway.amazonaws.com" in services


@pytest.mark.points(2, hint=PERMISSION_HINT, read=step(8), requires=API_RUNS)
def test_only_this_api_may_invoke_the_function(exercise: ExerciseFiles) -> None:
    """the Lambda permission lets only this API (its own ARN, not *) invoke inventory-status"""
    setup = api_setup(exercise)
    statements = [s for s in setup.statements if _for_api_gateway(s)]
    expect(
        statements,
        f"Expected a resource policy statement on {FUNCTION} that allows apigateway.amazonaws.com to call "
        f"lambda:InvokeFunction; it has {len(setup.statements)} statement(s), none for API Gateway.",
    )
    prefix = f"arn:aws:execute-api:{REGION}:{setup.account}:{setup.api_id}/"
    for statement in statements:
        actions = as_list(statement.get("Action", []))
        expect(
            any(action in ("lambda:InvokeFunction", "lambda:*") for action in actions),
            f"Expected the statement {statement.get('Sid')!r} to allow lambda:InvokeFunction, got {actions}.",
        )
        arns = _source_arns(statement)
        expect(
            arns and all(arn.startswith(prefix) for arn in arns),
            f"Expected the statement {statement.get('Sid')!r} to be scoped to this API with a SourceArn starting "
            f"{prefix} (e.g. {prefix}*/GET/inventory/*), got "
            + (f"SourceArn {', '.join(arns)}" if arns else "no SourceArn: any API Gateway API, in any account, may invoke the function")
            + ".",
        )


@pytest.mark.points(2, hint=STAGE_HINT, read=step(9), requires=API_RUNS)
def test_the_api_is_deployed_to_dev_and_the_url_printed(exercise: ExerciseFiles, partial_credit: PartialCredit) -> None:
    """the API is deployed to the stage dev and setup_api.sh prints its invoke URL"""
    setup = api_setup(exercise)
    with partial_credit.part("stage dev with a deployment"):
        stage = setup.stages.get(STAGE)
        expect(
            stage is not None and stage.get("deploymentId"),
            f"expected {API_NAME} to have the stage {STAGE} with a deployment (create-deployment --stage-name {STAGE}); "
            f"its stages: {sorted(setup.stages) or 'none'}.",
        )
    with partial_credit.part("the invoke URL is printed"):
        printed = f"{setup.result.stdout}\n{setup.result.stderr}".strip()  # a terminal shows both
        lines = [line for line in printed.splitlines() if setup.api_id and setup.api_id in line and f"/{STAGE}" in line]
        expect(
            lines,
            f"expected `bash {API_SCRIPT}` to print the invoke URL (holding the API id {setup.api_id} and /{STAGE}); it printed "
            f"{short(printed[-300:], 320) if printed else 'nothing'}.",
        )


@pytest.mark.points(2, hint=API_AGAIN_HINT, read=step(5), requires=API_RUNS)
def test_setup_api_sh_can_run_again(exercise: ExerciseFiles, partial_credit: PartialCredit) -> None:
    """setup_api.sh runs a second time without a second API or another permission, and deploys the stage again"""
    first = api_setup(exercise)
    assert first.again is not None
    after, second = first.again, first.again.result
    if not second.ok:
        fail(
            f"Expected a second `bash {API_SCRIPT}` ({API_NAME} and the permission already exist) to exit with status 0; "
            + scrub_paths(second.describe())
        )
    with partial_credit.part("one API"):
        expect(
            len(after.apis) == 1 and after.api_id == first.api_id,
            f"expected the second run to reuse {API_NAME} ({first.api_id}); there are now {len(after.apis)} REST APIs with that name.",
        )
    with partial_credit.part("no second resource"):
        expect(
            after.resource_paths == first.resource_paths,
            f"expected the second run to reuse {API_NAME}'s resources {first.resource_paths}; it has "
            f"{after.resource_paths} (look each one up with get-resources before create-resource).",
        )
    with partial_credit.part("the stage deployed again"):
        expect(
            after.deployments > first.deployments,
            f"expected the second run to deploy {STAGE} again (create-deployment on every run: what the run changed "
            f"goes live only then); {API_NAME} still has {after.deployments} deployment(s).",
        )
    with partial_credit.part("no second permission for API Gateway"):
        before = sum(1 for s in first.statements if _for_api_gateway(s))
        count = sum(1 for s in after.statements if _for_api_gateway(s))
        expect(
            count == before,
            f"expected the second run to leave the {before} statement(s) for apigateway.amazonaws.com the first run "
            f"made in {FUNCTION}'s resource policy; there are {count} after two runs (remove the statement id before "
            "adding it again).",
        )
    with partial_credit.part("the GET method is as the first run left it"):
        def shape(method: dict[str, Any] | None) -> Any:
            if not method:
                return "no GET method"
            integration = method.get("methodIntegration") or {}
            return {"authorizationType": method.get("authorizationType"), "integration": {k: integration.get(k) for k in ("type", "httpMethod", "uri")}}

        expect(
            shape(after.method) == shape(first.method),
            f"expected GET {SKU_PATH} to be the same after the second run as after the first, {short(shape(first.method), 300)}; "
            f"got {short(shape(after.method), 300)}.",
        )


# No requires=API_RUNS: on a backend that cannot serve the API it must say "not graded", never "finish
# ... first" (the harness looks at prerequisites before capabilities); api_setup fails on its own.
@pytest.mark.needs(DEPLOYED_API_OVER_HTTP)
@pytest.mark.points(2, hint=OVER_HTTP_HINT, read=step(9))
def test_a_signed_request_through_dev_reaches_the_function(exercise: ExerciseFiles, backend: Any) -> None:
    """a SigV4-signed GET /inventory/PU-1001 on the dev stage reaches inventory-status"""
    setup = api_setup(exercise, fresh=True)
    expect(setup.api_id, f"Expected a REST API named {API_NAME}.")
    # After both runs, any API of that name will do: making a new one on every run is the second-run check's.
    final = setup.again if setup.again is not None else setup
    answers = [_signed_get(backend.endpoint, api["id"]) for api in final.apis or setup.apis]
    reached = [a for a in answers if a.reached]
    expect(reached or answers[0].status == 200, answers[0].unexpected_status())
    expect(reached, answers[0].unexpected_body())


@dataclass
class _Answer:
    where: str
    status: int
    text: str
    body: Any  # the JSON answer, else the text
    note: str | None  # the embedded backend's x-course-emulator header: why API Gateway failed

    @property
    def reached(self) -> bool:
        return self.status == 200 and isinstance(self.body, dict) and self.body.get("sku") == "PU-1001"

    def unexpected_status(self) -> str:
        return (f"Expected {self.where} to answer 200 from {FUNCTION}, got {self.status}: {self.text[:300]!r}"
                + (f" (the emulator: {self.note})." if self.note else "."))

    def unexpected_body(self) -> str:
        return f"Expected {self.where} to return what {FUNCTION} answered ({{\"sku\": \"PU-1001\", ...}}), got {short(self.body, 300)}."


def _signed_get(endpoint: str, api_id: str) -> _Answer:
    """A SigV4-signed GET of PU-1001 through the dev stage, at the URL every backend with the capability serves."""
    answer = ServedApi(endpoint, api_id, STAGE, REGION, timeout=60).call("GET", "/inventory/PU-1001")
    where = f"a signed GET <endpoint>/restapis/{api_id}/{STAGE}/_user_request_/inventory/PU-1001"
    return _Answer(where, answer.status, answer.text, answer.body if answer.body is not None else answer.text[:300], answer.note)
