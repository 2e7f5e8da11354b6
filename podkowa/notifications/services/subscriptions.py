"""What a resident follows, how they want it, and what they have read."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from podkowa.core.models import Gmina
from podkowa.notifications.models import Area, InboxItem, Subscription, Topic
from podkowa.notifications.services.notify import DEFAULT_TOPICS, topic_resolve


@transaction.atomic
def topics_ensure_defaults(*, gmina: Gmina) -> list[Topic]:
    """The town's catalogue starts with the default topics (idempotent)."""
    return [topic_resolve(gmina=gmina, topic=slug) for slug in DEFAULT_TOPICS]


@transaction.atomic
def subscription_create(*, gmina: Gmina, user, topic_id: int,
                        area_id: int | None = None) -> Subscription:
    """Follow a topic in an area (None: the whole town). Following it again changes nothing."""
    topic = Topic.objects.filter(gmina=gmina, pk=topic_id, active=True).first()
    if topic is None:
        raise ValidationError({"topic": _("Choose a topic from the list.")})
    if topic.is_system:
        raise ValidationError({"topic": _(
            "Notices about your own matters always reach you; there is nothing to subscribe to."
        )})
    area = None
    if area_id is not None:
        area = Area.objects.filter(gmina=gmina, pk=area_id).first()
        if area is None:
            raise ValidationError({"area": _("Choose an area from the list.")})
    existing = Subscription.objects.filter(gmina=gmina, user=user, topic=topic, area=area).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Subscription.objects.create(gmina=gmina, user=user, topic=topic, area=area)
    except IntegrityError:
        # The same form sent twice at once: the other request created it.
        return Subscription.objects.get(gmina=gmina, user=user, topic=topic, area=area)


def _own_subscription(*, gmina: Gmina, user, subscription_id: int) -> Subscription:
    subscription = Subscription.objects.filter(gmina=gmina, pk=subscription_id, user=user).first()
    if subscription is None:
        raise Subscription.DoesNotExist
    return subscription


@transaction.atomic
def subscription_delete(*, gmina: Gmina, user, subscription_id: int) -> None:
    _own_subscription(gmina=gmina, user=user, subscription_id=subscription_id).delete()


@transaction.atomic
def subscription_update_channels(*, gmina: Gmina, user, subscription_id: int,
                                 by_email: bool | None, by_push: bool | None,
                                 by_sms: bool | None) -> Subscription:
    """Per-topic channel choice; None for a channel means "as in my profile"."""
    subscription = _own_subscription(gmina=gmina, user=user, subscription_id=subscription_id)
    subscription.by_email = by_email
    subscription.by_push = by_push
    subscription.by_sms = by_sms
    subscription.save(update_fields=["by_email", "by_push", "by_sms"])
    return subscription


@transaction.atomic
def inbox_item_mark_read(*, gmina: Gmina, user, item_id: int) -> InboxItem:
    """Mark one of the resident's own inbox items read (someone else's: not found)."""
    item = InboxItem.objects.filter(gmina=gmina, pk=item_id, recipient=user).first()
    if item is None:
        raise InboxItem.DoesNotExist
    if item.read_at is None:
        item.read_at = timezone.now()
        item.save(update_fields=["read_at"])
    return item


@transaction.atomic
def inbox_mark_all_read(*, gmina: Gmina, user) -> int:
    return InboxItem.objects.filter(gmina=gmina, recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
