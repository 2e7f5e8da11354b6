r"""Paynow (mBank) API v3: signed payment creation and signed notifications.

Requests carry `Api-Key`, `Idempotency-Key` and a `Signature` that in v3 covers more than the
body: base64(HMAC-SHA256(signature key, JSON of {"headers": {"Api-Key", "Idempotency-Key"},
"parameters": {query parameter: [values]} ({} without any), "body": the raw body as a
string})), the JSON encoded as PHP's json_encode(…, JSON_UNESCAPED_SLASHES) does — compact,
non-ASCII escaped as \uXXXX, slashes not escaped (Paynow's own PHP SDK, pay-now/paynow-php-sdk,
SignatureCalculator::generateV3). v2's signature of the body alone is refused by v3.

Notifications carry `Signature = base64(HMAC-SHA256(signature key, raw body))` (the SDK's
Notification::verify). A notification has no amount: the amount was fixed (and signed) when
the payment was created, so only its status and our own record count.
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
    """The notification's signature: of the raw body alone."""
    mac = hmac.new(signature_key.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def request_signature(*, api_key: str, idempotency_key: str, body: str, signature_key: str,
                      parameters: Mapping[str, str | list[str]] | None = None) -> str:
    """The v3 request signature (see the module's docstring)."""
    params = {key: value if isinstance(value, list) else [value]
              for key, value in sorted((parameters or {}).items())}
    signed = json.dumps({"headers": {"Api-Key": api_key, "Idempotency-Key": idempotency_key},
                         "parameters": params, "body": body},
                        separators=(",", ":"), ensure_ascii=True)
    mac = hmac.new(signature_key.encode(), signed.encode("ascii"), hashlib.sha256).digest()
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
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        api_key = self.setting("api_key")
        response = request("POST", f"{self.base_url}/v3/payments", body=text.encode(), headers={
            "Api-Key": api_key,
            "Signature": request_signature(api_key=api_key, idempotency_key=start.session_id,
                                           body=text,
                                           signature_key=self.setting("signature_key")),
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
