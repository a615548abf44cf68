"""API Gateway's checks before a method's integration runs, with the status and body AWS answers.

- ``AWS_IAM``: the SigV4 signature (Authorization header) verified with the secret of the access key it
  names: the emulator's dummy keys (``test``/``testing``, standing for the account's administrator:
  every Invoke allowed), an IAM user's access key, or ``AssumeRole`` credentials (their session token
  checked). For an IAM user or role, its identity policies (inline, attached, its groups') must allow
  ``execute-api:Invoke`` on the method ARN, and the API's resource policy may allow or deny it;
  harness/kit/iam.py evaluates them. Not checked: the signature's age, permission boundaries, SCPs.
- API keys (``apiKeyRequired``): the ``x-api-key`` header must be an enabled key in a usage plan of this
  stage; else 403 Forbidden. Throttling and quotas of the plan are not applied.
- Lambda authorizers (``CUSTOM``, TOKEN and REQUEST): the identity sources must be present (else 401),
  the function runs with AWS's authorizer event, and its policy must allow the method ARN; its
  ``principalId`` and ``context`` reach the integration as ``requestContext.authorizer``. Results are not
  cached (AWS caches them for the TTL, 300 s by default).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from harness.kit.iam import parse_policy

from .apigateway_proxy import Request, Response, Where, error

DUMMY_SECRETS = {"test": "test", "testing": "testing"}  # the harness's and moto's default credentials
MISSING_TOKEN = "Missing Authentication Token"
INVALID_TOKEN = "The security token included in the request is invalid."
BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details."
)
INVOKE = "execute-api:Invoke"
AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request,\s*"
    r"SignedHeaders=(?P<headers>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]{64})"
)


@dataclass
class Allowed:
    """What a passed check adds to the proxy event."""

    identity: dict[str, Any] = field(default_factory=dict)
    authorizer: dict[str, Any] | None = None


class Refused(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def forbidden(message: str, error_type: str = "ForbiddenException", key: str = "message") -> Refused:
    return Refused(error(403, message, error_type, key))


# ----------------------------------------------------------------------------------------- AWS_IAM


@dataclass(frozen=True)
class Caller:
    access_key: str
    secret: str
    arn: str | None  # None: the dummy keys, the account itself
    policies: tuple[Any, ...] = ()  # policy documents (JSON text or dicts)


def _caller(account_id: str, access_key: str, token: str | None) -> Caller | None:
    if access_key in DUMMY_SECRETS:
        return Caller(access_key, DUMMY_SECRETS[access_key], None)
    from moto.iam.access_control import AssumedRoleAccessKey, CreateAccessKeyFailure, IAMPolicy, IAMUserAccessKey

    headers = {"X-Amz-Security-Token": token} if token else {}
    for kind in (IAMUserAccessKey, AssumedRoleAccessKey):
        try:
            key = kind(account_id, "aws", access_key, headers)
        except (CreateAccessKeyFailure, KeyError):
            continue
        documents = tuple(IAMPolicy(p)._policy_json for p in key.collect_policies())
        return Caller(access_key, key._secret_access_key, key.arn, documents)
    return None


def canonical_request(request: Request, path: str, signed: list[str], payload_hash: str) -> str:
    query = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in request.query_pairs())
    headers = "".join(f"{name}:{' '.join((request.header(name) or '').split())}\n" for name in signed)
    return "\n".join([request.method, path, "&".join(f"{k}={v}" for k, v in query), headers, ";".join(signed), payload_hash])


def _signature(secret: str, date: str, region: str, service: str, string_to_sign: str) -> str:
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def _signed_with(secret: str, parsed: re.Match[str], amz_date: str, scope: str, canonical: str) -> bool:
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    expected = _signature(secret, parsed["date"], parsed["region"], parsed["service"], to_sign)
    return hmac.compare_digest(expected, parsed["signature"])


def check_iam(request: Request, raw_path: str, where: Where, method_arn: str, api_policy: str | None) -> Allowed:
    """A SigV4-signed request from a caller allowed to invoke the method, or Refused as API Gateway does."""
    header = request.header("Authorization")
    if not header:
        raise forbidden(MISSING_TOKEN, "MissingAuthenticationTokenException")
    parsed = AUTHORIZATION.match(header.strip())
    amz_date = request.header("X-Amz-Date")
    if parsed is None or not amz_date:
        raise forbidden(f"Authorization header requires 'Credential', 'Signature', 'SignedHeaders' and an X-Amz-Date "
                        f"header. Authorization={header[:60]}", "IncompleteSignatureException")
    caller = _caller(where.account_id, parsed["key"], request.header("X-Amz-Security-Token"))
    if caller is None:
        raise forbidden(INVALID_TOKEN, "UnrecognizedClientException")
    signed = parsed["headers"].lower().split(";")
    payload_hash = request.header("X-Amz-Content-SHA256") or hashlib.sha256(request.body).hexdigest()
    scope = f"{parsed['date']}/{parsed['region']}/{parsed['service']}/aws4_request"
    # The path as sent, encoded once more (botocore's SigV4 for every service but S3) or as it is (curl).
    paths = {quote(raw_path or "/", safe="/~"), raw_path or "/"}
    if not any(_signed_with(caller.secret, parsed, amz_date, scope, canonical_request(request, path, signed, payload_hash))
               for path in paths):
        raise forbidden(BAD_SIGNATURE, "InvalidSignatureException")
    principal_arn = caller.arn or f"arn:aws:iam::{where.account_id}:root"
    _check_policies(caller, principal_arn, method_arn, api_policy, request)
    return Allowed({"accessKey": caller.access_key, "accountId": where.account_id, "caller": caller.access_key,
                    "user": caller.access_key, "userArn": principal_arn})


def _check_policies(caller: Caller, principal_arn: str, method_arn: str, api_policy: str | None, request: Request) -> None:
    context = {"aws:SourceIp": request.source_ip, "aws:PrincipalArn": principal_arn}
    principal = ("AWS", principal_arn)
    decisions = [parse_policy(d, kind="identity").decide(INVOKE, method_arn, context=context) for d in caller.policies]
    document = _json_document(api_policy)
    resource = parse_policy(document, kind="resource").decide(INVOKE, method_arn, principal, context) if document else None
    denied = any(d.denies for d in decisions) or bool(resource and resource.denies)
    allowed = caller.arn is None or any(d.allowed for d in decisions) or bool(resource and resource.allowed)
    if denied or not allowed:
        explicit = " with an explicit deny" if denied else ""
        raise forbidden(f"User: {principal_arn} is not authorized to perform: {INVOKE} on resource: {method_arn}{explicit}",
                        "AccessDeniedException", key="Message")


def _json_document(policy: Any) -> dict[str, Any] | None:
    """The API's resource policy as a dict: moto keeps the text it was given (sometimes JSON in a JSON string)."""
    for _ in range(3):
        if not isinstance(policy, str) or not policy.strip():
            break
        try:
            policy = json.loads(policy)
        except ValueError:
            return None
    return policy if isinstance(policy, dict) else None


