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
