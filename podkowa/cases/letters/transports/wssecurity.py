"""SOAP 1.1 envelopes with a WS-Security X.509 signature (the ePUAP public-body profile).

The signature covers the Body and the Timestamp (exclusive C14N, RSA-SHA256, SHA-256); the
key is identified by a BinarySecurityToken carrying the system certificate.
"""

import base64
import binascii
import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.utils.translation import gettext_lazy as _
from lxml import etree

from ..credentials import SystemCredentials
from ..errors import MalformedDocument, SignatureInvalid
from ..signing import DS, EXC_C14N, ReferenceSpec, b64, create_signature, find_by_id
from ..signing import verify_signature_element as _verify_signature
from ..xmlsafe import parse_xml

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
X509V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
BASE64_BINARY = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0"
    "#Base64Binary"
)
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)


def q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def build_envelope(
    payload: etree._Element, *, headers: Iterable[etree._Element] = ()
) -> etree._Element:
    envelope = etree.Element(q(SOAP, "Envelope"), nsmap={"soapenv": SOAP})
    header = etree.SubElement(envelope, q(SOAP, "Header"))
    for item in headers:
        header.append(item)
    body = etree.SubElement(envelope, q(SOAP, "Body"), nsmap={"wsu": WSU})
    body.append(payload)
    return envelope


def sign_envelope(
    envelope: etree._Element,
    credentials: SystemCredentials,
    *,
    ttl: dt.timedelta = dt.timedelta(minutes=5),
    now: dt.datetime | None = None,
) -> bytes:
    """Add wsse:Security (token, timestamp, signature over Body + Timestamp); return bytes."""
    now = now or dt.datetime.now(dt.UTC)
    header = envelope.find(q(SOAP, "Header"))
    body = envelope.find(q(SOAP, "Body"))
    if header is None or body is None:
        raise MalformedDocument(_("A SOAP envelope needs a Header and a Body."))
    suffix = uuid.uuid4().hex
    body_id, ts_id, token_id = f"id-Body-{suffix}", f"TS-{suffix}", f"X509-{suffix}"
    body.set(q(WSU, "Id"), body_id)

    security = etree.Element(q(WSSE, "Security"), nsmap={"wsse": WSSE, "wsu": WSU})
    security.set(q(SOAP, "mustUnderstand"), "1")
    header.insert(0, security)
    token = etree.SubElement(
        security, q(WSSE, "BinarySecurityToken"), EncodingType=BASE64_BINARY, ValueType=X509V3
    )
    token.set(q(WSU, "Id"), token_id)
    token.text = b64(credentials.certificate_der)
    timestamp = etree.SubElement(security, q(WSU, "Timestamp"))
    timestamp.set(q(WSU, "Id"), ts_id)
    etree.SubElement(timestamp, q(WSU, "Created")).text = _wsu_time(now)
    etree.SubElement(timestamp, q(WSU, "Expires")).text = _wsu_time(now + ttl)

    key_info = etree.Element(q(DS, "KeyInfo"), nsmap={"ds": DS})
    str_el = etree.SubElement(key_info, q(WSSE, "SecurityTokenReference"), nsmap={"wsse": WSSE})
    etree.SubElement(str_el, q(WSSE, "Reference"), URI=f"#{token_id}", ValueType=X509V3)
    create_signature(
        parent=security,
        references=[ReferenceSpec(f"#{body_id}", (EXC_C14N,)),
                    ReferenceSpec(f"#{ts_id}", (EXC_C14N,))],
        credentials=credentials,
        key_info=key_info,
        signature_id=f"SIG-{suffix}",
    )
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def _wsu_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{value.microsecond // 1000:03d}Z"
    )


@dataclass(frozen=True)
class VerifiedEnvelope:
    envelope: etree._Element
    body: etree._Element
    header: etree._Element
    certificate: x509.Certificate

    @property
    def payload(self) -> etree._Element | None:
        children = [c for c in self.body if isinstance(c.tag, str)]
        return children[0] if children else None


def parse_envelope(xml_bytes: bytes) -> etree._Element:
    envelope = parse_xml(xml_bytes, what="SOAP message")
    if envelope.tag != q(SOAP, "Envelope"):
        raise MalformedDocument(_("The message is not a SOAP 1.1 envelope."))
    if envelope.find(q(SOAP, "Body")) is None:
        raise MalformedDocument(_("The SOAP message has no Body."))
    return envelope


