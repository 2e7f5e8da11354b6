"""Proof that a letter arrived: ePUAP's UPP/UPD and e-Doręczenia's delivery evidence.

Both are signed XML documents. The Letter model keeps the raw bytes (the legal proof) and
shows the fields of ``Receipt`` to the resident.
"""

import base64
import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from django.utils.translation import gettext_lazy as _
from lxml import etree

from .credentials import SystemCredentials
from .errors import MalformedDocument
from .signing import sign_enveloped, verify_enveloped
from .xmlsafe import parse_xml

UPO = "http://crd.gov.pl/xml/schematy/UPO/2008/05/09/"
# e-Doręczenia evidences follow ETSI EN 319 522 (REM). The simulator writes, and this module
# reads, the subset below; check element names against the national contract before relying
# on production evidences beyond the raw bytes.
REM = "http://uri.etsi.org/19522/v1#"

# The pull service and the UPP name a document by this digest (SHA-256, base64).
DIGEST_INFO_TYPE = "SkrotDokumentuSHA256"


@dataclass(frozen=True)
class Receipt:
    kind: str  # "UPP" (submission), "UPD" (receipt by the addressee) or "evidence"
    receipt_id: str
    issued_at: dt.datetime | None
    delivered_at: dt.datetime | None
    sender: str
    recipient: str
    document_id: str
    document_digest: str  # base64 SHA-256 of the letter as sent, when the receipt names it
    raw: bytes  # the signed receipt as received: the proof to keep

    def covers(self, letter_xml: bytes) -> bool:
        """Does this receipt name exactly these bytes?"""
        return bool(self.document_digest) and self.document_digest == document_digest(letter_xml)


