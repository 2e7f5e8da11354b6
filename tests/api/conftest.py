import pytest

from podkowa.accounts.services.tokens import api_token_create
from tests.factories import UserFactory


@pytest.fixture
def client(client):
    # Answers in English, so that assertions on texts hold once the Polish catalogue exists.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def person(gmina):
    return UserFactory(email="anna@example.org", first_name="Anna", last_name="Kowalska")


@pytest.fixture
def phone_token(gmina, person) -> str:
    """A plain mobile token of `person`, issued in Podkowa Leśna."""
    _token, plain = api_token_create(gmina=gmina, user=person, name="My phone")
    return plain


def bearer(plain: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plain}"}
