"""After first logins, a refused second account and a logout, no table holds a plain PESEL."""

from django.urls import reverse
from django.utils import timezone

from podkowa.accounts.models import IdentityConflict, ResidentProfile, Role
from tests.accounts.logingovpl.conftest import node_login
from tests.accounts.logingovpl.pesel_scan import tables_holding
from tests.admin_support import make_official, sign_in_with_second_factor
from tests.factories import UserFactory

PESELS = ["44051401359", "02211307589"]


def test_the_scan_finds_a_pesel_where_there_is_one(gmina):
    # The scan itself must be able to fail: a PESEL put in a plain column is found.
    UserFactory(email="44051401359@example.org")
    assert tables_holding(PESELS) == {"accounts_user": 1}


def test_no_table_holds_a_plain_pesel_after_the_flows(client, gmina, node):
    for pesel, email in zip(PESELS, ["jan@example.org", "anna@example.org"], strict=True):
        acs, _cookie = node_login(client, node, pesel)
        client.get(acs)
        client.post(reverse("accounts:logingov_email"), {"email": email})
        client.post(reverse("accounts:logout"))
    second = UserFactory(email="other@example.org", email_confirmed_at=timezone.now())
    ResidentProfile.objects.create(gmina=gmina, user=second)
    client.force_login(second)
    acs, _cookie = node_login(client, node, PESELS[0])
    assert client.get(acs).status_code == 409
    # A login left half-way (waiting for the e-mail) keeps its person in the session.
    acs, _cookie = node_login(client, node, "88071524610")
    client.get(acs)

    assert tables_holding([*PESELS, "88071524610"]) == {}


def test_an_official_sees_the_conflict_and_resolves_it(client, gmina, node):
    for email in ("jan@example.org",):
        acs, _cookie = node_login(client, node, PESELS[0])
        client.get(acs)
        client.post(reverse("accounts:logingov_email"), {"email": email})
        client.post(reverse("accounts:logout"))
    second = UserFactory(email="other@example.org", email_confirmed_at=timezone.now())
    client.force_login(second)
    acs, _cookie = node_login(client, node, PESELS[0])
    client.get(acs)
    client.logout()

    desk = make_official(gmina, Role.RESIDENT_DESK)
    sign_in_with_second_factor(client, desk)
    listing = client.get(reverse("admin:accounts_identityconflict_changelist"))
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "other@example.org" in text and "jan@example.org" in text
    conflict = IdentityConflict.objects.get()
    response = client.post(reverse("admin:accounts_identityconflict_changelist"), {
        "action": "resolve", "_selected_action": [conflict.pk]})
    assert response.status_code == 302
    conflict.refresh_from_db()
    assert conflict.status == IdentityConflict.Status.RESOLVED and conflict.resolved_by == desk


def test_a_resident_does_not_see_conflicts(client, gmina):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:accounts_identityconflict_changelist"))
    assert response.status_code == 302  # to the admin login
