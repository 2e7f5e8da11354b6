"""One interface for the national delivery channels, and their construction from settings.

A later Letter model calls ``get_transport(channel).send(...)`` from its outbox task and keeps
the returned ``Receipt``; a periodic task calls ``fetch_incoming()``, stores each document
(idempotently: the same document may be offered again after a crash), and only then calls
``acknowledge()`` — so that nothing is lost between the national service and our database.
"""

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from ..document import Attachment
from ..receipts import Receipt

__all__ = ["Incoming", "LetterTransport", "Receipt", "get_transport"]


@dataclass(frozen=True)
class Incoming:
    channel: str
    message_id: str  # the channel's id of the message
    sender: str  # the sender's name or login as the channel reports it
    sender_address: str  # where a reply goes: an ePUAP box or an e-Delivery address
    received_at: dt.datetime | None
    documents: tuple[Attachment, ...]
    ack_token: str = ""  # what acknowledge() needs to hand back
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def document(self) -> Attachment:
        """The main document (for ePUAP the only one: the letter's XML)."""
        return self.documents[0]


class LetterTransport(ABC):
    channel: str = ""

    @abstractmethod
    def send(self, letter_xml: bytes, *, recipient_address: str) -> Receipt:
        """Deliver a (signed) letter; return the national service's proof of submission."""

    @abstractmethod
    def fetch_incoming(self) -> list[Incoming]:
        """Documents waiting for the office (not yet acknowledged)."""

    @abstractmethod
    def acknowledge(self, incoming: Incoming) -> None:
        """Tell the service an incoming document is safely stored: it is not offered again."""


def get_transport(channel: str) -> LetterTransport:
    """The configured transport for ``"epuap"`` or ``"edoreczenia"``."""
    if channel == "epuap":
        from .epuap import EpuapTransport

        return EpuapTransport.from_settings()
    if channel == "edoreczenia":
        from .edoreczenia import EDoreczeniaTransport

        return EDoreczeniaTransport.from_settings()
    raise ValueError(f"Unknown letter channel: {channel!r}")
