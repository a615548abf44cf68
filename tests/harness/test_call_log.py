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
