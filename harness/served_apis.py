"""`course backend apis`: the local URL of every method of every deployed REST API stage, for `curl`.

Each backend the course runs serves a stage at ``{endpoint}/restapis/{api_id}/{stage}/_user_request_/{path}``
(the embedded one through harness/emulator/apigateway_http.py; LocalStack and MiniStack natively).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from .settings import DUMMY_ACCESS_KEY, DUMMY_SECRET_KEY, REGION

NO_APIS = "No REST API is deployed to a stage yet (create-deployment, or a stack with a Stage)."
HEADER = "Deployed REST API stages (on AWS: https://{{api id}}.execute-api.{region}.amazonaws.com/{{stage}}/...):"


@dataclass(frozen=True)
class ServedMethod:
    api_name: str
    api_id: str
    stage: str
    method: str
    path: str
    authorization: str
    url: str


def stage_url(endpoint: str, api_id: str, stage: str, path: str = "/") -> str:
    return f"{endpoint.rstrip('/')}/restapis/{api_id}/{stage}/_user_request_{path}"


def served_methods(endpoint: str) -> list[ServedMethod]:
    import boto3

    client = boto3.client("apigateway", endpoint_url=endpoint, region_name=REGION,
                          aws_access_key_id=DUMMY_ACCESS_KEY, aws_secret_access_key=DUMMY_SECRET_KEY)
    found = []
    for api in client.get_rest_apis(limit=500).get("items", []):
        stages = sorted(s["stageName"] for s in client.get_stages(restApiId=api["id"]).get("item", []))
        if not stages:
            continue
        resources = client.get_resources(restApiId=api["id"], limit=500, embed=["methods"]).get("items", [])
        for stage in stages:
            for resource in sorted(resources, key=lambda r: r["path"]):
                for method, detail in sorted((resource.get("resourceMethods") or {}).items()):
                    found.append(ServedMethod(
                        api.get("name", ""), api["id"], stage, method, resource["path"],
                        (detail or {}).get("authorizationType") or "NONE",
                        stage_url(endpoint, api["id"], stage, resource["path"]),
                    ))
    return found


def print_apis(endpoint: str, out: TextIO) -> None:
    methods = served_methods(endpoint)
    if not methods:
        print(NO_APIS, file=out)
        return
    print(HEADER.format(region=REGION), file=out)
    width = max(len(m.method) for m in methods)
    for m in methods:
        print(f"  {m.method:<{width}}  {m.url}  ({m.api_name}, {m.authorization})", file=out)
