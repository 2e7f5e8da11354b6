"""The outbox: everything sent to a person is written here first, then delivered.

`outbox_enqueue` writes the message in the caller's transaction and queues its delivery for
after the commit, so a message exists if and only if its cause was committed. Delivery claims
the row with one conditional UPDATE (a lease), so two workers never send the same message, and
failed attempts are retried with exponential backoff until OUTBOX_MAX_ATTEMPTS.
"""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from podkowa.core.models import Gmina
from podkowa.notifications import senders
from podkowa.notifications.models import OutboxMessage

logger = logging.getLogger(__name__)

SKIPPED = "skipped"
SENT = "sent"
RETRY = "retry"
FAILED = "failed"


def _validate(*, channel: str, address: str, subject: str, body: str,
              dedup_key: str | None) -> None:
    errors = {}
    if channel not in OutboxMessage.Channel.values:
        errors["channel"] = _("Unknown channel %(channel)s.") % {"channel": channel}
    if not address or not address.strip():
        errors["address"] = _("The message needs an address.")
    elif len(address) > OutboxMessage._meta.get_field("address").max_length:
        errors["address"] = _("The address is too long.")
    if len(subject) > OutboxMessage._meta.get_field("subject").max_length:
        errors["subject"] = _("The subject is too long.")
    if not body:
        errors["body"] = _("The message has no text.")
    if dedup_key is not None and (
        not dedup_key or len(dedup_key) > OutboxMessage._meta.get_field("dedup_key").max_length
    ):
        errors["dedup_key"] = _("The deduplication key must be 1 to 200 characters long.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def outbox_enqueue(
    *,
    gmina: Gmina,
    recipient,
    channel: str,
    address: str,
    subject: str,
    body: str,
    html_body: str = "",
    dedup_key: str | None = None,
) -> OutboxMessage:
    """Write a message to the outbox as part of the caller's transaction; deliver after commit.

    Nested in the caller's `atomic`, this is a savepoint, not a commit of its own: if the
    cause rolls back, the message was never written and nothing is sent. A repeated
    `dedup_key` returns the message written the first time.
    """
    _validate(channel=channel, address=address, subject=subject, body=body,
              dedup_key=dedup_key)
    if dedup_key is not None:
        existing = OutboxMessage.objects.filter(gmina=gmina, dedup_key=dedup_key).first()
        if existing is not None:
            return existing
    try:
        # A savepoint: a concurrent writer of the same key makes only this insert fail, not
        # the caller's whole transaction.
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                gmina=gmina,
                recipient=recipient,
                channel=channel,
                address=address.strip(),
                subject=subject,
                body=body,
                html_body=html_body,
                dedup_key=dedup_key,
            )
    except IntegrityError:
        existing = (
            OutboxMessage.objects.filter(gmina=gmina, dedup_key=dedup_key).first()
            if dedup_key is not None
            else None
        )
        if existing is None:
            raise
        return existing
    # robust: once the cause is committed, a failure to queue must not turn into an error for
    # the caller; the row is safe and outbox_flush picks it up.
    transaction.on_commit(partial(queue_delivery, message.pk), robust=True)
    return message


