"""The outbox: everything sent to a person is written here first, then delivered.

`outbox_enqueue` writes the message in the caller's transaction and queues its delivery for
after the commit, so a message exists if and only if its cause was committed. Delivery claims
the row with one conditional UPDATE (a lease), so two workers never send the same message, and
failed attempts are retried with exponential backoff until OUTBOX_MAX_ATTEMPTS.
"""

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from podkowa.core.models import Gmina
from podkowa.notifications import senders
from podkowa.notifications.models import DeliveryAttempt, OutboxMessage

logger = logging.getLogger(__name__)

SKIPPED = "skipped"
SENT = "sent"
RETRY = "retry"
FAILED = "failed"
GONE = "gone"

# Deliveries queued together after one commit share one task (and one SMTP connection):
# an announcement to thousands would otherwise be thousands of queue rows and connections.
DELIVERY_BATCH_SIZE = 200


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


@transaction.atomic
def outbox_enqueue_many(*, gmina: Gmina, messages: list[dict]) -> list[int]:
    """Write many messages at once (the fan-out path); deliver them after the commit.

    Each dict holds the arguments of `outbox_enqueue` but `gmina` (plus an optional
    `inbox_item_id`). Keys already written are skipped, so a re-run writes nothing twice;
    returns the ids of the messages now in the outbox for these keys, old and new.
    """
    rows = []
    for fields in messages:
        _validate(channel=fields["channel"], address=fields["address"],
                  subject=fields.get("subject", ""), body=fields["body"],
                  dedup_key=fields.get("dedup_key"))
        rows.append(OutboxMessage(
            gmina=gmina,
            recipient=fields.get("recipient"),
            channel=fields["channel"],
            address=fields["address"].strip(),
            subject=fields.get("subject", ""),
            body=fields["body"],
            html_body=fields.get("html_body", ""),
            dedup_key=fields.get("dedup_key"),
            inbox_item_id=fields.get("inbox_item_id"),
        ))
    if not rows:
        return []
    keyed = [row for row in rows if row.dedup_key is not None]
    unkeyed = [row for row in rows if row.dedup_key is None]
    ids = [row.pk for row in OutboxMessage.objects.bulk_create(unkeyed)]
    if keyed:
        keys = [row.dedup_key for row in keyed]
        existing = set(
            OutboxMessage.objects.filter(gmina=gmina, dedup_key__in=keys)
            .values_list("dedup_key", flat=True)
        )
        # ignore_conflicts: a concurrent fan-out of the same keys makes these rows no-ops
        # (PostgreSQL waits for the other writer and then skips), never an error.
        OutboxMessage.objects.bulk_create(
            [row for row in keyed if row.dedup_key not in existing], ignore_conflicts=True
        )
        ids += list(
            OutboxMessage.objects.filter(gmina=gmina, dedup_key__in=keys)
            .exclude(status=OutboxMessage.Status.SENT)
            .values_list("pk", flat=True)
        )
    for start in range(0, len(ids), DELIVERY_BATCH_SIZE):
        transaction.on_commit(
            partial(queue_delivery_batch, ids[start:start + DELIVERY_BATCH_SIZE]), robust=True
        )
    return ids


def queue_delivery_batch(message_ids: list[int]) -> None:
    """Hand a group of messages to one delivery task."""
    from podkowa.notifications.tasks import deliver_outbox_batch

    deliver_outbox_batch.enqueue(list(message_ids))


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
        .filter(_due(now))
        .update(
            status=OutboxMessage.Status.SENDING,
            lease_until=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
            attempts=F("attempts") + 1,
        )
    )
    return claimed == 1


def outbox_deliver(*, gmina: Gmina, message_id: int,
                   session: senders.SendingSession | None = None) -> str:
    """One delivery attempt of one message; safe to call any number of times, from anywhere.

    Deliberately not one transaction: the claim must be committed before sending (so other
    workers see it), and no transaction may stay open while an SMTP server is slow.
    Returns "skipped" (not due, someone else has it, or already done), "sent", "retry",
    "failed" or "gone" (the address no longer exists: a dead push subscription). Every attempt
    that was made is logged as a DeliveryAttempt — in `_attempt`, the one place delivery
    happens. `session` lets a batch share connections (one SMTP connection for many messages).
    """
    now = timezone.now()
    if not _claim(gmina=gmina, message_id=message_id, now=now):
        return SKIPPED
    message = OutboxMessage.objects.get(gmina=gmina, pk=message_id)
    return _attempt(gmina=gmina, message=message, session=session)


