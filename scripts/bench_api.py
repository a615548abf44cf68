"""Requests per second of a deployed REST API stage served over HTTP by the embedded backend
(`make bench ARGS="--only api"`): an AWS_PROXY integration to a warm function, one client and four.
"""

from __future__ import annotations

import io
import statistics
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

SOURCE = ("import json\ndef handler(event, context):\n"
          "    return {'statusCode': 200, 'body': json.dumps(event['pathParameters'])}\n")
REQUESTS = 200
CLIENTS = 4


def _package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", SOURCE)
    return buffer.getvalue()


def _deploy(endpoint: str) -> str:
    import boto3

    role = boto3.client("iam").create_role(RoleName="bench", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    arn = boto3.client("lambda").create_function(FunctionName="bench-api", Runtime="python3.12", Role=role,
                                                 Handler="app.handler", Code={"ZipFile": _package()})["FunctionArn"]
    client = boto3.client("apigateway")
    api = client.create_rest_api(name="bench")["id"]
    root = client.get_resources(restApiId=api)["items"][0]["id"]
    items = client.create_resource(restApiId=api, parentId=root, pathPart="items")["id"]
    item = client.create_resource(restApiId=api, parentId=items, pathPart="{id}")["id"]
    client.put_method(restApiId=api, resourceId=item, httpMethod="GET", authorizationType="NONE")
    client.put_integration(restApiId=api, resourceId=item, httpMethod="GET", type="AWS_PROXY", integrationHttpMethod="POST",
                           uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations")
    boto3.client("lambda").add_permission(FunctionName="bench-api", StatementId="api", Action="lambda:InvokeFunction",
                                          Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:us-east-1:{arn.split(':')[4]}:{api}/*")
    client.create_deployment(restApiId=api, stageName="dev")
    return f"{endpoint}/restapis/{api}/dev/_user_request_/items"


def _per_second(url: str, clients: int) -> float:
    import requests

    def one_client(count: int) -> None:
        with requests.Session() as session:
            session.trust_env = False  # loopback: never a proxy
            for n in range(count):
                assert session.get(f"{url}/{n}", timeout=30).status_code == 200

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one_client, [REQUESTS // clients] * clients))
    return REQUESTS / (time.perf_counter() - started)


def api_costs(runs: int) -> None:
    import requests

    from harness.backends import EmbeddedMoto
    from harness.safety import sandboxed_process_environment

    backend = EmbeddedMoto()
    backend.start()
    cold, one, four = [], [], []
    with sandboxed_process_environment(backend.endpoint):
        for _ in range(runs):
            backend.reset()
            url = _deploy(backend.endpoint)
            started = time.perf_counter()
            requests.get(f"{url}/first", timeout=30, proxies={"http": "", "https": ""})
            cold.append((time.perf_counter() - started) * 1000)
            one.append(_per_second(url, 1))
            four.append(_per_second(url, CLIENTS))
    backend.stop()
    print(f"\nDeployed REST API over HTTP on the embedded backend, AWS_PROXY to one function (median of {runs})")
    print(f"  first request (cold function)          {statistics.median(cold):8.1f} ms")
    print(f"  warm, 1 client                         {statistics.median(one):8.1f} requests/s")
    print(f"  warm, {CLIENTS} clients                        {statistics.median(four):8.1f} requests/s")
