"""The whole login through the local simulator with the test client: first login creates a
verified account, the next one signs into it, an existing account is joined only with its
password, a second account presenting the same PESEL is refused and becomes a conflict."""

import pytest
from django.urls import reverse
from django.utils import timezone

from podkowa.accounts.models import (
    ExternalLoginRefusal,
    IdentityConflict,
    PersonIdentity,
    ResidentProfile,
    VerificationEvent,
    VerificationLevel,
    VerifiedAttribute,
)
from podkowa.core.identifiers import pesel_hmac
from podkowa.notifications.models import OutboxMessage
from tests.accounts.logingovpl.conftest import artifact_of, node_login
from tests.factories import UserFactory

JAN = "44051401359"
ANNA = "02211307589"


def _first_login(client, node, pesel, email):
    acs, _cookie = node_login(client, node, pesel)
    response = client.get(acs)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:logingov_email")
    return client.post(reverse("accounts:logingov_email"), {"email": email})


def test_the_login_page_offers_the_simulator(client, gmina, node):
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'id="logingov-login"' in page and "login.gov.pl" in page


def test_first_login_creates_an_identity_verified_account(client, gmina, node):
    response = _first_login(client, node, JAN, "jan@example.org")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:panel")
    panel = client.get(reverse("accounts:panel")).content.decode()
    assert "tożsamość potwierdzona" in panel.lower() or "identity verified" in panel.lower()
    identity = PersonIdentity.objects.select_related("user").get()
    user = identity.user
    assert user.email == "jan@example.org"
    assert (user.first_name, user.last_name) == ("Jan", "Kowalski")
    assert not user.has_usable_password()
    assert identity.pesel_hmac == pesel_hmac(JAN) != JAN
    profile = ResidentProfile.objects.get(gmina=gmina, user=user)
    assert profile.verification_level == VerificationLevel.IDENTITY_VERIFIED
    event = VerificationEvent.objects.get(user=user, method=VerificationEvent.Method.LOGIN_GOV)
    assert event.outcome == VerificationEvent.Outcome.GRANTED
    attributes = dict(VerifiedAttribute.objects.filter(user=user).values_list("kind", "value"))
    assert attributes == {"given_name": "Jan", "family_name": "Kowalski",
                          "date_of_birth": "1944-05-14"}
    # The address still gets its confirmation link, through the outbox.
    assert OutboxMessage.objects.filter(address="jan@example.org").exists()
    assert "Kowalski" in panel and "1944-05-14" in panel


def test_the_next_login_signs_into_the_same_account(client, gmina, node):
    _first_login(client, node, ANNA, "anna@example.org")
    client.post(reverse("accounts:logout"))
    client.get("/")  # the logout page of the node is not visited here

    acs, _cookie = node_login(client, node, ANNA)
    response = client.get(acs)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:panel")
    assert client.get(reverse("accounts:panel")).status_code == 200
    assert PersonIdentity.objects.count() == 1
    assert VerificationEvent.objects.filter(method="login_gov").count() == 1


def test_an_existing_account_is_joined_only_with_its_password(client, gmina, node):
    existing = UserFactory(email="jan@example.org", email_confirmed_at=timezone.now())
    response = _first_login(client, node, JAN, "Jan@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:logingov_link")

    wrong = client.post(reverse("accounts:logingov_link"), {"password": "not the password"})
    assert wrong.status_code == 400
    assert "_auth_user_id" not in client.session
    assert not PersonIdentity.objects.exists()

    right = client.post(reverse("accounts:logingov_link"),
                        {"password": "correct horse battery"})
    assert right.status_code == 302
    assert int(client.session["_auth_user_id"]) == existing.pk
    assert PersonIdentity.objects.get().user == existing
    assert ResidentProfile.objects.get(user=existing).verification_level == (
        VerificationLevel.IDENTITY_VERIFIED)


def test_an_unconfirmed_address_is_not_joined(client, gmina, node):
    UserFactory(email="jan@example.org")
    _first_login(client, node, JAN, "jan@example.org")
    response = client.post(reverse("accounts:logingov_link"),
                           {"password": "correct horse battery"})
    assert response.status_code == 400
    assert "not confirmed" in response.content.decode() or "nie jest" in (
        response.content.decode())
    assert not PersonIdentity.objects.exists()


def test_a_second_account_with_the_same_pesel_is_refused_and_raised_as_conflict(
        client, gmina, node, english_messages):
    _first_login(client, node, JAN, "jan@example.org")
    first = PersonIdentity.objects.get().user
    client.post(reverse("accounts:logout"))
    second = UserFactory(email="other@example.org", email_confirmed_at=timezone.now())
    ResidentProfile.objects.create(gmina=gmina, user=second)
    client.force_login(second)

    acs, _cookie = node_login(client, node, JAN)
    response = client.get(acs)

    assert response.status_code == 409
    text = response.content.decode()
    assert "j***@example.org" in text
    assert PersonIdentity.objects.get().user == first
    conflict = IdentityConflict.objects.get()
    assert (conflict.user, conflict.holder, conflict.kind) == (
        second, first, IdentityConflict.Kind.DUPLICATE_IDENTITY)
    refused = VerificationEvent.objects.get(outcome="refused_duplicate")
    assert refused.user == second and refused.pesel_hmac == pesel_hmac(JAN)
    assert ResidentProfile.objects.get(user=second).verification_level < (
        VerificationLevel.IDENTITY_VERIFIED)


def test_a_replayed_artifact_is_refused_and_logged(client, gmina, node):
    acs, _cookie = node_login(client, node, JAN)
    assert client.get(acs).status_code == 302
    client.session.flush()

    # The same artifact again, in a session that started another login.
    node_login(client, node, ANNA)
    response = client.get(reverse("accounts:logingov_acs"), {"SAMLart": artifact_of(acs)})

    assert response.status_code == 400
    assert ExternalLoginRefusal.objects.filter(code="replay").exists()


def test_cancelling_at_the_node_says_so(client, gmina, node):
    acs, _cookie = node_login(client, node, JAN, action="cancel")
    response = client.get(acs)
    assert response.status_code == 400
    assert ExternalLoginRefusal.objects.get().code == "status"
    assert "_auth_user_id" not in client.session


def test_an_answer_without_a_started_login_is_refused(client, gmina, node):
    acs, _cookie = node_login(client, node, JAN)
    client.session.flush()
    client.cookies.clear()
    response = client.get(acs)
    assert response.status_code == 400
    assert ExternalLoginRefusal.objects.get().code == "in_response_to"


@pytest.mark.parametrize("enabled", [False])
def test_switched_off_the_pages_are_gone(client, gmina, settings, enabled):
    settings.LOGINGOVPL_ENABLED = enabled
    assert client.post(reverse("accounts:logingov_start")).status_code == 404
    assert "login.gov.pl" not in client.get(reverse("accounts:login")).content.decode()
