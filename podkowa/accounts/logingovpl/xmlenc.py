"""XML Encryption 1.1 as login.gov.pl uses it for assertions, on ``cryptography``'s primitives.

The node encrypts the assertion with a fresh AES-GCM key; that key is wrapped (RFC 3394) with a
key-encryption key agreed by ECDH-ES between an ephemeral P-256 key of the node and the
service provider's encryption key, stretched by ConcatKDF (NIST SP 800-56A) with SHA-256.
Generic SAML libraries do not decrypt this combination, hence this module.

ConcatKDF's OtherInfo is the concatenation of the AlgorithmID, PartyUInfo and PartyVInfo
attributes (hex) decoded *as they stand*, their leading padding-count octet included: that is
how the national node derives the key (the open clients that work against it do the same), even
though an XML Encryption 1.1 reader that strips the octet would derive another one.

``encrypt_element`` is the node's side, for the local simulator and the test vectors.
"""

import base64
import binascii
import os
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.keywrap import (
    InvalidUnwrap,
    aes_key_unwrap,
    aes_key_wrap,
)
from django.utils.translation import gettext_lazy as _
from lxml import etree

from .errors import LoginGovError

DS = "http://www.w3.org/2000/09/xmldsig#"
DSIG11 = "http://www.w3.org/2009/xmldsig11#"
XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"

ELEMENT_TYPE = f"{XENC}Element"
ECDH_ES = f"{XENC11}ECDH-ES"
CONCAT_KDF = f"{XENC11}ConcatKDF"
SHA256 = f"{XENC}sha256"
P256_URI = "urn:oid:1.2.840.10045.3.1.7"
KEY_WRAPS = {f"{XENC}kw-aes128": 16, f"{XENC}kw-aes192": 24, f"{XENC}kw-aes256": 32}
GCM_CIPHERS = {f"{XENC11}aes128-gcm": 16, f"{XENC11}aes192-gcm": 24, f"{XENC11}aes256-gcm": 32}
KW_AES256 = f"{XENC}kw-aes256"
AES256_GCM = f"{XENC11}aes256-gcm"
GCM_IV_BYTES = 12
GCM_TAG_BYTES = 16


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _fail(detail: str) -> LoginGovError:
    return LoginGovError(
        "decryption",
        _("The answer of login.gov.pl could not be decrypted for this service."),
        detail=detail,
    )


def _b64(text: str | None, what: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise _fail(f"{what} is not base64") from None


def _hex(value: str | None, what: str) -> bytes:
    try:
        return bytes.fromhex(value or "")
    except ValueError:
        raise _fail(f"{what} is not hexadecimal") from None


def _find_encrypted_key(encrypted_data: etree._Element) -> etree._Element:
    """The EncryptedKey inside EncryptedData/KeyInfo, or beside EncryptedData (both occur)."""
    key = encrypted_data.find(f"{_q(DS, 'KeyInfo')}/{_q(XENC, 'EncryptedKey')}")
    if key is None and encrypted_data.getparent() is not None:
        key = encrypted_data.getparent().find(_q(XENC, "EncryptedKey"))
    if key is None:
        raise _fail("no EncryptedKey")
    return key


def _other_info(params: etree._Element) -> bytes:
    parts = [_hex(params.get(name, ""), name)
             for name in ("AlgorithmID", "PartyUInfo", "PartyVInfo", "SuppPubInfo",
                          "SuppPrivInfo")]
    return b"".join(parts)


def _key_encryption_key(agreement: etree._Element, private_key, length: int) -> bytes:
    if agreement.get("Algorithm") != ECDH_ES:
        raise _fail(f"key agreement {agreement.get('Algorithm')!r} is not ECDH-ES")
    derivation = agreement.find(_q(XENC11, "KeyDerivationMethod"))
    if derivation is None or derivation.get("Algorithm") != CONCAT_KDF:
        raise _fail("key derivation is not ConcatKDF")
    params = derivation.find(_q(XENC11, "ConcatKDFParams"))
    if params is None:
        raise _fail("no ConcatKDFParams")
    digest = params.find(_q(DS, "DigestMethod"))
    if digest is None or digest.get("Algorithm") != SHA256:
        raise _fail("ConcatKDF digest is not SHA-256")
    ec_value = agreement.find(
        f"{_q(XENC, 'OriginatorKeyInfo')}/{_q(DS, 'KeyValue')}/{_q(DSIG11, 'ECKeyValue')}"
    )
    if ec_value is None:
        raise _fail("no originator EC key")
    curve = ec_value.find(_q(DSIG11, "NamedCurve"))
    if curve is None or curve.get("URI") != P256_URI:
        raise _fail("originator key is not on P-256")
    try:
        peer = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), _b64(ec_value.findtext(_q(DSIG11, "PublicKey")), "PublicKey")
        )
    except ValueError:
        raise _fail("originator public key is not a P-256 point") from None
    if not isinstance(private_key, ec.EllipticCurvePrivateKey):
        raise _fail("the service's encryption key is not an EC key")
    shared = private_key.exchange(ec.ECDH(), peer)
    return ConcatKDFHash(
        algorithm=hashes.SHA256(), length=length, otherinfo=_other_info(params)
    ).derive(shared)


