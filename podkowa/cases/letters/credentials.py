"""The system certificate and key that sign our letters, SOAP calls and JWT assertions."""

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.utils.translation import gettext_lazy as _

from .errors import ConfigurationError


@dataclass(frozen=True)
class SystemCredentials:
    # RSA for ePUAP and e-Doręczenia; EC (P-256) for login.gov.pl.
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @property
    def certificate_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def sha256_thumbprint(self) -> bytes:
        return hashlib.sha256(self.certificate_der).digest()

    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def private_key_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def generate_self_signed(
    common_name: str, *, days: int = 365, key_type: str = "rsa"
) -> SystemCredentials:
    """A throw-away key (RSA, or EC P-256 with ``key_type="ec"``) and certificate: development,
    the simulators and the tests."""
    if key_type == "ec":
        key = ec.generate_private_key(ec.SECP256R1())
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Podkowa (development)"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return SystemCredentials(private_key=key, certificate=cert)


def load_credentials(
    cert_file: str | Path, key_file: str | Path, password: str = "", *, key_type: str = "rsa"
) -> SystemCredentials:
    try:
        cert = x509.load_pem_x509_certificate(Path(cert_file).read_bytes())
        key = serialization.load_pem_private_key(
            Path(key_file).read_bytes(), password=password.encode() if password else None
        )
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigurationError(
            _("The system certificate or key cannot be read (%(reason)s).") % {"reason": exc}
        ) from None
    if key_type == "ec":
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise ConfigurationError(_("The key must be an EC key on the P-256 curve."))
    elif not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigurationError(_("The system key must be an RSA key."))
    if key.public_key().public_numbers() != cert.public_key().public_numbers():
        raise ConfigurationError(_("The system key does not belong to the certificate."))
    return SystemCredentials(private_key=key, certificate=cert)


def load_certificate(cert_file: str | Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(Path(cert_file).read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            _("A certificate cannot be read (%(reason)s).") % {"reason": exc}
        ) from None


def development_credentials(
    directory: Path, name: str, *, key_type: str = "rsa"
) -> SystemCredentials:
    """Load ``<name>.crt.pem``/``<name>.key.pem`` from ``directory``, creating them once.

    Development only: the client and the local simulator read the same files, so that the
    simulator can verify what the client signs without any manual set-up.
    """
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / f"{name}.crt.pem", directory / f"{name}.key.pem"
    if not (cert_path.exists() and key_path.exists()):
        creds = generate_self_signed(f"Podkowa {name} (development)", key_type=key_type)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(creds.private_key_pem())
        cert_path.write_bytes(creds.certificate_pem())
    return load_credentials(cert_path, key_path, key_type=key_type)


def system_credentials(channel: str) -> SystemCredentials:
    """The office's certificate and key for ``"EPUAP"`` or ``"EDORECZENIA"`` from settings.

    ``<CHANNEL>_CERT_FILE``/``_KEY_FILE``/``_KEY_PASSWORD``; in DEBUG without them, the
    generated development pair that the local simulator trusts.
    """
    from django.conf import settings

    cert_file = getattr(settings, f"{channel}_CERT_FILE", "")
    if cert_file:
        return load_credentials(cert_file, getattr(settings, f"{channel}_KEY_FILE", ""),
                                getattr(settings, f"{channel}_KEY_PASSWORD", ""))
    if settings.DEBUG:
        return development_credentials(Path(settings.LETTERS_CREDENTIALS_DIR), "system")
    raise ConfigurationError(
        _("Set %(channel)s_CERT_FILE and %(channel)s_KEY_FILE.") % {"channel": channel}
    )


def service_certificates(channel: str) -> list[x509.Certificate]:
    """The certificates the national service signs its answers and receipts with."""
    from django.conf import settings

    cert_file = getattr(settings, f"{channel}_SERVICE_CERT_FILE", "")
    if cert_file:
        return [load_certificate(cert_file)]
    if settings.DEBUG:
        return [development_credentials(Path(settings.LETTERS_CREDENTIALS_DIR),
                                        "simulator").certificate]
    return []
