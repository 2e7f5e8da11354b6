"""XML signatures: enveloped XML-DSig with XAdES-BES signed properties, and a verifier.

ePUAP and e-Doręczenia expect documents signed as enveloped XAdES-BES; SOAP calls carry a
WS-Security signature built from the same parts (``create_signature`` /
``verify_signature_element``). Only the algorithms the national services use are accepted:
exclusive (or inclusive) C14N, RSA-SHA256, SHA-256 digests (SHA-1/SHA-512 digests are read in
received documents). login.gov.pl signs with ECDSA-SHA256 on P-256: a signer holding an EC key
writes it, and a verifier accepts it only when the caller lists it in ``methods``. ``xmlsec``
is not needed: lxml canonicalises, ``cryptography`` signs.

A verified signature proves the document is unchanged since the holder of the certificate
signed it. Whether that certificate is *qualified* or a trusted profile is a separate question
(chain validation against the national trust list), left to the caller via
``trusted_certificates``.
"""

import base64
import binascii
import copy
import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import Encoding
from django.utils.translation import gettext_lazy as _
from lxml import etree

from .credentials import SystemCredentials
from .errors import NotSigned, SignatureInvalid
from .xmlsafe import parse_xml

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"

_DIGESTS = {
    SHA256: hashlib.sha256,
    "http://www.w3.org/2001/04/xmlenc#sha512": hashlib.sha512,
    # Older received documents still carry SHA-1 digests of their certificate; we never write
    # SHA-1, and a SHA-1 *signature* is refused below.
    "http://www.w3.org/2000/09/xmldsig#sha1": hashlib.sha1,
}
_C14N_METHODS = {EXC_C14N: True, C14N: False}
_DER = Encoding.DER
_ID_ATTRIBUTES = ("Id", "ID", "id", f"{{{WSU}}}Id")


def _ds(name: str) -> str:
    return f"{{{DS}}}{name}"


def _xades(name: str) -> str:
    return f"{{{XADES}}}{name}"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def canonicalize(
    element: etree._Element, *, algorithm: str = EXC_C14N, inclusive_prefixes: Sequence[str] = ()
) -> bytes:
    if algorithm not in _C14N_METHODS:
        raise SignatureInvalid(_("The signature uses an unsupported canonicalisation."))
    return etree.tostring(
        element,
        method="c14n",
        exclusive=_C14N_METHODS[algorithm],
        with_comments=False,
        inclusive_ns_prefixes=list(inclusive_prefixes) or None,
    )


def find_by_id(root: etree._Element, ident: str) -> etree._Element:
    """The single element carrying ``ident`` as an Id; two of them would allow wrapping."""
    matches = [
        el
        for el in root.iter(etree.Element)
        if any(el.get(attr) == ident for attr in _ID_ATTRIBUTES)
    ]
    if len(matches) != 1:
        raise SignatureInvalid(
            _("The signature refers to an element that is missing or not unique (%(id)s).")
            % {"id": ident}
        )
    return matches[0]


@dataclass(frozen=True)
class ReferenceSpec:
    uri: str  # "" for the whole document, "#id" for an element
    transforms: tuple[str, ...] = (EXC_C14N,)
    type: str = ""
    id: str = ""


def _without(node: etree._Element, signature: etree._Element) -> etree._Element:
    """A copy of ``node`` with ``signature`` removed (the enveloped-signature transform)."""
    steps = []
    current = signature
    while current is not node:
        parent = current.getparent()
        if parent is None:
            return node  # the signature is not inside: the transform removes nothing
        steps.append(parent.index(current))
        current = parent
    clone = copy.deepcopy(node)
    victim = clone
    for position in reversed(steps):
        victim = victim[position]
    # lxml drops an element's tail with it; the transform removes only the element itself.
    if victim.tail:
        previous = victim.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + victim.tail
        else:
            parent = victim.getparent()
            parent.text = (parent.text or "") + victim.tail
    victim.getparent().remove(victim)
    return clone


def _reference_octets(
    root: etree._Element,
    uri: str,
    transforms: Sequence[tuple[str, Sequence[str]]],
    signature: etree._Element,
) -> bytes:
    if uri == "":
        target = root
    elif uri.startswith("#") and len(uri) > 1:
        target = find_by_id(root, uri[1:])
    else:
        raise SignatureInvalid(_("The signature refers to an external resource, which is "
                                 "not accepted."))
    algorithm, prefixes = C14N, ()
    for transform, transform_prefixes in transforms:
        if transform == ENVELOPED:
            target = _without(target, signature)
        elif transform in _C14N_METHODS:
            algorithm, prefixes = transform, transform_prefixes
        else:
            raise SignatureInvalid(_("The signature uses an unsupported transform."))
    return canonicalize(target, algorithm=algorithm, inclusive_prefixes=prefixes)


