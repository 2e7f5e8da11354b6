from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from podkowa.notifications.models import OutboxMessage
from podkowa.notifications.services import outbox_enqueue
from podkowa.notifications.tasks import deliver_outbox_message, flush_outbox
from tests.factories import UserFactory
from tests.notifications.conftest import use_smtp

Status = OutboxMessage.Status


@pytest.fixture
def resident(gmina):
    return UserFactory(email="anna@example.org")


def enqueue(gmina, resident, **overrides):
    fields = {
        "gmina": gmina,
        "recipient": resident,
        "channel": "email",
        "address": resident.email,
        "subject": "Your case was registered",
        "body": "Case 12/2026 was registered.",
    }
    return outbox_enqueue(**{**fields, **overrides})


def make_due(message):
    OutboxMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_message_is_delivered_once_after_the_cause_commits(
    gmina, resident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = enqueue(gmina, resident, html_body="<p>Case 12/2026 was registered.</p>")
        # Still inside the cause's transaction: written, not yet sent.
        assert OutboxMessage.objects.filter(pk=message.pk).exists()
        assert mail.outbox == []

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["anna@example.org"]
    assert sent.subject == "Your case was registered"
    assert sent.alternatives[0][1] == "text/html"
    assert sent.extra_headers["X-Podkowa-Outbox-Id"] == str(message.pk)
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.sent_at is not None
    assert message.attempts == 1

    # Running the task again (a duplicate in the queue) sends nothing more.
    assert deliver_outbox_message.call(message.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_nothing_is_written_or_sent_when_the_cause_rolls_back(
    gmina, resident, django_capture_on_commit_callbacks
):
    class CauseFailed(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(CauseFailed),
        transaction.atomic(),
    ):
        enqueue(gmina, resident, dedup_key="case-12-registered")
        raise CauseFailed

    assert callbacks == []
    assert mail.outbox == []
    assert not OutboxMessage.objects.exists()


def test_a_repeated_dedup_key_returns_the_first_message(
    gmina, resident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = enqueue(gmina, resident, dedup_key="case-12-registered")
    with django_capture_on_commit_callbacks(execute=True):
        second = enqueue(gmina, resident, dedup_key="case-12-registered",
                         subject="Changed subject")

    assert second.pk == first.pk
    assert OutboxMessage.objects.count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Your case was registered"


def test_the_same_dedup_key_in_another_gmina_is_another_message(gmina, other_gmina, resident):
    first = enqueue(gmina, resident, dedup_key="welcome")
    with scope(gmina=other_gmina):
        other = enqueue(other_gmina, resident, dedup_key="welcome")

    assert other.pk != first.pk


def test_bad_input_names_the_field(gmina, resident):
    with pytest.raises(ValidationError) as error:
        enqueue(gmina, resident, channel="pigeon", address=" ")

    assert set(error.value.message_dict) == {"channel", "address"}
    assert not OutboxMessage.objects.exists()


def test_a_failing_smtp_server_is_retried_then_the_mail_sent_once(
    gmina, resident, smtp_port, catcher_factory, settings
):
    use_smtp(settings, smtp_port, OUTBOX_RETRY_BASE_SECONDS=30)
    message = enqueue(gmina, resident)

    # Nobody listens on the port: the attempt fails and is recorded.
    before = timezone.now()
    assert deliver_outbox_message.call(message.pk) == "retry"
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at >= before + timedelta(seconds=30)

    # Not due yet: a second run does nothing.
    assert deliver_outbox_message.call(message.pk) == "skipped"

    folder = catcher_factory(smtp_port)
    make_due(message)
    assert deliver_outbox_message.call(message.pk) == "sent"
    assert deliver_outbox_message.call(message.pk) == "skipped"

    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 2
    assert message.last_error == ""
    assert len(list(folder.glob("*.eml"))) == 1


def test_after_the_last_attempt_the_message_fails_for_good(gmina, resident, smtp_port, settings):
    use_smtp(settings, smtp_port, OUTBOX_MAX_ATTEMPTS=3, OUTBOX_RETRY_BASE_SECONDS=10)
    message = enqueue(gmina, resident)
    waits = []

    outcomes = []
    for _ in range(3):
        make_due(message)
        started = timezone.now()
        outcomes.append(deliver_outbox_message.call(message.pk))
        message.refresh_from_db()
        waits.append((message.next_attempt_at - started).total_seconds())

    assert outcomes == ["retry", "retry", "failed"]
    assert message.status == Status.FAILED
    assert message.attempts == 3
    assert "ConnectionRefusedError" in message.last_error
    # Exponential backoff: 10 s, then 20 s.
    assert 10 <= waits[0] < 12
    assert 20 <= waits[1] < 22
    make_due(message)
    assert deliver_outbox_message.call(message.pk) == "skipped"


def test_push_and_sms_record_that_the_channel_is_not_configured(gmina, resident):
    push = enqueue(gmina, resident, channel="push", address="https://push.example/endpoint")
    sms = enqueue(gmina, resident, channel="sms", address="+48600100200")

    assert deliver_outbox_message.call(push.pk) == "retry"
    assert deliver_outbox_message.call(sms.pk) == "retry"

    push.refresh_from_db()
    sms.refresh_from_db()
    assert "channel not configured: push" in push.last_error
    assert "channel not configured: sms" in sms.last_error
    assert mail.outbox == []


def test_a_message_held_by_a_live_worker_is_left_alone_and_a_dead_one_is_taken_over(
    gmina, resident
):
    message = enqueue(gmina, resident)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING, attempts=1, lease_until=timezone.now() + timedelta(minutes=5)
    )
    assert deliver_outbox_message.call(message.pk) == "skipped"

    OutboxMessage.objects.filter(pk=message.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert deliver_outbox_message.call(message.pk) == "sent"
    assert len(mail.outbox) == 1


def test_flush_delivers_every_due_message_in_every_gmina(gmina, other_gmina, resident):
    due = enqueue(gmina, resident, subject="Due here")
    with scope(gmina=other_gmina):
        due_elsewhere = enqueue(other_gmina, resident, subject="Due in Milanówek")
    later = enqueue(gmina, resident, subject="Later")
    OutboxMessage.objects.filter(pk=later.pk).update(
        next_attempt_at=timezone.now() + timedelta(hours=1)
    )

    assert flush_outbox.call() == 2

    assert sorted(m.subject for m in mail.outbox) == ["Due here", "Due in Milanówek"]
    assert OutboxMessage.objects.get(pk=due.pk).status == Status.SENT
    with scope(gmina=other_gmina):
        assert OutboxMessage.objects.get(pk=due_elsewhere.pk).status == Status.SENT
    assert OutboxMessage.objects.get(pk=later.pk).status == Status.PENDING


def test_flush_gives_up_on_a_last_attempt_that_died_with_its_worker(gmina, resident, settings):
    message = enqueue(gmina, resident)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING, attempts=settings.OUTBOX_MAX_ATTEMPTS,
        lease_until=timezone.now() - timedelta(seconds=1),
    )

    call_command("outbox_flush")

    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert mail.outbox == []


def test_outbox_flush_command_reports_what_it_queued(gmina, resident, capsys):
    enqueue(gmina, resident)

    call_command("outbox_flush")

    assert "Queued 1 outbox message(s)" in capsys.readouterr().out
    assert len(mail.outbox) == 1


def test_retry_now_revives_a_failed_message_but_not_an_erased_persons(gmina, resident, settings):
    from podkowa.notifications.services import outbox_retry_now

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    message = enqueue(gmina, resident)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.FAILED, attempts=settings.OUTBOX_MAX_ATTEMPTS,
        next_attempt_at=timezone.now() + timedelta(hours=6),
    )
    erased = UserFactory(anonymised_at=timezone.now())
    cancelled = enqueue(gmina, erased, address="erased")
    OutboxMessage.objects.filter(pk=cancelled.pk).update(status=OutboxMessage.Status.FAILED)

    assert outbox_retry_now(gmina=gmina, message_id=message.pk) == "sent"
    assert outbox_retry_now(gmina=gmina, message_id=cancelled.pk) == "skipped"

    assert [m.to for m in mail.outbox] == [[resident.email]]
    cancelled.refresh_from_db()
    assert cancelled.status == OutboxMessage.Status.FAILED
