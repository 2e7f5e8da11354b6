"""ePUAP for a public body: ``skrytka.nadaj`` to send, ``pull`` to receive.

SOAP 1.1, document/literal, per the published WSDLs (skrytka, pull; types in
``http://wsdl.epuap.gov.pl/obiekty/``). The types' schema has no elementFormDefault, so the
children of the top-level elements (``nazwaPliku``, ``status/kod`` …) are unqualified.
"""

import base64
import binascii
import datetime as dt
import hashlib
import re

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from lxml import etree

from ..credentials import SystemCredentials, service_certificates, system_credentials
from ..document import Attachment
from ..errors import (
    AddressInvalid,
    ConfigurationError,
    DeliveryRefused,
    MalformedDocument,
    SignatureInvalid,
    TransportError,
)
from ..receipts import Receipt, parse_receipt
from . import Incoming, LetterTransport
from .http import check_endpoint, request
from .wssecurity import build_envelope, parse_envelope, read_fault, sign_envelope, verify_envelope

OB = "http://wsdl.epuap.gov.pl/obiekty/"
SKRYTKA_ACTION = "http://ws.epuap.gov.pl/skrytka/nadaj"
PULL_ACTIONS = {
    "oczekujace": "http://ws.epuap.gov.pl/pull/oczekujaceDokumenty",
    "pobierz": "http://ws.epuap.gov.pl/pull/pobierzNastepny",
    "potwierdz": "http://ws.epuap.gov.pl/pull/potwierdzOdebranie",
}
STATUS_OK = 1
STATUS_EMPTY = 0
# An ePUAP box address: /<subject id>/<box name>, e.g. /podkowalesna/skrytka.
BOX_ADDRESS = re.compile(r"^/[A-Za-z0-9_.\-]{1,100}/[A-Za-z0-9_.\-]{1,100}$")


def ob(name: str) -> str:
    return f"{{{OB}}}{name}"


def clean_box_address(value: str) -> str:
    address = (value or "").strip()
    if not BOX_ADDRESS.match(address):
        raise AddressInvalid(
            _("An ePUAP box address looks like /subject/box (for example /podkowalesna/"
              "skrytka); %(value)s is not one.") % {"value": address or "—"}
        )
    return address


def pull_digest(content: bytes) -> str:
    """How ``potwierdzOdebranie`` names the document it confirms (SHA-1, base64).

    An identifier handed back to the service, not a protection: SHA-1 is what the pull
    interface uses, hence ``usedforsecurity=False``.
    """
    return base64.b64encode(hashlib.sha1(content, usedforsecurity=False).digest()).decode()


def _child(parent, name: str, text=None) -> etree._Element:
    el = etree.SubElement(parent, name)
    if text is not None:
        el.text = text
    return el


