"""What one Lambda invocation costs on the embedded backend, through boto3 (`make bench ARGS="--only lambda"`).

Cold: the first invocation after a deploy (a new execution environment: interpreter, runner, the
function's module). Warm: the next ones (the environment reused). Then 100 invocations of an alias
that sends 10 % to a second version, as Lab 5 has students measure a canary; provisioned concurrency
on an alias (the read that allocates it, then an invocation without init, as Lab 6 has students see);
and a warm invocation of a function whose tracing is Active (Lambda's segments stored each time).
"""

from __future__ import annotations

import io
import json
import statistics
import time
import zipfile
from collections import Counter

SOURCE = "import boto3\nTABLE = boto3.resource('dynamodb').Table('Orders')\ndef handler(event, context):\n    return {'ok': True}\n"


def _package(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def lambda_costs(runs: int) -> None:
    import boto3

    from harness.backends import EmbeddedMoto
    from harness.safety import sandboxed_process_environment

    backend = EmbeddedMoto()
    backend.start()
    cold, cold_plain, warm, hundred, split = [], [], [], [], Counter()
    allocate, provisioned, traced = [], [], []
    with sandboxed_process_environment(backend.endpoint):
        for _ in range(runs):
            backend.reset()
            role = boto3.client("iam").create_role(RoleName="bench", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
            client = boto3.client("lambda")
            for name, source in (("with-boto3", SOURCE), ("plain", "def handler(event, context):\n    return 1\n")):
                client.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                                       Code={"ZipFile": _package(source)}, Publish=True)
                started = time.perf_counter()
                client.invoke(FunctionName=name, Payload=b"{}")
                (cold if name == "with-boto3" else cold_plain).append(_ms(started))
            for _ in range(50):
                started = time.perf_counter()
                client.invoke(FunctionName="with-boto3", Payload=b"{}")
                warm.append(_ms(started))
            client.update_function_code(FunctionName="with-boto3", ZipFile=_package(SOURCE + "# v2\n"))
            client.get_waiter("function_updated_v2").wait(FunctionName="with-boto3")  # as on AWS, before publishing
            client.publish_version(FunctionName="with-boto3")
            client.create_alias(FunctionName="with-boto3", Name="live", FunctionVersion="1",
                                RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}})
            started = time.perf_counter()
            for _ in range(100):
                split[client.invoke(FunctionName="with-boto3", Qualifier="live", Payload=json.dumps({}).encode())["ExecutedVersion"]] += 1
            hundred.append(_ms(started) / 1000)
            client.create_alias(FunctionName="with-boto3", Name="steady", FunctionVersion="2")
            client.put_provisioned_concurrency_config(FunctionName="with-boto3", Qualifier="steady", ProvisionedConcurrentExecutions=1)
            started = time.perf_counter()
            client.get_provisioned_concurrency_config(FunctionName="with-boto3", Qualifier="steady")  # allocates: READY
            allocate.append(_ms(started))
            for _ in range(10):
                started = time.perf_counter()
                client.invoke(FunctionName="with-boto3", Qualifier="steady", Payload=b"{}")
                provisioned.append(_ms(started))
            client.update_function_configuration(FunctionName="plain", TracingConfig={"Mode": "Active"})
            client.get_waiter("function_updated_v2").wait(FunctionName="plain")
            client.invoke(FunctionName="plain", Payload=b"{}")  # the new configuration's cold start
            for _ in range(50):
                started = time.perf_counter()
                client.invoke(FunctionName="plain", Payload=b"{}")
                traced.append(_ms(started))
    backend.stop()
    print(f"\nLambda invoke on the embedded backend, through boto3 (median of {runs} deploys)")
    print(f"  cold, module imports boto3             {statistics.median(cold):8.1f} ms")
    print(f"  cold, empty module                     {statistics.median(cold_plain):8.1f} ms")
    print(f"  warm (median of {50 * runs} invocations)      {statistics.median(warm):8.1f} ms")
    print(f"  100 invocations of a 10 % canary alias {statistics.median(hundred):8.2f} s   (versions: {dict(sorted(split.items()))})")
    print(f"  provisioned concurrency 1: the read that allocates it {statistics.median(allocate):8.1f} ms")
    print(f"  invocation through the provisioned alias (no init)  {statistics.median(provisioned):8.1f} ms")
    print(f"  warm, tracing Active (Lambda's segments stored)     {statistics.median(traced):8.1f} ms")
