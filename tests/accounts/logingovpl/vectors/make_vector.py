"""Writes the fixed decryption vector committed beside this file (run once; keep the output).

    .venv/bin/python -m tests.accounts.logingovpl.vectors.make_vector

Every input is derived from a fixed phrase: the service's P-256 key, the node's ephemeral key,
the AES-256 content key and the GCM IV. The certificate only travels in RecipientKeyInfo and is
not needed to decrypt.
"""

import datetime as dt
import hashlib
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from lxml import etree

from podkowa.accounts.logingovpl.xmlenc import EncryptionInputs, encrypt_element

HERE = Path(__file__).resolve().parent
P256_ORDER = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)
ORIGINATOR = "https://symulator.login.gov.pl/idp"
RECIPIENT = "https://podkowa.test/sp"
PLAINTEXT = (
    b'<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="ID-vector" '
    b'IssueInstant="2026-01-01T00:00:00.000Z" Version="2.0"><saml2:Issuer>'
    + ORIGINATOR.encode() + b"</saml2:Issuer></saml2:Assertion>"
)


def fixed_key(phrase: str) -> ec.EllipticCurvePrivateKey:
    scalar = int.from_bytes(hashlib.sha256(phrase.encode()).digest(), "big") % P256_ORDER
    return ec.derive_private_key(scalar, ec.SECP256R1())


def fixed_bytes(phrase: str, size: int) -> bytes:
    return hashlib.sha256(phrase.encode()).digest()[:size]


def main() -> None:
    sp_key = fixed_key("podkowa vector: service encryption key")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Podkowa vector")])
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(sp_key.public_key()).serial_number(1)
        .not_valid_before(start).not_valid_after(start + dt.timedelta(days=3650))
        .sign(sp_key, hashes.SHA256())
    )
    inputs = EncryptionInputs(
        ephemeral_key=fixed_key("podkowa vector: node ephemeral key"),
        content_key=fixed_bytes("podkowa vector: content key", 32),
        iv=fixed_bytes("podkowa vector: iv", 12),
    )
    encrypted = encrypt_element(PLAINTEXT, certificate, originator=ORIGINATOR,
                                recipient_entity=RECIPIENT, inputs=inputs)
    (HERE / "sp_encryption_key.pem").write_bytes(sp_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    (HERE / "encrypted_assertion.xml").write_bytes(etree.tostring(encrypted, pretty_print=True))
    (HERE / "plaintext_assertion.xml").write_bytes(PLAINTEXT)


if __name__ == "__main__":
    main()
