"""Races of real PostgreSQL connections: a batch delivered by two workers at once, and one
announcement batch fanned out twice at once — every message exists once and is sent once."""

from collections import Counter

import pytest
from django.core import mail
from django.test import override_settings
from django_scopes import scope

from podkowa.notifications.models import Announcement, InboxItem, OutboxMessage, Subscription
from podkowa.notifications.services import (
    announcement_deliver_batch,
    notify_many,
    outbox_deliver_many,
    topics_ensure_defaults,
)
from tests.factories import UserFactory
from tests.notifications.support import ELECTRONIC, give_consent
from tests.notifications.test_outbox_race import KEEP_QUEUED, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def residents(gmina):
    people = [UserFactory(email=f"r{n}@example.org") for n in range(30)]
    for person in people:
        give_consent(gmina, person, ELECTRONIC)
    return people


def test_two_workers_on_one_batch_send_each_message_once(gmina, residents):
    with override_settings(TASKS=KEEP_QUEUED):
        results = notify_many(gmina=gmina, recipients=residents, topic="case-status",
                              subject="Office closed on Friday", body="Holiday.")
    ids = [mid for result in results for mid in result.message_ids]
    assert len(ids) == 30

    def deliver():
        with scope(gmina=gmina):
            return outbox_deliver_many(gmina=gmina, message_ids=ids)

    outcomes = race(2, deliver)

    assert sum(outcome.get("sent", 0) for outcome in outcomes) == 30
    sent = Counter(m.extra_headers["X-Podkowa-Outbox-Id"] for m in mail.outbox)
    assert sent == Counter({str(i): 1 for i in ids})


def test_one_announcement_batch_run_twice_at_once_writes_everything_once(gmina, residents):
    topic = {t.slug: t for t in topics_ensure_defaults(gmina=gmina)}["road-works"]
    for person in residents:
        Subscription.objects.create(gmina=gmina, user=person, topic=topic)
    announcement = Announcement.objects.create(gmina=gmina, topic=topic, subject="Detour",
                                               body="Akacjowa closed.")
    ids = [person.pk for person in residents]

    def fan_out():
        with scope(gmina=gmina):
            return announcement_deliver_batch(gmina=gmina, announcement_id=announcement.pk,
                                              user_ids=ids)

    # Settings are process-wide: overridden around the race, never inside its threads.
    with override_settings(TASKS=KEEP_QUEUED):
        assert race(3, fan_out) == [30, 30, 30]
    assert InboxItem.objects.filter(announcement=announcement).count() == 30
    assert OutboxMessage.objects.filter(inbox_item__announcement=announcement).count() == 30
