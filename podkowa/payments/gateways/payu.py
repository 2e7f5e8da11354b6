"""PayU REST API v2.1: OAuth client_credentials, order creation, signed notifications.

The notification carries `OpenPayu-Signature: sender=…;signature=…;algorithm=…;content=…`
where the signature is hash(raw body + second key), MD5 or SHA-256.
"""

import hashlib
import json
from collections.abc import Mapping
from urllib.parse import urlencode

from podkowa.payments.gateways.base import (
    Gateway,
    GatewayError,
    Notice,
    Registration,
    SignatureError,
    StartRequest,
    equal,
)
from podkowa.payments.gateways.http import request

SANDBOX_URL = "https://secure.snd.payu.com"
PRODUCTION_URL = "https://secure.payu.com"
ALGORITHMS = {"MD5": hashlib.md5, "SHA256": hashlib.sha256, "SHA-256": hashlib.sha256}


def parse_signature_header(value: str) -> dict[str, str]:
    parts = {}
    for item in (value or "").split(";"):
        key, sep, val = item.strip().partition("=")
        if sep:
            parts[key.strip().lower()] = val.strip()
    return parts


def notification_signature(body: bytes, second_key: str, algorithm: str = "MD5") -> str:
    digest = ALGORITHMS[algorithm.upper()]
    return digest(body + second_key.encode()).hexdigest()


class PayU(Gateway):
    kind = "payu"

    @property
    def base_url(self) -> str:
        if self.config.get("base_url"):
            return str(self.config["base_url"]).rstrip("/")
        return SANDBOX_URL if self.config.get("sandbox", True) else PRODUCTION_URL

    def access_token(self) -> str:
        body = urlencode({"grant_type": "client_credentials",
                          "client_id": self.setting("client_id"),
                          "client_secret": self.setting("client_secret")}).encode()
        response = request("POST", f"{self.base_url}/pl/standard/user/oauth/authorize",
                           body=body,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            token = json.loads(response.body)["access_token"]
        except (ValueError, KeyError, TypeError):
            token = None
        if response.status != 200 or not token:
            raise GatewayError(f"PayU refused the authorisation (HTTP {response.status}).")
        return token

    def register(self, start: StartRequest) -> Registration:
        token = self.access_token()
        payload = {
            "notifyUrl": start.notify_url,
            "continueUrl": start.return_url,
            "customerIp": start.customer_ip or "127.0.0.1",
            "merchantPosId": self.setting("pos_id"),
            "description": start.description,
            "currencyCode": start.currency,
            "totalAmount": str(start.amount),
            "extOrderId": start.session_id,
            "buyer": {"email": start.email, "language": start.language},
            "products": [{"name": start.description[:255], "unitPrice": str(start.amount),
                          "quantity": "1"}],
        }
        response = request("POST", f"{self.base_url}/api/v2_1/orders",
                           body=json.dumps(payload).encode(),
                           headers={"Authorization": f"Bearer {token}",
                                    "Content-Type": "application/json"})
        try:
            data = json.loads(response.body)
            ok = data["status"]["statusCode"] == "SUCCESS"
            redirect, order_id = data["redirectUri"], data["orderId"]
        except (ValueError, KeyError, TypeError):
            ok = False
        # PayU answers a created order with 302 (or 200/201) and the order in the body.
        if response.status not in (200, 201, 302) or not ok:
            raise GatewayError(f"PayU refused the order (HTTP {response.status}).")
        return Registration(redirect_url=redirect, gateway_order_id=str(order_id))

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Notice:
        header = parse_signature_header(headers.get("openpayu-signature", ""))
        algorithm = (header.get("algorithm") or "MD5").upper()
        given = header.get("signature", "")
        if algorithm not in ALGORITHMS or not given:
            raise SignatureError("no usable OpenPayu-Signature")
        expected = notification_signature(body, self.setting("second_key"), algorithm)
        if not equal(given.lower(), expected):
            raise SignatureError("signature does not match")
        try:
            order = json.loads(body)["order"]
            return Notice(session_id=str(order["extOrderId"]),
                          completed=order["status"] == "COMPLETED",
                          amount=int(order["totalAmount"]), currency=str(order["currencyCode"]),
                          gateway_order_id=str(order.get("orderId", "")), raw=order)
        except (ValueError, KeyError, TypeError):
            raise SignatureError("not a PayU order notification") from None
