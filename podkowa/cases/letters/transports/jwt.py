"""Compact RS256 JSON Web Tokens, built and checked with ``cryptography`` (RFC 7515/7519)."""

import base64
import hashlib
import json
from collections.abc import Iterable

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from django.utils.translation import gettext_lazy as _

from ..credentials import SystemCredentials
from ..errors import SignatureInvalid


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise SignatureInvalid(_("The token is not valid base64url.")) from None


def thumbprint_s256(certificate: x509.Certificate) -> str:
    """``x5t#S256``: the SHA-256 of the certificate's DER, base64url."""
    return b64url(hashlib.sha256(certificate.public_bytes(Encoding.DER)).digest())


def encode_rs256(claims: dict, credentials: SystemCredentials, *, kid: str = "") -> str:
    header = {
        "alg": "RS256",
        "typ": "JWT",
        "kid": kid or thumbprint_s256(credentials.certificate),
        "x5t#S256": thumbprint_s256(credentials.certificate),
    }
    signing_input = ".".join(
        b64url(json.dumps(part, separators=(",", ":"), ensure_ascii=False).encode())
        for part in (header, claims)
    )
    signature = credentials.private_key.sign(
        signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
    )
    return f"{signing_input}.{b64url(signature)}"


def decode_rs256(
    token: str, certificates: Iterable[x509.Certificate]
) -> tuple[dict, dict, x509.Certificate]:
    """Verify the signature with the certificate the header names; claims are the caller's."""
    parts = (token or "").split(".")
    if len(parts) != 3:
        raise SignatureInvalid(_("The token is not a compact JWT."))
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
    except ValueError:
        raise SignatureInvalid(_("The token's header or claims are not JSON.")) from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise SignatureInvalid(_("The token's header or claims are not JSON objects."))
    if header.get("alg") != "RS256":
        raise SignatureInvalid(_("The token must be signed with RS256."))
    by_thumbprint = {thumbprint_s256(c): c for c in certificates}
    certificate = by_thumbprint.get(header.get("x5t#S256", ""))
    if certificate is None:
        raise SignatureInvalid(_("The token was signed with a certificate we do not know."))
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureInvalid(_("The signing certificate does not hold an RSA key."))
    try:
        key.verify(b64url_decode(parts[2]), f"{parts[0]}.{parts[1]}".encode("ascii"),
                   padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise SignatureInvalid(_("The token's signature is not valid.")) from None
    return header, claims, certificate
