"""Paynow (mBank) API v3: signed payment creation and signed notifications.

Requests carry `Api-Key`, `Idempotency-Key` and `Signature = base64(HMAC-SHA256(body,
signature key))`; notifications carry a `Signature` header computed the same way over their
raw body. A notification has no amount: the amount was fixed (and signed) when the payment
was created, so only its status and our own record count.
"""

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping

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

SANDBOX_URL = "https://api.sandbox.paynow.pl"
PRODUCTION_URL = "https://api.paynow.pl"


def body_signature(body: bytes, signature_key: str) -> str:
    mac = hmac.new(signature_key.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


class Paynow(Gateway):
    kind = "paynow"

    @property
    def base_url(self) -> str:
        if self.config.get("base_url"):
            return str(self.config["base_url"]).rstrip("/")
        return SANDBOX_URL if self.config.get("sandbox", True) else PRODUCTION_URL

    def register(self, start: StartRequest) -> Registration:
        payload = {
            "amount": start.amount,
            "currency": start.currency,
            "externalId": start.session_id,
            "description": start.description,
            "buyer": {"email": start.email},
            "continueUrl": start.return_url,
        }
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        response = request("POST", f"{self.base_url}/v3/payments", body=body, headers={
            "Api-Key": self.setting("api_key"),
            "Signature": body_signature(body, self.setting("signature_key")),
            # One payment per order, however often we retry the request.
            "Idempotency-Key": start.session_id,
            "Content-Type": "application/json",
            "Accept": "application/json",
        })
        try:
            data = json.loads(response.body)
            redirect, payment_id = data["redirectUrl"], data["paymentId"]
        except (ValueError, KeyError, TypeError):
            raise GatewayError(f"Paynow refused the payment (HTTP {response.status}).") from None
        if response.status not in (200, 201):
            raise GatewayError(f"Paynow refused the payment (HTTP {response.status}).")
        return Registration(redirect_url=redirect, gateway_order_id=str(payment_id))

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Notice:
        given = headers.get("signature", "")
        expected = body_signature(body, self.setting("signature_key"))
        if not given or not equal(given, expected):
            raise SignatureError("signature does not match")
        try:
            data = json.loads(body)
            return Notice(session_id=str(data["externalId"]),
                          completed=data["status"] == "CONFIRMED", amount=None, currency=None,
                          gateway_order_id=str(data.get("paymentId", "")), raw=data)
        except (ValueError, KeyError, TypeError):
            raise SignatureError("not a Paynow notification") from None
