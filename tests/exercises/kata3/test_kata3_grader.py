"""Tests of the Kata 3 grader: each plausible mistake loses the points of the check that is about that
mistake (and only those). Full marks for the reference and the correct solutions, a low starter and
the README's check table are tests/exercises/test_every_exercise.py's.

Every grading run is a child `pytest` process, as a student would run it (tests/grader_tests.py), and
every mistake is graded with the whole grader. A run takes about fifteen seconds: the timeout check
waits until the client gives up on a stalled API, ten seconds for the reference solution.
"""

from __future__ import annotations

import re
from pathlib import Path

from grader_tests import ExerciseUnderTest
from support import REPO

KATA = ExerciseUnderTest("kata3")
KATA_ID = KATA.id
CLIENT = "shipping_client.py"

IMPORTS = "test_the_module_defines_the_client_and_its_error"
SHIPS = "test_a_shipment_is_posted_with_the_key_and_the_answer_returned"
TIMEOUT = "test_every_request_has_a_timeout"
LAZY_CACHE = "test_the_secret_is_read_lazily_and_once_for_ten_shipments"
OWN_SECRET = "test_each_client_uses_the_key_of_its_own_secret"
ROTATION = "test_a_rotated_key_is_read_again_and_the_shipment_retried"
SECOND_REJECTION = "test_a_second_rejection_raises_shipping_error"
STATUSES = "test_other_error_statuses_raise_shipping_error_with_the_status"
LEAKS = "test_the_key_never_leaks"


GRADER = KATA.grader()
grade = KATA.grade
assert_only_failures = KATA.assert_only_failures


def mutant(tmp_path: Path, *edits: tuple[str, str], count: int = 1) -> Path:
    return KATA.mutant(tmp_path, CLIENT, *edits, count=count)


def only_failure(tmp_path: Path, check_id: str, *edits: tuple[str, str]) -> dict:
    return KATA.assert_only_failure(grade(mutant(tmp_path, *edits), tmp_path), check_id)


# -------------------------------------------------------------------------- the grader and starter


def test_the_grader_has_exactly_the_nine_checks_these_tests_name() -> None:
    named = [IMPORTS, SHIPS, TIMEOUT, LAZY_CACHE, OWN_SECRET, ROTATION, SECOND_REJECTION, STATUSES, LEAKS]
    assert sorted(check.__name__ for check in KATA.checks()) == sorted(named)


def test_the_untouched_starter_fails_at_todo_1_and_blocks_the_leak_check(tmp_path: Path) -> None:
    run = KATA.grade_starter(tmp_path)
    KATA.assert_sane(run)
    kata = run.exercise(KATA_ID)
    assert kata["points"] < kata["max"] / 4, kata["points"]
    assert run.check(KATA_ID, IMPORTS)["outcome"] == "passed"
    assert "NotImplementedError: TODO 1" in run.check(KATA_ID, SHIPS)["message"]
    assert run.check(KATA_ID, LEAKS)["outcome"] == "blocked"


# ---------------------------------------------------------------------------------- the request


def test_a_client_that_accepts_only_200_fails_the_shipment_check_on_the_201(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("if not 200 <= response.status_code < 300:", "if response.status_code != 200:"))
    run = grade(code, tmp_path)
    KATA.assert_sane(run)
    check = run.check(KATA_ID, SHIPS)
    assert check["outcome"] == "failed"
    assert "(it answered 201 " in check["message"] and "ShippingError: shipping API answered HTTP 201" in check["message"]


def test_a_body_sent_without_a_json_content_type_fails_the_shipment_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("json=payload,", "data=json.dumps(payload),"))
    run = grade(code, tmp_path)
    KATA.assert_sane(run)
    check = run.check(KATA_ID, SHIPS)
    assert check["outcome"] == "failed"
    assert "to say Content-Type: application/json, got no Content-Type (the API answered 415)" in check["message"]


def test_the_whole_secret_string_as_the_key_gets_the_secret_string_hint(tmp_path: Path) -> None:
    code = mutant(tmp_path, ('json.loads(answer["SecretString"])["api_key"]', 'answer["SecretString"]'))
    run = grade(code, tmp_path)
    KATA.assert_sane(run)
    check = run.check(KATA_ID, SHIPS)
    assert "it held something else (the whole SecretString?)" in check["message"]
    assert check["hint"].startswith("json.loads(answer['SecretString'])['api_key'] is the key")


