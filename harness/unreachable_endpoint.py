"""What a failed script's output means when the AWS CLI "Could not connect to the endpoint URL": nothing listens there."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .safety import is_local_host
from .terminal_env import START_AND_POINT

# The AWS CLI's and boto3's words (botocore's EndpointConnectionError).
COULD_NOT_CONNECT = re.compile(r'Could not connect to the endpoint URL: "([^"]*)"')

ELSEWHERE_THAN_THE_GRADER = (
    "The script sent AWS calls to {url}, where nothing listens while grading: the grader's emulator is at the "
    "AWS_ENDPOINT_URL it sets, so leave the endpoint to that variable (`awslocal`, or `aws` without "
    "--endpoint-url, and no AWS_ENDPOINT_URL set in the script). To run the script yourself, start the emulator "
    "first: {start}."
)
GRADERS_EMULATOR_SILENT = (
    "The script could not connect to the grader's emulator ({url}): grade again, and run `course doctor` if it "
    "happens again."
)


def _server(url: str) -> tuple[bool, int | None]:
    """(on this machine, port) of a URL; None when the port is missing or not a number."""
    parts = urlsplit(url)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        port = None
    return is_local_host(parts.hostname or ""), port


def same_server(url: str, endpoint: str) -> bool:
    here, port = _server(url)
    return here and port is not None and (here, port) == _server(endpoint)


def unreachable_endpoint_note(output: str, grading_endpoint: str) -> str:
    """A sentence for a failed script whose output says it could not connect; "" when it does not say so."""
    found = COULD_NOT_CONNECT.search(output)
    if found is None:
        return ""
    url = found.group(1)
    if grading_endpoint and same_server(url, grading_endpoint):
        return GRADERS_EMULATOR_SILENT.format(url=grading_endpoint)
    return ELSEWHERE_THAN_THE_GRADER.format(url=url, start=START_AND_POINT)
