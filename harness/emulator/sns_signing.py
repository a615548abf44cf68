"""SNS signs the messages it delivers with one key per region (the certificate at ``SigningCertURL``).

moto makes a new 2048-bit RSA key for each subscription on its first message: 15-200 ms of CPU each
(measured), paid again by every check that subscribes a queue. One key per emulator process signs as AWS
does: every subscriber verifies against the same certificate.
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def _key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def apply() -> None:
    from moto.sns.models import Subscription

    Subscription.private_key = lambda self: _key()  # type: ignore[method-assign]
