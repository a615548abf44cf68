"""CloudWatch Logs filter patterns (harness/emulator/filter_patterns.py) and EMF extraction (emf.py)."""

from __future__ import annotations

import json

import pytest

from harness.emulator import emf
from harness.emulator.filter_patterns import MISSING, FilterPatternError, compile_pattern, matches

ACCESS_LOG = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 404 1534'
SERVER_ERROR = '10.0.0.2 - anna [10/Oct/2000:13:26:00 -0700] "POST /orders HTTP/1.1" 503 20480'


def event(**fields: object) -> str:
    return json.dumps(fields)


@pytest.mark.parametrize(
    "pattern, message, expected",
    [
        ("ERROR", "[ERROR] payment failed", True),
        ("ERROR", "[INFO] all good", False),
        ("ERROR", "[error] lower case", False),  # case-sensitive
        ("ERROR payment", "[ERROR] payment failed", True),  # every term
        ("ERROR refund", "[ERROR] payment failed", False),
        ('"payment failed"', "[ERROR] payment failed", True),
        ('"failed payment"', "[ERROR] payment failed", False),
        ("ERROR -Retrying", "[ERROR] Retrying payment", False),
        ("ERROR -Retrying", "[ERROR] payment failed", True),
        ("?ERROR ?WARN", "[WARN] slow", True),
        ("?ERROR ?WARN", "[INFO] fine", False),
        ("%ERR(OR|ORS)%", "3 ERRORS", True),
        ("", "anything at all", True),
    ],
)
def test_term_patterns(pattern: str, message: str, expected: bool) -> None:
    assert matches(pattern, message) is expected


@pytest.mark.parametrize(
    "pattern, message, expected",
    [
        ('{ $.level = "ERROR" }', event(level="ERROR"), True),
        ('{ $.level = "ERROR" }', event(level="INFO"), False),
        ('{ $.level = "ERROR" }', "ERROR in plain text", False),  # the event must be JSON
        ("{ $.level = ERR* }", event(level="ERROR"), True),  # unquoted, with a wildcard
        ('{ $.level != "ERROR" }', event(level="INFO"), True),
        ('{ $.level != "ERROR" }', event(message="no level"), False),
        ("{ $.latency > 500 }", event(latency=501), True),
        ("{ $.latency > 500 }", event(latency=500), False),
        ("{ $.latency >= 500 }", event(latency=500), True),
        ("{ $.latency < 500 }", event(latency="fast"), False),
        ("{ $.status = 200 }", event(status=200.0), True),
        ('{ $.level = "ERROR" && $.latency > 100 }', event(level="ERROR", latency=50), False),
        ('{ $.level = "ERROR" || $.latency > 100 }', event(level="INFO", latency=150), True),
        ('{ ($.level = "ERROR" || $.level = "WARN") && $.user.id = 7 }', event(level="WARN", user={"id": 7}), True),
        ('{ ($.level = "ERROR" || $.level = "WARN") && $.user.id = 7 }', event(level="WARN", user={"id": 8}), False),
        ('{ $.items[1].sku = "PU-*" }', event(items=[{"sku": "A"}, {"sku": "PU-1"}]), True),
        ("{ $.cold_start IS TRUE }", event(cold_start=True), True),
        ("{ $.cold_start IS FALSE }", event(cold_start=True), False),
        ("{ $.error IS NULL }", event(error=None), True),
        ("{ $.error EXISTS }", event(error="boom"), True),
        ("{ $.error NOT EXISTS }", event(error="boom"), False),
        ("{ $.error NOT EXISTS }", event(level="INFO"), True),
        ("{ $.request_id = %^[0-9a-f-]+$% }", event(request_id="ab12-cd"), True),
    ],
)
def test_json_patterns(pattern: str, message: str, expected: bool) -> None:
    assert matches(pattern, message) is expected


