"""harness/kit/sam_deploy.py: a SAM folder deployed as `cloudformation package` + `deploy` would, and why not."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

import boto3
import pytest

from harness.backends import EmbeddedMoto
from harness.kit import sam_deploy

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
"""


def test_a_folder_is_packaged_and_deployed_and_its_code_runs(aws: EmbeddedMoto, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return {'seen': event}\n")
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    stack = sam_deploy.deploy(tmp_path, "template.yaml", "kit-sam")
    (function,) = stack.of_type("AWS::Lambda::Function")
    answer = boto3.client("lambda").invoke(FunctionName=function.physical_id, Payload=b'{"a": 1}')
    assert answer["Payload"].read() == b'{"seen": {"a": 1}}'
    package = boto3.client("s3").get_object(Bucket="course-grader-artifacts", Key="Fn.zip")["Body"].read()
    assert zipfile.ZipFile(BytesIO(package)).namelist() == ["app.py"]


def test_a_code_folder_outside_the_template_folder_or_a_broken_template_is_a_deploy_error(aws: EmbeddedMoto, tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE.replace("CodeUri: src/", "CodeUri: ../"))
    with pytest.raises(sam_deploy.DeployError, match="is not a folder beside the template"):
        sam_deploy.deploy(tmp_path, "template.yaml", "outside")
    (tmp_path / "template.yaml").write_text(TEMPLATE.replace("CodeUri: src/", "CodeUri: s3://nowhere/x.zip").replace("Runtime", "Runtim"))
    with pytest.raises(sam_deploy.DeployError):
        sam_deploy.deploy(tmp_path, "template.yaml", "broken")
