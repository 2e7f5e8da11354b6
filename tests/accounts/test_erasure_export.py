import json
import threading

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope, scopes_disabled

from podkowa.accounts.models import (
    ApiToken,
    Channel,
    Consent,
    ConsentKind,
    ConsentText,
    ErasureRequest,
    PersonIdentity,
    ResidentProfile,
    VerificationEvent,
    VerificationLevel,
)
from podkowa.accounts.services.consents import consent_grant
from podkowa.accounts.services.erasure import erasure_request_create, erasure_request_execute
from podkowa.accounts.services.tokens import api_token_create
from podkowa.core import personal_data
from tests.factories import UserFactory

HMAC = "f" * 64


# Assertions read the English strings; the site's default is Polish.
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def anna(gmina):
    """A verified resident with a bit of everything the accounts app stores."""
    user = UserFactory(email="anna@example.org", language="en")
    ResidentProfile.objects.create(
        gmina=gmina, user=user, phone="+48 600 100 200", street="ul. Lipowa 3",
        postal_code="05-807", city="Podkowa Leśna",
        verification_level=VerificationLevel.VERIFIED_RESIDENT,
    )
    ConsentText.objects.create(gmina=gmina, kind=ConsentKind.PUSH, version=3,
                               text="Push messages about my cases.")
    consent_grant(gmina=gmina, user=user, kind=ConsentKind.PUSH, channel=Channel.WEB)
    PersonIdentity.objects.create(user=user, pesel_hmac=HMAC)
    desk = UserFactory(email="desk@example.org")
    VerificationEvent.objects.create(
        gmina=gmina, user=user, method=VerificationEvent.Method.DESK,
        outcome=VerificationEvent.Outcome.GRANTED, level=VerificationLevel.VERIFIED_RESIDENT,
        pesel_hmac=HMAC, official=desk, document="ID card ABC123456",
    )
    api_token_create(gmina=gmina, user=user, name="Anna's phone")
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def download(client, user):
    client.force_login(user)
    response = client.get(reverse("accounts:data_download"))
    assert response.status_code == 200
    return response


def test_download_is_a_json_attachment_with_everything(client, anna):
    response = download(client, anna)

    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    data = json.loads(response.content)
    assert data["gmina"]["name"] == "Podkowa Leśna"
    accounts = data["sections"]["accounts"]
    assert "retention" in accounts and "ledger" in accounts["retention"]
    mine = accounts["data"]
    assert mine["account"]["email"] == "anna@example.org"
    assert mine["resident_profiles"][0]["street"] == "ul. Lipowa 3"
    assert mine["consents"][0]["text"] == "Push messages about my cases."
    assert mine["consents"][0]["text_version"] == 3
    assert mine["verification_events"][0]["document"] == "ID card ABC123456"
    assert mine["api_tokens"][0]["name"] == "Anna's phone"


def test_download_holds_no_hash_and_no_token_secret(client, anna):
    text = download(client, anna).content.decode()
    assert HMAC not in text
    assert "pesel_hmac" not in text
    token = ApiToken.objects.get(user=anna)
    assert token.key_hash not in text
    assert token.prefix not in text


def test_every_registered_app_is_in_the_download(client, anna, monkeypatch):
    handlers = dict(personal_data._HANDLERS)
    handlers["zz-test"] = personal_data.PersonalDataHandler(
        name="zz-test", export=lambda *, gmina, user: {"seen": user.email},
        shred=lambda *, gmina, user: None, retention="none",
    )
    monkeypatch.setattr(personal_data, "_HANDLERS", handlers)
    data = json.loads(download(client, anna).content)
    assert data["sections"]["zz-test"]["data"] == {"seen": "anna@example.org"}


def test_the_download_shows_only_this_towns_rows(client, anna, other_gmina):
    with scope(gmina=other_gmina):
        ResidentProfile.objects.create(gmina=other_gmina, user=anna, city="Milanówek")
    data = json.loads(download(client, anna).content)
    cities = [p["city"] for p in data["sections"]["accounts"]["data"]["resident_profiles"]]
    assert cities == ["Podkowa Leśna"]


# --- erasure ------------------------------------------------------------------------------


def test_asking_for_erasure(client, anna, gmina):
    client.force_login(anna)
    response = client.post(reverse("accounts:erasure"),
                           {"reason": "Moving away", "confirm": "on"}, follow=True)

    request = ErasureRequest.objects.get(user=anna)
    assert (request.status, request.reason) == (ErasureRequest.Status.PENDING, "Moving away")
    html = response.content.decode()
    assert "Your request has been recorded." in html
    assert "The office is dealing with the request." in html


