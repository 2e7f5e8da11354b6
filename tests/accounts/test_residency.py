"""Declaring residence, confirmed as the town decided: at the desk, by the imported register
(keyed hashes only; a contradiction is a conflict for the desk), or by the declaration alone."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from podkowa.accounts.models import (
    IdentityConflict,
    PersonIdentity,
    ResidencyDeclaration,
    ResidencyPolicy,
    ResidencyRegisterEntry,
    ResidentProfile,
    Role,
    VerificationEvent,
    VerificationLevel,
)
from podkowa.accounts.services.residency import (
    residency_confirm_at_desk,
    residency_declare,
    residency_register_import,
)
from podkowa.core.identifiers import pesel_hmac
from tests.accounts.logingovpl.pesel_scan import tables_holding
from tests.admin_support import make_official, sign_in_with_second_factor
from tests.factories import UserFactory

JAN = "44051401359"
SINCE = dt.date(2020, 5, 1)


@pytest.fixture
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def desk(gmina):
    return make_official(gmina, Role.RESIDENT_DESK)


def _verified(gmina, pesel=JAN):
    user = UserFactory()
    ResidentProfile.objects.create(gmina=gmina, user=user,
                                   verification_level=VerificationLevel.IDENTITY_VERIFIED)
    PersonIdentity.objects.create(user=user, pesel_hmac=pesel_hmac(pesel))
    return user


def _declare(gmina, user, street="ul. Lipowa 3", postal_code="05-807"):
    return residency_declare(gmina=gmina, user=user, street=street, postal_code=postal_code,
                             city="Podkowa Leśna", since=SINCE)


def _level(gmina, user):
    return ResidentProfile.objects.get(gmina=gmina, user=user).verification_level


def _policy(gmina, mode):
    ResidencyPolicy.objects.create(gmina=gmina, mode=mode)


def test_by_default_the_desk_confirms(gmina, desk):
    user = _verified(gmina)
    declaration = _declare(gmina, user)
    assert declaration.status == ResidencyDeclaration.Status.PENDING
    assert _level(gmina, user) == VerificationLevel.IDENTITY_VERIFIED

    residency_confirm_at_desk(gmina=gmina, official=desk, declaration_id=declaration.pk)

    declaration.refresh_from_db()
    assert (declaration.status, declaration.confirmed_by, declaration.official) == (
        "confirmed", "desk", desk)
    assert _level(gmina, user) == VerificationLevel.VERIFIED_RESIDENT
    assert VerificationEvent.objects.get(user=user, level=30).method == "desk"


def test_a_resident_cannot_confirm(gmina):
    user = _verified(gmina)
    declaration = _declare(gmina, user)
    with pytest.raises(PermissionDenied):
        residency_confirm_at_desk(gmina=gmina, official=user, declaration_id=declaration.pk)


def test_the_desk_needs_a_verified_identity_first(gmina, desk, in_english):
    user = UserFactory()
    declaration = _declare(gmina, user)
    with pytest.raises(ValidationError, match="identity first"):
        residency_confirm_at_desk(gmina=gmina, official=desk, declaration_id=declaration.pk)


def test_declaration_alone_confirms_a_verified_person(gmina):
    _policy(gmina, ResidencyPolicy.Mode.DECLARATION)
    user = _verified(gmina)
    assert _declare(gmina, user).status == ResidencyDeclaration.Status.CONFIRMED
    assert _level(gmina, user) == VerificationLevel.VERIFIED_RESIDENT


def test_declaration_alone_does_not_confirm_an_unverified_person(gmina):
    _policy(gmina, ResidencyPolicy.Mode.DECLARATION)
    user = UserFactory()
    assert _declare(gmina, user).status == ResidencyDeclaration.Status.PENDING


def test_the_register_confirms_a_matching_address(gmina, desk):
    _policy(gmina, ResidencyPolicy.Mode.REGISTER)
    residency_register_import(gmina=gmina, official=desk,
                              data=f"pesel;ulica;kod\n{JAN};Lipowa 3;05-807\n".encode())
    user = _verified(gmina)
    # Written differently ("ul.", capitals, spaces) — the same address.
    declaration = _declare(gmina, user, street="UL.  Lipowa   3")
    assert declaration.status == ResidencyDeclaration.Status.CONFIRMED
    assert declaration.confirmed_by == "register"
    assert _level(gmina, user) == VerificationLevel.VERIFIED_RESIDENT


def test_the_register_contradicting_the_declaration_is_a_conflict(gmina, desk):
    _policy(gmina, ResidencyPolicy.Mode.REGISTER)
    residency_register_import(gmina=gmina, official=desk,
                              data=f"{JAN};Akacjowa 1;05-807\n".encode())
    user = _verified(gmina)
    assert _declare(gmina, user).status == ResidencyDeclaration.Status.CONFLICT
    conflict = IdentityConflict.objects.get()
    assert conflict.kind == IdentityConflict.Kind.REGISTER_MISMATCH and conflict.user == user


def test_a_later_import_matches_waiting_declarations(gmina, desk):
    _policy(gmina, ResidencyPolicy.Mode.REGISTER)
    user = _verified(gmina)
    declaration = _declare(gmina, user)
    assert declaration.status == ResidencyDeclaration.Status.PENDING
    residency_register_import(gmina=gmina, official=desk,
                              data=f"{JAN};ul. Lipowa 3;05-807\n".encode())
    declaration.refresh_from_db()
    assert declaration.status == ResidencyDeclaration.Status.CONFIRMED


def test_the_register_is_kept_only_as_keyed_hashes(gmina, desk):
    residency_register_import(gmina=gmina, official=desk,
                              data=f"{JAN};ul. Lipowa 3;05-807\n".encode())
    entry = ResidencyRegisterEntry.objects.get()
    assert entry.pesel_hmac == pesel_hmac(JAN)
    assert tables_holding([JAN, "Lipowa"]) == {}


@pytest.mark.parametrize(("row", "message"), [
    ("44051401358;Lipowa 3;05-807", "Row 2: This PESEL's check digit is wrong"),
    ("44051401359;Lipowa 3", "Row 2: expected PESEL, street and postal code"),
    ("44051401359;Lipowa 3;05807", "Row 2: a postal code looks like 05-807"),
    ("02211307589;Lipowa 4;05-807", "Row 2: this person is already listed above"),
])
def test_a_bad_row_is_named_and_nothing_is_imported(gmina, desk, in_english, row, message):
    residency_register_import(gmina=gmina, official=desk,
                              data=b"71033021083;Brzozowa 1;05-807\n")
    data = f"02211307589;Lipowa 3;05-807\n{row}\n".encode()
    with pytest.raises(ValidationError, match=message):
        residency_register_import(gmina=gmina, official=desk, data=data)
    # The earlier register stays as it was.
    assert list(ResidencyRegisterEntry.objects.values_list("pesel_hmac", flat=True)) == [
        pesel_hmac("71033021083")]


@pytest.mark.parametrize(("field", "kwargs"), [
    ("postal_code", {"postal_code": "5807"}),
    ("street", {"street": "  "}),
])
def test_bad_declarations_name_the_field(gmina, field, kwargs):
    with pytest.raises(ValidationError) as refused:
        _declare(gmina, UserFactory(), **kwargs)
    assert field in refused.value.error_dict
    assert not ResidencyDeclaration.objects.exists()


def test_a_new_declaration_replaces_the_old(gmina):
    user = UserFactory()
    first = _declare(gmina, user)
    second = _declare(gmina, user, street="Brzozowa 2")
    first.refresh_from_db()
    assert first.status == ResidencyDeclaration.Status.WITHDRAWN
    assert second.status == ResidencyDeclaration.Status.PENDING


def test_the_page_records_a_declaration(client, gmina):
    user = _verified(gmina)
    client.force_login(user)
    assert client.get(reverse("accounts:residency")).status_code == 200
    response = client.post(reverse("accounts:residency"), {
        "street": "ul. Lipowa 3", "postal_code": "05-807", "city": "Podkowa Leśna",
        "since": "2020-05-01"})
    assert response.status_code == 302
    page = client.get(reverse("accounts:residency")).content.decode()
    assert "ul. Lipowa 3" in page
    bad = client.post(reverse("accounts:residency"), {
        "street": "x", "postal_code": "zzz", "city": "P", "since": "2020-05-01"})
    assert bad.status_code == 400


def test_the_desk_imports_the_register_and_confirms_in_the_administration(client, gmina, desk):
    sign_in_with_second_factor(client, desk)
    url = reverse("admin:accounts_residencyregisterentry_import")
    assert client.get(url).status_code == 200
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(url, {"file": SimpleUploadedFile(
        "rejestr.csv", f"{JAN};Lipowa 3;05-807\n".encode(), "text/csv")})
    assert response.status_code == 302
    assert ResidencyRegisterEntry.objects.count() == 1
    user = _verified(gmina, pesel="02211307589")
    declaration = _declare(gmina, user)
    client.post(reverse("admin:accounts_residencydeclaration_changelist"),
                {"action": "confirm", "_selected_action": [declaration.pk]})
    declaration.refresh_from_db()
    assert declaration.status == ResidencyDeclaration.Status.CONFIRMED


def test_the_desk_records_a_resident_card_for_a_verified_resident(client, gmina, desk):
    from podkowa.accounts.models import VerifiedAttribute

    user = _verified(gmina)
    profile = ResidentProfile.objects.get(user=user)
    sign_in_with_second_factor(client, desk)
    url = reverse("admin:accounts_residentprofile_resident_card", args=[profile.pk])
    # Not a resident yet (identity only): refused, nothing recorded.
    assert client.post(url, {"number": "KM-2026/0042"}).status_code == 200
    assert not VerifiedAttribute.objects.filter(kind="resident_card").exists()

    residency_confirm_at_desk(gmina=gmina, official=desk,
                              declaration_id=_declare(gmina, user).pk)
    response = client.post(url, {"number": "km-2026/0042"})

    assert response.status_code == 302
    card = VerifiedAttribute.objects.get(user=user, kind="resident_card")
    assert (card.value, card.source) == ("KM-2026/0042", "desk")
    panel_client = client.__class__()
    panel_client.force_login(user)
    assert "KM-2026/0042" in panel_client.get(reverse("accounts:panel")).content.decode()