def create_signature(
    *,
    parent: etree._Element,
    references: Iterable[ReferenceSpec],
    credentials: SystemCredentials,
    key_info: etree._Element,
    signature_id: str = "",
    objects: Iterable[etree._Element] = (),
    index: int | None = None,
) -> etree._Element:
    """Build a ds:Signature inside ``parent``, digest the references, sign the SignedInfo.

    The element is placed in the tree before any digest is taken, so that references into its
    own ds:Object (XAdES signed properties) are canonicalised in their final context.
    """
    signature = etree.Element(_ds("Signature"), nsmap={"ds": DS})
    if signature_id:
        signature.set("Id", signature_id)
    signed_info = etree.SubElement(signature, _ds("SignedInfo"))
    etree.SubElement(signed_info, _ds("CanonicalizationMethod"), Algorithm=EXC_C14N)
    is_ec = isinstance(credentials.private_key, ec.EllipticCurvePrivateKey)
    etree.SubElement(
        signed_info, _ds("SignatureMethod"), Algorithm=ECDSA_SHA256 if is_ec else RSA_SHA256
    )
    pending = []
    for spec in references:
        ref = etree.SubElement(signed_info, _ds("Reference"), URI=spec.uri)
        if spec.id:
            ref.set("Id", spec.id)
        if spec.type:
            ref.set("Type", spec.type)
        transforms = etree.SubElement(ref, _ds("Transforms"))
        for algorithm in spec.transforms:
            etree.SubElement(transforms, _ds("Transform"), Algorithm=algorithm)
        etree.SubElement(ref, _ds("DigestMethod"), Algorithm=SHA256)
        pending.append((spec, etree.SubElement(ref, _ds("DigestValue"))))
    value = etree.SubElement(signature, _ds("SignatureValue"))
    signature.append(key_info)
    for obj in objects:
        signature.append(obj)
    if index is None:
        parent.append(signature)
    else:
        parent.insert(index, signature)

    root = parent.getroottree().getroot()
    for spec, digest_el in pending:
        octets = _reference_octets(root, spec.uri, [(t, ()) for t in spec.transforms], signature)
        digest_el.text = b64(hashlib.sha256(octets).digest())
    value.text = b64(_sign(credentials.private_key, canonicalize(signed_info)))
    return signature