def queue_delivery(message_id: int, run_after: datetime | None = None) -> None:
    """Hand the message to the task backend (deferred to `run_after` where it can defer)."""
    from podkowa.notifications.tasks import deliver_outbox_message

    task = deliver_outbox_message
    if run_after is not None:
        if not task.get_backend().supports_defer:
            # The inline backend cannot wait: the row keeps its next_attempt_at and the
            # periodic `outbox_flush` delivers it when due.
            return
        task = task.using(run_after=run_after)
    task.enqueue(message_id)


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the n-th failed attempt: base, twice that, four times … up to a cap."""
    base = settings.OUTBOX_RETRY_BASE_SECONDS
    seconds = min(base * 2 ** max(attempts - 1, 0), settings.OUTBOX_RETRY_MAX_SECONDS)
    return timedelta(seconds=seconds)


def _claim(*, gmina: Gmina, message_id: int, now: datetime) -> bool:
    """Take the message for one attempt: one conditional UPDATE, so at most one worker wins.

    Due pending messages and messages whose previous worker's lease ran out (it crashed)
    qualify. The attempt is counted here, so a message that kills its worker still runs out
    of attempts.
    """
    claimed = (
        OutboxMessage.objects.filter(
            gmina=gmina, pk=message_id, attempts__lt=settings.OUTBOX_MAX_ATTEMPTS
        )
        .filter(
            Q(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=OutboxMessage.Status.SENDING, lease_until__lt=now)
        )
        .update(
            status=OutboxMessage.Status.SENDING,
            lease_until=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
            attempts=F("attempts") + 1,
        )
    )
    return claimed == 1


def outbox_deliver(*, gmina: Gmina, message_id: int) -> str:
    """One delivery attempt of one message; safe to call any number of times, from anywhere.

    Deliberately not one transaction: the claim must be committed before sending (so other
    workers see it), and no transaction may stay open while an SMTP server is slow. Each step
    is a single statement of its own.
    Returns "skipped" (not due, someone else has it, or already done), "sent", "retry" or
    "failed".
    """
    now = timezone.now()
    if not _claim(gmina=gmina, message_id=message_id, now=now):
        return SKIPPED
    message = OutboxMessage.objects.get(gmina=gmina, pk=message_id)
    try:
        senders.send(message)
    except Exception as exc:
        return _record_failure(gmina=gmina, message=message, error=exc)
    OutboxMessage.objects.filter(
        gmina=gmina, pk=message.pk, status=OutboxMessage.Status.SENDING
    ).update(
        status=OutboxMessage.Status.SENT, sent_at=timezone.now(), lease_until=None,
        last_error="",
    )
    return SENT


def outbox_retry_now(*, gmina: Gmina, message_id: int) -> str:
    """An official's "try again now": due at once, and a failed message gets fresh attempts.

    Messages of a person whose data was erased stay cancelled. Returns as `outbox_deliver`.
    """
    OutboxMessage.objects.filter(
        Q(recipient__isnull=True) | Q(recipient__anonymised_at__isnull=True),
        gmina=gmina, pk=message_id,
        status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED],
    ).update(status=OutboxMessage.Status.PENDING, next_attempt_at=timezone.now(), attempts=0)
    return outbox_deliver(gmina=gmina, message_id=message_id)


def _record_failure(*, gmina: Gmina, message: OutboxMessage, error: Exception) -> str:
    now = timezone.now()
    text = f"{type(error).__name__}: {error}"[:2000]
    final = message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    next_attempt_at = now + retry_delay(message.attempts)
    logger.warning("Outbox message %s, attempt %s failed: %s", message.pk, message.attempts, text)
    OutboxMessage.objects.filter(
        gmina=gmina, pk=message.pk, status=OutboxMessage.Status.SENDING
    ).update(
        status=OutboxMessage.Status.FAILED if final else OutboxMessage.Status.PENDING,
        lease_until=None,
        last_error=text,
        next_attempt_at=message.next_attempt_at if final else next_attempt_at,
    )
    if final:
        return FAILED
    transaction.on_commit(partial(queue_delivery, message.pk, run_after=next_attempt_at),
                          robust=True)
    return RETRY


def outbox_due_ids(*, now: datetime | None = None) -> list[int]:
    """Ids of messages that should be attempted now, in every gmina."""
    now = now or timezone.now()
    # The safety net serves the whole install, across towns; each delivery then opens the
    # scope of its own message's gmina.
    with scopes_disabled():
        return list(
            OutboxMessage.objects.filter(attempts__lt=settings.OUTBOX_MAX_ATTEMPTS)
            .filter(
                Q(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
                | Q(status=OutboxMessage.Status.SENDING, lease_until__lt=now)
            )
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)
        )


def outbox_flush() -> int:
    """Queue every due message (the safety net behind on-commit queueing); returns how many.

    Also gives up on messages whose last allowed attempt died with its worker.
    """
    now = timezone.now()
    with scopes_disabled():
        OutboxMessage.objects.filter(
            status=OutboxMessage.Status.SENDING, lease_until__lt=now,
            attempts__gte=settings.OUTBOX_MAX_ATTEMPTS,
        ).update(status=OutboxMessage.Status.FAILED, lease_until=None,
                 last_error="The last attempt did not finish (worker stopped).")
    ids = outbox_due_ids(now=now)
    for message_id in ids:
        queue_delivery(message_id)
    return len(ids)
