import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scopes import scope

from podkowa.accounts.models import Channel, Consent, ConsentKind, ConsentText
from podkowa.accounts.selectors.consents import current_consents, has_consent
from podkowa.accounts.services.consents import consent_grant, consent_revoke
from tests.factories import UserFactory

URL = "/konto/zgody/"
ELECTRONIC = ConsentKind.ELECTRONIC_COMMUNICATION


# Assertions read the English strings; the site's default is Polish.
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def anna(gmina, client):
    user = UserFactory(email="anna@example.org", language="en")
    client.force_login(user)
    return user


@pytest.fixture
def texts(gmina):
    return {
        "v1": ConsentText.objects.create(gmina=gmina, kind=ELECTRONIC, version=1,
                                         text="I agree to receive letters by e-mail (v1)."),
        "v2": ConsentText.objects.create(gmina=gmina, kind=ELECTRONIC, version=2,
                                         text="I agree to receive decisions electronically."),
    }


def test_without_a_text_the_consent_cannot_be_given(client, anna, gmina):
    html = client.get(URL).content.decode()
    assert html.count("This consent cannot be given yet") == 2

    response = client.post(URL, {"kind": ELECTRONIC, "decision": "grant"})

    assert response.status_code == 400
    assert "cannot be given yet" in response.content.decode()
    assert not Consent.objects.exists()


def test_the_page_shows_the_current_text_only(client, anna, texts):
    html = client.get(URL).content.decode()
    assert "I agree to receive decisions electronically." in html
    assert "(v1)" not in html
    assert "version 2" in html


def test_granting_records_the_text_shown_and_the_channel(client, anna, gmina, texts):
    response = client.post(URL, {"kind": ELECTRONIC, "text_id": texts["v2"].pk,
                                 "decision": "grant"}, follow=True)

    consent = Consent.objects.get(user=anna)
    assert (consent.kind, consent.text, consent.granted_channel) == (
        ELECTRONIC, texts["v2"], Channel.WEB)
    assert consent.revoked_at is None
    assert has_consent(gmina=gmina, user=anna, kind=ELECTRONIC)
    assert not has_consent(gmina=gmina, user=anna, kind=ConsentKind.PUSH)
    html = response.content.decode()
    assert "Thank you: your consent has been recorded." in html
    assert "You agreed to this text on" in html


def test_a_text_that_is_no_longer_current_is_refused(client, anna, texts):
    response = client.post(URL, {"kind": ELECTRONIC, "text_id": texts["v1"].pk,
                                 "decision": "grant"})

    assert response.status_code == 400
    assert "The text of this consent has just changed." in response.content.decode()
    assert not Consent.objects.exists()


def test_withdrawing_keeps_the_history(client, anna, gmina, texts):
    consent_grant(gmina=gmina, user=anna, kind=ELECTRONIC, channel=Channel.WEB)

    response = client.post(URL, {"kind": ELECTRONIC, "decision": "revoke"}, follow=True)

    consent = Consent.objects.get(user=anna)
    assert consent.revoked_at is not None
    assert consent.revoked_channel == Channel.WEB
    assert not has_consent(gmina=gmina, user=anna, kind=ELECTRONIC)
    html = response.content.decode()
    assert "Your consent has been withdrawn." in html
    history = html.split('id="consent-history"', 1)[1]
    assert "<td>2</td>" in history and "website" in history


def test_a_new_wording_replaces_the_old_consent_when_agreed(gmina, texts):
    user = UserFactory()
    old = Consent.objects.create(gmina=gmina, user=user, kind=ELECTRONIC, text=texts["v1"],
                                 granted_channel=Channel.DESK)
    state = next(s for s in current_consents(gmina=gmina, user=user) if s.kind == ELECTRONIC)
    assert state.granted and not state.granted_current_text

    new = consent_grant(gmina=gmina, user=user, kind=ELECTRONIC, channel=Channel.MOBILE,
                        text_id=texts["v2"].pk)

    old.refresh_from_db()
    assert old.revoked_at is not None and old.revoked_channel == Channel.MOBILE
    assert new.text == texts["v2"] and new.revoked_at is None
    # Agreeing again to the same wording changes nothing.
    assert consent_grant(gmina=gmina, user=user, kind=ELECTRONIC, channel=Channel.WEB) == new
    assert Consent.objects.filter(user=user).count() == 2


def test_the_page_offers_the_new_wording_to_someone_who_agreed_to_the_old(client, anna,
                                                                           gmina, texts):
    Consent.objects.create(gmina=gmina, user=anna, kind=ELECTRONIC, text=texts["v1"],
                           granted_channel=Channel.WEB)
    html = client.get(URL).content.decode()
    assert "You agreed to an earlier version (1) of this text." in html
    assert "I agree to the text above" in html


def test_revoking_without_a_consent_is_harmless(gmina):
    assert consent_revoke(gmina=gmina, user=UserFactory(), kind=ELECTRONIC,
                          channel=Channel.WEB) is None


def test_the_service_refuses_unknown_kinds_and_channels(gmina, texts):
    user = UserFactory()
    with pytest.raises(ValidationError):
        consent_grant(gmina=gmina, user=user, kind="marketing", channel=Channel.WEB)
    with pytest.raises(ValidationError):
        consent_grant(gmina=gmina, user=user, kind=ELECTRONIC, channel="fax")


def test_each_town_has_its_own_texts_and_register(gmina, other_gmina, texts):
    user = UserFactory()
    consent_grant(gmina=gmina, user=user, kind=ELECTRONIC, channel=Channel.WEB)
    with scope(gmina=other_gmina):
        assert not has_consent(gmina=other_gmina, user=user, kind=ELECTRONIC)
        with pytest.raises(ValidationError):
            consent_grant(gmina=other_gmina, user=user, kind=ELECTRONIC, channel=Channel.WEB)


def test_the_consent_page_needs_a_login(client, gmina):
    assert client.get(URL)["Location"].startswith(reverse("accounts:login"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_grants_leave_one_live_consent(gmina):
    import threading

    from django.db import connection

    ConsentText.objects.create(gmina=gmina, kind=ELECTRONIC, version=1, text="By e-mail.")
    user = UserFactory()
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def grant():
        try:
            with scope(gmina=gmina):
                barrier.wait()
                consent_grant(gmina=gmina, user=user, kind=ELECTRONIC, channel=Channel.WEB)
        except Exception as exc:  # any failure of either click is the bug
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=grant) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Consent.objects.filter(user=user, revoked_at__isnull=True).count() == 1
