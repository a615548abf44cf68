"""How the emulator's call log names a request's service (harness/call_log.py)."""

from __future__ import annotations

import botocore.session

from harness.call_log import KNOWN_SIGNING_NAMES, _search_signing_name, identify


def test_each_known_signing_name_is_what_the_search_of_botocores_models_finds() -> None:
    session = botocore.session.get_session()  # one session: each model is parsed once for all of them
    found = {name: _search_signing_name(name, session) for name in KNOWN_SIGNING_NAMES}
    assert found == KNOWN_SIGNING_NAMES


def test_a_cloudwatch_request_is_named_by_its_service_not_its_signing_name() -> None:
    headers = {
        "authorization": "AWS4-HMAC-SHA256 Credential=test/20261205/us-east-1/monitoring/aws4_request, "
                         "SignedHeaders=host, Signature=0",
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
    }
    call = identify("POST", "/", headers, b"Action=DescribeAlarms&Version=2010-08-01")
    assert call is not None and (call.service, call.operation) == ("cloudwatch", "DescribeAlarms")


def test_a_check_that_asks_for_its_calls_keeps_the_emulators_state_digest() -> None:
    """aws_calls starts the calls a check reads; the state is what it was, so the digest script replay keys
    on (and its fresh-reset test) must not start again."""
    from harness.call_log import ApiCall, CallLog
    from harness.script_replay import fresh

    log = CallLog()
    log.note_request("POST", "/", "", b"Action=CreateQueue&QueueName=q")
    log.record(ApiCall("sqs", "CreateQueue", {}, ""))
    before = log.state_digest()
    log.forget_calls()
    assert log.calls == [] and log.state_digest() == before and not fresh(log)
    log.clear()  # a reset
    assert fresh(log)