def document_digest(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def _datetime(text: str | None) -> dt.datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedDocument(_("The receipt's date %(value)s cannot be read.")
                                % {"value": text}) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def parse_receipt(
    xml_bytes: bytes, *, trusted_certificates: Iterable[x509.Certificate] | None = None
) -> Receipt:
    """Read a UPP/UPD (UPO namespace) or an e-Doręczenia evidence.

    With ``trusted_certificates`` the receipt's signature is verified first (it must come from
    the national service, not from whoever handed us the bytes).
    """
    root = parse_xml(xml_bytes, what="receipt")
    if trusted_certificates is not None:
        verify_enveloped(xml_bytes, trusted_certificates=trusted_certificates, require_xades=False)
    if root.tag == f"{{{UPO}}}Dokument":
        return _parse_upo(root, bytes(xml_bytes))
    if root.tag == f"{{{REM}}}REMEvidence":
        return _parse_evidence(root, bytes(xml_bytes))
    raise MalformedDocument(
        _("This is not a delivery receipt (root element %(tag)s).")
        % {"tag": etree.QName(root).localname}
    )


def _parse_upo(root, raw: bytes) -> Receipt:
    ns = {"pos": UPO}
    for kind in ("UPP", "UPD"):
        body = root.find(f"pos:{kind}", ns)
        if body is not None:
            break
    else:
        raise MalformedDocument(_("The receipt holds neither a UPP nor a UPD."))
    receipt_id = (body.findtext("pos:IdentyfikatorPoswiadczenia", "", ns) or "").strip()
    if not receipt_id:
        raise MalformedDocument(_("The receipt has no identifier."))
    digest = ""
    for info in body.findall("pos:InformacjaUzupelniajaca", ns):
        if info.get("TypInformacjiUzupelniajacej") == DIGEST_INFO_TYPE:
            digest = (info.text or "").strip()
    delivered = body.findtext("pos:DataDoreczenia", None, ns) or body.findtext(
        "pos:DataOdbioru", None, ns
    )
    issued = body.findtext("pos:DataWytworzeniaPoswiadczenia", None, ns) or body.findtext(
        "pos:DataUtworzeniaPoswiadczenia", None, ns
    )
    return Receipt(
        kind=kind,
        receipt_id=receipt_id,
        issued_at=_datetime(issued),
        delivered_at=_datetime(delivered),
        sender=(body.findtext("pos:Nadawca/pos:Nazwa", "", ns) or "").strip(),
        recipient=(body.findtext("pos:Adresat/pos:Nazwa", "", ns) or "").strip(),
        document_id=(body.findtext("pos:IdentyfikatorDokumentu", "", ns) or "").strip(),
        document_digest=digest,
        raw=raw,
    )


def _parse_evidence(root, raw: bytes) -> Receipt:
    ns = {"rem": REM}
    receipt_id = (root.findtext("rem:EvidenceIdentifier", "", ns) or "").strip()
    if not receipt_id:
        raise MalformedDocument(_("The evidence has no identifier."))
    return Receipt(
        kind="evidence",
        receipt_id=receipt_id,
        issued_at=_datetime(root.findtext("rem:EventTime", None, ns)),
        delivered_at=_datetime(root.findtext("rem:SubmissionTime", None, ns)),
        sender=(root.findtext("rem:SenderDetails/rem:ElectronicAddress", "", ns) or "").strip(),
        recipient=(
            root.findtext("rem:RecipientDetails/rem:ElectronicAddress", "", ns) or ""
        ).strip(),
        document_id=(root.findtext("rem:MessageIdentifier", "", ns) or "").strip(),
        document_digest=(root.findtext("rem:ContentDigest", "", ns) or "").strip(),
        raw=raw,
    )


# --- issuing (used by the simulators: the national services issue the real ones) ----------


def build_upp(
    *,
    receipt_id: str,
    document_id: str,
    document: bytes,
    sender_name: str,
    sender_id: str,
    recipient_name: str,
    recipient_id: str,
    delivered_at: dt.datetime,
    credentials: SystemCredentials,
) -> bytes:
    root = etree.Element(f"{{{UPO}}}Dokument", nsmap={"pos": UPO})
    upp = etree.SubElement(root, f"{{{UPO}}}UPP")

    def sub(parent, name, text=None, **attrs):
        el = etree.SubElement(parent, f"{{{UPO}}}{name}", **attrs)
        el.text = text
        return el

    sub(upp, "IdentyfikatorPoswiadczenia", receipt_id)
    for role, name, ident in (("Adresat", recipient_name, recipient_id),
                              ("Nadawca", sender_name, sender_id)):
        party = sub(upp, role)
        sub(party, "Nazwa", name)
        sub(party, "IdentyfikatorPodmiotu", ident, TypIdentyfikatora="adres skrytki")
    sub(upp, "DataDoreczenia", delivered_at.isoformat(timespec="seconds"))
    sub(upp, "DataWytworzeniaPoswiadczenia",
        dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    sub(upp, "IdentyfikatorDokumentu", document_id)
    sub(upp, "InformacjaUzupelniajaca", document_digest(document),
        TypInformacjiUzupelniajacej=DIGEST_INFO_TYPE)
    return sign_enveloped(etree.tostring(root, encoding="UTF-8"), credentials)


def build_evidence(
    *,
    evidence_id: str,
    message_id: str,
    document: bytes,
    sender_address: str,
    recipient_address: str,
    submitted_at: dt.datetime,
    credentials: SystemCredentials,
    event: str = "SubmissionAcceptance",
) -> bytes:
    root = etree.Element(f"{{{REM}}}REMEvidence", nsmap={"rem": REM}, version="2")

    def sub(parent, name, text=None):
        el = etree.SubElement(parent, f"{{{REM}}}{name}")
        el.text = text
        return el

    sub(root, "EventCode", f"http://uri.etsi.org/19522/Event#{event}")
    sub(root, "EvidenceIdentifier", evidence_id)
    sub(root, "EventTime", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    sub(root, "SubmissionTime", submitted_at.isoformat(timespec="seconds"))
    sub(root, "MessageIdentifier", message_id)
    sub(sub(root, "SenderDetails"), "ElectronicAddress", sender_address)
    sub(sub(root, "RecipientDetails"), "ElectronicAddress", recipient_address)
    sub(root, "ContentDigest", document_digest(document))
    return sign_enveloped(etree.tostring(root, encoding="UTF-8"), credentials)
