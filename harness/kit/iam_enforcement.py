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

from collections.abc import Iterator
from contextlib import contextmanager

from ..backends import IAM_ENFORCEMENT
from .course_endpoints import backend_endpoint, call

NO_ENFORCEMENT = "The backend {name} does not enforce IAM; mark the check @pytest.mark.needs(IAM_ENFORCEMENT)."


def set_enforcement(enabled: bool, endpoint: str | None = None) -> bool:
    """Switches enforcement on or off; answers whether it is on."""
    return bool(call("POST", _endpoint(endpoint) + "/_course/iam-enforcement", {"enabled": enabled})["enabled"])


@contextmanager
def enforcing_iam(endpoint: str | None = None) -> Iterator[None]:
    set_enforcement(True, endpoint)
    try:
        yield
    finally:
        set_enforcement(False, endpoint)


def _endpoint(endpoint: str | None) -> str:
    return backend_endpoint(IAM_ENFORCEMENT, NO_ENFORCEMENT, endpoint)
