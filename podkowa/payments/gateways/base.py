"""One interface for every online payment gateway.

A gateway registers an order (and tells where to send the payer), reads and checks the
signature of a notification, and — where its protocol asks for it — confirms the payment
back before we credit it. Deciding what a notification means for the ledger is not the
gateway's business: `services/orders.py` does that, the same way for all of them.
"""

import hmac
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

from podkowa.payments.gateways.http import GatewayError

__all__ = ["Gateway", "GatewayError", "Notice", "Registration", "SignatureError",
           "StartRequest", "equal"]


class SignatureError(Exception):
    """The notification's signature does not match: it was not sent by the gateway."""


@dataclass(frozen=True)
class StartRequest:
    session_id: str
    amount: int
    currency: str
    description: str
    email: str
    return_url: str
    notify_url: str
    customer_ip: str
    language: str = "pl"


@dataclass(frozen=True)
class Registration:
    redirect_url: str
    gateway_order_id: str = ""


@dataclass(frozen=True)
class Notice:
    """What a verified notification says. `amount`/`currency` are None when the gateway's
    notification does not carry them (the amount was signed when the order was made)."""

    session_id: str
    completed: bool
    amount: int | None
    currency: str | None
    gateway_order_id: str = ""
    raw: Mapping | None = None


def equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class Gateway(ABC):
    kind: str = ""

    def __init__(self, config: Mapping) -> None:
        self.config = dict(config or {})

    def setting(self, name: str) -> str:
        value = self.config.get(name)
        if value in (None, ""):
            raise GatewayError(f"The {self.kind} gateway is missing its setting {name!r}.")
        return str(value)

    @abstractmethod
    def register(self, start: StartRequest) -> Registration: ...

    @abstractmethod
    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Notice:
        """Check the signature (raise SignatureError) and read the notification."""

    def confirm(self, notice: Notice, *, amount: int, currency: str) -> None:
        """Tell the gateway we accept the payment, where the protocol requires it (raise
        GatewayError when it says no). Most gateways need nothing."""
        return None
