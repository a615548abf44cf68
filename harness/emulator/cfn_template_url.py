"""CloudFormation reads a ``TemplateURL`` on the emulator's own endpoint, whatever its host is called.

``aws cloudformation deploy --s3-bucket B`` and ``sam deploy`` upload the template and pass a
path-style URL on the S3 endpoint (``http://127.0.0.1:PORT/B/KEY``). moto reads path-style URLs only
when the host is "localhost" and takes ``127.0.0.1`` for a bucket name, so the deploy fails with
NoSuchBucket. Here any loopback or IP host is path-style, as a URL on S3's own endpoint would be.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import unquote, urlparse


def bucket_and_key(template_url: str) -> tuple[str, str]:
    parts = urlparse(template_url)
    host = parts.hostname or ""
    path = unquote(parts.path).lstrip("/")
    if _path_style(host):
        bucket, _, key = path.partition("/")
        return bucket, key
    return host.split(".")[0], path  # virtual-hosted: BUCKET.s3.REGION.amazonaws.com/KEY


def _path_style(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    if host.startswith("s3") and host.endswith("amazonaws.com"):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def read_template(template_url: str, account_id: str, partition: str) -> str:
    from moto.s3.models import s3_backends

    bucket, key = bucket_and_key(template_url)
    return s3_backends[account_id][partition].get_object(bucket, key).value.decode("utf-8")  # type: ignore[union-attr]


def apply() -> None:
    from moto.cloudformation import models, responses, utils

    for module in (utils, models, responses):
        module.get_stack_from_s3_url = read_template  # type: ignore[attr-defined]
