"""Patches that wait for moto to import a service (harness/emulator/on_import.py), and SNS's one signing
key (harness/emulator/sns_signing.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import boto3
import pytest
from support import REPO

from harness.backends import EmbeddedMoto
from harness.safety import sandboxed_process_environment


def run_python(code: str) -> dict:
    """A fresh interpreter: what a grading process has imported depends on what ran before in it."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_a_patch_runs_once_right_after_the_module_is_first_imported_and_keeps_its_real_loader() -> None:
    seen = run_python(
        """
        import json, sys
        from harness.emulator import on_import
        calls = []
        on_import.when_imported("wave", lambda: calls.append(hasattr(sys.modules["wave"], "open")))
        before = list(calls)
        import wave
        import wave as again
        on_import.when_imported("wave", lambda: calls.append("at once"))  # already imported: runs now
        print(json.dumps({"before": before, "calls": calls, "loader": type(wave.__loader__).__name__,
                          "spec_loader": type(wave.__spec__.loader).__name__}))
        """
    )
    assert seen["before"] == []  # registering imports nothing
    assert seen["calls"] == [True, "at once"]  # after the module's own code, once
    assert seen["loader"] == seen["spec_loader"] == "SourceFileLoader"


def test_the_embedded_backend_starts_without_cloudformation_and_patches_it_on_the_first_stack_request() -> None:
    seen = run_python(
        """
        import json, sys, boto3
        from harness.backends import EmbeddedMoto
        backend = EmbeddedMoto()
        backend.start()
        try:
            at_start = [name for name in ("moto.cloudformation", "moto.xray") if name in sys.modules]
            cloudformation = boto3.client("cloudformation", endpoint_url=backend.endpoint, region_name="us-east-1",
                                          aws_access_key_id="testing", aws_secret_access_key="testing")
            template = {"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}}}}}
            try:
                cloudformation.create_stack(StackName="s", TemplateBody=json.dumps(template))
                refused = ""
            except Exception as error:
                refused = type(error).__name__
        finally:
            backend.stop()
        print(json.dumps({"at_start": at_start, "refused": refused}))
        """
    )
    assert seen["at_start"] == []
    # cfn_capabilities judged the request: an IAM resource without CAPABILITY_IAM is refused, as on AWS.
    assert seen["refused"] == "InsufficientCapabilitiesException"


def test_every_sns_subscription_signs_with_the_same_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.emulator import sns_signing

    monkeypatch.setattr(sns_signing, "_key_made", None)  # as in a fresh grading process
    backend = EmbeddedMoto()
    backend.start()
    try:
        with sandboxed_process_environment(backend.endpoint):
            sns, sqs = boto3.client("sns"), boto3.client("sqs")
            topic = sns.create_topic(Name="signed")["TopicArn"]
            for name in ("first", "second"):
                queue = sqs.create_queue(QueueName=name)["QueueUrl"]
                arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
            assert sns_signing._key_made is not None  # the first Subscribe started it, before any publish
            sns.publish(TopicArn=topic, Message="hello")
            for name in ("first", "second"):
                queue = sqs.get_queue_url(QueueName=name)["QueueUrl"]
                body = json.loads(sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"][0]["Body"])
                assert body["Message"] == "hello" and body["Signature"]
        from moto.sns.models import Subscription

        assert Subscription.private_key(None) is Subscription.private_key(object())  # one key, made once
    finally:
        backend.stop()