def test_a_missing_timeout_loses_only_the_timeout_check(tmp_path: Path) -> None:
    check = only_failure(tmp_path, TIMEOUT, ("            timeout=TIMEOUT_SECONDS,\n", ""))
    assert "3 of 3 connections could wait for ever (timeout=None)" in check["message"]


# ------------------------------------------------------------------------------- the cached key


def test_reading_the_secret_in_the_constructor_loses_the_lazy_part(tmp_path: Path) -> None:
    check = only_failure(tmp_path, LAZY_CACHE, ("        self._api_key = None\n", "        self._api_key = None\n        self._key()\n"))
    assert check["outcome"] == "partial" and check["points"] == check["max"] / 2
    assert "creating the client reads nothing: expected ShippingClient" in check["message"]
    assert "secretsmanager.GetSecretValue x1" in check["message"]


def test_reading_the_secret_for_every_shipment_loses_the_cache_part(tmp_path: Path) -> None:
    check = only_failure(tmp_path, LAZY_CACHE, ("if self._api_key is None or refresh:", "if True:"))
    assert check["outcome"] == "partial"
    assert "expected 1 GetSecretValue call for 10 shipments with one client (the key never changed), got 10" in check["message"]


def test_a_key_cached_on_the_class_is_shared_between_clients_and_loses_the_own_secret_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("self._api_key", "ShippingClient.shared_key"), count=4)
    (check,) = assert_only_failures(grade(code, tmp_path), OWN_SECRET)
    assert "'parts-unlimited/shipping-api-eu' to send that secret's key" in check["message"]
    assert "its request carried the other secret's key" in check["message"]


# ------------------------------------------------------------------------------------ rotation


def test_no_retry_after_a_rejected_key_loses_the_rotation_and_second_rejection_checks(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("if response.status_code in KEY_REJECTED:\n            # Step 5", "if False:\n            # Step 5"))
    rotation, second = assert_only_failures(grade(code, tmp_path), ROTATION, SECOND_REJECTION)
    assert "to read the secret again and succeed; it raised ShippingError" in rotation["message"]
    assert "expected" in second["message"] and "the API received 1 request: POST /v1/shipments (answered 401)" in second["message"]


def test_retrying_only_a_401_loses_the_403_cases(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("KEY_REJECTED = (401, 403)", "KEY_REJECTED = (401,)"))
    rotation, second = assert_only_failures(grade(code, tmp_path), ROTATION, SECOND_REJECTION)
    assert rotation["outcome"] == second["outcome"] == "partial"
    assert "the API answers 403 to the old key" in rotation["message"]
    assert "the API answers 401 to the old key" not in rotation["message"]
    assert "the new key is kept" not in rotation["message"]  # the key it did pick up is kept
    assert rotation["points"] == 2
    assert "the API answers 403 to every request" in second["message"]


def test_retrying_a_rejected_key_twice_loses_only_the_second_rejection_check(tmp_path: Path) -> None:
    retry = "            response = self._post(payload, refresh_key=True)\n"
    check = only_failure(
        tmp_path, SECOND_REJECTION,
        (retry, retry + "            if response.status_code in KEY_REJECTED:\n" + "    " + retry),
    )
    assert "the API received 3 requests" in check["message"]
    assert check["hint"] == GRADER.SECOND_REJECTION_HINT


# ----------------------------------------------------------------------------------- errors


def test_retrying_server_errors_loses_part_of_the_status_check(tmp_path: Path) -> None:
    check = only_failure(
        tmp_path, STATUSES,
        ("if response.status_code in KEY_REJECTED:\n            # Step 5",
         "if response.status_code in KEY_REJECTED or response.status_code >= 500:\n            # Step 5"),
    )
    assert check["outcome"] == "partial" and check["points"] == check["max"] / 2
    assert "status 500: expected exactly 1 request" in check["message"] and "status 400" not in check["message"]


