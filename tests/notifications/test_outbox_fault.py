"""Outbox under a fault: the SMTP server goes away in the middle of delivering a batch.

A real aiosmtpd server (the mail catcher) receives; it is stopped between two messages of one
batch that share a connection. Nothing is lost — the failed messages are retried with the
clock moved past their backoff and delivered once the server is back — and nothing is
delivered twice, however many times the delivery and the safety net run.
"""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from podkowa.notifications import senders
from podkowa.notifications.mailcatcher import start_mail_catcher
from podkowa.notifications.models import DeliveryAttempt, OutboxMessage
from podkowa.notifications.services import RETRY, SENT, SKIPPED, notify, outbox_deliver
from podkowa.notifications.tasks import deliver_outbox_message, flush_outbox
from tests.factories import UserFactory
from tests.notifications.conftest import use_smtp
from tests.notifications.support import ELECTRONIC, give_consent

KEEP_QUEUED = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def outbox_ids_received(folder) -> Counter:
    import email

    return Counter(
        email.message_from_bytes(path.read_bytes())["X-Podkowa-Outbox-Id"]
        for path in folder.glob("*.eml")
    )


@pytest.fixture
def residents(gmina):
    people = [UserFactory(email=f"resident{n}@example.org") for n in range(4)]
    for person in people:
        give_consent(gmina, person, ELECTRONIC)
    return people


@pytest.fixture
def smtp_server(smtp_port, tmp_path):
    """A real SMTP server on smtp_port that the test stops and starts again."""

    class Server:
        folder = tmp_path / "mail"
        controller = None

        def start(self):
            self.controller = start_mail_catcher(port=smtp_port, directory=self.folder)

        def stop(self):
            if self.controller is not None:
                self.controller.stop()
                self.controller = None

    server = Server()
    server.start()
    yield server
    server.stop()


def test_smtp_stopped_during_delivery_nothing_lost_nothing_twice(
    gmina, residents, smtp_port, smtp_server, settings
):
    use_smtp(settings, smtp_port, OUTBOX_RETRY_BASE_SECONDS=30, TASKS=KEEP_QUEUED)
    folder = smtp_server.folder
    ids = []
    for person in residents:
        result = notify(gmina=gmina, recipient=person, topic="case-status",
                        subject="Your case moved", body="Case 7/2026 is in progress.")
        ids += result.message_ids
    assert len(ids) == 4

    # One batch, one SMTP connection; the server dies after the first two messages.
    outcomes = []
    with senders.SendingSession() as session:
        for number, message_id in enumerate(ids):
            if number == 2:
                smtp_server.stop()
            outcomes.append(outbox_deliver(gmina=gmina, message_id=message_id,
                                           session=session))
    assert outcomes == [SENT, SENT, RETRY, RETRY]
    assert sum(outbox_ids_received(folder).values()) == 2

    # Not due yet: the safety net and a duplicate task change nothing.
    assert flush_outbox.call() == 0
    assert deliver_outbox_message.call(ids[2]) == SKIPPED

    # The server is back; the clock moves past the backoff; the worker and a duplicate run.
    smtp_server.start()
    OutboxMessage.objects.filter(pk__in=ids[2:]).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert flush_outbox.call() == 2
    for message_id in ids:
        deliver_outbox_message.call(message_id)
        deliver_outbox_message.call(message_id)

    received = outbox_ids_received(folder)
    assert received == Counter({str(message_id): 1 for message_id in ids})
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}
    attempts = Counter(DeliveryAttempt.objects.values_list("message_id", "outcome"))
    assert attempts == Counter({
        (ids[0], "sent"): 1, (ids[1], "sent"): 1,
        (ids[2], "retry"): 1, (ids[2], "sent"): 1,
        (ids[3], "retry"): 1, (ids[3], "sent"): 1,
    })
