"""Where the node is and which keys speak to it, from settings (see podkowa/settings.py).

``LOGINGOVPL_NODE`` picks the node: ``production`` (login.gov.pl), ``integration``
(int.login.gov.pl), ``simulator`` (the national symulator.login.gov.pl) or ``local`` (our own
simulator, ``manage.py logingovpl_simulator``; the development default). Each URL and the
node's entity id may be overridden one by one; the national hosts' paths are *check* values
(confirm them against the node's metadata when connecting a town).

Keys: two EC P-256 pairs of the service (signing, encryption) and the node's signing
certificate. In DEBUG without files, generated development pairs under
``LOGINGOVPL_CREDENTIALS_DIR`` that the local simulator reads too.
"""

from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from podkowa.cases.letters.credentials import (
    SystemCredentials,
    development_credentials,
    load_certificate,
    load_credentials,
)
from podkowa.cases.letters.errors import ConfigurationError

from .errors import LoginGovConfigurationError

LOA_SUBSTANTIAL = "http://eidas.europa.eu/LoA/substantial"
LOA_ORDER = ["http://eidas.europa.eu/LoA/low", LOA_SUBSTANTIAL, "http://eidas.europa.eu/LoA/high"]

# Paths of the national node (*check* against its metadata before going live).
_NATIONAL = {
    "production": "https://login.gov.pl",
    "integration": "https://int.login.gov.pl",
    "simulator": "https://symulator.login.gov.pl",
}
_SSO_PATH = "/login/SingleSignOnService"
_ARTIFACT_PATH = "/login-services/idpArtifactResolutionService"
_SLO_PATH = "/login/SingleLogoutService"
_NODE_ENTITY_SUFFIX = "/idp"


@dataclass(frozen=True)
class NodeConfig:
    node: str
    entity_id: str  # ours
    node_entity_id: str
    sso_url: str
    artifact_resolve_url: str
    slo_url: str
    loa: str
    clock_skew_seconds: int
    timeout: float
    signing: SystemCredentials
    encryption: SystemCredentials
    node_certificates: tuple[x509.Certificate, ...]


def local_simulator_url() -> str:
    return f"http://{settings.LOGINGOVPL_SIMULATOR_HOST}:{settings.LOGINGOVPL_SIMULATOR_PORT}"


def _dev_dir() -> Path:
    return Path(settings.LOGINGOVPL_CREDENTIALS_DIR)


def _pair(prefix: str, name: str) -> SystemCredentials:
    cert_file = getattr(settings, f"LOGINGOVPL_{prefix}_CERT_FILE", "")
    try:
        if cert_file:
            return load_credentials(
                cert_file, getattr(settings, f"LOGINGOVPL_{prefix}_KEY_FILE", ""),
                getattr(settings, f"LOGINGOVPL_{prefix}_KEY_PASSWORD", ""), key_type="ec",
            )
        if settings.DEBUG or settings.LOGINGOVPL_NODE == "local":
            return development_credentials(_dev_dir(), name, key_type="ec")
    except ConfigurationError as exc:
        raise LoginGovConfigurationError(detail=str(exc)) from None
    raise LoginGovConfigurationError(
        _("Set LOGINGOVPL_%(which)s_CERT_FILE and LOGINGOVPL_%(which)s_KEY_FILE.")
        % {"which": prefix}
    )


def node_config() -> NodeConfig:
    node = settings.LOGINGOVPL_NODE
    if node == "local":
        base = local_simulator_url()
    elif node in _NATIONAL:
        base = _NATIONAL[node]
    else:
        raise LoginGovConfigurationError(
            detail=f"LOGINGOVPL_NODE={node!r}: choose production, integration, simulator, local"
        )
    entity_id = settings.LOGINGOVPL_ENTITY_ID
    if not entity_id:
        raise LoginGovConfigurationError(_("Set LOGINGOVPL_ENTITY_ID."))
    if settings.LOGINGOVPL_NODE_CERT_FILE:
        try:
            node_certs = (load_certificate(settings.LOGINGOVPL_NODE_CERT_FILE),)
        except ConfigurationError as exc:
            raise LoginGovConfigurationError(detail=str(exc)) from None
    elif node == "local":
        node_certs = (development_credentials(_dev_dir(), "simulator", key_type="ec")
                      .certificate,)
    else:
        raise LoginGovConfigurationError(_("Set LOGINGOVPL_NODE_CERT_FILE."))
    return NodeConfig(
        node=node,
        entity_id=entity_id,
        node_entity_id=settings.LOGINGOVPL_NODE_ENTITY_ID or base + _NODE_ENTITY_SUFFIX,
        sso_url=settings.LOGINGOVPL_SSO_URL or base + _SSO_PATH,
        artifact_resolve_url=settings.LOGINGOVPL_ARTIFACT_RESOLVE_URL or base + _ARTIFACT_PATH,
        slo_url=settings.LOGINGOVPL_SLO_URL or base + _SLO_PATH,
        loa=settings.LOGINGOVPL_LOA,
        clock_skew_seconds=settings.LOGINGOVPL_CLOCK_SKEW_SECONDS,
        timeout=settings.LOGINGOVPL_TIMEOUT,
        signing=_pair("SIGNING", "sp-signing"),
        encryption=_pair("ENCRYPTION", "sp-encryption"),
        node_certificates=node_certs,
    )


def is_enabled() -> bool:
    return bool(settings.LOGINGOVPL_ENABLED)