def decrypt_element(encrypted_data: etree._Element, private_key) -> bytes:
    """The plaintext (XML bytes) of an xenc:EncryptedData, or LoginGovError("decryption")."""
    if encrypted_data.tag != _q(XENC, "EncryptedData"):
        raise _fail("not an EncryptedData")
    method = encrypted_data.find(_q(XENC, "EncryptionMethod"))
    algorithm = method.get("Algorithm") if method is not None else ""
    if algorithm not in GCM_CIPHERS:
        raise _fail(f"data cipher {algorithm!r} is not AES-GCM")
    encrypted_key = _find_encrypted_key(encrypted_data)
    wrap_method = encrypted_key.find(_q(XENC, "EncryptionMethod"))
    wrap = wrap_method.get("Algorithm") if wrap_method is not None else ""
    if wrap not in KEY_WRAPS:
        raise _fail(f"key wrap {wrap!r} is not AES key wrap")
    agreement = encrypted_key.find(f"{_q(DS, 'KeyInfo')}/{_q(XENC, 'AgreementMethod')}")
    if agreement is None:
        raise _fail("no AgreementMethod")
    kek = _key_encryption_key(agreement, private_key, KEY_WRAPS[wrap])
    wrapped = _b64(
        encrypted_key.findtext(f"{_q(XENC, 'CipherData')}/{_q(XENC, 'CipherValue')}"),
        "wrapped key",
    )
    try:
        content_key = aes_key_unwrap(kek, wrapped)
    except (InvalidUnwrap, ValueError):
        # The usual reason: the assertion was encrypted for another service's key.
        raise _fail("the content key does not unwrap with this service's key") from None
    if len(content_key) != GCM_CIPHERS[algorithm]:
        raise _fail("content key length does not match the cipher")
    data = _b64(
        encrypted_data.findtext(f"{_q(XENC, 'CipherData')}/{_q(XENC, 'CipherValue')}"),
        "cipher value",
    )
    if len(data) < GCM_IV_BYTES + GCM_TAG_BYTES:
        raise _fail("cipher value too short")
    try:
        return AESGCM(content_key).decrypt(data[:GCM_IV_BYTES], data[GCM_IV_BYTES:], None)
    except InvalidTag:
        raise _fail("the encrypted data was altered (GCM tag mismatch)") from None


# --- the node's side -------------------------------------------------------------------------


