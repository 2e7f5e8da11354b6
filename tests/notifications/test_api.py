"""The notifications API: own inbox, own devices, topics and subscriptions."""

import pytest

from podkowa.accounts.services.tokens import api_token_create
from podkowa.notifications.models import Area, PushSubscription, Subscription
from podkowa.notifications.services import (
    notify,
    push_subscription_register,
    topics_ensure_defaults,
)
from tests.factories import UserFactory
from tests.notifications.support import FakeBrowser

API = "/api/v1/notifications"


@pytest.fixture
def anna(gmina):
    return UserFactory(email="anna@example.org")


@pytest.fixture
def jan(gmina):
    return UserFactory(email="jan@example.org")


@pytest.fixture
def phone(gmina, anna, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    _token, plain = api_token_create(gmina=gmina, user=anna, name="phone")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {plain}"
    return client


def tell(gmina, user, subject):
    return notify(gmina=gmina, recipient=user, topic="case-status", subject=subject,
                  body="Details.").inbox_item


def test_the_inbox_lists_only_my_items_newest_first_and_counts_unread(gmina, anna, jan, phone):
    tell(gmina, anna, "First")
    tell(gmina, anna, "Second")
    tell(gmina, jan, "Jan's")

    listing = phone.get(f"{API}/inbox").json()
    assert listing["count"] == 2
    assert [item["subject"] for item in listing["items"]] == ["Second", "First"]
    assert listing["items"][0]["topic"] == "case-status"
    assert phone.get(f"{API}/inbox/unread-count").json() == {"unread": 2}
    assert phone.get(f"{API}/inbox?limit=1").json()["items"][0]["subject"] == "Second"


def test_i_mark_my_items_read_but_not_someone_elses(gmina, anna, jan, phone):
    mine = tell(gmina, anna, "Mine")
    theirs = tell(gmina, jan, "Theirs")

    answer = phone.post(f"{API}/inbox/{mine.pk}/read")
    assert answer.status_code == 200
    assert answer.json()["read_at"] is not None
    assert phone.post(f"{API}/inbox/{theirs.pk}/read").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert phone.get(f"{API}/inbox?unread=true").json()["count"] == 0

    tell(gmina, anna, "Another")
    assert phone.post(f"{API}/inbox/read-all").json() == {"marked": 1}


def test_a_device_registers_and_unregisters(gmina, anna, jan, phone):
    browser = FakeBrowser()
    body = {"endpoint": "https://push.example.net/send/abc", "p256dh": browser.p256dh,
            "auth": browser.auth, "user_agent": "Chrome on Android"}

    created = phone.post(f"{API}/push-subscriptions", body, content_type="application/json")
    assert created.status_code == 201
    device_id = created.json()["id"]
    # The same browser again: updated, not doubled.
    assert phone.post(f"{API}/push-subscriptions", body,
                      content_type="application/json").json()["id"] == device_id
    assert [d["id"] for d in phone.get(f"{API}/push-subscriptions").json()] == [device_id]

    other = push_subscription_register(gmina=gmina, user=jan,
                                       endpoint="https://push.example.net/send/jan",
                                       p256dh=browser.p256dh, auth=browser.auth)
    assert phone.delete(f"{API}/push-subscriptions/{other.pk}").status_code == 404
    assert phone.delete(f"{API}/push-subscriptions/{device_id}").status_code == 204
    assert list(PushSubscription.objects.values_list("pk", flat=True)) == [other.pk]


def test_bad_device_keys_are_refused_naming_the_field(gmina, anna, phone):
    answer = phone.post(f"{API}/push-subscriptions", {
        "endpoint": "http://push.example.net/plain", "p256dh": "AAAA", "auth": "short",
    }, content_type="application/json")

    assert answer.status_code == 400
    assert set(answer.json()["errors"]) == {"endpoint", "p256dh", "auth"}
    assert "https" in answer.json()["errors"]["endpoint"][0]
    assert not PushSubscription.objects.exists()


def test_unregister_by_endpoint(gmina, anna, phone):
    browser = FakeBrowser()
    push_subscription_register(gmina=gmina, user=anna, endpoint="https://push.example.net/x",
                               p256dh=browser.p256dh, auth=browser.auth)
    answer = phone.post(f"{API}/push-subscriptions/unregister",
                        {"endpoint": "https://push.example.net/x"},
                        content_type="application/json")
    assert answer.status_code == 204
    assert not PushSubscription.objects.exists()


def test_topics_and_my_subscriptions(gmina, anna, jan, phone):
    topics = {t.slug: t for t in topics_ensure_defaults(gmina=gmina)}
    street = Area.objects.create(gmina=gmina, name="Akacjowa", kind="street")
    Subscription.objects.create(gmina=gmina, user=jan, topic=topics["culture"])

    listed = {t["slug"]: t for t in phone.get(f"{API}/topics").json()}
    assert listed["case-status"]["is_system"] is True
    assert phone.get(f"{API}/areas").json() == [{"id": street.pk, "name": "Akacjowa",
                                                 "kind": "street"}]

    created = phone.post(f"{API}/subscriptions",
                         {"topic_id": topics["road-works"].pk, "area_id": street.pk},
                         content_type="application/json")
    assert created.status_code == 201
    mine = phone.get(f"{API}/subscriptions").json()
    assert [(s["topic_id"], s["area_id"]) for s in mine] == [(topics["road-works"].pk,
                                                              street.pk)]
    refused = phone.post(f"{API}/subscriptions", {"topic_id": topics["case-status"].pk},
                         content_type="application/json")
    assert refused.status_code == 400 and "topic" in refused.json()["errors"]

    jans = Subscription.objects.get(user=jan)
    assert phone.delete(f"{API}/subscriptions/{jans.pk}").status_code == 404
    assert phone.delete(f"{API}/subscriptions/{mine[0]['id']}").status_code == 204


def test_the_push_key_is_public(client, gmina, settings):
    from podkowa.notifications.vapid import vapid_keys_generate

    keys = vapid_keys_generate()
    settings.WEBPUSH_VAPID_PRIVATE_KEY = keys.private_key
    settings.WEBPUSH_VAPID_PUBLIC_KEY = ""
    # The public key follows from the private one when only that is configured.
    assert client.get(f"{API}/push-key").json() == {"public_key": keys.public_key}


def test_strangers_get_401(client, gmina):
    assert client.get(f"{API}/inbox").status_code == 401
