"""The resident's notification pages, the service worker's push handler, the VAPID keys,
the personal data of the inbox."""

import pytest

from podkowa.notifications.models import Area, InboxItem, PushSubscription, Subscription
from podkowa.notifications.personal_data import export, shred
from podkowa.notifications.services import (
    notify,
    push_subscription_register,
    subscription_create,
    topics_ensure_defaults,
)
from tests.factories import UserFactory
from tests.notifications.support import FakeBrowser

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def anna(gmina, client):
    user = UserFactory(email="anna@example.org")
    client.force_login(user)
    return user


@pytest.fixture
def topics(gmina):
    return {t.slug: t for t in topics_ensure_defaults(gmina=gmina)}


def test_the_settings_page_needs_a_login(client, gmina):
    response = client.get("/konto/powiadomienia/")
    assert response.status_code == 302
    assert "/konto/logowanie/" in response["Location"]


def test_a_resident_subscribes_chooses_channels_and_unsubscribes(client, gmina, anna, topics):
    street = Area.objects.create(gmina=gmina, name="Akacjowa", kind="street")

    page = client.get("/konto/powiadomienia/").content.decode()
    assert "Subscribe" in page
    # A system topic, always on; topic names are the town's data, stored in Polish.
    assert "Status moich spraw" in page

    response = client.post("/konto/powiadomienia/", {
        "action": "subscribe", "topic": topics["road-works"].pk, "area": street.pk,
    }, follow=True)
    assert "Subscribed." in response.content.decode()
    subscription = Subscription.objects.get(user=anna)
    assert subscription.area == street

    client.post("/konto/powiadomienia/", {"action": "channels",
                                          "subscription": subscription.pk,
                                          "by_email": "0", "by_push": "1", "by_sms": ""})
    subscription.refresh_from_db()
    assert (subscription.by_email, subscription.by_push, subscription.by_sms) == (False, True,
                                                                                  None)
    page = client.get("/konto/powiadomienia/").content.decode()
    assert "Roboty drogowe — Akacjowa (street)" in page  # the topic is data, in Polish

    client.post("/konto/powiadomienia/", {"action": "unsubscribe",
                                          "subscription": subscription.pk})
    assert not Subscription.objects.exists()


def test_someone_elses_subscription_and_device_are_out_of_reach(client, gmina, anna, topics):
    jan = UserFactory()
    theirs = subscription_create(gmina=gmina, user=jan, topic_id=topics["culture"].pk)
    browser = FakeBrowser()
    device = push_subscription_register(gmina=gmina, user=jan,
                                        endpoint="https://push.example.net/jan",
                                        p256dh=browser.p256dh, auth=browser.auth)

    response = client.post("/konto/powiadomienia/", {"action": "unsubscribe",
                                                     "subscription": theirs.pk}, follow=True)
    assert "Not found." in response.content.decode()
    client.post("/konto/powiadomienia/", {"action": "remove_device", "device": device.pk})
    assert Subscription.objects.filter(pk=theirs.pk).exists()
    assert PushSubscription.objects.filter(pk=device.pk).exists()


def test_the_settings_page_offers_push_with_the_public_key(client, gmina, anna, settings):
    from podkowa.notifications.vapid import vapid_keys_generate

    keys = vapid_keys_generate()
    settings.WEBPUSH_VAPID_PRIVATE_KEY = keys.private_key
    settings.WEBPUSH_VAPID_PUBLIC_KEY = keys.public_key
    browser = FakeBrowser()
    push_subscription_register(gmina=gmina, user=anna, endpoint="https://push.example.net/a",
                               p256dh=browser.p256dh, auth=browser.auth,
                               user_agent="Firefox on Android")

    page = client.get("/konto/powiadomienia/").content.decode()
    assert f'data-vapid-key="{keys.public_key}"' in page
    assert 'data-register-url="/api/v1/notifications/push-subscriptions"' in page
    assert "notifications/push.js" in page
    assert "Firefox on Android" in page


def test_the_inbox_page_lists_and_marks_read(client, gmina, anna):
    for subject in ("Card ready", "Case registered"):
        notify(gmina=gmina, recipient=anna, topic="case-status", subject=subject,
               body="Details.", url="/konto/")
    notify(gmina=gmina, recipient=UserFactory(), topic="case-status", subject="Not yours",
           body="Details.")

    page = client.get("/konto/powiadomienia/skrzynka/").content.decode()
    assert "2 unread notifications" in page
    assert "Card ready" in page and "Case registered" in page
    assert "Not yours" not in page

    item = InboxItem.objects.get(subject="Card ready")
    client.post("/konto/powiadomienia/skrzynka/", {"item": item.pk})
    item.refresh_from_db()
    assert item.read_at is not None
    assert "1 unread notification" in client.get("/konto/powiadomienia/skrzynka/").content.decode()

    client.post("/konto/powiadomienia/skrzynka/", {"action": "read_all"})
    assert not InboxItem.objects.filter(recipient=anna, read_at__isnull=True).exists()


def test_the_service_worker_shows_pushes_and_opens_their_link(client, gmina):
    script = client.get("/sw.js").content.decode()
    assert 'addEventListener("push"' in script
    assert "showNotification" in script
    assert 'addEventListener("notificationclick"' in script
    assert "openWindow" in script


def test_development_keys_are_generated_once_and_kept(settings, tmp_path):
    from podkowa.notifications import vapid

    settings.DEBUG = True
    settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    settings.VAR_DIR = tmp_path
    vapid._development_keys.cache_clear()
    first = vapid.vapid_keys()
    vapid._development_keys.cache_clear()
    again = vapid.vapid_keys()

    assert first == again
    assert (tmp_path / "vapid" / "vapid.json").exists()
    assert vapid.public_key_for(first.private_key) == first.public_key
    assert len(vapid.b64url_decode(first.public_key)) == 65


def test_production_without_keys_has_no_push(settings):
    from django.core.exceptions import ImproperlyConfigured

    from podkowa.notifications import vapid

    settings.DEBUG = False
    settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    assert not vapid.webpush_configured()
    with pytest.raises(ImproperlyConfigured):
        vapid.vapid_keys()


def test_a_person_downloads_and_erases_their_inbox(gmina, topics):
    anna, jan = UserFactory(), UserFactory()
    notify(gmina=gmina, recipient=anna, topic="case-status", subject="Card ready", body="x")
    notify(gmina=gmina, recipient=jan, topic="case-status", subject="Jan's", body="y")
    subscription_create(gmina=gmina, user=anna, topic_id=topics["culture"].pk)

    data = export(gmina=gmina, user=anna)
    assert [i["subject"] for i in data["inbox"]] == ["Card ready"]
    assert [s["topic"] for s in data["subscriptions"]] == [topics["culture"].name]

    shred(gmina=gmina, user=anna)
    assert list(InboxItem.objects.values_list("subject", flat=True)) == ["Jan's"]
    assert not Subscription.objects.filter(user=anna).exists()
