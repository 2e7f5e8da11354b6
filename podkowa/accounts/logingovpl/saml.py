"""The SAML 2.0 messages of the login.gov.pl flow and the checks of the node's answers.

Flow (HTTP-Artifact binding): the browser carries a signed AuthnRequest to the node (HTTP-POST
form); the node authenticates the person and redirects back with ``SAMLart``; we send a signed
ArtifactResolve over SOAP and get an ArtifactResponse holding the Response with the
EncryptedAssertion. Logout: a signed LogoutRequest to the node, which answers with a
LogoutResponse.

Signatures use the project's XML-DSig code (podkowa/cases/letters/signing.py) with ECDSA-SHA256.
Every refusal raises LoginGovError with a code naming the failed check.
"""

import base64
import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from django.utils.translation import gettext_lazy as _
from lxml import etree

from podkowa.cases.letters.credentials import SystemCredentials
from podkowa.cases.letters.errors import LetterError
from podkowa.cases.letters.signing import (
    ECDSA_SHA256,
    ENVELOPED,
    EXC_C14N,
    RSA_SHA256,
    ReferenceSpec,
    b64,
    create_signature,
    verify_signature_element,
)
from podkowa.cases.letters.xmlsafe import parse_xml

from .config import LOA_ORDER
from .errors import LoginGovError
from .xmlenc import decrypt_element

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
DS_XENC = "http://www.w3.org/2001/04/xmlenc#"
EIDAS = "http://eidas.europa.eu/saml-extensions"
NATURAL = "http://eidas.europa.eu/attributes/naturalperson"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
ARTIFACT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
NAMEID_UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
URI_FORMAT = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
STATUS_RESPONDER = "urn:oasis:names:tc:SAML:2.0:status:Responder"
STATUS_AUTHN_FAILED = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"

GIVEN_NAME = f"{NATURAL}/CurrentGivenName"
FAMILY_NAME = f"{NATURAL}/CurrentFamilyName"
DATE_OF_BIRTH = f"{NATURAL}/DateOfBirth"
PERSON_IDENTIFIER = f"{NATURAL}/PersonIdentifier"
REQUESTED_ATTRIBUTES = [
    ("FirstName", GIVEN_NAME),
    ("FamilyName", FAMILY_NAME),
    ("DateOfBirth", DATE_OF_BIRTH),
    ("PersonIdentifier", PERSON_IDENTIFIER),
]
ARTIFACT_TYPE_CODE = b"\x00\x04"
SIGNATURE_METHODS = (ECDSA_SHA256, RSA_SHA256)
NSMAP = {"saml2p": SAMLP, "saml2": SAML, "ds": DS, "eidas": EIDAS}


def q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def new_id() -> str:
    # An xsd:ID must not start with a digit.
    return "ID-" + secrets.token_hex(16)


