"""Przelewy24 REST API v1: register, notification (urlStatus), verify.

Signatures are SHA-384 of a JSON object whose bytes must equal what PHP's
json_encode(..., JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES) makes of it — compact,
keys in the given order, non-ASCII as it is, slashes unescaped — because Przelewy24 computes
them that way.
"""

import base64
import hashlib
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

SANDBOX_URL = "https://sandbox.przelewy24.pl"
PRODUCTION_URL = "https://secure.przelewy24.pl"
NOTIFICATION_FIELDS = ("merchantId", "posId", "sessionId", "amount", "originAmount",
                       "currency", "orderId", "methodId", "statement")


def php_json(data: Mapping) -> str:
    """json_encode with JSON_UNESCAPED_UNICODE|JSON_UNESCAPED_SLASHES, byte for byte.

    Python's json.dumps with compact separators and ensure_ascii=False agrees with PHP
    except for U+2028 and U+2029, which PHP escapes even with JSON_UNESCAPED_UNICODE (unless
    JSON_UNESCAPED_LINE_TERMINATORS is also given)."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def sign(fields: Mapping) -> str:
    return hashlib.sha384(php_json(fields).encode("utf-8")).hexdigest()


def register_sign(*, session_id: str, merchant_id: int, amount: int, currency: str,
                  crc: str) -> str:
    return sign({"sessionId": session_id, "merchantId": merchant_id, "amount": amount,
                 "currency": currency, "crc": crc})


def notification_sign(fields: Mapping, *, crc: str) -> str:
    return sign({**{name: fields[name] for name in NOTIFICATION_FIELDS}, "crc": crc})


def verify_sign(*, session_id: str, order_id: int, amount: int, currency: str,
                crc: str) -> str:
    return sign({"sessionId": session_id, "orderId": order_id, "amount": amount,
                 "currency": currency, "crc": crc})


class Przelewy24(Gateway):
    kind = "przelewy24"

    @property
    def base_url(self) -> str:
        if self.config.get("base_url"):
            return str(self.config["base_url"]).rstrip("/")
        return SANDBOX_URL if self.config.get("sandbox", True) else PRODUCTION_URL

    @property
    def merchant_id(self) -> int:
        return int(self.setting("merchant_id"))

    @property
    def pos_id(self) -> int:
        return int(self.config.get("pos_id") or self.merchant_id)

    def _auth(self) -> dict:
        token = base64.b64encode(f"{self.pos_id}:{self.setting('api_key')}".encode()).decode()
        return {"Authorization": f"Basic {token}", "Content-Type": "application/json"}

    def register(self, start: StartRequest) -> Registration:
        crc = self.setting("crc")
        payload = {
            "merchantId": self.merchant_id,
            "posId": self.pos_id,
            "sessionId": start.session_id,
            "amount": start.amount,
            "currency": start.currency,
            "description": start.description,
            "email": start.email,
            "country": "PL",
            "language": start.language,
            "urlReturn": start.return_url,
            "urlStatus": start.notify_url,
            "sign": register_sign(session_id=start.session_id, merchant_id=self.merchant_id,
                                  amount=start.amount, currency=start.currency, crc=crc),
        }
        response = request("POST", f"{self.base_url}/api/v1/transaction/register",
                           body=php_json(payload).encode(), headers=self._auth())
        try:
            token = json.loads(response.body)["data"]["token"]
        except (ValueError, KeyError, TypeError):
            raise GatewayError(f"Przelewy24 refused the registration (HTTP "
                               f"{response.status}).") from None
        if response.status != 200 or not token:
            raise GatewayError(f"Przelewy24 refused the registration (HTTP {response.status}).")
        return Registration(redirect_url=f"{self.base_url}/trnRequest/{token}")

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Notice:
        try:
            data = json.loads(body)
            given = str(data["sign"])
            expected = notification_sign(data, crc=self.setting("crc"))
        except (ValueError, KeyError, TypeError):
            raise SignatureError("not a Przelewy24 notification") from None
        if not equal(given, expected):
            raise SignatureError("sign does not match")
        if data["merchantId"] != self.merchant_id or data["posId"] != self.pos_id:
            raise SignatureError("notification for another merchant")
        return Notice(session_id=str(data["sessionId"]), completed=True,
                      amount=int(data["amount"]), currency=str(data["currency"]),
                      gateway_order_id=str(data["orderId"]), raw=data)

    def confirm(self, notice: Notice, *, amount: int, currency: str) -> None:
        order_id = int(notice.gateway_order_id)
        payload = {
            "merchantId": self.merchant_id,
            "posId": self.pos_id,
            "sessionId": notice.session_id,
            "amount": amount,
            "currency": currency,
            "orderId": order_id,
            "sign": verify_sign(session_id=notice.session_id, order_id=order_id,
                                amount=amount, currency=currency, crc=self.setting("crc")),
        }
        response = request("PUT", f"{self.base_url}/api/v1/transaction/verify",
                           body=php_json(payload).encode(), headers=self._auth())
        try:
            status = json.loads(response.body)["data"]["status"]
        except (ValueError, KeyError, TypeError):
            status = None
        if response.status != 200 or status != "success":
            raise GatewayError(f"Przelewy24 did not verify the transaction (HTTP "
                               f"{response.status}).")
