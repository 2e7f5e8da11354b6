"""The sandbox gateway: a page of this site plays the payment operator, for `make run` and
the browser tests. No money moves, but the protocol is the real one's shape: the payer is
sent to the operator's page, confirms there, and the operator sends a signed notification to
our notification endpoint — the only thing that credits the charge.
"""

import hashlib
import hmac
import json
from collections.abc import Mapping

from django.conf import settings
from django.urls import reverse

from podkowa.payments.gateways.base import (
    Gateway,
    Notice,
    Registration,
    SignatureError,
    StartRequest,
    equal,
)
from podkowa.payments.gateways.http import GatewayError, request

HEADER = "X-Sandbox-Signature"


def sandbox_key(gmina_id: int) -> bytes:
    # Derived from the install's secret: the notification cannot be forged from outside.
    return hmac.new(settings.SECRET_KEY.encode(), f"payments-sandbox:{gmina_id}".encode(),
                    hashlib.sha256).digest()


def sandbox_sign(body: bytes, gmina_id: int) -> str:
    return hmac.new(sandbox_key(gmina_id), body, hashlib.sha256).hexdigest()


class Sandbox(Gateway):
    kind = "sandbox"

    @property
    def gmina_id(self) -> int:
        return int(self.setting("gmina_id"))

    def register(self, start: StartRequest) -> Registration:
        return Registration(
            redirect_url=reverse("payments:sandbox", kwargs={"session_id": start.session_id}),
            gateway_order_id=f"SBX-{start.session_id[:8]}",
        )

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Notice:
        given = headers.get(HEADER.lower(), "")
        if not given or not equal(given, sandbox_sign(body, self.gmina_id)):
            raise SignatureError("signature does not match")
        try:
            data = json.loads(body)
            return Notice(session_id=str(data["sessionId"]), completed=data["status"] == "paid",
                          amount=int(data["amount"]), currency=str(data["currency"]),
                          gateway_order_id=str(data.get("orderId", "")), raw=data)
        except (ValueError, KeyError, TypeError):
            raise SignatureError("not a sandbox notification") from None


def sandbox_notify(*, notify_url: str, gmina_id: int, session_id: str, amount: int,
                   currency: str, status: str = "paid") -> int:
    """What the sandbox operator does after the payer confirms: POST a signed notification
    to the shop's notification address. Returns the HTTP status it got."""
    body = json.dumps({"sessionId": session_id, "amount": amount, "currency": currency,
                       "status": status, "orderId": f"SBX-{session_id[:8]}"}).encode()
    response = request("POST", notify_url, body=body, headers={
        "Content-Type": "application/json", HEADER: sandbox_sign(body, gmina_id)})
    if response.status >= 500:
        raise GatewayError(f"The notification address answered HTTP {response.status}.")
    return response.status