def instant(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_instant(text: str | None, what: str) -> dt.datetime:
    value = (text or "").strip()
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise LoginGovError("malformed", _("The answer of login.gov.pl is damaged."),
                            detail=f"{what} {value!r} is not a date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def sign(element: etree._Element, credentials: SystemCredentials) -> etree._Element:
    """Sign ``element`` (enveloped, by its ID) with the signature right after its Issuer."""
    key_info = etree.Element(q(DS, "KeyInfo"), nsmap={"ds": DS})
    etree.SubElement(etree.SubElement(key_info, q(DS, "X509Data")),
                     q(DS, "X509Certificate")).text = b64(credentials.certificate_der)
    issuer = element.find(q(SAML, "Issuer"))
    index = element.index(issuer) + 1 if issuer is not None else 0
    create_signature(
        parent=element,
        references=[ReferenceSpec(f"#{element.get('ID')}", (ENVELOPED, EXC_C14N))],
        credentials=credentials,
        key_info=key_info,
        index=index,
    )
    return element


def verify_signed(
    element: etree._Element, certificates: Iterable[x509.Certificate], *, what: str,
    required: bool = True,
) -> bool:
    """True when ``element`` carries a valid enveloped signature over itself by one of
    ``certificates``; False when unsigned and not ``required``; LoginGovError otherwise."""
    signature = element.find(q(DS, "Signature"))
    if signature is None:
        if required:
            raise LoginGovError("signature", _("The answer of login.gov.pl is not signed."),
                                detail=f"{what} carries no signature")
        return False
    ident = element.get("ID") or ""
    problems = []
    for certificate in certificates:
        try:
            covered = verify_signature_element(
                signature, certificate=certificate, methods=SIGNATURE_METHODS
            )
        except LetterError as exc:
            problems.append(str(exc))
            continue
        if not any(r.uri == f"#{ident}" and ENVELOPED in r.transforms for r in covered):
            raise LoginGovError(
                "signature", _("The signature of login.gov.pl does not cover its answer."),
                detail=f"{what} signature does not reference #{ident}",
            )
        return True
    raise LoginGovError(
        "signature", _("The signature of the answer from login.gov.pl is not valid."),
        detail=f"{what}: {'; '.join(problems) or 'no trusted certificate'}",
    )


# --- what we send ------------------------------------------------------------------------


@dataclass(frozen=True)
class OutgoingMessage:
    id: str
    xml: bytes

    @property
    def b64(self) -> str:
        return base64.b64encode(self.xml).decode("ascii")


def authn_request(
    *, entity_id: str, acs_url: str, sso_url: str, loa: str, credentials: SystemCredentials,
    now: dt.datetime | None = None, provider_name: str = "",
) -> OutgoingMessage:
    ident = new_id()
    root = etree.Element(q(SAMLP, "AuthnRequest"), nsmap=NSMAP)
    for name, value in (
        ("AssertionConsumerServiceURL", acs_url), ("Destination", sso_url),
        ("ForceAuthn", "true"), ("ID", ident), ("IsPassive", "false"),
        ("IssueInstant", instant(now or dt.datetime.now(dt.UTC))),
        ("ProtocolBinding", ARTIFACT_BINDING), ("Version", "2.0"),
    ):
        root.set(name, value)
    if provider_name:
        root.set("ProviderName", provider_name)
    etree.SubElement(root, q(SAML, "Issuer")).text = entity_id
    extensions = etree.SubElement(root, q(SAMLP, "Extensions"))
    etree.SubElement(extensions, q(EIDAS, "SPType")).text = "public"
    requested = etree.SubElement(extensions, q(EIDAS, "RequestedAttributes"))
    for friendly, name in REQUESTED_ATTRIBUTES:
        etree.SubElement(requested, q(EIDAS, "RequestedAttribute"), FriendlyName=friendly,
                         Name=name, NameFormat=URI_FORMAT, isRequired="true")
    etree.SubElement(root, q(SAMLP, "NameIDPolicy"), AllowCreate="true",
                     Format=NAMEID_UNSPECIFIED)
    context = etree.SubElement(root, q(SAMLP, "RequestedAuthnContext"), Comparison="minimum")
    etree.SubElement(context, q(SAML, "AuthnContextClassRef")).text = loa
    sign(root, credentials)
    return OutgoingMessage(ident, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def soap_envelope(payload: etree._Element) -> bytes:
    envelope = etree.Element(q(SOAP, "Envelope"), nsmap={"soap": SOAP})
    etree.SubElement(envelope, q(SOAP, "Header"))
    etree.SubElement(envelope, q(SOAP, "Body")).append(payload)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def soap_payload(body: bytes, *, what: str) -> etree._Element:
    try:
        envelope = parse_xml(body, what=what)
    except LetterError as exc:
        raise LoginGovError("malformed", _("The answer of login.gov.pl is damaged."),
                            detail=str(exc)) from None
    if envelope.tag != q(SOAP, "Envelope"):
        raise LoginGovError("malformed", _("The answer of login.gov.pl is damaged."),
                            detail=f"{what} is not a SOAP envelope")
    body_el = envelope.find(q(SOAP, "Body"))
    children = [c for c in (body_el if body_el is not None else []) if isinstance(c.tag, str)]
    if len(children) != 1:
        raise LoginGovError("malformed", _("The answer of login.gov.pl is damaged."),
                            detail=f"{what} body must hold exactly one element")
    return children[0]


def artifact_resolve(
    *, entity_id: str, artifact: str, destination: str, credentials: SystemCredentials,
    now: dt.datetime | None = None,
) -> OutgoingMessage:
    ident = new_id()
    root = etree.Element(q(SAMLP, "ArtifactResolve"), nsmap=NSMAP, ID=ident,
                         IssueInstant=instant(now or dt.datetime.now(dt.UTC)), Version="2.0",
                         Destination=destination)
    etree.SubElement(root, q(SAML, "Issuer")).text = entity_id
    etree.SubElement(root, q(SAMLP, "Artifact")).text = artifact
    sign(root, credentials)
    return OutgoingMessage(ident, soap_envelope(root))


def logout_request(
    *, entity_id: str, destination: str, name_id: str, session_index: str,
    credentials: SystemCredentials, now: dt.datetime | None = None,
) -> OutgoingMessage:
    ident = new_id()
    root = etree.Element(q(SAMLP, "LogoutRequest"), nsmap=NSMAP, ID=ident,
                         IssueInstant=instant(now or dt.datetime.now(dt.UTC)), Version="2.0",
                         Destination=destination)
    etree.SubElement(root, q(SAML, "Issuer")).text = entity_id
    etree.SubElement(root, q(SAML, "NameID"), Format=NAMEID_UNSPECIFIED).text = name_id
    if session_index:
        etree.SubElement(root, q(SAMLP, "SessionIndex")).text = session_index
    sign(root, credentials)
    return OutgoingMessage(ident, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


# --- the artifact ------------------------------------------------------------------------


def artifact_source_id(entity_id: str) -> bytes:
    # SAML Bindings 3.6.4: the SourceID is the SHA-1 of the issuer's entity id (an identifier,
    # not a security measure).
    return hashlib.sha1(entity_id.encode()).digest()  # noqa: S324


def make_artifact(entity_id: str, endpoint_index: int = 0) -> str:
    raw = (ARTIFACT_TYPE_CODE + endpoint_index.to_bytes(2, "big")
           + artifact_source_id(entity_id) + secrets.token_bytes(20))
    return base64.b64encode(raw).decode("ascii")


def check_artifact(artifact: str, *, node_entity_id: str) -> str:
    """The artifact as sent, if it is a type-4 artifact of the configured node."""
    try:
        raw = base64.b64decode(artifact.strip(), validate=True)
    except ValueError:
        raw = b""
    if len(raw) != 44 or raw[:2] != ARTIFACT_TYPE_CODE:
        raise LoginGovError("artifact", _("The link back from login.gov.pl is damaged."),
                            detail="SAMLart is not a type-4 artifact")
    if raw[4:24] != artifact_source_id(node_entity_id):
        raise LoginGovError("issuer", _("The answer did not come from login.gov.pl."),
                            detail="SAMLart names another source")
    return artifact.strip()


# --- what we receive ---------------------------------------------------------------------


@dataclass(frozen=True)
class NodeIdentity:
    """The person as the node vouches for them. ``pesel`` lives in memory only."""

    pesel: str
    given_name: str
    family_name: str
    date_of_birth: dt.date | None
    name_id: str
    session_index: str
    loa: str
    assertion_id: str
    not_on_or_after: dt.datetime


@dataclass(frozen=True)
class Expectations:
    entity_id: str
    acs_url: str
    node_entity_id: str
    request_id: str  # of our AuthnRequest, from the session
    resolve_id: str  # of our ArtifactResolve
    certificates: tuple[x509.Certificate, ...]
    encryption_key: object
    loa: str
    clock_skew: dt.timedelta
    now: dt.datetime


def _status(element: etree._Element, what: str) -> None:
    code = element.find(f"{q(SAMLP, 'Status')}/{q(SAMLP, 'StatusCode')}")
    value = code.get("Value") if code is not None else ""
    if value != STATUS_SUCCESS:
        inner = code.find(q(SAMLP, "StatusCode")) if code is not None else None
        detail = inner.get("Value") if inner is not None else value
        raise LoginGovError(
            "status",
            _("login.gov.pl did not confirm the login (it may have been cancelled)."),
            detail=f"{what} status {detail}",
        )


def _issuer(element: etree._Element, expected: str, what: str) -> None:
    issuer = (element.findtext(q(SAML, "Issuer")) or "").strip()
    if issuer != expected:
        raise LoginGovError("issuer", _("The answer did not come from login.gov.pl."),
                            detail=f"{what} issuer {issuer!r}")


def _window(not_before, not_on_or_after, exp: Expectations, what: str) -> None:
    if not_before is not None and exp.now + exp.clock_skew < not_before:
        raise LoginGovError("not_yet_valid",
                            _("The answer of login.gov.pl is not valid yet; check the clock."),
                            detail=f"{what} NotBefore {not_before.isoformat()}")
    if not_on_or_after is not None and exp.now - exp.clock_skew >= not_on_or_after:
        raise LoginGovError("expired",
                            _("The answer of login.gov.pl has expired. Please log in again."),
                            detail=f"{what} NotOnOrAfter {not_on_or_after.isoformat()}")


def _optional_instant(element, attribute, what):
    value = element.get(attribute)
    return parse_instant(value, f"{what} {attribute}") if value is not None else None


def _attributes(assertion: etree._Element) -> dict[str, str]:
    values = {}
    for attribute in assertion.iter(q(SAML, "Attribute")):
        value = attribute.find(q(SAML, "AttributeValue"))
        if value is not None:
            values[attribute.get("Name", "")] = (value.text or "").strip()
    return values


def _pesel_of(identifier: str) -> str:
    # eIDAS writes "PL/PL/<number>"; the node may also send the bare PESEL.
    return identifier.rsplit("/", 1)[-1].strip()


def read_artifact_response(body: bytes, exp: Expectations) -> NodeIdentity:
    """Check the node's SOAP answer to our ArtifactResolve end to end; the identity it vouches
    for, or LoginGovError naming the first failed check."""
    artifact_response = soap_payload(body, what="ArtifactResponse")
    if artifact_response.tag != q(SAMLP, "ArtifactResponse"):
        raise LoginGovError("malformed", _("The answer of login.gov.pl is damaged."),
                            detail=f"unexpected {artifact_response.tag}")
    _issuer(artifact_response, exp.node_entity_id, "ArtifactResponse")
    outer_signed = verify_signed(artifact_response, exp.certificates, what="ArtifactResponse",
                                 required=False)
    if artifact_response.get("InResponseTo") != exp.resolve_id:
        raise LoginGovError("in_response_to",
                            _("The answer of login.gov.pl does not answer our question."),
                            detail="ArtifactResponse InResponseTo differs from ArtifactResolve")
    _status(artifact_response, "ArtifactResponse")
    responses = artifact_response.findall(q(SAMLP, "Response"))
    if len(responses) != 1:
        raise LoginGovError("artifact",
                            _("login.gov.pl no longer knows this login; please log in again."),
                            detail=f"ArtifactResponse holds {len(responses)} Response elements")
    response = responses[0]
    _issuer(response, exp.node_entity_id, "Response")
    inner_signed = verify_signed(response, exp.certificates, what="Response", required=False)
    if not (outer_signed or inner_signed):
        raise LoginGovError("signature", _("The answer of login.gov.pl is not signed."),
                            detail="neither ArtifactResponse nor Response is signed")
    destination = response.get("Destination")
    if destination is not None and destination != exp.acs_url:
        raise LoginGovError("recipient", _("This answer of login.gov.pl is meant for another "
                                           "service."), detail=f"Destination {destination!r}")
    if response.get("InResponseTo") != exp.request_id:
        raise LoginGovError(
            "in_response_to",
            _("This answer of login.gov.pl does not belong to the login you started here. "
              "Please log in again."),
            detail="Response InResponseTo differs from the AuthnRequest kept in the session",
        )
    _status(response, "Response")
    encrypted = response.findall(f"{q(SAML, 'EncryptedAssertion')}/{{{DS_XENC}}}EncryptedData")
    if response.find(q(SAML, "Assertion")) is not None or len(encrypted) != 1:
        raise LoginGovError("malformed", _("The answer of login.gov.pl is damaged."),
                            detail="the Response must hold exactly one EncryptedAssertion")
    plaintext = decrypt_element(encrypted[0], exp.encryption_key)
    try:
        assertion = parse_xml(plaintext, what="assertion")
    except LetterError as exc:
        raise LoginGovError("malformed", _("The answer of login.gov.pl is damaged."),
                            detail=str(exc)) from None
    return read_assertion(assertion, exp)


def read_assertion(assertion: etree._Element, exp: Expectations) -> NodeIdentity:
    if assertion.tag != q(SAML, "Assertion"):
        raise LoginGovError("malformed", _("The answer of login.gov.pl is damaged."),
                            detail="the decrypted element is not an Assertion")
    if not assertion.get("ID"):
        # Without an id the assertion could not be refused when it comes a second time.
        raise LoginGovError("malformed", _("The answer of login.gov.pl is damaged."),
                            detail="the assertion has no ID")
    _issuer(assertion, exp.node_entity_id, "Assertion")
    # The envelope is signed; a signature on the assertion itself must hold as well.
    verify_signed(assertion, exp.certificates, what="Assertion", required=False)
    conditions = assertion.find(q(SAML, "Conditions"))
    if conditions is None:
        raise LoginGovError("malformed", _("The answer of login.gov.pl is damaged."),
                            detail="the assertion has no Conditions")
    not_on_or_after = _optional_instant(conditions, "NotOnOrAfter", "Conditions")
    if not_on_or_after is None:
        raise LoginGovError("malformed", _("The answer of login.gov.pl is damaged."),
                            detail="Conditions without NotOnOrAfter")
    _window(_optional_instant(conditions, "NotBefore", "Conditions"), not_on_or_after, exp,
            "Conditions")
    audiences = [(a.text or "").strip() for a in
                 conditions.iter(q(SAML, "Audience"))]
    if exp.entity_id not in audiences:
        raise LoginGovError("audience",
                            _("This answer of login.gov.pl is meant for another service."),
                            detail=f"audiences {audiences!r}")
    subject = assertion.find(q(SAML, "Subject"))
    name_id = (subject.findtext(q(SAML, "NameID")) if subject is not None else "") or ""
    confirmations = [
        c.find(q(SAML, "SubjectConfirmationData"))
        for c in (subject.findall(q(SAML, "SubjectConfirmation")) if subject is not None else [])
        if c.get("Method") == BEARER
    ]
    confirmations = [c for c in confirmations if c is not None]
    if not confirmations:
        raise LoginGovError("malformed", _("The answer of login.gov.pl is damaged."),
                            detail="no bearer SubjectConfirmationData")
    data = confirmations[0]
    if data.get("Recipient") != exp.acs_url:
        raise LoginGovError("recipient",
                            _("This answer of login.gov.pl is meant for another service."),
                            detail=f"Recipient {data.get('Recipient')!r}")
    if data.get("InResponseTo") != exp.request_id:
        raise LoginGovError(
            "in_response_to",
            _("This answer of login.gov.pl does not belong to the login you started here. "
              "Please log in again."),
            detail="SubjectConfirmationData InResponseTo differs",
        )
    _window(_optional_instant(data, "NotBefore", "SubjectConfirmationData"),
            _optional_instant(data, "NotOnOrAfter", "SubjectConfirmationData"), exp,
            "SubjectConfirmationData")
    statement = assertion.find(q(SAML, "AuthnStatement"))
    loa = ""
    if statement is not None:
        loa = (statement.findtext(f"{q(SAML, 'AuthnContext')}/{q(SAML, 'AuthnContextClassRef')}")
               or "").strip()
    if loa not in LOA_ORDER or LOA_ORDER.index(loa) < LOA_ORDER.index(exp.loa):
        raise LoginGovError("loa", _("The login method used is not strong enough for this "
                                     "service."), detail=f"LoA {loa!r}")
    values = _attributes(assertion)
    pesel = _pesel_of(values.get(PERSON_IDENTIFIER, ""))
    if not (len(pesel) == 11 and pesel.isdigit()):
        raise LoginGovError("attributes", _("login.gov.pl did not give the PESEL number."),
                            detail="PersonIdentifier missing or not a PESEL")
    birth = values.get(DATE_OF_BIRTH, "")
    try:
        date_of_birth = dt.date.fromisoformat(birth) if birth else None
    except ValueError:
        date_of_birth = None
    return NodeIdentity(
        pesel=pesel,
        given_name=values.get(GIVEN_NAME, ""),
        family_name=values.get(FAMILY_NAME, ""),
        date_of_birth=date_of_birth,
        name_id=name_id.strip(),
        session_index=(statement.get("SessionIndex", "") if statement is not None else ""),
        loa=loa,
        assertion_id=assertion.get("ID", ""),
        not_on_or_after=not_on_or_after,
    )


def read_logout_response(xml: bytes, *, request_id: str, node_entity_id: str,
                         certificates: Iterable[x509.Certificate]) -> None:
    try:
        root = parse_xml(xml, what="LogoutResponse")
    except LetterError as exc:
        raise LoginGovError("malformed", _("The answer of login.gov.pl is damaged."),
                            detail=str(exc)) from None
    if root.tag != q(SAMLP, "LogoutResponse"):
        raise LoginGovError("malformed", _("The answer of login.gov.pl is damaged."),
                            detail="not a LogoutResponse")
    _issuer(root, node_entity_id, "LogoutResponse")
    verify_signed(root, certificates, what="LogoutResponse")
    if not request_id or root.get("InResponseTo") != request_id:
        raise LoginGovError("in_response_to",
                            _("This logout answer does not belong to a logout started here."),
                            detail="LogoutResponse InResponseTo differs")
    _status(root, "LogoutResponse")
