"""Kata 3 written differently: the key cached in a module-level dict keyed by secret id.

Parts Unlimited's client for the shipping partner's API; the API key lives in AWS Secrets Manager.

Otherwise the reference solution.
"""

import json
import logging

import boto3
import requests

logger = logging.getLogger(__name__)

# Step 3: never wait for ever on a partner's API (seconds to connect, seconds to read the answer).
TIMEOUT_SECONDS = (3.05, 10)
# Step 5: the answers that mean "this key is not (or no longer) valid".
KEY_REJECTED = (401, 403)


class ShippingError(Exception):
    """The shipping API refused or failed a request. The message never holds the API key."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


_KEYS = {}  # secret id -> its API key, shared by every client of that secret


class ShippingClient:
    """Creates shipments through the partner's API, authenticating with a key kept in Secrets Manager."""

    def __init__(self, secret_id, base_url):
        # Step 1: remember where things are; read nothing yet (the secret is fetched on first use).
        self._secret_id = secret_id
        self._base_url = base_url.rstrip("/")
        self._secrets = boto3.client("secretsmanager")

    def __repr__(self):
        # Step 6: what a debugger, a log line or an error report shows: never the key.
        return f"ShippingClient(secret_id={self._secret_id!r}, base_url={self._base_url!r})"

    __str__ = __repr__

    def _key(self, refresh=False):
        """The API key, cached per secret id for the whole process: clients of one secret share it."""
        if self._secret_id not in _KEYS or refresh:
            answer = self._secrets.get_secret_value(SecretId=self._secret_id)
            _KEYS[self._secret_id] = json.loads(answer["SecretString"])["api_key"]
        return _KEYS[self._secret_id]

    def _post(self, payload, refresh_key=False):
        """Step 3: one POST {base_url}/shipments with a JSON body, the key in x-api-key, and a timeout."""
        return requests.post(
            f"{self._base_url}/shipments",
            json=payload,
            headers={"x-api-key": self._key(refresh=refresh_key)},
            timeout=TIMEOUT_SECONDS,
        )

    def create_shipment(self, order_id, address):
        """Create a shipment for an order; return the API's answer (parsed JSON).

        Raises ShippingError when the API refuses: any non-2xx answer, or a key rejected twice.
        """
        payload = {"order_id": order_id, "address": address}
        response = self._post(payload)
        if response.status_code in KEY_REJECTED:
            # Step 5: the key was probably rotated since we cached it: read the secret again, retry once.
            logger.info("shipping API rejected the cached key (HTTP %s); re-reading the secret", response.status_code)
            response = self._post(payload, refresh_key=True)
            if response.status_code in KEY_REJECTED:
                raise ShippingError(
                    f"shipping API rejected the API key from secret {self._secret_id!r} twice "
                    f"(HTTP {response.status_code})",
                    status=response.status_code,
                )
        # Step 4: any other non-2xx answer is an error; POST is not retried (it could ship twice).
        if not 200 <= response.status_code < 300:
            raise ShippingError(
                f"shipping API answered HTTP {response.status_code} for order {order_id!r}",
                status=response.status_code,
            )
        return response.json()
