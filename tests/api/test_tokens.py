import pytest
from django.core.exceptions import ValidationError

from podkowa.accounts.models import ApiToken
from podkowa.accounts.selectors.tokens import api_token_authenticate, api_tokens_for
from podkowa.accounts.services.tokens import api_token_create, api_token_revoke, token_hash
from tests.api.conftest import bearer
from tests.factories import UserFactory


def test_created_token_is_shown_once_and_only_its_hash_is_stored(gmina, person):
    token, plain = api_token_create(gmina=gmina, user=person, name="  My phone  ")

    assert plain.startswith("pdk_")
    assert len(plain) > 40
    assert token.name == "My phone"
    assert token.channel == "mobile"
    assert plain.startswith(token.prefix)
    assert token.key_hash == token_hash(plain)
    stored = ApiToken.objects.filter(pk=token.pk).values()[0]
    assert plain not in {str(value) for value in stored.values()}


def test_a_token_needs_a_name(gmina, person):
    with pytest.raises(ValidationError) as error:
        api_token_create(gmina=gmina, user=person, name="   ")

    assert "name" in error.value.message_dict
    assert not ApiToken.objects.exists()


def test_two_tokens_are_different(gmina, person):
    _a, first = api_token_create(gmina=gmina, user=person, name="Phone")
    _b, second = api_token_create(gmina=gmina, user=person, name="Tablet")

    assert first != second
    assert api_token_authenticate(gmina=gmina, plain=first).name == "Phone"
    assert api_token_authenticate(gmina=gmina, plain=second).name == "Tablet"


def test_only_live_tokens_are_listed(gmina, person):
    live, _ = api_token_create(gmina=gmina, user=person, name="Phone")
    dead, _ = api_token_create(gmina=gmina, user=person, name="Old phone")
    api_token_revoke(gmina=gmina, user=person, token_id=dead.pk)

    assert list(api_tokens_for(gmina=gmina, user=person)) == [live]


def test_a_person_cannot_revoke_someone_elses_token(gmina, person, phone_token):
    stranger = UserFactory()
    token = ApiToken.objects.get(user=person)

    with pytest.raises(ApiToken.DoesNotExist):
        api_token_revoke(gmina=gmina, user=stranger, token_id=token.pk)

    token.refresh_from_db()
    assert token.revoked_at is None


def test_website_lists_creates_and_revokes_tokens(client, gmina, person):
    client.force_login(person)

    created = client.post(
        "/api/v1/me/tokens", {"name": "My phone"}, content_type="application/json"
    )
    assert created.status_code == 201
    plain = created.json()["token"]
    token_id = created.json()["id"]

    listed = client.get("/api/v1/me/tokens").json()
    assert [(t["id"], t["name"]) for t in listed] == [(token_id, "My phone")]
    assert "token" not in listed[0]
    assert plain.startswith(listed[0]["prefix"])

    # The new token works for the app …
    assert client.get("/api/v1/me", headers=bearer(plain)).json()["channel"] == "mobile"

    # … until it is revoked on the website.
    assert client.delete(f"/api/v1/me/tokens/{token_id}").status_code == 204
    assert client.get("/api/v1/me/tokens").json() == []
    client.logout()
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 401


def test_revoking_someone_elses_token_over_the_api_is_404(client, gmina, person, phone_token):
    token = ApiToken.objects.get(user=person)
    client.force_login(UserFactory(email="mallory@example.org"))

    response = client.delete(f"/api/v1/me/tokens/{token.pk}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    token.refresh_from_db()
    assert token.revoked_at is None
    assert client.get("/api/v1/me/tokens").json() == []


def test_creating_a_token_without_a_name_names_the_field(client, gmina, person):
    client.force_login(person)

    response = client.post("/api/v1/me/tokens", {"name": " "}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == ["name"]


def test_a_body_of_the_wrong_shape_names_the_field(client, gmina, person):
    client.force_login(person)

    response = client.post("/api/v1/me/tokens", {}, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
    assert "name" in response.json()["errors"]