def test_the_request_must_be_confirmed(client, anna):
    client.force_login(anna)
    response = client.post(reverse("accounts:erasure"), {"reason": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["confirm"]
    assert not ErasureRequest.objects.exists()


def test_a_second_pending_request_is_refused_clearly(client, anna, gmina):
    erasure_request_create(gmina=gmina, user=anna)
    client.force_login(anna)

    response = client.post(reverse("accounts:erasure"), {"confirm": "on"})

    assert response.status_code == 400
    assert "You have already asked for your data to be erased" in response.content.decode()
    assert ErasureRequest.objects.filter(user=anna).count() == 1


def test_carrying_out_the_request_anonymises_and_keeps_the_ledger(anna, gmina, other_gmina):
    with scope(gmina=other_gmina):
        ResidentProfile.objects.create(gmina=other_gmina, user=anna, phone="+48 1")
    official = UserFactory(email="clerk@example.org")
    request = erasure_request_create(gmina=gmina, user=anna, reason="GDPR art. 17")

    done = erasure_request_execute(gmina=gmina, request_id=request.pk, official=official)

    assert (done.status, done.resolved_by) == (ErasureRequest.Status.DONE, official)
    assert done.resolved_at is not None
    anna.refresh_from_db()
    assert anna.email == f"erased-{anna.pk}@invalid"
    assert (anna.first_name, anna.last_name) == ("", "")
    assert not anna.has_usable_password()
    assert anna.is_active is False
    assert anna.anonymised_at is not None
    with scopes_disabled():
        for profile in ResidentProfile.objects.filter(user=anna):
            assert (profile.phone, profile.street, profile.postal_code, profile.city) == (
                "", "", "", "")
            assert not (profile.notify_by_email or profile.notify_by_sms)
    assert ApiToken.objects.get(user=anna).revoked_at is not None
    assert Consent.objects.get(user=anna).revoked_at is not None
    assert not TOTPDevice.objects.filter(user=anna).exists()
    # The ledger keeps refusing a second account for the same person.
    assert PersonIdentity.objects.get(pesel_hmac=HMAC).user == anna
    event = VerificationEvent.objects.get(user=anna)
    assert event.pesel_hmac == HMAC
    assert event.document == ""
    # Nobody can log in with the old address or password.
    request_ = RequestFactory().post("/konto/logowanie/")
    assert authenticate(request_, username="anna@example.org",
                        password="correct horse battery") is None


def test_a_request_is_carried_out_once(anna, gmina):
    request = erasure_request_create(gmina=gmina, user=anna)
    erasure_request_execute(gmina=gmina, request_id=request.pk, official=None)
    with pytest.raises(ValidationError):
        erasure_request_execute(gmina=gmina, request_id=request.pk, official=None)


def test_a_failing_shredder_erases_nothing(anna, gmina, monkeypatch):
    def broken(*, gmina, user):
        raise RuntimeError("disk full")

    handlers = dict(personal_data._HANDLERS)
    handlers["zz-broken"] = personal_data.PersonalDataHandler(
        name="zz-broken", export=lambda **kw: {}, shred=broken, retention="")
    monkeypatch.setattr(personal_data, "_HANDLERS", handlers)
    request = erasure_request_create(gmina=gmina, user=anna)

    with pytest.raises(RuntimeError):
        erasure_request_execute(gmina=gmina, request_id=request.pk, official=None)

    anna.refresh_from_db()
    assert anna.email == "anna@example.org"
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.PENDING


def test_another_towns_request_cannot_be_executed_here(anna, gmina, other_gmina):
    request = erasure_request_create(gmina=gmina, user=anna)
    with scope(gmina=other_gmina), pytest.raises(ValidationError):
        erasure_request_execute(gmina=other_gmina, request_id=request.pk, official=None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_requests_make_one(gmina):
    user = UserFactory()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def ask():
        try:
            with scope(gmina=gmina):
                barrier.wait()
                erasure_request_create(gmina=gmina, user=user)
            outcomes.append("created")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created", "refused"]
    assert ErasureRequest.objects.filter(user=user).count() == 1


def test_erasure_removes_the_persons_name_from_the_admin_history(anna, gmina):
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType

    official = UserFactory(email="clerk2@example.org")
    profile = ResidentProfile.objects.get(user=anna)
    LogEntry.objects.create(
        user=official, content_type=ContentType.objects.get_for_model(ResidentProfile),
        object_id=str(profile.pk), object_repr="Anna Kowalska", action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Phone"]}}]',
    )
    request = erasure_request_create(gmina=gmina, user=anna, reason="")

    erasure_request_execute(gmina=gmina, request_id=request.pk, official=official)

    entry = LogEntry.objects.get(object_id=str(profile.pk))
    assert "Anna" not in entry.object_repr and entry.change_message == ""
    assert entry.user == official