def _sign(private_key, data: bytes) -> bytes:
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        # XML-DSig (RFC 4051) carries r and s as two fixed-width big-endian integers, not the
        # DER sequence that cryptography produces.
        r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(hashes.SHA256())))
        size = (private_key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    return private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def _verify(public_key, method: str, value: bytes, data: bytes) -> None:
    """Raise InvalidSignature unless ``value`` signs ``data`` with ``method``."""
    if method == ECDSA_SHA256:
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            raise SignatureInvalid(_("The signing certificate does not hold an EC key."))
        size = (public_key.curve.key_size + 7) // 8
        if len(value) != 2 * size:
            raise InvalidSignature()
        r, s = int.from_bytes(value[:size], "big"), int.from_bytes(value[size:], "big")
        public_key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
        return
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise SignatureInvalid(_("The signing certificate does not hold an RSA key."))
    public_key.verify(value, data, padding.PKCS1v15(), hashes.SHA256())


@dataclass(frozen=True)
class VerifiedReference:
    uri: str
    type: str
    transforms: tuple[str, ...]


def verify_signature_element(
    signature: etree._Element,
    *,
    certificate: x509.Certificate,
    methods: Iterable[str] = (RSA_SHA256,),
) -> list[VerifiedReference]:
    """Check every reference's digest and the SignatureValue against ``certificate``.

    ``methods``: the signature algorithms the caller's counterpart may use (RSA-SHA256 unless
    said otherwise). Returns what was covered, so that the caller can insist the parts it
    relies on are signed (an untouched signature over the wrong element proves nothing).
    """
    methods = tuple(methods)
    signed_info = signature.find(_ds("SignedInfo"))
    if signed_info is None:
        raise SignatureInvalid(_("The signature has no SignedInfo."))
    c14n_el = signed_info.find(_ds("CanonicalizationMethod"))
    method_el = signed_info.find(_ds("SignatureMethod"))
    c14n_alg = c14n_el.get("Algorithm") if c14n_el is not None else ""
    method = method_el.get("Algorithm") if method_el is not None else ""
    if method not in methods:
        if methods == (RSA_SHA256,):
            raise SignatureInvalid(_("The signature must use RSA with SHA-256."))
        raise SignatureInvalid(_("The signature uses an algorithm that is not accepted."))
    if c14n_alg not in _C14N_METHODS:
        raise SignatureInvalid(_("The signature uses an unsupported canonicalisation."))

    root = signature.getroottree().getroot()
    covered = []
    references = signed_info.findall(_ds("Reference"))
    if not references:
        raise SignatureInvalid(_("The signature covers nothing."))
    for ref in references:
        uri = ref.get("URI", "")
        transforms = []
        for transform in ref.findall(f"{_ds('Transforms')}/{_ds('Transform')}"):
            prefixes = ()
            inclusive = transform.find(f"{{{EXC_C14N}}}InclusiveNamespaces")
            if inclusive is not None:
                prefixes = tuple((inclusive.get("PrefixList") or "").split())
            transforms.append((transform.get("Algorithm", ""), prefixes))
        digest_method = ref.find(_ds("DigestMethod"))
        digest_alg = digest_method.get("Algorithm", "") if digest_method is not None else ""
        if digest_alg not in _DIGESTS:
            raise SignatureInvalid(_("The signature uses an unsupported digest."))
        expected = _b64decode(ref.findtext(_ds("DigestValue")) or "")
        actual = _DIGESTS[digest_alg](_reference_octets(root, uri, transforms, signature)).digest()
        if actual != expected:
            raise SignatureInvalid(
                _("The document was changed after it was signed (digest mismatch).")
            )
        covered.append(
            VerifiedReference(uri, ref.get("Type", ""), tuple(t for t, _p in transforms))
        )

    prefixes = ()
    inclusive = c14n_el.find(f"{{{EXC_C14N}}}InclusiveNamespaces")
    if inclusive is not None:
        prefixes = tuple((inclusive.get("PrefixList") or "").split())
    try:
        _verify(
            certificate.public_key(),
            method,
            _b64decode(signature.findtext(_ds("SignatureValue")) or ""),
            canonicalize(signed_info, algorithm=c14n_alg, inclusive_prefixes=prefixes),
        )
    except InvalidSignature:
        raise SignatureInvalid(_("The signature value does not match the signed data.")) from None
    return covered


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureInvalid(_("The signature contains damaged base64 data.")) from None


# --- enveloped XAdES-BES -----------------------------------------------------------------


@dataclass(frozen=True)
class SignatureInfo:
    certificate: x509.Certificate
    signing_time: dt.datetime | None
    signature_id: str


def sign_enveloped(
    xml_bytes: bytes, credentials: SystemCredentials, *, signing_time: dt.datetime | None = None
) -> bytes:
    """Sign a whole document with an enveloped XAdES-BES signature (last child of the root)."""
    root = parse_xml(xml_bytes)
    if root.find(_ds("Signature")) is not None:
        raise SignatureInvalid(_("The document is already signed."))
    signing_time = signing_time or dt.datetime.now(dt.UTC)
    signature_id = f"Signature-{uuid.uuid4().hex}"
    props_id = f"{signature_id}-SignedProperties"
    doc_ref_id = f"{signature_id}-Reference-document"

    key_info = etree.Element(_ds("KeyInfo"), nsmap={"ds": DS})
    x509_data = etree.SubElement(key_info, _ds("X509Data"))
    etree.SubElement(x509_data, _ds("X509Certificate")).text = b64(credentials.certificate_der)

    obj = etree.Element(_ds("Object"), nsmap={"ds": DS})
    qualifying = etree.SubElement(
        obj, _xades("QualifyingProperties"), nsmap={"xades": XADES}, Target=f"#{signature_id}"
    )
    signed_props = etree.SubElement(qualifying, _xades("SignedProperties"), Id=props_id)
    sig_props = etree.SubElement(signed_props, _xades("SignedSignatureProperties"))
    etree.SubElement(sig_props, _xades("SigningTime")).text = (
        signing_time.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    cert = etree.SubElement(
        etree.SubElement(sig_props, _xades("SigningCertificate")), _xades("Cert")
    )
    cert_digest = etree.SubElement(cert, _xades("CertDigest"))
    etree.SubElement(cert_digest, _ds("DigestMethod"), Algorithm=SHA256)
    etree.SubElement(cert_digest, _ds("DigestValue")).text = b64(credentials.sha256_thumbprint)
    issuer_serial = etree.SubElement(cert, _xades("IssuerSerial"))
    etree.SubElement(issuer_serial, _ds("X509IssuerName")).text = (
        credentials.certificate.issuer.rfc4514_string()
    )
    etree.SubElement(issuer_serial, _ds("X509SerialNumber")).text = str(
        credentials.certificate.serial_number
    )
    data_props = etree.SubElement(signed_props, _xades("SignedDataObjectProperties"))
    data_format = etree.SubElement(
        data_props, _xades("DataObjectFormat"), ObjectReference=f"#{doc_ref_id}"
    )
    etree.SubElement(data_format, _xades("MimeType")).text = "text/xml"

    create_signature(
        parent=root,
        references=[
            ReferenceSpec("", (ENVELOPED, EXC_C14N), id=doc_ref_id),
            ReferenceSpec(f"#{props_id}", (EXC_C14N,), type=SIGNED_PROPERTIES_TYPE),
        ],
        credentials=credentials,
        key_info=key_info,
        signature_id=signature_id,
        objects=[obj],
    )
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def verify_enveloped(
    xml_bytes: bytes,
    *,
    trusted_certificates: Iterable[x509.Certificate] | None = None,
    require_xades: bool = True,
    now: dt.datetime | None = None,
) -> list[SignatureInfo]:
    """Verify every enveloped signature of a document; raise SignatureInvalid on any fault.

    ``trusted_certificates``: when given, each signer's certificate must be one of them.
    """
    root = parse_xml(xml_bytes)
    signatures = root.findall(_ds("Signature"))
    if not signatures:
        raise NotSigned()
    trusted = (
        None if trusted_certificates is None
        else {c.public_bytes(_DER) for c in trusted_certificates}
    )
    results = []
    for signature in signatures:
        certificate = _embedded_certificate(signature)
        if trusted is not None and certificate.public_bytes(_DER) not in trusted:
            raise SignatureInvalid(_("The document was signed with a certificate we do not trust."))
        covered = verify_signature_element(signature, certificate=certificate)
        if not any(r.uri == "" and ENVELOPED in r.transforms for r in covered):
            raise SignatureInvalid(_("The signature does not cover the whole document."))
        signing_time = None
        props_refs = [r for r in covered if r.type == SIGNED_PROPERTIES_TYPE]
        if props_refs:
            props = find_by_id(root, props_refs[0].uri.lstrip("#"))
            _check_signing_certificate(props, certificate)
            signing_time = _signing_time(props)
        elif require_xades:
            raise SignatureInvalid(_("The signature lacks the XAdES signed properties."))
        moment = signing_time or now or dt.datetime.now(dt.UTC)
        if not (certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc):
            raise SignatureInvalid(_("The signing certificate was not valid at signing time."))
        results.append(SignatureInfo(certificate, signing_time, signature.get("Id", "")))
    return results


def _embedded_certificate(signature: etree._Element) -> x509.Certificate:
    text = signature.findtext(f"{_ds('KeyInfo')}/{_ds('X509Data')}/{_ds('X509Certificate')}")
    if not text:
        raise SignatureInvalid(_("The signature carries no certificate."))
    try:
        return x509.load_der_x509_certificate(_b64decode(text))
    except ValueError:
        raise SignatureInvalid(_("The signature's certificate cannot be read.")) from None


def _check_signing_certificate(props: etree._Element, certificate: x509.Certificate) -> None:
    der = certificate.public_bytes(_DER)
    for cert_digest in props.iter(_xades("CertDigest")):
        method = cert_digest.find(_ds("DigestMethod"))
        algorithm = method.get("Algorithm", "") if method is not None else ""
        if algorithm in _DIGESTS and _DIGESTS[algorithm](der).digest() == _b64decode(
            cert_digest.findtext(_ds("DigestValue")) or ""
        ):
            return
    raise SignatureInvalid(
        _("The signed properties name a different certificate from the one that signed.")
    )


def _signing_time(props: etree._Element) -> dt.datetime | None:
    text = (props.findtext(f".//{_xades('SigningTime')}") or "").strip()
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SignatureInvalid(_("The signing time cannot be read.")) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
