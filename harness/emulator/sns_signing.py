"""SNS signs the messages it delivers with one key per region (the certificate at ``SigningCertURL``).

moto makes a new 2048-bit RSA key for each subscription on its first message: 15-200 ms of CPU each
(measured), paid again by every check that subscribes a queue. One key per emulator process signs as AWS
does: every subscriber verifies against the same certificate. It is made on a thread of its own from the
first Subscribe, which is before any message can need it: cryptography leaves the GIL while it works, so
on a second core the key is ready by the first publish instead of holding that publish up.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

_lock = threading.Lock()
_key_made: Future[Any] | None = None


def _make_key(made: Future[Any]) -> None:
    try:
        from cryptography.hazmat.primitives.asymmetric import rsa

        made.set_result(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    except BaseException as error:  # noqa: BLE001 - the publish that waits for the key raises it
        made.set_exception(error)


def start_key() -> Future[Any]:
    """The key, being made (once per process) or made."""
    global _key_made
    with _lock:
        if _key_made is None:
            _key_made = Future()
            threading.Thread(target=_make_key, args=(_key_made,), name="sns-signing-key", daemon=True).start()
        return _key_made


def _key() -> Any:
    return start_key().result()


def apply() -> None:
    from moto.sns.models import SNSBackend, Subscription

    Subscription.private_key = lambda self: _key()  # type: ignore[method-assign]
    if getattr(SNSBackend.subscribe, "starts_signing_key", False):
        return
    subscribe = SNSBackend.subscribe

    def subscribe_and_start_key(self: Any, *args: Any, **kwargs: Any) -> Any:
        start_key()
        return subscribe(self, *args, **kwargs)

    subscribe_and_start_key.starts_signing_key = True  # type: ignore[attr-defined]
    SNSBackend.subscribe = subscribe_and_start_key  # type: ignore[method-assign]