def test_a_shipping_error_without_the_status_loses_the_status_check(tmp_path: Path) -> None:
    check = only_failure(
        tmp_path, STATUSES,
        ('f"shipping API answered HTTP {response.status_code} for order {order_id!r}",\n                status=response.status_code,',
         '"the shipping API refused the order",'),
    )
    assert "to name the status 400 (in its message or an attribute); got ShippingError('the shipping API refused the order')" in check["message"]


def test_a_shipping_error_with_the_status_only_as_an_attribute_gets_full_marks(tmp_path: Path) -> None:
    run = grade(mutant(
        tmp_path,
        ('f"shipping API answered HTTP {response.status_code} for order {order_id!r}",\n                status=response.status_code,',
         '"the shipping API refused the order",\n                status=response.status_code,'),
    ), tmp_path)
    assert_only_failures(run)


def test_a_request_without_a_timeout_loses_the_timeout_check(tmp_path: Path) -> None:
    check = only_failure(tmp_path, TIMEOUT, ("timeout=TIMEOUT_SECONDS", "timeout=None"))
    assert "3 of 3 connections could wait for ever (timeout=None)" in check["message"]


def test_raising_another_exception_than_shipping_error_gets_the_shipping_error_hint(tmp_path: Path) -> None:
    check = only_failure(
        tmp_path, STATUSES,
        (('raise ShippingError(\n                f"shipping API answered HTTP {response.status_code} for order {order_id!r}",\n'
         "                status=response.status_code,\n            )"),
         'raise RuntimeError(f"shipping API answered HTTP {response.status_code}")'),
    )
    assert "to raise ShippingError; it raised RuntimeError: shipping API answered HTTP 400 (katas/kata3_secrets/shipping_client.py, line" in check["message"]
    assert check["hint"] == GRADER.SHIPPING_ERROR_HINT


# ------------------------------------------------------------------------------------- leaks


def test_logging_the_key_loses_the_log_part_of_the_leak_check(tmp_path: Path) -> None:
    check = only_failure(
        tmp_path, LEAKS,
        ('logger.info("shipping API rejected the cached key (HTTP %s); re-reading the secret", response.status_code)',
         'logger.info("shipping API rejected the key %s; re-reading the secret", self._api_key)'),
    )
    assert check["outcome"] == "partial"
    assert "logs and printed output: expected the key in no log line" in check["message"]
    assert "rejected the key <the key>" in check["message"]
    assert "shp_live_" not in check["message"]


def test_printing_the_key_loses_the_log_part_of_the_leak_check(tmp_path: Path) -> None:
    check = only_failure(
        tmp_path, LEAKS,
        ('            self._api_key = json.loads(answer["SecretString"])["api_key"]\n',
         '            self._api_key = json.loads(answer["SecretString"])["api_key"]\n            print("using key", self._api_key)\n'),
    )
    assert "it was printed" in check["message"]


def test_the_key_in_an_exception_message_loses_the_exception_part(tmp_path: Path) -> None:
    check = only_failure(
        tmp_path, LEAKS,
        ("f\"shipping API rejected the API key from secret {self._secret_id!r} twice \"",
         "f\"shipping API rejected the API key {self._api_key} twice \""),
    )
    assert "exception messages: expected no exception raised by create_shipment" in check["message"]
    assert "logs and printed output" not in check["message"]


def test_a_repr_that_shows_the_key_loses_the_repr_part(tmp_path: Path) -> None:
    check = only_failure(
        tmp_path, LEAKS,
        ('return f"ShippingClient(secret_id={self._secret_id!r}, base_url={self._base_url!r})"',
         'return f"ShippingClient(secret_id={self._secret_id!r}, api_key={self._api_key!r})"'),
    )
    assert "repr() and str() of the client: expected repr(client) and str(client) not to show the key" in check["message"]
    assert check["points"] == check["max"] * 3 / 4


def test_the_key_in_the_query_string_loses_the_url_part(tmp_path: Path) -> None:
    check = only_failure(
        tmp_path, LEAKS,
        ('f"{self._base_url}/shipments",', 'f"{self._base_url}/shipments?api_key={self._key()}",'),
    )
    assert "the URL and the body: expected the key to travel only in the x-api-key header; it was also in the URL" in check["message"]


