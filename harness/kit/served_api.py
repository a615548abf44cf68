"""Calling a deployed REST API stage over HTTP, signed with SigV4 or not, for graders.

    api = ServedApi(backend.endpoint, api_id, "prod")
    answer = api.call("POST", "/orders", body={"customer_id": "C-1", "items": [...]})
    expect(answer.status == 201, f"Expected {answer.request} to answer 201, got {answer.described()}.")

Every backend with ``DEPLOYED_API_OVER_HTTP`` serves a stage at LocalStack's path form
``{endpoint}/restapis/{api id}/{stage}/_user_request_/{path}`` (docs/harness.md, "Deployed REST APIs
over HTTP"). A signed call uses the dummy credentials of the grading process (the account itself), as
``curl --aws-sigv4`` does, or, with ``as_identity``, another IAM identity's access key (``make_user``
makes an IAM user who may invoke APIs: the heist's victim and attacker); ``signature`` keeps the
request's SigV4 signature, so that a grader can look for it where it must not be (a function's logs).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

REGION = "us-east-1"
SIGNED_SERVICE = "execute-api"


@dataclass(frozen=True)
class Identity:
    """An IAM identity's access key, to sign as (a user's key, or a role session's with its token)."""

    name: str
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    arn: str = ""


def make_user(iam: Any, name: str, policy: dict[str, Any] | None = None, account: str | None = None) -> Identity:
    """An IAM user with an access key and, by default, leave to invoke any API (execute-api:Invoke).
    ``account``: made in another account of the embedded backend (moto's x-moto-account-id header; its
    key then signs as that account), e.g. an outsider trying a topic (needs(IAM_ENFORCEMENT) to judge it)."""
    if account is not None:
        iam.meta.events.register("before-sign.iam.*", _in_account(account))
    document = policy or {"Version": "2012-10-17",
                          "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}
    try:
        user = iam.create_user(UserName=name)["User"]
        iam.put_user_policy(UserName=name, PolicyName="invoke-apis", PolicyDocument=json.dumps(document))
        key = iam.create_access_key(UserName=name)["AccessKey"]
    finally:
        if account is not None:
            iam.meta.events.unregister("before-sign.iam.*", _in_account(account))
    return Identity(name, key["AccessKeyId"], key["SecretAccessKey"], None, user["Arn"])


@functools.cache
def _in_account(account: str) -> Any:
    def add_header(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account

    return add_header


@dataclass(frozen=True)
class HttpAnswer:
    request: str  # "POST /orders" as a message shows it
    status: int
    text: str
    body: Any  # the JSON answer, else None
    note: str | None  # the embedded backend's x-course-emulator header: why API Gateway failed
    signature: str | None  # the request's SigV4 signature, None when unsigned

    def described(self) -> str:
        """'404 {"error": "..."}' for messages, cut short, with the emulator's note when there is one."""
        text = self.text if len(self.text) <= 300 else self.text[:300] + "..."
        return f"{self.status} {text}" + (f" (the emulator: {self.note})" if self.note else "")

    def error_text(self) -> str | None:
        """The body's "error" when it is a non-empty string (the error body a contract may ask for)."""
        error = self.body.get("error") if isinstance(self.body, dict) else None
        return error if isinstance(error, str) and error.strip() else None


def stage_url(endpoint: str, api_id: str, stage: str) -> str:
    return f"{endpoint.rstrip('/')}/restapis/{api_id}/{stage}/_user_request_"


class ServedApi:
    """One deployed stage of a REST API."""

    def __init__(self, endpoint: str, api_id: str, stage: str, region: str = REGION, timeout: float = 35.0) -> None:
        self.base = stage_url(endpoint, api_id, stage)
        self.region = region
        self.timeout = timeout

    def call(self, method: str, path: str, *, body: Any = None, query: dict[str, str] | None = None,
             headers: dict[str, str] | None = None, signed: bool = True, tamper: bool = False,
             as_identity: Identity | None = None) -> HttpAnswer:
        """One request; ``body`` a dict or list is sent as JSON, a str as it is. ``tamper``: signed, then
        one character of the signature changed (API Gateway must refuse it). ``as_identity``: signed with
        that identity's key instead of the grading process's."""
        import requests

        url = self.base + path + (f"?{urlencode(query)}" if query else "")
        data = json.dumps(body) if isinstance(body, (dict, list)) else body
        sent = {"Content-Type": "application/json", **(headers or {})} if data is not None else dict(headers or {})
        signature = None
        if signed:
            sent, signature = self._signed(method, url, data, sent, as_identity)
            if tamper and signature:
                changed = ("0" if signature[-1] != "0" else "1")
                sent["Authorization"] = sent["Authorization"][: -1] + changed
        session = requests.Session()
        session.trust_env = False  # the backend is local: never through a proxy
        response = session.request(method, url, data=data, headers=sent, timeout=self.timeout)
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        who = f"{as_identity.name}'s signed " if signed and as_identity else ("a signed " if signed else "an unsigned ")
        shown = f"{who}{method} {path}" + (f"?{urlencode(query)}" if query else "")
        return HttpAnswer(shown, response.status_code, response.text, parsed, response.headers.get("x-course-emulator"), signature)

    def _signed(self, method: str, url: str, data: str | None, headers: dict[str, str],
                identity: Identity | None = None) -> tuple[dict[str, str], str | None]:
        import boto3
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        credentials = (Credentials(identity.access_key_id, identity.secret_access_key, identity.session_token)
                       if identity else boto3.Session().get_credentials())
        request = AWSRequest(method=method, url=url, data=data, headers=headers)
        SigV4Auth(credentials, SIGNED_SERVICE, self.region).add_auth(request)
        signed = dict(request.headers.items())
        authorization = signed.get("Authorization", "")
        return signed, authorization.rsplit("Signature=", 1)[-1] if "Signature=" in authorization else None
