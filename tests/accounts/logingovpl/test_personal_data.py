"""What login.gov.pl and the residence declaration added is in the person's download and is
erased with the account; the ledger's keyed hash stays (one person, one account)."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from podkowa.accounts.models import (
    PersonIdentity,
    ResidencyDeclaration,
    ResidentProfile,
    VerifiedAttribute,
)
from podkowa.accounts.services.erasure import erasure_request_create, erasure_request_execute
from podkowa.accounts.services.residency import residency_declare
from podkowa.core.identifiers import pesel_hmac
from tests.factories import UserFactory


def _person(gmina):
    user = UserFactory(email_confirmed_at=timezone.now())
    ResidentProfile.objects.create(gmina=gmina, user=user)
    PersonIdentity.objects.create(user=user, pesel_hmac=pesel_hmac("44051401359"))
    VerifiedAttribute.objects.create(user=user, kind="date_of_birth", value="1944-05-14",
                                     source="login_gov")
    residency_declare(gmina=gmina, user=user, street="ul. Lipowa 3", postal_code="05-807",
                      city="Podkowa Leśna", since=dt.date(2020, 5, 1))
    return user


def test_the_download_holds_the_verified_attributes_and_the_declaration(client, gmina):
    user = _person(gmina)
    client.force_login(user)
    data = client.get(reverse("accounts:data_download")).json()["sections"]["accounts"]["data"]
    assert data["verified_attributes"][0]["value"] == "1944-05-14"
    assert data["residency_declarations"][0]["street"] == "ul. Lipowa 3"
    assert pesel_hmac("44051401359") not in str(data)


def test_erasure_removes_them_and_keeps_the_keyed_hash(gmina):
    user = _person(gmina)
    request = erasure_request_create(gmina=gmina, user=user)
    erasure_request_execute(gmina=gmina, request_id=request.pk, official=None)
    assert not VerifiedAttribute.objects.filter(user=user).exists()
    assert not ResidencyDeclaration.objects.filter(user=user).exists()
    assert PersonIdentity.objects.filter(user=user).exists()
