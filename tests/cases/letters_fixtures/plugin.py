"""Fixtures of the letters tests, loaded by each test_letters*.py through ``pytest_plugins``.

Their names are prefixed (``letter_…``, ``letters_…``, ``…_transport``) because a plugin's
fixtures are visible to the whole run; none is autouse, for the same reason.
"""

import pytest
from django.utils import translation

from podkowa.cases.letters.credentials import generate_self_signed
from podkowa.cases.letters.simulators import LettersSimulator
from podkowa.cases.letters.transports.edoreczenia import EDoreczeniaTransport
from podkowa.cases.letters.transports.epuap import EpuapTransport
from tests.cases.letters_fixtures import OFFICE_ADE, OFFICE_BOX


@pytest.fixture
def letters_english():
    """Error messages are asserted in English whatever the Polish catalogue holds."""
    with translation.override("en"):
        yield


@pytest.fixture(scope="session")
def letter_system_key():
    """The office's system certificate and key."""
    return generate_self_signed("Urząd Miasta Podkowa Leśna (test)")


@pytest.fixture(scope="session")
def letter_stranger_key():
    return generate_self_signed("Someone else")


@pytest.fixture(scope="session")
def letter_service_key():
    """What the (simulated) national services sign their answers and receipts with."""
    return generate_self_signed("Simulated national service")


@pytest.fixture
def letters_simulator(letter_system_key, letter_service_key, tmp_path):
    sim = LettersSimulator(
        credentials=letter_service_key,
        client_certificates=[letter_system_key.certificate],
        port=0,
        store_dir=tmp_path / "received",
    ).start()
    yield sim
    sim.stop()


@pytest.fixture
def epuap_transport(letters_simulator, letter_system_key, letter_service_key):
    return EpuapTransport(
        skrytka_url=f"{letters_simulator.base_url}/epuap/skrytka",
        pull_url=f"{letters_simulator.base_url}/epuap/pull",
        podmiot="podkowalesna",
        box_name="skrytka",
        box_address=OFFICE_BOX,
        credentials=letter_system_key,
        service_certificates=[letter_service_key.certificate],
        timeout=10,
    )


@pytest.fixture
def edoreczenia_transport(letters_simulator, letter_system_key, letter_service_key):
    return EDoreczeniaTransport(
        token_url=f"{letters_simulator.base_url}/edoreczenia/token",
        api_url=f"{letters_simulator.base_url}/edoreczenia/api",
        client_id="podkowa-test",
        sender_address=OFFICE_ADE,
        credentials=letter_system_key,
        service_certificates=[letter_service_key.certificate],
        timeout=10,
    )


def pem_files(tmp_path, name, credentials):
    cert, key = tmp_path / f"{name}.crt.pem", tmp_path / f"{name}.key.pem"
    cert.write_bytes(credentials.certificate_pem())
    key.write_bytes(credentials.private_key_pem())
    return str(cert), str(key)


@pytest.fixture
def national(settings, tmp_path, letters_simulator, letter_system_key, letter_service_key):
    """Both channels configured against the local simulator, as production would be against
    the real services (URLs, the office's certificate, the service's certificate)."""
    cert, key = pem_files(tmp_path, "system", letter_system_key)
    service_cert, _key = pem_files(tmp_path, "service", letter_service_key)
    base = letters_simulator.base_url
    settings.EPUAP_SKRYTKA_URL = f"{base}/epuap/skrytka"
    settings.EPUAP_PULL_URL = f"{base}/epuap/pull"
    settings.EPUAP_PODMIOT = "podkowalesna"
    settings.EPUAP_ADRES_SKRYTKI = OFFICE_BOX
    settings.EDORECZENIA_TOKEN_URL = f"{base}/edoreczenia/token"
    settings.EDORECZENIA_API_URL = f"{base}/edoreczenia/api"
    settings.EDORECZENIA_CLIENT_ID = "podkowa-test"
    settings.EDORECZENIA_ADDRESS = OFFICE_ADE
    for channel in ("EPUAP", "EDORECZENIA"):
        setattr(settings, f"{channel}_CERT_FILE", cert)
        setattr(settings, f"{channel}_KEY_FILE", key)
        setattr(settings, f"{channel}_SERVICE_CERT_FILE", service_cert)
    return letters_simulator