@pytest.mark.parametrize(
    "pattern, message, expected",
    [
        ("[ip, user, username, timestamp, request, status_code = 404, bytes]", ACCESS_LOG, True),
        ("[ip, user, username, timestamp, request, status_code = 404, bytes]", SERVER_ERROR, False),
        ("[ip, user, username, timestamp, request, status_code = 4* || status_code = 5*, bytes]", SERVER_ERROR, True),
        ("[ip, ..., status_code >= 500, bytes > 10000]", SERVER_ERROR, True),
        ("[ip, ..., status_code >= 500, bytes > 30000]", SERVER_ERROR, False),
        ('[..., request = "*orders*", status_code, bytes]', SERVER_ERROR, True),
        ("[ip, user, status_code]", ACCESS_LOG, False),  # without ..., the number of fields must match
        ("[ip != 127.0.0.1, ...]", ACCESS_LOG, False),
    ],
)
def test_space_delimited_patterns(pattern: str, message: str, expected: bool) -> None:
    assert matches(pattern, message) is expected


def test_a_match_binds_what_metric_filters_read() -> None:
    space = compile_pattern("[ip, user, username, timestamp, request, status_code, bytes]")(ACCESS_LOG)
    assert space is not None
    assert (space.resolve("$timestamp"), space.resolve("$request"), space.resolve("$bytes")) == (
        "10/Oct/2000:13:25:15 -0700",
        "GET /apache_pb.gif HTTP/1.0",
        "1534",
    )
    document = compile_pattern("{ $.latency > 0 }")(event(latency=42, order={"region": "eu"}))
    assert document is not None
    assert (document.resolve("$.latency"), document.resolve("$.order.region"), document.resolve("1")) == (42, "eu", "1")
    assert document.resolve("$.nothing") is MISSING


@pytest.mark.parametrize(
    "pattern",
    [
        "{ $.level = }",
        "{ level = 1 }",
        '{ $.latency > "slow" }',
        "{ $.a = 1",
        '"unclosed',
        "[status = ]",
        "{ $.a IS MAYBE }",
    ],
)
def test_patterns_cloudwatch_refuses_are_refused(pattern: str) -> None:
    with pytest.raises(FilterPatternError):
        compile_pattern(pattern)


POWERTOOLS_LINE = {
    "_aws": {
        "Timestamp": 1767225600123,
        "CloudWatchMetrics": [
            {
                "Namespace": "Orders",
                "Dimensions": [["service"], ["service", "region"]],
                "Metrics": [{"Name": "OrdersProcessed", "Unit": "Count"}, {"Name": "Latency", "Unit": "Milliseconds"}],
            }
        ],
    },
    "service": "checkout",
    "region": "eu-west-1",
    "OrdersProcessed": 1,
    "Latency": [12.5, 30],
    "message": "done",
}


def test_an_emf_line_is_one_datapoint_per_metric_value_and_dimension_set() -> None:
    found = emf.datapoints(json.dumps(POWERTOOLS_LINE))
    assert {(p.name, p.value, tuple(sorted(p.dimensions.items())), p.unit) for p in found} == {
        ("OrdersProcessed", 1.0, (("service", "checkout"),), "Count"),
        ("OrdersProcessed", 1.0, (("region", "eu-west-1"), ("service", "checkout")), "Count"),
        ("Latency", 12.5, (("service", "checkout"),), "Milliseconds"),
        ("Latency", 30.0, (("service", "checkout"),), "Milliseconds"),
        ("Latency", 12.5, (("region", "eu-west-1"), ("service", "checkout")), "Milliseconds"),
        ("Latency", 30.0, (("region", "eu-west-1"), ("service", "checkout")), "Milliseconds"),
    }
    assert {(p.namespace, p.timestamp_millis) for p in found} == {("Orders", 1767225600123)}


def test_lines_that_are_not_valid_emf_give_no_metrics() -> None:
    def variant(**members: object) -> str:
        return json.dumps({**POWERTOOLS_LINE, **members})

    no_timestamp = {**POWERTOOLS_LINE, "_aws": {"CloudWatchMetrics": POWERTOOLS_LINE["_aws"]["CloudWatchMetrics"]}}
    assert emf.datapoints("plain text with _aws in it") == []
    assert emf.datapoints(json.dumps({"level": "INFO"})) == []
    assert emf.datapoints(json.dumps(no_timestamp)) == []  # _aws.Timestamp is required
    assert emf.datapoints(variant(region=7)) == []  # a dimension must have a string value
    assert {p.name for p in emf.datapoints(variant(Latency="slow"))} == {"OrdersProcessed"}  # that metric is left out
    assert len(emf.datapoints(variant())) == 6
