from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from podkowa.accounts.models import (
    ApiToken,
    Official,
    ResidentProfile,
    VerificationLevel,
)
from podkowa.accounts.services.tokens import api_token_create, api_token_revoke
from podkowa.core.models import GminaHost
from tests.api.conftest import bearer
from tests.factories import UserFactory


def test_me_with_the_website_session(client, gmina, person):
    client.force_login(person)

    response = client.get("/api/v1/me")

    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "anna@example.org"
    assert body["first_name"] == "Anna"
    assert body["channel"] == "web"
    assert body["verification_level"] == VerificationLevel.REGISTERED
    assert body["is_official"] is False


def test_me_with_a_mobile_token(client, gmina, person, phone_token):
    response = client.get("/api/v1/me", headers=bearer(phone_token))

    assert response.status_code == 200
    assert response.json()["email"] == "anna@example.org"
    assert response.json()["channel"] == "mobile"


def test_me_shows_verification_level_and_official_post_in_this_gmina(
    client, gmina, person, phone_token
):
    ResidentProfile.objects.create(
        gmina=gmina, user=person, verification_level=VerificationLevel.VERIFIED_RESIDENT
    )
    Official.objects.create(gmina=gmina, user=person, job_title="Clerk")

    # With the token: an official's website session would first ask for the second factor.
    body = client.get("/api/v1/me", headers=bearer(phone_token)).json()

    assert body["verification_level"] == 30
    assert body["verification_level_label"] == "verified resident"
    assert body["is_official"] is True


def test_no_credentials_is_401_with_a_reason(client, gmina):
    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert "token" in response.json()["detail"]


def test_a_made_up_token_is_401(client, gmina, person, phone_token):
    response = client.get("/api/v1/me", headers=bearer(phone_token[:-2] + "xx"))

    assert response.status_code == 401


def test_a_revoked_token_is_401(client, gmina, person, phone_token):
    token = ApiToken.objects.get(user=person)
    api_token_revoke(gmina=gmina, user=person, token_id=token.pk)

    response = client.get("/api/v1/me", headers=bearer(phone_token))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_token_of_an_inactive_account_is_401(client, gmina, person, phone_token):
    person.is_active = False
    person.save()

    assert client.get("/api/v1/me", headers=bearer(phone_token)).status_code == 401


def test_a_token_works_only_in_the_gmina_that_issued_it(
    client, gmina, other_gmina, person, settings
):
    settings.ALLOWED_HOSTS = ["testserver", "milanowek.example"]
    GminaHost.objects.create(gmina=other_gmina, host="milanowek.example")
    with scope(gmina=other_gmina):
        _token, milanowek_plain = api_token_create(
            gmina=other_gmina, user=person, name="Milanówek app"
        )

    # Presented to Podkowa Leśna (the default host): not a token here.
    in_podkowa = client.get("/api/v1/me", headers=bearer(milanowek_plain))
    in_milanowek = client.get(
        "/api/v1/me", headers=bearer(milanowek_plain), HTTP_HOST="milanowek.example"
    )

    assert in_podkowa.status_code == 401
    assert in_milanowek.status_code == 200
    assert in_milanowek.json()["channel"] == "mobile"


def test_last_used_is_written_at_most_once_a_minute(client, gmina, person, phone_token):
    token = ApiToken.objects.get(user=person)
    assert token.last_used_at is None

    client.get("/api/v1/me", headers=bearer(phone_token))
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None

    client.get("/api/v1/me", headers=bearer(phone_token))
    token.refresh_from_db()
    assert token.last_used_at == first_use

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first_use - timedelta(minutes=2))
    client.get("/api/v1/me", headers=bearer(phone_token))
    token.refresh_from_db()
    assert token.last_used_at > first_use - timedelta(seconds=5)
    assert token.last_used_at <= timezone.now()


def test_session_post_without_csrf_token_is_refused(gmina, person):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(person)

    response = browser.post(
        "/api/v1/me/tokens", {"name": "Forged"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert not ApiToken.objects.filter(user=person).exists()


def test_session_post_with_csrf_token_is_accepted(gmina, person):
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    browser = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(person)
    secret = _get_new_csrf_string()
    browser.cookies["csrftoken"] = secret

    response = browser.post(
        "/api/v1/me/tokens", {"name": "My phone"}, content_type="application/json",
        headers={"X-CSRFToken": secret},
    )

    assert response.status_code == 201
    assert ApiToken.objects.filter(user=person, name="My phone").exists()


def test_token_calls_need_no_csrf_token(gmina, person, phone_token):
    from django.test import Client

    app = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")

    # A token is never sent by a browser on its own, so CSRF does not apply; the channel rule
    # then refuses the web-only operation.
    response = app.post(
        "/api/v1/me/tokens", {"name": "x"}, content_type="application/json",
        headers=bearer(phone_token),
    )

    assert response.status_code == 403
    assert response.json()["code"] == "web_only"


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic abc", "Token pdk_abc"])
def test_malformed_authorization_headers_are_401(client, gmina, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})

    assert response.status_code == 401


def test_another_person_signed_in_sees_only_themselves(client, gmina, person):
    other = UserFactory(email="jan@example.org", first_name="Jan")
    client.force_login(other)

    assert client.get("/api/v1/me").json()["email"] == "jan@example.org"