def outbox_deliver_many(*, gmina: Gmina, message_ids: Iterable[int]) -> dict[str, int]:
    """Attempt several messages of one town, sharing connections; counts per outcome.

    The batch is claimed with one conditional UPDATE that stamps a fresh lease token; the
    rows carrying the token are this worker's alone (a message another worker holds, or one
    already sent, is not touched and counts as skipped). Then each message is sent and its
    outcome recorded on its own, so a crash loses at most the message in flight.
    """
    ids = list(message_ids)
    now = timezone.now()
    token = uuid.uuid4()
    OutboxMessage.objects.filter(
        gmina=gmina, pk__in=ids, attempts__lt=settings.OUTBOX_MAX_ATTEMPTS
    ).filter(_due(now)).update(
        status=OutboxMessage.Status.SENDING,
        lease_until=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
        lease_token=token,
        attempts=F("attempts") + 1,
    )
    mine = list(OutboxMessage.objects.filter(
        gmina=gmina, lease_token=token, status=OutboxMessage.Status.SENDING
    ).order_by("pk"))
    counts: dict[str, int] = {SKIPPED: len(ids) - len(mine)} if len(ids) > len(mine) else {}
    with senders.SendingSession() as session:
        session.prefetch(mine)
        for message in mine:
            outcome = _attempt(gmina=gmina, message=message, session=session)
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _due(now: datetime) -> Q:
    return (Q(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=OutboxMessage.Status.SENDING, lease_until__lt=now))


def _attempt(*, gmina: Gmina, message: OutboxMessage,
             session: senders.SendingSession | None) -> str:
    """Send one claimed message and record the outcome (and the attempt) in one commit."""
    try:
        after_success = senders.send(message, session=session)
    except senders.AddressGone as exc:
        with transaction.atomic():
            outcome = _record_gone(gmina=gmina, message=message, error=exc)
            _log_attempt(gmina=gmina, message=message, outcome=outcome, error=exc)
        return outcome
    except Exception as exc:
        with transaction.atomic():
            outcome = _record_failure(gmina=gmina, message=message, error=exc)
            _log_attempt(gmina=gmina, message=message, outcome=outcome, error=exc)
        return outcome
    with transaction.atomic():
        _record_sent(gmina=gmina, message=message)
        if after_success is not None:
            after_success()
    return SENT


def _record_sent(*, gmina: Gmina, message: OutboxMessage) -> None:
    """Mark sent and log the attempt. Plain SQL on purpose: this runs once per message of
    an announcement to thousands, and the ORM's query building cost more than the database
    (bench/notify.py). Same statements as the ORM would issue, tenant column included."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {OutboxMessage._meta.db_table} SET status = %s, sent_at = %s, "  # noqa: S608
            "lease_until = NULL, last_error = '' WHERE id = %s AND gmina_id = %s AND status = %s",
            [OutboxMessage.Status.SENT, now, message.pk, gmina.pk, OutboxMessage.Status.SENDING],
        )
        cursor.execute(
            f"INSERT INTO {DeliveryAttempt._meta.db_table} "  # noqa: S608
            "(gmina_id, message_id, at, outcome, detail) VALUES (%s, %s, %s, %s, '')",
            [gmina.pk, message.pk, now, SENT],
        )


def _log_attempt(*, gmina: Gmina, message: OutboxMessage, outcome: str,
                 error: Exception | None = None) -> None:
    DeliveryAttempt.objects.create(
        gmina=gmina, message=message, outcome=outcome,
        detail=f"{type(error).__name__}: {error}"[:2000] if error is not None else "",
    )


def _record_gone(*, gmina: Gmina, message: OutboxMessage, error: Exception) -> str:
    """The address is dead for good (HTTP 404/410 from a push service): no retry."""
    OutboxMessage.objects.filter(
        gmina=gmina, pk=message.pk, status=OutboxMessage.Status.SENDING
    ).update(
        status=OutboxMessage.Status.FAILED, lease_until=None,
        last_error=f"{type(error).__name__}: {error}"[:2000],
    )
    return GONE


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
