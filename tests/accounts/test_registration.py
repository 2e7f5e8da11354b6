import re
import time
from types import SimpleNamespace

import pytest
from django.core import signing
from django.urls import reverse

from podkowa.accounts.models import ResidentProfile, User, VerificationEvent, VerificationLevel
from podkowa.accounts.services import registration
from podkowa.notifications.models import OutboxMessage
from tests.factories import UserFactory

SIGNUP_URL = "/konto/rejestracja/"
GOOD = {
    "email": "Jan.Nowak@Example.org",
    "first_name": "Jan",
    "last_name": "Nowak",
    "password1": "zielony-las-nad-stawem",
    "password2": "zielony-las-nad-stawem",
    "language": "en",
}


# Assertions read the English strings; the site's default is Polish.
pytestmark = pytest.mark.usefixtures("english")


def confirmation_link(address: str) -> str:
    message = OutboxMessage.objects.filter(address=address).latest("id")
    return re.search(r"https?://\S+/konto/potwierdz/\S+/", message.body).group(0)


def test_sign_up_creates_account_profile_and_queues_confirmation(client, gmina):
    response = client.post(SIGNUP_URL, GOOD)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:signup_done")
    user = User.objects.get(email="jan.nowak@example.org")
    assert (user.first_name, user.last_name, user.language) == ("Jan", "Nowak", "en")
    assert user.check_password("zielony-las-nad-stawem")
    assert user.email_confirmed_at is None
    profile = ResidentProfile.objects.get(gmina=gmina, user=user)
    assert profile.verification_level == VerificationLevel.REGISTERED
    message = OutboxMessage.objects.get(gmina=gmina, recipient=user)
    assert message.channel == OutboxMessage.Channel.EMAIL
    assert message.address == "jan.nowak@example.org"
    # In the language the person chose, with a link back to the site they signed up on.
    assert "Confirm your e-mail address" in message.subject
    assert "http://testserver/konto/potwierdz/" in message.body


def test_sign_up_page_is_labelled_and_autocompletes(client, gmina):
    html = client.get(SIGNUP_URL).content.decode()
    for name, autocomplete in [("email", "email"), ("first_name", "given-name"),
                               ("last_name", "family-name"), ("password1", "new-password"),
                               ("password2", "new-password")]:
        assert f'<label for="id_{name}"' in html
        assert re.search(rf'<input[^>]*name="{name}"[^>]*autocomplete="{autocomplete}"', html) or \
            re.search(rf'<input[^>]*autocomplete="{autocomplete}"[^>]*name="{name}"', html)


def test_duplicate_email_gets_a_field_error_and_no_second_account(client, gmina):
    UserFactory(email="jan.nowak@example.org")
    response = client.post(SIGNUP_URL, GOOD)

    assert response.status_code == 200
    assert "An account with this e-mail address already exists" in \
        " ".join(response.context["form"].errors["email"])
    html = response.content.decode()
    # The error is tied to the field for screen readers.
    assert 'aria-describedby="id_email_helptext id_email_error"' in html
    assert 'id="id_email_error"' in html
    assert User.objects.filter(email__iexact="jan.nowak@example.org").count() == 1
    assert not OutboxMessage.objects.exists()


def test_duplicate_caught_by_the_service_too(gmina):
    UserFactory(email="jan.nowak@example.org")
    with pytest.raises(registration.ValidationError) as error:
        registration.account_register(
            gmina=gmina, email="JAN.NOWAK@example.org", password="x" * 12, first_name="J",
            last_name="N", language="pl",
        )
    assert "email" in error.value.message_dict


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"password2": "something-else-entirely"}, "password2", "different"),
        ({"password1": "password123", "password2": "password123"}, "password1", "common"),
        ({"password1": "short1", "password2": "short1"}, "password1", "too short"),
        ({"password1": "jan.nowak.example", "password2": "jan.nowak.example"}, "password1",
         "similar"),
    ],
)
def test_weak_or_mismatched_passwords_are_refused(client, gmina, changes, field, fragment):
    response = client.post(SIGNUP_URL, {**GOOD, **changes})

    assert response.status_code == 200
    assert fragment in " ".join(response.context["form"].errors[field])
    assert not User.objects.exists()


