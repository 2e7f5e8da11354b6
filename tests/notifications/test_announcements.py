"""The office's announcements: who receives them, once, and the delivery report."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from podkowa.accounts.models import Role
from podkowa.notifications.models import Announcement, Area, InboxItem, OutboxMessage, Subscription
from podkowa.notifications.selectors import announcement_delivery_report
from podkowa.notifications.services import (
    announcement_deliver_batch,
    announcement_fan_out,
    announcement_send,
    subscription_create,
    topics_ensure_defaults,
)
from tests.admin_support import make_official, sign_in_with_second_factor
from tests.factories import UserFactory
from tests.notifications.support import ELECTRONIC, give_consent


@pytest.fixture
def road_works(gmina):
    topics = {t.slug: t for t in topics_ensure_defaults(gmina=gmina)}
    return topics["road-works"]


@pytest.fixture
def streets(gmina):
    return {
        "Akacjowa": Area.objects.create(gmina=gmina, name="Akacjowa", kind="street"),
        "Jaśminowa": Area.objects.create(gmina=gmina, name="Jaśminowa", kind="street"),
    }


@pytest.fixture
def people(gmina, road_works, streets):
    """Who follows road works where: one on Akacjowa, one on Jaśminowa, one in the whole
    town, one on both streets; and one who follows nothing."""
    everyone = {name: UserFactory(email=f"{name}@example.org")
                for name in ("akacjowa", "jasminowa", "town", "both", "nobody")}
    for person in everyone.values():
        give_consent(gmina, person, ELECTRONIC)
    follow = {"akacjowa": ["Akacjowa"], "jasminowa": ["Jaśminowa"], "town": [None],
              "both": ["Akacjowa", "Jaśminowa"]}
    for name, areas in follow.items():
        for area in areas:
            subscription_create(gmina=gmina, user=everyone[name], topic_id=road_works.pk,
                                area_id=streets[area].pk if area else None)
    return everyone


def announce(gmina, topic, area=None, **fields):
    return Announcement.objects.create(gmina=gmina, topic=topic, area=area,
                                       subject=fields.get("subject", "Akacjowa closed"),
                                       body=fields.get("body", "Closed on Monday for works."))


def recipients(announcement) -> set[str]:
    return set(InboxItem.objects.filter(announcement=announcement)
               .values_list("recipient__email", flat=True))


def test_an_announcement_reaches_the_subscribers_of_its_area_once(
    gmina, road_works, streets, people, django_capture_on_commit_callbacks
):
    clerk = make_official(gmina, Role.CASE_CLERK)
    announcement = announce(gmina, road_works, streets["Akacjowa"])

    with django_capture_on_commit_callbacks(execute=True):
        announcement_send(gmina=gmina, announcement_id=announcement.pk, actor=clerk)

    assert recipients(announcement) == {"akacjowa@example.org", "town@example.org",
                                        "both@example.org"}
    assert sorted(m.to[0] for m in mail.outbox) == ["akacjowa@example.org",
                                                    "both@example.org", "town@example.org"]
    announcement.refresh_from_db()
    assert announcement.sent_at is not None and announcement.sent_by == clerk

    # A re-run of the fan-out and of a batch (a worker that died half-way) sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert announcement_fan_out(gmina=gmina, announcement_id=announcement.pk) == 3
        announcement_deliver_batch(gmina=gmina, announcement_id=announcement.pk,
                                   user_ids=[p.pk for p in people.values()])
    assert InboxItem.objects.filter(announcement=announcement).count() == 3
    assert OutboxMessage.objects.count() == 3
    assert len(mail.outbox) == 3


def test_a_whole_town_announcement_reaches_every_subscriber_of_the_topic(
    gmina, road_works, people, django_capture_on_commit_callbacks
):
    clerk = make_official(gmina, Role.CASE_CLERK)
    announcement = announce(gmina, road_works)

    with django_capture_on_commit_callbacks(execute=True):
        announcement_send(gmina=gmina, announcement_id=announcement.pk, actor=clerk)

    assert recipients(announcement) == {"akacjowa@example.org", "jasminowa@example.org",
                                        "town@example.org", "both@example.org"}


def test_only_officials_who_may_announce_send_and_only_once(gmina, road_works, people):
    announcement = announce(gmina, road_works)
    with pytest.raises(PermissionDenied):
        announcement_send(gmina=gmina, announcement_id=announcement.pk,
                          actor=people["town"])
    with pytest.raises(PermissionDenied):
        announcement_send(gmina=gmina, announcement_id=announcement.pk,
                          actor=make_official(gmina, Role.FINANCE))

    admin = make_official(gmina, Role.ADMIN)
    announcement_send(gmina=gmina, announcement_id=announcement.pk, actor=admin)
    with pytest.raises(ValidationError):
        announcement_send(gmina=gmina, announcement_id=announcement.pk, actor=admin)


def test_the_delivery_report_counts_queued_sent_failed_and_read(
    gmina, road_works, people, smtp_port, settings, django_capture_on_commit_callbacks
):
    from tests.notifications.conftest import use_smtp

    clerk = make_official(gmina, Role.CASE_CLERK)
    announcement = announce(gmina, road_works)
    use_smtp(settings, smtp_port)  # nobody listens: every e-mail waits for a retry
    with django_capture_on_commit_callbacks(execute=True):
        announcement_send(gmina=gmina, announcement_id=announcement.pk, actor=clerk)
    first = OutboxMessage.objects.order_by("pk").first()
    OutboxMessage.objects.filter(pk=first.pk).update(status=OutboxMessage.Status.FAILED)
    InboxItem.objects.filter(recipient=people["town"]).update(read_at=first.created_at)

    report = announcement_delivery_report(gmina=gmina, announcement=announcement)

    assert (report.recipients, report.read) == (4, 1)
    assert (report.queued, report.sent, report.failed) == (3, 0, 1)
    assert report.by_channel == {"email": {"queued": 3, "sent": 0, "failed": 1}}


def test_the_admin_sends_an_announcement_and_shows_its_report(
    gmina, road_works, people, client, django_capture_on_commit_callbacks
):
    clerk = make_official(gmina, Role.CASE_CLERK)
    sign_in_with_second_factor(client, clerk)
    client.cookies["django_language"] = "en"
    response = client.post("/admin/notifications/announcement/add/", {
        "topic": road_works.pk, "area": "", "subject": "Water off on Friday",
        "body": "From 8 to 12.", "url": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    announcement = Announcement.objects.get()
    assert announcement.author == clerk

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/notifications/announcement/", {
            "action": "send", "_selected_action": [announcement.pk],
        })
    assert response.status_code == 302
    assert len(mail.outbox) == 4

    page = client.get(f"/admin/notifications/announcement/{announcement.pk}/change/")
    text = page.content.decode()
    assert "in inboxes: 4" in text
    assert "sent: 4" in text


def test_residents_cannot_subscribe_to_system_topics(gmina, people):
    topics = {t.slug: t for t in topics_ensure_defaults(gmina=gmina)}
    with pytest.raises(ValidationError) as error:
        subscription_create(gmina=gmina, user=people["nobody"],
                            topic_id=topics["case-status"].pk)
    assert "topic" in error.value.message_dict
    assert not Subscription.objects.filter(user=people["nobody"]).exists()
