"""Kata 3, written differently: requests.request, raise_for_status, a name-mangled key."""

import json
import logging

import boto3
import requests

log = logging.getLogger("parts_unlimited.shipping")


class ShippingError(RuntimeError):
    """Raised when the shipping partner refuses a shipment."""


class ShippingClient:
    def __init__(self, secret_id: str, base_url: str):
        self.secret_id = secret_id
        self.base_url = base_url
        self.__key = None
        self.__sm = boto3.client("secretsmanager")

    def __fetch(self) -> str:
        log.debug("reading shipping credentials from %s", self.secret_id)
        self.__key = json.loads(self.__sm.get_secret_value(SecretId=self.secret_id)["SecretString"])["api_key"]
        return self.__key

    def __send(self, order_id, address, key):
        return requests.request(
            "POST",
            self.base_url + "/shipments",
            data=json.dumps({"order_id": order_id, "address": address}),
            headers={"Content-Type": "application/json", "x-api-key": key},
            timeout=10,
        )

    def create_shipment(self, order_id: str, address: dict) -> dict:
        response = self.__send(order_id, address, self.__key or self.__fetch())
        if response.status_code in (401, 403):
            log.warning("shipping key rejected with %s, refreshing", response.status_code)
            response = self.__send(order_id, address, self.__fetch())
        try:
            response.raise_for_status()
        except requests.HTTPError:
            raise ShippingError(f"shipment for {order_id} failed with HTTP status {response.status_code}") from None
        return response.json()