def verify_envelope(
    xml_bytes: bytes,
    *,
    trusted_certificates: Iterable[x509.Certificate],
    now: dt.datetime | None = None,
) -> VerifiedEnvelope:
    """Check the WS-Security signature, that it covers this Body and a fresh Timestamp."""
    envelope = parse_envelope(xml_bytes)
    header = envelope.find(q(SOAP, "Header"))
    body = envelope.find(q(SOAP, "Body"))
    security = header.find(q(WSSE, "Security")) if header is not None else None
    if security is None:
        raise SignatureInvalid(_("The SOAP message carries no WS-Security header."))
    signature = security.find(q(DS, "Signature"))
    if signature is None:
        raise SignatureInvalid(_("The SOAP message is not signed."))

    ref = signature.find(f"{q(DS, 'KeyInfo')}/{q(WSSE, 'SecurityTokenReference')}/"
                         f"{q(WSSE, 'Reference')}")
    if ref is None or not (ref.get("URI") or "").startswith("#"):
        raise SignatureInvalid(_("The signature does not name its security token."))
    token = find_by_id(envelope, ref.get("URI")[1:])
    if token.tag != q(WSSE, "BinarySecurityToken") or token.get("ValueType") != X509V3:
        raise SignatureInvalid(_("The security token is not an X.509 certificate."))
    try:
        certificate = x509.load_der_x509_certificate(
            base64.b64decode("".join((token.text or "").split()), validate=True)
        )
    except (binascii.Error, ValueError):
        raise SignatureInvalid(_("The security token cannot be read.")) from None
    trusted = {c.public_bytes(Encoding.DER) for c in trusted_certificates}
    if certificate.public_bytes(Encoding.DER) not in trusted:
        raise SignatureInvalid(_("The message was signed with a certificate we do not trust."))

    covered = _verify_signature(signature, certificate=certificate)
    covered_ids = {r.uri[1:] for r in covered if r.uri.startswith("#")}
    # The signed Body must be *this* Body (not a copy tucked away elsewhere), and so the
    # Timestamp: otherwise a captured message could be replayed with a new body or forever.
    body_id = body.get(q(WSU, "Id"))
    if not body_id or body_id not in covered_ids:
        raise SignatureInvalid(_("The signature does not cover the SOAP Body."))
    timestamp = security.find(q(WSU, "Timestamp"))
    if timestamp is None or timestamp.get(q(WSU, "Id")) not in covered_ids:
        raise SignatureInvalid(_("The signature does not cover a timestamp."))
    _check_timestamp(timestamp, now or dt.datetime.now(dt.UTC))
    moment = now or dt.datetime.now(dt.UTC)
    if not (certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc):
        raise SignatureInvalid(_("The signing certificate is not valid now."))
    return VerifiedEnvelope(envelope=envelope, body=body, header=header, certificate=certificate)


def _check_timestamp(timestamp: etree._Element, now: dt.datetime) -> None:
    try:
        created = dt.datetime.fromisoformat(
            (timestamp.findtext(q(WSU, "Created")) or "").replace("Z", "+00:00")
        )
        expires = dt.datetime.fromisoformat(
            (timestamp.findtext(q(WSU, "Expires")) or "").replace("Z", "+00:00")
        )
    except ValueError:
        raise SignatureInvalid(_("The message's timestamp cannot be read.")) from None
    if created.tzinfo is None or expires.tzinfo is None:
        raise SignatureInvalid(_("The message's timestamp has no time zone."))
    if created - MAX_CLOCK_SKEW > now or expires + MAX_CLOCK_SKEW < now:
        raise SignatureInvalid(_("The message has expired or comes from the future."))


def fault_envelope(code: str, message: str, *, detail: etree._Element | None = None) -> bytes:
    envelope = etree.Element(q(SOAP, "Envelope"), nsmap={"soapenv": SOAP})
    body = etree.SubElement(envelope, q(SOAP, "Body"))
    fault = etree.SubElement(body, q(SOAP, "Fault"))
    etree.SubElement(fault, "faultcode").text = f"soapenv:{code}"
    etree.SubElement(fault, "faultstring").text = message
    if detail is not None:
        etree.SubElement(fault, "detail").append(detail)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def read_fault(envelope: etree._Element) -> str | None:
    """The fault's message (with an ePUAP Wyjatek's komunikat when present), or None."""
    fault = envelope.find(f"{q(SOAP, 'Body')}/{q(SOAP, 'Fault')}")
    if fault is None:
        return None
    message = (fault.findtext("faultstring") or "").strip()
    for komunikat in fault.iter("komunikat"):
        if (komunikat.text or "").strip():
            message = f"{message} ({komunikat.text.strip()})" if message else komunikat.text
            break
    return message or "SOAP fault"