def test_nothing_is_written_when_the_confirmation_cannot_be_queued(gmina, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr("podkowa.notifications.services.outbox_enqueue", broken)
    with pytest.raises(RuntimeError):
        registration.account_register(
            gmina=gmina, email="jan@example.org", password="zielony-las-nad-stawem",
            first_name="Jan", last_name="Nowak", language="pl",
        )
    assert not User.objects.exists()
    assert not ResidentProfile.objects.exists()


def test_confirmation_link_confirms_and_raises_the_level(client, gmina):
    client.post(SIGNUP_URL, GOOD)
    link = confirmation_link("jan.nowak@example.org")

    response = client.get(link)

    assert response.status_code == 200
    assert "E-mail address confirmed" in response.content.decode()
    user = User.objects.get(email="jan.nowak@example.org")
    assert user.email_confirmed_at is not None
    profile = ResidentProfile.objects.get(gmina=gmina, user=user)
    assert profile.verification_level == VerificationLevel.EMAIL_CONFIRMED
    event = VerificationEvent.objects.get(gmina=gmina, user=user)
    assert (event.method, event.outcome, event.level) == (
        VerificationEvent.Method.EMAIL, VerificationEvent.Outcome.GRANTED,
        VerificationLevel.EMAIL_CONFIRMED,
    )
    # Opening the link again changes nothing and records nothing new.
    assert client.get(link).status_code == 200
    assert VerificationEvent.objects.filter(user=user).count() == 1


def test_expired_link_changes_nothing(client, gmina, monkeypatch):
    user = UserFactory(email="old@example.org")
    ResidentProfile.objects.create(gmina=gmina, user=user)
    four_days_ago = time.time() - 4 * 24 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: four_days_ago)
    token = registration.email_confirmation_token(user=user)
    monkeypatch.undo()

    response = client.get(reverse("accounts:email_confirm", kwargs={"token": token}))

    assert response.status_code == 400
    assert "has expired" in response.content.decode()
    user.refresh_from_db()
    assert user.email_confirmed_at is None
    assert not VerificationEvent.objects.exists()


def test_link_younger_than_three_days_still_works(client, gmina, monkeypatch):
    user = UserFactory(email="recent@example.org")
    two_days_ago = time.time() - 2 * 24 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: two_days_ago)
    token = registration.email_confirmation_token(user=user)
    monkeypatch.undo()

    assert client.get(f"/konto/potwierdz/{token}/").status_code == 200
    user.refresh_from_db()
    assert user.email_confirmed_at is not None


@pytest.mark.parametrize("tamper", ["forged", "other_salt", "changed_email"])
def test_forged_link_changes_nothing(client, gmina, tamper):
    user = UserFactory(email="victim@example.org")
    if tamper == "forged":
        token = registration.email_confirmation_token(user=user)[:-3] + "abc"
    elif tamper == "other_salt":
        token = signing.dumps({"u": user.pk, "e": user.email}, salt="something-else")
    else:
        token = registration.email_confirmation_token(user=user)
        user.email = "new-address@example.org"
        user.save()

    response = client.get(f"/konto/potwierdz/{token}/")

    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    user.refresh_from_db()
    assert user.email_confirmed_at is None
    assert not VerificationEvent.objects.exists()


def test_resend_from_the_panel_queues_a_new_link(client, gmina):
    user = UserFactory(email="anna@example.org", language="en")
    client.force_login(user)

    response = client.post(reverse("accounts:email_resend"), follow=True)

    assert "We have sent a new confirmation link" in response.content.decode()
    link = confirmation_link("anna@example.org")
    assert client.get(link).status_code == 200


def test_public_resend_answers_the_same_for_unknown_addresses(client, gmina):
    UserFactory(email="anna@example.org")
    known = client.post(reverse("accounts:email_resend"), {"email": "anna@example.org"})
    unknown = client.post(reverse("accounts:email_resend"), {"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 200
    assert "If anna@example.org belongs to an account" in known.content.decode()
    assert "If nobody@example.org belongs to an account" in unknown.content.decode()
    assert list(OutboxMessage.objects.values_list("address", flat=True)) == ["anna@example.org"]


def test_signing_up_while_logged_in_goes_to_the_panel(client, gmina):
    client.force_login(UserFactory())
    assert client.get(SIGNUP_URL)["Location"] == reverse("accounts:panel")


def test_resending_cannot_flood_a_mailbox(client, gmina, monkeypatch):
    # A fixed clock, so that the requests cannot straddle the edge of a ten-minute window.
    monkeypatch.setattr("podkowa.accounts.services.registration.time",
                        SimpleNamespace(time=lambda: 6000.0))
    UserFactory(email="anna@example.org")
    for _attempt in range(5):
        client.post(reverse("accounts:email_resend"), {"email": "anna@example.org"})
    assert OutboxMessage.objects.filter(address="anna@example.org").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_sign_ups_with_one_address_make_one_account(gmina):
    import threading

    from django.db import connection

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def sign_up():
        try:
            barrier.wait()
            registration.account_register(
                gmina=gmina, email="twin@example.org", password="zielony-las-nad-stawem",
                first_name="Jan", last_name="Nowak", language="pl",
            )
            outcomes.append("created")
        except registration.ValidationError as error:
            assert "email" in error.message_dict
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created", "refused"]
    assert User.objects.filter(email="twin@example.org").count() == 1