@dataclass(frozen=True)
class EncryptionInputs:
    """What is random in an encryption; fixed only to produce a reproducible test vector."""

    ephemeral_key: ec.EllipticCurvePrivateKey
    content_key: bytes
    iv: bytes

    @classmethod
    def fresh(cls) -> "EncryptionInputs":
        return cls(ec.generate_private_key(ec.SECP256R1()), os.urandom(32), os.urandom(12))


def _party_info(text: str) -> str:
    # A whole number of octets: padding count 0, then the octets.
    return "00" + text.encode().hex()


def encrypt_element(
    plaintext: bytes,
    recipient: x509.Certificate,
    *,
    originator: str,
    recipient_entity: str,
    inputs: EncryptionInputs | None = None,
) -> etree._Element:
    """An xenc:EncryptedData holding ``plaintext`` for ``recipient``'s P-256 key."""
    inputs = inputs or EncryptionInputs.fresh()
    public = recipient.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey):
        raise ValueError("the recipient certificate must hold a P-256 key")
    algorithm_id, party_u, party_v = (
        _party_info(KW_AES256), _party_info(originator), _party_info(recipient_entity)
    )
    kek = ConcatKDFHash(
        algorithm=hashes.SHA256(), length=32,
        otherinfo=bytes.fromhex(algorithm_id + party_u + party_v),
    ).derive(inputs.ephemeral_key.exchange(ec.ECDH(), public))

    nsmap = {"xenc": XENC, "ds": DS, "dsig11": DSIG11, "xenc11": XENC11}
    data = etree.Element(_q(XENC, "EncryptedData"), nsmap=nsmap, Type=ELEMENT_TYPE)
    etree.SubElement(data, _q(XENC, "EncryptionMethod"), Algorithm=AES256_GCM)
    key_info = etree.SubElement(data, _q(DS, "KeyInfo"))
    encrypted_key = etree.SubElement(key_info, _q(XENC, "EncryptedKey"))
    etree.SubElement(encrypted_key, _q(XENC, "EncryptionMethod"), Algorithm=KW_AES256)
    agreement = etree.SubElement(
        etree.SubElement(encrypted_key, _q(DS, "KeyInfo")), _q(XENC, "AgreementMethod"),
        Algorithm=ECDH_ES,
    )
    derivation = etree.SubElement(agreement, _q(XENC11, "KeyDerivationMethod"),
                                  Algorithm=CONCAT_KDF)
    params = etree.SubElement(derivation, _q(XENC11, "ConcatKDFParams"),
                              AlgorithmID=algorithm_id, PartyUInfo=party_u, PartyVInfo=party_v)
    etree.SubElement(params, _q(DS, "DigestMethod"), Algorithm=SHA256)
    ec_value = etree.SubElement(
        etree.SubElement(etree.SubElement(agreement, _q(XENC, "OriginatorKeyInfo")),
                         _q(DS, "KeyValue")),
        _q(DSIG11, "ECKeyValue"),
    )
    etree.SubElement(ec_value, _q(DSIG11, "NamedCurve"), URI=P256_URI)
    etree.SubElement(ec_value, _q(DSIG11, "PublicKey")).text = base64.b64encode(
        inputs.ephemeral_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    ).decode()
    recipient_info = etree.SubElement(
        etree.SubElement(agreement, _q(XENC, "RecipientKeyInfo")), _q(DS, "X509Data")
    )
    etree.SubElement(recipient_info, _q(DS, "X509Certificate")).text = base64.b64encode(
        recipient.public_bytes(serialization.Encoding.DER)
    ).decode()
    etree.SubElement(
        etree.SubElement(encrypted_key, _q(XENC, "CipherData")), _q(XENC, "CipherValue")
    ).text = base64.b64encode(aes_key_wrap(kek, inputs.content_key)).decode()
    sealed = AESGCM(inputs.content_key).encrypt(inputs.iv, plaintext, None)
    etree.SubElement(
        etree.SubElement(data, _q(XENC, "CipherData")), _q(XENC, "CipherValue")
    ).text = base64.b64encode(inputs.iv + sealed).decode()
    return data
