"""A refused request, answered in the service's own error shape, as AWS answers it.

moto answers every refusal with the query-protocol XML ``AccessDenied`` (403), which botocore cannot
parse for a JSON service (DynamoDB's client then reports the code "403" and the XML as its message),
and without the resource or the reason. AWS's shapes, by protocol:
- JSON-protocol services (DynamoDB, Secrets Manager, KMS, Logs, SSM, Kinesis, ...): 400 ``AccessDeniedException``
  (DynamoDB's ``__type`` carries its namespace, ``com.amazonaws.dynamodb.v20120810#``);
- Lambda and API Gateway (REST JSON): 403 ``AccessDeniedException``;
- SQS: 403 ``AccessDenied`` (JSON or query XML, as the request came);
- SNS: 403 ``AuthorizationError`` in SNS's own XML (moto's serializer for SNS makes it: ``<ErrorResponse
  xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>...``), the action
  named as SNS names it (``SNS:Publish``); IAM, STS, CloudWatch and other query services: 403 ``AccessDenied``;
- S3: 403 ``AccessDenied`` in S3's own XML.
The message is IAM's: "User: <session ARN> is not authorized to perform: <action> on resource: <ARN>
because ..." with the reason ("no identity-based policy allows the <action> action", "with an explicit
deny in an identity-based policy", ...).
"""

from __future__ import annotations

from typing import Any

REST_JSON_SERVICES = {"lambda", "apigateway"}  # their refusals are 403 AccessDeniedException in JSON
DYNAMODB_TYPE = "com.amazonaws.dynamodb.v20120810#AccessDeniedException"


def shown_action(action: str) -> str:
    """An action as the service's refusal names it: SNS writes its prefix in capitals (SNS:Publish)."""
    service, _, name = action.partition(":")
    return f"SNS:{name}" if service == "sns" else action


def message(principal: str, action: str, resource: str, reason: str) -> str:
    where = f" on resource: {resource}" if resource != "*" else ""
    return f"User: {principal} is not authorized to perform: {action}{where} {reason}"


def refusal(action: str, text: str, response: Any) -> Exception:
    """The exception moto's dispatch turns into the service's answer."""
    from moto.core.exceptions import JsonRESTError
    from moto.core.exceptions import _RESTError as RESTError  # moto's query-protocol XML error (private in moto 5)

    service = action.split(":", 1)[0]
    json_request = "json" in (response.headers.get("Content-Type") or "")
    if service == "s3":
        from moto.s3.exceptions import S3ClientError

        error = S3ClientError("AccessDenied", text)
        error.code = "AccessDenied"
        return error
    if service == "dynamodb":
        return _with_status(JsonRESTError(DYNAMODB_TYPE, text), 400)
    if service in REST_JSON_SERVICES:
        return _with_status(JsonRESTError("AccessDeniedException", text), 403)
    if service == "sqs":
        kind = JsonRESTError if json_request else RESTError
        return _with_status(kind("AccessDenied", text), 403)
    if service == "sns":
        return _sns_refusal(text, response)
    if json_request:  # every other JSON-protocol service: Secrets Manager, KMS, Logs, SSM, Kinesis, ...
        return _with_status(JsonRESTError("AccessDeniedException", text), 400)
    return _with_status(RESTError("AccessDenied", text), 403)


def _sns_refusal(text: str, response: Any) -> Exception:
    """SNS's AuthorizationError as moto's SNS serializer writes SNS's errors (namespace, Type, RequestId)."""
    from moto.core.responses import ActionResult
    from moto.sns.exceptions import SNSException
    from werkzeug.exceptions import HTTPException

    status, _, body = response.serialized(ActionResult(SNSException("AuthorizationError", text)))
    error = HTTPException(description=body)
    error.code = status
    return error


def _with_status(error: Any, status: int) -> Any:
    error.code = status
    return error
