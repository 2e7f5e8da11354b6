"""Two workers, two real PostgreSQL connections, one message: it is sent once."""

import threading
import time
from collections import Counter

import pytest
from django.core import mail
from django.db import connections, transaction
from django.test import override_settings
from django_scopes import scope

from podkowa.notifications.models import OutboxMessage
from podkowa.notifications.services import outbox_enqueue
from podkowa.notifications.tasks import deliver_outbox_message
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

KEEP_QUEUED = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def race(workers: int, work) -> list:
    """Run `work()` in `workers` threads released at the same instant; each has its own
    database connection (Django's connections are per thread)."""
    barrier = threading.Barrier(workers)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(work())
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_two_workers_delivering_the_same_message_send_it_once(gmina):
    resident = UserFactory()
    # Queued to a backend that keeps tasks without running them: the workers below do it.
    with override_settings(TASKS=KEEP_QUEUED):
        messages = [
            outbox_enqueue(
                gmina=gmina, recipient=resident, channel="email", address=resident.email,
                subject=f"Message {n}", body="Text.",
            )
            for n in range(15)
        ]
    assert mail.outbox == []

    for message in messages:
        outcomes = race(2, lambda message=message: deliver_outbox_message.call(message.pk))
        assert sorted(outcomes) == ["sent", "skipped"]

    sent_ids = Counter(m.extra_headers["X-Podkowa-Outbox-Id"] for m in mail.outbox)
    assert sent_ids == Counter({str(m.pk): 1 for m in messages})
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}


def test_parallel_causes_with_one_dedup_key_write_one_message(gmina):
    resident = UserFactory()

    def cause():
        with scope(gmina=gmina), transaction.atomic():
            message = outbox_enqueue(
                gmina=gmina, recipient=resident, channel="email", address=resident.email,
                subject="Payment received", body="Thank you.", dedup_key="payment-77",
            )
            # Keep the cause's transaction open so the others meet its uncommitted row.
            time.sleep(0.3)
            return message.pk

    ids = race(4, cause)

    assert len(set(ids)) == 1
    assert OutboxMessage.objects.count() == 1
    assert len(mail.outbox) == 1
