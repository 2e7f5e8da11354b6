"""The office's announcement to the subscribers of a topic (in an area or the whole town).

`announcement_send` marks it sent and queues the fan-out; the fan-out task splits the
recipients into batches of ids, each batch a task calling `notify_many`. Every recipient's
notification carries a key made of the announcement and the person, so a task that runs twice
(a worker crash, a second "send") writes and sends nothing twice.
"""

from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from podkowa.core.models import Gmina
from podkowa.notifications import selectors
from podkowa.notifications.models import Announcement
from podkowa.notifications.services.notify import notify_many

FAN_OUT_BATCH = 500


def announcement_dedup_key(*, announcement_id: int, user_id: int) -> str:
    return f"announcement-{announcement_id}-user-{user_id}"


@transaction.atomic
def announcement_send(*, gmina: Gmina, announcement_id: int, actor) -> Announcement:
    """Send an announcement (officials who may announce: case clerks and the admin)."""
    from podkowa.notifications.rules import may_announce

    announcement = (Announcement.objects.select_for_update()
                    .filter(gmina=gmina, pk=announcement_id).first())
    if announcement is None:
        raise Announcement.DoesNotExist
    if not may_announce.test(actor, announcement):
        raise PermissionDenied
    if announcement.sent_at is not None:
        raise ValidationError(_("This announcement was sent already."))
    if not announcement.topic.active:
        raise ValidationError({"topic": _("The topic is no longer active.")})
    announcement.sent_at = timezone.now()
    announcement.sent_by = actor
    announcement.save(update_fields=["sent_at", "sent_by"])
    transaction.on_commit(partial(_queue_fan_out, announcement.pk), robust=True)
    return announcement


def _queue_fan_out(announcement_id: int) -> None:
    from podkowa.notifications.tasks import fan_out_announcement

    fan_out_announcement.enqueue(announcement_id)


def announcement_fan_out(*, gmina: Gmina, announcement_id: int) -> int:
    """Split the recipients into batches, each its own task; returns how many recipients."""
    from podkowa.notifications.tasks import deliver_announcement_batch

    announcement = Announcement.objects.get(gmina=gmina, pk=announcement_id)
    if announcement.sent_at is None:
        return 0
    user_ids = selectors.announcement_recipient_ids(gmina=gmina, announcement=announcement)
    for start in range(0, len(user_ids), FAN_OUT_BATCH):
        deliver_announcement_batch.enqueue(announcement_id, user_ids[start:start + FAN_OUT_BATCH])
    return len(user_ids)


@transaction.atomic
def announcement_deliver_batch(*, gmina: Gmina, announcement_id: int,
                               user_ids: list[int]) -> int:
    """Notify one batch of recipients (idempotent); returns how many inbox items exist."""
    from podkowa.accounts.models import User

    announcement = Announcement.objects.select_related("topic").get(gmina=gmina,
                                                                     pk=announcement_id)
    # Still subscribed when the batch runs (someone may have unsubscribed since the fan-out).
    wanted = selectors.announcement_recipient_ids(gmina=gmina, announcement=announcement,
                                                  among=list(user_ids))
    users = list(User.objects.filter(pk__in=wanted).order_by("pk"))
    results = notify_many(
        gmina=gmina, recipients=users, topic=announcement.topic,
        subject=announcement.subject, body=announcement.body, url=announcement.url,
        dedup_key_for=lambda user: announcement_dedup_key(announcement_id=announcement.pk,
                                                          user_id=user.pk),
        announcement=announcement,
    )
    return sum(1 for result in results if result.inbox_item is not None)
