"""Kata 3, written differently: a Session with a default-timeout adapter and a retry loop."""

import json

import boto3
import requests
from requests.adapters import HTTPAdapter


class ShippingError(Exception):
    def __init__(self, status_code, detail):
        super().__init__(f"shipping API error {status_code}: {detail}")
        self.status_code = status_code


class _TimeoutAdapter(HTTPAdapter):
    """Every request through this adapter gets a timeout unless the caller gave one."""

    def send(self, request, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = (2, 8)
        return super().send(request, **kwargs)


class ShippingClient:
    def __init__(self, secret_id, base_url):
        self.secret_id = secret_id
        self.url = base_url.rstrip("/") + "/shipments"
        self._cached = None
        self._session = requests.Session()
        adapter = _TimeoutAdapter()
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    @property
    def api_key(self):
        if self._cached is None:
            self.refresh()
        return self._cached

    def refresh(self):
        secret = boto3.client("secretsmanager").get_secret_value(SecretId=self.secret_id)
        self._cached = json.loads(secret["SecretString"])["api_key"]

    def create_shipment(self, order_id, address):
        for attempt in (1, 2):
            response = self._session.post(
                self.url, json={"order_id": order_id, "address": address}, headers={"x-api-key": self.api_key}
            )
            if response.status_code not in (401, 403):
                break
            if attempt == 1:
                self.refresh()
        else:
            raise ShippingError(response.status_code, "the API key was rejected after a refresh")
        if response.status_code >= 300 or response.status_code < 200:
            raise ShippingError(response.status_code, response.text[:200])
        return response.json()
