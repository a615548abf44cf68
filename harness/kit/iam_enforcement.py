"""IAM enforcement on the embedded backend, for graders: deployed code can do what its role allows, no more.

    from harness.kit.iam_enforcement import enforcing_iam

    with enforcing_iam():
        answer = invoke_deployed("inventory-status", {...})   # its calls run as its execution role
    # a refused call raised AccessDeniedException (DynamoDB's, S3's, SNS's own shape) inside the function

While it is on, functions started afterwards get their role's session credentials and each of their
calls is judged by the role's policies and the target's resource policy (harness/emulator/iam_enforcement.py).
The grader's own calls stay unrestricted. The reset before each check switches it off. Only the embedded
backend enforces IAM: mark checks that rely on it ``@pytest.mark.needs(IAM_ENFORCEMENT)`` (harness.backends).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from ..backends import IAM_ENFORCEMENT

_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the backend is local: no proxy
NO_ENFORCEMENT = "The backend {name} does not enforce IAM; mark the check @pytest.mark.needs(IAM_ENFORCEMENT)."


def set_enforcement(enabled: bool, endpoint: str | None = None) -> bool:
    """Switches enforcement on or off; answers whether it is on."""
    url = _endpoint(endpoint) + "/_course/iam-enforcement"
    data = json.dumps({"enabled": enabled}).encode()
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    with _direct.open(request, timeout=30) as response:
        return bool(json.loads(response.read())["enabled"])


@contextmanager
def enforcing_iam(endpoint: str | None = None) -> Iterator[None]:
    set_enforcement(True, endpoint)
    try:
        yield
    finally:
        set_enforcement(False, endpoint)


def _endpoint(endpoint: str | None) -> str:
    if endpoint:
        return endpoint.rstrip("/")
    from ..runtime import active_backend

    backend = active_backend()
    if IAM_ENFORCEMENT not in backend.capabilities:
        raise RuntimeError(NO_ENFORCEMENT.format(name=backend.name))
    return backend.endpoint
