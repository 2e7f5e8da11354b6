"""Building gateway notifications as each gateway would send them (from their formulas)."""

import base64
import hashlib
import hmac
import json

from podkowa.payments.models import PaymentSettings
from tests.payments import fake_gateways as fg


def use_gateway(town, kind: str, config: dict) -> PaymentSettings:
    settings, _created = PaymentSettings.objects.update_or_create(
        gmina=town, defaults={"gateway": kind, "gateway_config": config})
    return settings


def p24_notification(order, *, amount=None, currency=None, crc=fg.P24_CRC,
                     order_id=316_122_123) -> bytes:
    fields = [("merchantId", fg.P24_MERCHANT), ("posId", fg.P24_MERCHANT),
              ("sessionId", str(order.session_id)),
              ("amount", order.amount if amount is None else amount),
              ("originAmount", order.amount if amount is None else amount),
              ("currency", currency or order.currency), ("orderId", order_id),
              ("methodId", 25), ("statement", "p24-A12-B34-C56")]
    data = dict(fields)
    data["sign"] = fg.p24_hash([*fields, ("crc", crc)])
    return json.dumps(data).encode()


def payu_notification(order, *, amount=None, currency=None, status="COMPLETED",
                      key=fg.PAYU_SECOND_KEY, algorithm="MD5") -> tuple[bytes, str]:
    body = json.dumps({"order": {
        "orderId": "WZHF5FFDRJ140731GUEST000P01", "extOrderId": str(order.session_id),
        "orderCreateDate": "2026-03-10T12:00:00.000+01:00", "notifyUrl": "https://x/",
        "customerIp": "127.0.0.1", "merchantPosId": fg.PAYU_POS,
        "description": order.description, "currencyCode": currency or order.currency,
        "totalAmount": str(order.amount if amount is None else amount), "status": status,
    }, "localReceiptDateTime": "2026-03-10T12:01:00.000+01:00"}).encode()
    digest = hashlib.md5 if algorithm == "MD5" else hashlib.sha256
    signature = digest(body + key.encode()).hexdigest()
    header = f"sender=checkout;signature={signature};algorithm={algorithm};content=DOCUMENT"
    return body, header


def paynow_notification(order, *, status="CONFIRMED",
                        key=fg.PAYNOW_SIGNATURE_KEY) -> tuple[bytes, str]:
    body = json.dumps({"paymentId": "NOLV-8F9-08K-WGD", "externalId": str(order.session_id),
                       "status": status, "modifiedAt": "2026-03-10T12:01:00"}).encode()
    signature = base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()
    return body, signature
