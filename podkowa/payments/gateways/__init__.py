"""The gateways, by the kind a town configures (PaymentSettings.gateway)."""

from podkowa.payments.gateways.base import (
    Gateway,
    GatewayError,
    Notice,
    Registration,
    SignatureError,
    StartRequest,
)
from podkowa.payments.gateways.paynow import Paynow
from podkowa.payments.gateways.payu import PayU
from podkowa.payments.gateways.przelewy24 import Przelewy24
from podkowa.payments.gateways.sandbox import Sandbox

GATEWAYS: dict[str, type[Gateway]] = {
    cls.kind: cls for cls in (Sandbox, Przelewy24, PayU, Paynow)
}

__all__ = ["GATEWAYS", "Gateway", "GatewayError", "Notice", "Registration", "SignatureError",
           "StartRequest", "gateway_for"]


def gateway_for(kind: str, config: dict) -> Gateway:
    try:
        return GATEWAYS[kind](config)
    except KeyError:
        raise GatewayError(f"Unknown gateway {kind!r}.") from None
