"""Acting for a firm or another person: asked by the resident, usable only once the desk has
confirmed the authorisation; the panel switches between "me" and the represented party."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from podkowa.accounts.models import Representation, Role
from podkowa.accounts.services.representation import (
    representation_confirm,
    representation_request,
    representation_revoke,
)
from podkowa.core.identifiers import pesel_hmac
from tests.accounts.logingovpl.pesel_scan import tables_holding
from tests.admin_support import make_official, sign_in_with_second_factor
from tests.factories import UserFactory

FIRM = {"kind": "firm", "name": "Piekarnia Kowalski sp. z o.o.", "identifier": "856-734-62-15",
        "document": "pełnomocnictwo z 2 marca 2026"}


@pytest.fixture
def desk(gmina):
    return make_official(gmina, Role.RESIDENT_DESK)


def test_a_firm_is_known_by_its_checked_nip(gmina):
    representation = representation_request(gmina=gmina, user=UserFactory(), **FIRM)
    assert representation.nip == "8567346215"
    assert representation.status == Representation.Status.PENDING


def test_a_person_is_known_by_the_keyed_hash_of_the_pesel(gmina):
    representation = representation_request(
        gmina=gmina, user=UserFactory(), kind="person", name="Jan Kowalski",
        identifier="44051401359", document="pełnomocnictwo notarialne")
    assert representation.person_pesel_hmac == pesel_hmac("44051401359")
    assert tables_holding(["44051401359"]) == {}


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"identifier": "8567346216"}, "identifier", "not a valid NIP"),
    ({"kind": "person", "identifier": "44051401358"}, "identifier", "check digit"),
    ({"document": " "}, "document", "Say which document"),
    ({"kind": "robot"}, "kind", "firm or a person"),
])
def test_bad_requests_name_the_field(gmina, changes, field, message):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        representation_request(gmina=gmina, user=UserFactory(), **{**FIRM, **changes})
    assert message in " ".join(refused.value.error_dict[field][0].messages)
    assert not Representation.objects.exists()


def test_only_the_desk_confirms(gmina, desk):
    user = UserFactory()
    representation = representation_request(gmina=gmina, user=user, **FIRM)
    with pytest.raises(PermissionDenied):
        representation_confirm(gmina=gmina, official=user, representation_id=representation.pk)
    representation_confirm(gmina=gmina, official=desk, representation_id=representation.pk)
    representation.refresh_from_db()
    assert (representation.status, representation.confirmed_by) == ("confirmed", desk)


def test_the_panel_switches_only_to_a_confirmed_party(client, gmina, desk):
    user = UserFactory()
    representation = representation_request(gmina=gmina, user=user, **FIRM)
    client.force_login(user)
    url = reverse("accounts:representations")
    assert client.get(url).status_code == 200

    client.post(url, {"intent": "switch", "acting_for": representation.pk})
    assert "panel-acting" not in client.get(reverse("accounts:panel")).content.decode()

    representation_confirm(gmina=gmina, official=desk, representation_id=representation.pk)
    client.post(url, {"intent": "switch", "acting_for": representation.pk})
    panel = client.get(reverse("accounts:panel")).content.decode()
    assert "Piekarnia Kowalski" in panel and "panel-acting" in panel

    # Revoked: acting for the firm stops on the next request.
    representation_revoke(gmina=gmina, user=user, representation_id=representation.pk)
    assert "panel-acting" not in client.get(reverse("accounts:panel")).content.decode()


def test_nobody_acts_under_someone_elses_authorisation(client, gmina, desk):
    owner = UserFactory()
    representation = representation_request(gmina=gmina, user=owner, **FIRM)
    representation_confirm(gmina=gmina, official=desk, representation_id=representation.pk)
    intruder = UserFactory()
    client.force_login(intruder)
    client.post(reverse("accounts:representations"),
                {"intent": "switch", "acting_for": representation.pk})
    assert "panel-acting" not in client.get(reverse("accounts:panel")).content.decode()
    with pytest.raises(PermissionDenied):
        representation_revoke(gmina=gmina, user=intruder, representation_id=representation.pk)


def test_the_page_records_a_request(client, gmina):
    client.force_login(UserFactory())
    response = client.post(reverse("accounts:representations"), {"intent": "request", **FIRM})
    assert response.status_code == 302
    assert Representation.objects.get().nip == "8567346215"
    bad = client.post(reverse("accounts:representations"),
                      {"intent": "request", **FIRM, "identifier": "123"})
    assert bad.status_code == 400


def test_the_desk_confirms_in_the_administration(client, gmina, desk):
    representation = representation_request(gmina=gmina, user=UserFactory(), **FIRM)
    sign_in_with_second_factor(client, desk)
    listing = reverse("admin:accounts_representation_changelist")
    assert "Piekarnia" in client.get(listing).content.decode()
    client.post(listing, {"action": "confirm", "_selected_action": [representation.pk]})
    representation.refresh_from_db()
    assert representation.status == Representation.Status.CONFIRMED


def test_every_change_while_acting_for_a_firm_records_both(client, gmina, desk):
    from podkowa.accounts.models import RepresentedAction

    user = UserFactory()
    representation = representation_request(gmina=gmina, user=user, **FIRM)
    representation_confirm(gmina=gmina, official=desk, representation_id=representation.pk)
    client.force_login(user)
    profile = {"first_name": "Anna", "last_name": "Kowalska", "language": "pl",
               "phone": "", "street": "", "postal_code": "", "city": "",
               "notify_by_email": "on"}
    client.post(reverse("accounts:profile"), profile)
    assert not RepresentedAction.objects.exists()  # acting for herself

    client.post(reverse("accounts:representations"),
                {"intent": "switch", "acting_for": representation.pk})
    client.post(reverse("accounts:profile"), profile)

    action = RepresentedAction.objects.get(path=reverse("accounts:profile"))
    assert (action.user, action.representation, action.method) == (user, representation, "POST")
    client.get(reverse("accounts:panel"))
    assert RepresentedAction.objects.filter(method="GET").count() == 0
    exported = client.get(reverse("accounts:data_download")).json()
    actions = exported["sections"]["accounts"]["data"]["representations"][0]["actions"]
    assert any(reverse("accounts:profile") in a["what"] for a in actions)
