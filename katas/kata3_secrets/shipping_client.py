"""Parts Unlimited's client for the shipping partner's API; the API key lives in AWS Secrets Manager.

Kata 3 starter. Work through the numbered TODOs; each matches a step of README.md.
Grade your work with `course grade kata3` (or `pytest katas/kata3_secrets`).

The secret (its name or ARN is `secret_id`) holds the JSON string {"api_key": "..."}.
The partner's API: POST {base_url}/shipments with a JSON body {"order_id": ..., "address": {...}}
and the header x-api-key; it answers 201 with the shipment as JSON, 401 or 403 when it does not
accept the key, and other 4xx/5xx statuses when something else is wrong.
"""

import json
import logging

import boto3
import requests

logger = logging.getLogger(__name__)

# TODO 3 (README step 3): how long to wait for the shipping API, in seconds (a number, or a
# (connect, read) pair). Replace None.
TIMEOUT_SECONDS = None


class ShippingError(Exception):
    """The shipping API refused or failed a request. The message never holds the API key.

    TODO 4 (README step 4): keep the HTTP status where callers can read it, and name it in the message.
    """


class ShippingClient:
    """Creates shipments through the partner's API, authenticating with a key kept in Secrets Manager."""

    def __init__(self, secret_id, base_url):
        # TODO 1 (README step 1): remember the secret id and the base URL, create the Secrets Manager
        # client, and read nothing yet: the key is fetched on first use.
        raise NotImplementedError("TODO 1: set up the client without reading the secret (README step 1)")

    # TODO 6 (README step 6): a __repr__ that shows the secret id and the base URL, never the key.

    def _key(self, refresh=False):
        """Return the API key: read from the secret on first use (or when refresh is true), then cached."""
        # TODO 2 (README step 2): get_secret_value, json.loads the SecretString, take "api_key", and
        # keep it on the instance for the next calls.
        raise NotImplementedError("TODO 2: read and cache the API key (README step 2)")

    def create_shipment(self, order_id, address):
        """Create a shipment for an order; return the API's answer (parsed JSON).

        Raises ShippingError when the API refuses: any non-2xx answer, or a key rejected twice.
        """
        # TODO 3 (README step 3): POST {base_url}/shipments with requests: a JSON body, the header
        #         x-api-key, and a timeout.
        # TODO 4 (README step 4): return the parsed JSON of a 2xx answer; raise ShippingError with the
        #         status for any other answer.
        # TODO 5 (README step 5): on 401 or 403, re-read the secret once and retry; a second rejection
        #         raises ShippingError.
        raise NotImplementedError("TODO 3: send the shipment (README steps 3 to 5)")