def test_a_syntax_error_fails_the_import_check_and_blocks_the_rest(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("class ShippingClient:", "class ShippingClient"))
    run = grade(code, tmp_path)
    KATA.assert_sane(run)
    assert re.search(r"katas/kata3_secrets/shipping_client\.py has a syntax error on line \d+", run.check(KATA_ID, IMPORTS)["message"])
    others = {c["id"] for c in run.exercise(KATA_ID)["checks"]} - {IMPORTS}
    assert {run.check(KATA_ID, c)["outcome"] for c in others} == {"blocked"}


# ------------------------------------------------------------------ the failure the README shows


def test_a_forgotten_timeout_prints_exactly_the_failure_the_readme_shows(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("            timeout=TIMEOUT_SECONDS,\n", ""))
    run = grade(code, tmp_path, "-k", "timeout")
    check = run.check(KATA_ID, TIMEOUT)
    title = f"Secrets Manager shipping client › {check['title']}  (0/{check['max']:g})"
    shown = "\n".join([title, check["message"], f"Hint: {check['hint']}", f"Read: {check['read']}"])
    lines = [line.strip() for line in (REPO / KATA.folder / "README.md").read_text(encoding="utf-8").splitlines()]
    start = lines.index(title)
    assert "\n".join(lines[start : start + 4]) == shown, "the README shows a different failure than the grader prints"


# ------------------------------------------------------------- what independent solutions showed


def test_no_read_timeout_loses_the_timeout_check(tmp_path: Path) -> None:
    check = only_failure(tmp_path, TIMEOUT, ("TIMEOUT_SECONDS = (3.05, 10)", "TIMEOUT_SECONDS = (3.05, None)"))
    assert "could wait for ever while reading (a read timeout of None)" in check["message"], check["message"]


def test_a_retry_without_a_timeout_loses_the_timeout_check(tmp_path: Path) -> None:
    retry = "            response = self._post(payload, refresh_key=True)\n"
    bare = (
        "            response = requests.post(f\"{self._base_url}/shipments\", json=payload,\n"
        "                                     headers={\"x-api-key\": self._key(refresh=True)})\n"
    )
    check = only_failure(tmp_path, TIMEOUT, (retry, bare))
    assert "1 of 3 connections could wait for ever (timeout=None)" in check["message"], check["message"]


def test_a_constructor_that_describes_the_secret_loses_the_lazy_part(tmp_path: Path) -> None:
    init = "        self._secret_id = secret_id\n"
    check = only_failure(
        tmp_path, LAZY_CACHE, (init, init + "        boto3.client(\"secretsmanager\").describe_secret(SecretId=secret_id)\n")
    )
    assert "creating the client reads nothing" in check["message"] and "DescribeSecret" in check["message"], check["message"]


def test_only_200_and_201_taken_for_success_loses_the_shipment_check(tmp_path: Path) -> None:
    code = mutant(tmp_path, ("        if not 200 <= response.status_code < 300:", "        if response.status_code not in (200, 201):"))
    (check,) = KATA.assert_only_failures(grade(code, tmp_path), SHIPS, blocked=(LEAKS,))
    assert "to return the answer of a 202 Accepted too (any 2xx is success)" in check["message"], check["message"]


def test_a_key_cached_in_a_module_level_dict_keyed_by_secret_id_gets_full_marks(tmp_path: Path) -> None:
    """The README accepts it: unlike one module-level variable, clients of different secrets keep different keys."""
    cached = (
        "        if self._secret_id not in _KEYS or refresh:\n"
        "            answer = self._secrets.get_secret_value(SecretId=self._secret_id)\n"
        '            _KEYS[self._secret_id] = json.loads(answer["SecretString"])["api_key"]\n'
        "        return _KEYS[self._secret_id]\n"
    )
    code = mutant(
        tmp_path,
        ("        if self._api_key is None or refresh:\n"
         "            answer = self._secrets.get_secret_value(SecretId=self._secret_id)\n"
         '            self._api_key = json.loads(answer["SecretString"])["api_key"]\n'
         "        return self._api_key\n", cached),
        ("\n\nclass ShippingClient:", "\n\n_KEYS = {}  # secret id -> its API key, for every client of that secret\n\n\nclass ShippingClient:"),
    )
    assert_only_failures(grade(code, tmp_path))
