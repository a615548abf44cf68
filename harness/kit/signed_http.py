"""Calls to a served API stage over HTTP, unsigned or SigV4-signed as a given IAM identity, for graders.

    api = served_api(api_id, "prod")
    answer = api.call("POST", "/items", body={"title": "x"}, credentials=alice)
    answer.status, answer.json, answer.text

The URL is the form every backend serves (harness/served_apis.py). Signing is botocore's SigV4 for the
service ``execute-api``, what `curl --aws-sigv4` and the SDKs send; the grader's dummy credentials are the
account itself. Loopback only: the backend is local, so no proxy is used.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from ..served_apis import stage_url
from ..settings import REGION

TIMEOUT_S = 35  # API Gateway's integration timeout (29 s) and a margin


@dataclass(frozen=True)
class Identity:
    """An IAM identity's access key, for signing (a user's key, or a role session with its token)."""

    name: str
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    arn: str = ""


@dataclass(frozen=True)
class Answer:
    method: str
    path: str
    status: int
    text: str
    headers: dict[str, str]

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    def brief(self, limit: int = 160) -> str:
        text = self.text if len(self.text) <= limit else self.text[:limit] + "..."
        return f"{self.method} {self.path} answered {self.status}: {text!r}"


@dataclass(frozen=True)
class ServedApi:
    endpoint: str
    api_id: str
    stage: str

    def url(self, path: str) -> str:
        return stage_url(self.endpoint, self.api_id, self.stage, path)

    def call(self, method: str, path: str, *, body: Any = None, raw_body: str | bytes | None = None,
             credentials: Identity | None = None, query: dict[str, str] | None = None) -> Answer:
        """One request; ``body`` is sent as JSON, ``raw_body`` as it is; signed when credentials are given."""
        import requests
        from requests.models import PreparedRequest

        prepared = PreparedRequest()
        prepared.prepare_url(self.url(path), query or {})
        data = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
        headers = {"Content-Type": "application/json"} if data is not None else {}
        if credentials is not None:
            headers = sign(method, prepared.url or "", data, headers, credentials)
        session = requests.Session()
        session.trust_env = False  # a local backend: never through a proxy
        response = session.request(method, prepared.url, data=data, headers=headers, timeout=TIMEOUT_S)
        return Answer(method, path, response.status_code, response.text, dict(response.headers))


def sign(method: str, url: str, data: str | bytes | None, headers: dict[str, str], who: Identity) -> dict[str, str]:
    """The headers with SigV4 (execute-api) added for ``who``."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method=method, url=url, data=data, headers=dict(headers))
    SigV4Auth(Credentials(who.access_key_id, who.secret_access_key, who.session_token), "execute-api", REGION).add_auth(request)
    return dict(request.headers.items())


def served_api(api_id: str, stage: str, endpoint: str | None = None) -> ServedApi:
    return ServedApi((endpoint or os.environ["AWS_ENDPOINT_URL"]).rstrip("/"), api_id, stage)


def make_user(iam: Any, name: str, policy: dict[str, Any] | None = None) -> Identity:
    """An IAM user with an access key and, by default, leave to invoke any API (execute-api:Invoke)."""
    document = policy or {"Version": "2012-10-17",
                          "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}
    user = iam.create_user(UserName=name)["User"]
    iam.put_user_policy(UserName=name, PolicyName="invoke-apis", PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return Identity(name, key["AccessKeyId"], key["SecretAccessKey"], None, user["Arn"])