class EpuapTransport(LetterTransport):
    channel = "epuap"

    def __init__(
        self,
        *,
        skrytka_url: str,
        pull_url: str,
        podmiot: str,
        box_name: str,
        box_address: str,
        credentials: SystemCredentials,
        service_certificates: list,
        timeout: float = 30,
    ):
        self.skrytka_url = check_endpoint(skrytka_url, setting="EPUAP_SKRYTKA_URL")
        self.pull_url = check_endpoint(pull_url, setting="EPUAP_PULL_URL")
        self.podmiot = podmiot
        self.box_name = box_name
        self.box_address = clean_box_address(box_address)
        self.credentials = credentials
        self.service_certificates = list(service_certificates)
        if not self.service_certificates:
            raise ConfigurationError(_("Set EPUAP_SERVICE_CERT_FILE: the certificate ePUAP "
                                       "signs its answers and receipts with."))
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> "EpuapTransport":
        s = settings
        creds, service = system_credentials("EPUAP"), service_certificates("EPUAP")
        return cls(
            skrytka_url=s.EPUAP_SKRYTKA_URL,
            pull_url=s.EPUAP_PULL_URL,
            podmiot=s.EPUAP_PODMIOT,
            box_name=s.EPUAP_NAZWA_SKRYTKI,
            box_address=s.EPUAP_ADRES_SKRYTKI,
            credentials=creds,
            service_certificates=service,
            timeout=s.EPUAP_TIMEOUT,
        )

    # --- calls ---------------------------------------------------------------------------

    def _call(self, url: str, action: str, payload, headers=()) -> etree._Element:
        envelope = build_envelope(payload, headers=headers)
        body = sign_envelope(envelope, self.credentials)
        response = request(
            "POST", url, body=body, timeout=self.timeout,
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{action}"'},
        )
        try:
            answer = parse_envelope(response.body)
        except MalformedDocument:
            raise TransportError(
                _("ePUAP answered with HTTP %(status)s and no readable SOAP message.")
                % {"status": response.status}
            ) from None
        fault = read_fault(answer)
        if fault is not None:
            raise DeliveryRefused(_("ePUAP refused the request: %(reason)s") % {"reason": fault})
        if response.status != 200:
            raise TransportError(_("ePUAP answered with HTTP %(status)s.")
                                 % {"status": response.status})
        try:
            verified = verify_envelope(response.body,
                                       trusted_certificates=self.service_certificates)
        except SignatureInvalid as exc:
            raise TransportError(
                _("ePUAP's answer failed its signature check: %(reason)s") % {"reason": exc}
            ) from None
        if verified.payload is None:
            raise TransportError(_("ePUAP's answer is empty."))
        return verified.payload

    @staticmethod
    def _status(payload) -> tuple[int, str]:
        try:
            code = int(payload.findtext("status/kod") or "")
        except ValueError:
            raise TransportError(_("ePUAP's answer carries no status.")) from None
        return code, (payload.findtext("status/komunikat") or "").strip()

    # --- sending -------------------------------------------------------------------------

    def send(
        self, letter_xml: bytes, *, recipient_address: str, filename: str = "pismo_ogolne.xml",
        reply_address: str = "", trial: bool = False,
    ) -> Receipt:
        recipient_address = clean_box_address(recipient_address)
        headers = []
        for name, value in (
            ("IdentyfikatorPodmiotu", self.podmiot),
            ("AdresSkrytki", recipient_address),
            ("AdresOdpowiedzi", clean_box_address(reply_address or self.box_address)),
            ("CzyProbne", "true" if trial else "false"),
            ("DaneDodatkowe", ""),
        ):
            el = etree.Element(ob(name), nsmap={"ob": OB})
            el.text = value
            headers.append(el)
        dokument = etree.Element(ob("Dokument"), nsmap={"ob": OB})
        _child(dokument, "nazwaPliku", filename)
        _child(dokument, "typPliku", "text/xml")
        _child(dokument, "zawartosc", base64.b64encode(letter_xml).decode("ascii"))

        answer = self._call(self.skrytka_url, SKRYTKA_ACTION, dokument, headers)
        if answer.tag != ob("OdpowiedzSkrytki"):
            raise TransportError(_("ePUAP answered with an unexpected message."))
        code, message = self._status(answer)
        if code != STATUS_OK:
            raise DeliveryRefused(_("ePUAP refused the letter: %(reason)s")
                                  % {"reason": message or code})
        upp = answer.findtext("zalacznik/zawartosc")
        if not upp:
            raise TransportError(_("ePUAP accepted the letter but sent no receipt (UPP)."))
        try:
            raw = base64.b64decode("".join(upp.split()), validate=True)
        except (binascii.Error, ValueError):
            raise TransportError(_("ePUAP's receipt is damaged.")) from None
        receipt = parse_receipt(raw, trusted_certificates=self.service_certificates)
        # A receipt that names a digest must name ours; one that names none is still the
        # service's signed word that something arrived (refusing it would make the outbox
        # send the letter again).
        if receipt.document_digest and not receipt.covers(letter_xml):
            raise TransportError(_("ePUAP's receipt does not name the letter we sent."))
        return receipt

    # --- receiving -----------------------------------------------------------------------

    def _pull_query(self, element: str, **extra) -> etree._Element:
        query = etree.Element(ob(element), nsmap={"ob": OB})
        _child(query, "podmiot", self.podmiot)
        _child(query, "nazwaSkrytki", self.box_name)
        _child(query, "adresSkrytki", self.box_address)
        for name, value in extra.items():
            _child(query, name, value)
        return query

    def pending_count(self) -> int:
        answer = self._call(self.pull_url, PULL_ACTIONS["oczekujace"],
                            self._pull_query("ZapytaniePullOczekujace"))
        code, message = self._status(answer)
        if code != STATUS_OK:
            raise DeliveryRefused(_("ePUAP refused the request: %(reason)s")
                                  % {"reason": message or code})
        try:
            return int(answer.findtext("oczekujace") or "0")
        except ValueError:
            raise TransportError(_("ePUAP's answer is not a number of documents.")) from None

    def fetch_incoming(self) -> list[Incoming]:
        """The document at the head of the box, if any.

        ePUAP hands documents out one at a time: the same one comes back until it is
        acknowledged, so the caller stores it, acknowledges it, and fetches again.
        """
        if self.pending_count() == 0:
            return []
        answer = self._call(self.pull_url, PULL_ACTIONS["pobierz"],
                            self._pull_query("ZapytaniePullPobierz"))
        code, message = self._status(answer)
        if code == STATUS_EMPTY:
            return []
        if code != STATUS_OK:
            raise DeliveryRefused(_("ePUAP refused the request: %(reason)s")
                                  % {"reason": message or code})
        try:
            content = base64.b64decode(
                "".join((answer.findtext("dokument/zawartosc") or "").split()), validate=True
            )
        except (binascii.Error, ValueError):
            raise TransportError(_("ePUAP sent a damaged document.")) from None
        if not content:
            raise TransportError(_("ePUAP sent an empty document."))
        sender = (answer.findtext("daneNadawcy/uzytkownik") or "").strip() or (
            answer.findtext("daneNadawcy/system") or ""
        ).strip()
        subject_name = " ".join(
            part for part in (
                (answer.findtext("danePodmiotu/imieSkrot") or "").strip(),
                (answer.findtext("danePodmiotu/nazwiskoNazwa") or "").strip(),
            ) if part
        )
        sent_at = None
        if answer.findtext("dataNadania"):
            try:
                sent_at = dt.datetime.fromisoformat(
                    answer.findtext("dataNadania").strip().replace("Z", "+00:00"))
            except ValueError:
                sent_at = None
        digest = pull_digest(content)
        return [
            Incoming(
                channel=self.channel,
                message_id=digest,
                sender=subject_name or sender,
                sender_address=(answer.findtext("adresOdpowiedzi") or "").strip(),
                received_at=sent_at,
                documents=(
                    Attachment(
                        (answer.findtext("dokument/nazwaPliku") or "dokument.xml").strip(),
                        (answer.findtext("dokument/typPliku") or "text/xml").strip(),
                        content,
                    ),
                ),
                ack_token=digest,
                extra={"login": sender, "test": answer.findtext("czyTestowe") == "true"},
            )
        ]

    def acknowledge(self, incoming: Incoming) -> None:
        answer = self._call(
            self.pull_url, PULL_ACTIONS["potwierdz"],
            self._pull_query("ZapytaniePullPotwierdz", skrot=incoming.ack_token),
        )
        code, message = self._status(answer)
        if code != STATUS_OK:
            raise DeliveryRefused(_("ePUAP refused the acknowledgement: %(reason)s")
                                  % {"reason": message or code})
