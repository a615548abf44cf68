"""A deployed function whose init fails answers as the Python runtime does (harness/lambda_runner.py):
Runtime.ImportModuleError for ImportError, Runtime.UserCodeSyntaxError for SyntaxError, the exception's
own type for anything else the module raises, Lambda's types for a malformed or built-in handler."""

from __future__ import annotations

import boto3
import pytest
from lambda_backend_kit import create_function, invoke, package, role_arn

from harness.backends import EmbeddedMoto


def log_messages(name: str) -> list[str]:
    events = boto3.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    return [event["message"] for event in events]


@pytest.mark.parametrize(
    ("source", "error_type", "message"),
    [
        ("import nosuchmodule\ndef handler(event, context):\n    pass\n",
         "Runtime.ImportModuleError", "Unable to import module 'app': No module named 'nosuchmodule'"),
        ("from os import nosuchname\ndef handler(event, context):\n    pass\n",
         "Runtime.ImportModuleError", "Unable to import module 'app': cannot import name 'nosuchname' from 'os'"),
        ("def handler(event, context)\n    pass\n",
         "Runtime.UserCodeSyntaxError", "Syntax error in module 'app': expected ':' (app.py, line 1)"),
        ("import os\nTOPIC = os.environ['ORDER_EVENTS_TOPIC_ARN']\ndef handler(event, context):\n    pass\n",
         "KeyError", "'ORDER_EVENTS_TOPIC_ARN'"),
        ("raise RuntimeError('no configuration')\ndef handler(event, context):\n    pass\n",
         "RuntimeError", "no configuration"),
    ],
    ids=["module-not-found", "name-not-found", "syntax-error", "key-error", "runtime-error"],
)
def test_an_init_failure_answers_lambdas_error_type(aws: EmbeddedMoto, source: str, error_type: str, message: str) -> None:
    create_function("initfails", source)
    answer, payload = invoke("initfails")
    assert answer["FunctionError"] == "Unhandled"
    assert payload["errorType"] == error_type and payload["errorMessage"].startswith(message), payload  # then a path, for some
    assert isinstance(payload["stackTrace"], list) and payload["requestId"]
    log = "\n".join(log_messages("initfails"))
    assert f"[ERROR] {error_type}: {message}" in log and "Traceback (most recent call last):" in log
    assert f"Status: error\tError Type: {error_type}" in log
    assert "/tmp/" not in log  # paths are Lambda's /var/task


def test_an_exception_at_init_shows_where_the_module_raised_it(aws: EmbeddedMoto) -> None:
    create_function("where", "import os\n\nTOPIC = os.environ['MISSING']\ndef handler(event, context):\n    pass\n")
    payload = invoke("where")[1]
    assert any('File "/var/task/app.py", line 3, in <module>' in frame for frame in payload["stackTrace"])
    assert not any("lambda_runner" in frame for frame in payload["stackTrace"])  # the runtime's frames are not the student's
    assert 'File "/var/task/app.py", line 3, in <module>' in "\n".join(log_messages("where"))


def test_a_syntax_error_names_the_file_and_line_in_its_stack(aws: EmbeddedMoto) -> None:
    create_function("syntax", "x = 1\ndef handler(event, context)\n    pass\n")
    payload = invoke("syntax")[1]
    assert payload["stackTrace"] == ['  File "/var/task/app.py" Line 2\n    def handler(event, context)\n']


@pytest.mark.parametrize(
    ("handler", "error_type", "message"),
    [
        ("app", "Runtime.MalformedHandlerName", "Bad handler 'app': not enough values to unpack (expected 2, got 1)"),
        ("sys.handler", "Runtime.BuiltInModuleConflict", "Cannot use built-in module sys as a handler module"),
        ("src/app.handler", "Runtime.ImportModuleError", "Unable to import module 'src/app': No module named 'src'"),
        ("app.missing", "Runtime.HandlerNotFound", "Handler 'missing' missing on module 'app'"),
    ],
)
def test_a_handler_setting_lambda_cannot_use(aws: EmbeddedMoto, handler: str, error_type: str, message: str) -> None:
    boto3.client("lambda").create_function(
        FunctionName="handlers", Runtime="python3.12", Role=role_arn(), Handler=handler,
        Code={"ZipFile": package("def handler(event, context):\n    return 1\n")},
    )
    payload = invoke("handlers")[1]
    assert (payload["errorType"], payload["errorMessage"]) == (error_type, message)