# ----------------------------------------------------------------------------------------- API keys


def check_api_key(request: Request, where: Where, backend: Any, identity: dict[str, Any]) -> None:
    value = request.header("x-api-key")
    keys = [k for k in list(backend.keys.values()) if value and k.value == value]
    key = keys[0] if keys else None
    if key is None or str(key.enabled).lower() != "true" or not _in_a_plan(backend, key.id, where):
        raise forbidden("Forbidden")
    identity.update({"apiKey": key.value, "apiKeyId": key.id})


def _in_a_plan(backend: Any, key_id: str, where: Where) -> bool:
    for plan_id, plan_keys in list(backend.usage_plan_keys.items()):
        plan = backend.usage_plans.get(plan_id)
        if plan is None or key_id not in plan_keys:
            continue
        if any(s.get("apiId") == where.api_id and s.get("stage") == where.stage for s in plan.api_stages or []):
            return True
    return False


# ------------------------------------------------------------------------------- Lambda authorizers


def authorizer_event(kind: str, request: Request, where: Where, method_arn: str, identity_value: str | None,
                     context: dict[str, Any]) -> dict[str, Any]:
    if kind == "TOKEN":
        return {"type": "TOKEN", "authorizationToken": identity_value, "methodArn": method_arn}
    return {
        "type": "REQUEST", "methodArn": method_arn, "resource": where.resource_path, "path": request.path,
        "httpMethod": request.method, "headers": request.single_headers(), "multiValueHeaders": request.multi_headers(),
        "queryStringParameters": request.single_query(), "multiValueQueryStringParameters": request.multi_query(),
        "pathParameters": where.path_parameters or None, "stageVariables": where.stage_variables or None,
        "requestContext": context,
    }


def identity_values(kind: str, source: str | None, request: Request, where: Where) -> list[str | None]:
    """The values of the authorizer's identity sources (TOKEN: the header, Authorization by default)."""
    sources = [s.strip() for s in (source or ("method.request.header.Authorization" if kind == "TOKEN" else "")).split(",") if s.strip()]
    values: list[str | None] = []
    for item in sources:
        if item.lower().startswith("method.request.header."):
            values.append(request.header(item.split(".", 3)[3]))
        elif item.lower().startswith("method.request.querystring."):
            values.append((request.single_query() or {}).get(item.split(".", 3)[3]))
        elif item.startswith("stageVariables."):
            values.append(where.stage_variables.get(item.split(".", 1)[1]))
        else:
            values.append("context")  # context variables are always there
    return values


def read_authorizer_answer(payload: bytes, function_error: str | None, method_arn: str) -> dict[str, Any]:
    """The authorizer's answer applied: requestContext.authorizer, or Refused (401, 403, 500) as AWS does."""
    try:
        answer = json.loads(payload)
    except ValueError:
        answer = None
    if function_error:
        if isinstance(answer, dict) and answer.get("errorMessage") == "Unauthorized":
            raise Refused(error(401, "Unauthorized", "UnauthorizedException"))
        raise Refused(error(500, None, "AuthorizerConfigurationException"))
    if not isinstance(answer, dict) or not isinstance(answer.get("policyDocument"), dict) or "principalId" not in answer:
        raise Refused(error(500, None, "AuthorizerConfigurationException"))
    policy = parse_policy(answer["policyDocument"], kind="identity")
    if policy.problems:
        raise Refused(error(500, None, "AuthorizerConfigurationException"))
    decision = policy.decide(INVOKE, method_arn, context={})
    if decision.denies:
        raise forbidden("User is not authorized to access this resource with an explicit deny", "AccessDeniedException", "Message")
    if not decision.allowed:
        raise forbidden("User is not authorized to access this resource", "AccessDeniedException", "Message")
    context = answer.get("context") or {}
    if not isinstance(context, dict) or any(isinstance(v, (dict, list)) for v in context.values()):
        raise Refused(error(500, None, "AuthorizerConfigurationException"))  # AWS takes only flat values
    return {**context, "principalId": answer["principalId"]}
