"""Reads of the notifications app: inboxes, topics, subscriptions, devices, reports."""

from dataclasses import dataclass

from django.db.models import Count, Q

from podkowa.core.models import Gmina
from podkowa.notifications.models import (
    Announcement,
    Area,
    InboxItem,
    OutboxMessage,
    PushSubscription,
    Subscription,
    Topic,
)

# --- for notify(): everything about a batch of recipients in a few queries --------------------


def live_consent_kinds(*, gmina: Gmina, user_ids: list[int]) -> dict[int, set[str]]:
    """Kinds of live (not withdrawn) consent per person — `has_consent` for many at once."""
    from podkowa.accounts.models import Consent

    kinds: dict[int, set[str]] = {}
    for user_id, kind in Consent.objects.filter(
        gmina=gmina, user_id__in=user_ids, revoked_at__isnull=True
    ).values_list("user_id", "kind"):
        kinds.setdefault(user_id, set()).add(kind)
    return kinds


def profiles_by_user(*, gmina: Gmina, user_ids: list[int]) -> dict:
    from podkowa.accounts.models import ResidentProfile

    return {p.user_id: p for p in ResidentProfile.objects.filter(gmina=gmina,
                                                                 user_id__in=user_ids)}


def topic_subscriptions_by_user(*, gmina: Gmina, topic: Topic,
                                user_ids: list[int]) -> dict[int, list[Subscription]]:
    found: dict[int, list[Subscription]] = {}
    for sub in Subscription.objects.filter(gmina=gmina, topic=topic, user_id__in=user_ids):
        found.setdefault(sub.user_id, []).append(sub)
    return found


def push_devices_by_user(*, gmina: Gmina,
                         user_ids: list[int]) -> dict[int, list[PushSubscription]]:
    found: dict[int, list[PushSubscription]] = {}
    for device in PushSubscription.objects.filter(gmina=gmina, user_id__in=user_ids):
        found.setdefault(device.user_id, []).append(device)
    return found


def inbox_items_by_key(*, gmina: Gmina, keys: list[str]) -> dict[str, InboxItem]:
    if not keys:
        return {}
    return {item.dedup_key: item
            for item in InboxItem.objects.filter(gmina=gmina, dedup_key__in=keys)}


# --- the resident's own ----------------------------------------------------------------------


def inbox_for(*, gmina: Gmina, user, unread_only: bool = False):
    items = InboxItem.objects.filter(gmina=gmina, recipient=user).select_related("topic")
    if unread_only:
        items = items.filter(read_at__isnull=True)
    return items.order_by("-created_at", "-id")


def inbox_unread_count(*, gmina: Gmina, user) -> int:
    return InboxItem.objects.filter(gmina=gmina, recipient=user, read_at__isnull=True).count()


def topics_for(*, gmina: Gmina):
    return Topic.objects.filter(gmina=gmina, active=True).order_by("-is_system", "name")


def areas_for(*, gmina: Gmina):
    return Area.objects.filter(gmina=gmina).order_by("kind", "name")


def subscriptions_for(*, gmina: Gmina, user):
    return (Subscription.objects.filter(gmina=gmina, user=user)
            .select_related("topic", "area").order_by("topic__name", "area__name", "id"))


def push_devices_for(*, gmina: Gmina, user):
    return PushSubscription.objects.filter(gmina=gmina, user=user).order_by("-created_at")


# --- announcements --------------------------------------------------------------------------


def announcement_recipient_ids(*, gmina: Gmina, announcement: Announcement,
                               among: list[int] | None = None) -> list[int]:
    """Residents subscribed to the topic in the announcement's area or in the whole town
    (`among`: only these of them).

    An announcement for the whole town (no area) reaches every subscriber of the topic.
    """
    subs = Subscription.objects.filter(
        gmina=gmina, topic=announcement.topic, user__is_active=True,
        user__anonymised_at__isnull=True,
    )
    if announcement.area_id is not None:
        subs = subs.filter(Q(area__isnull=True) | Q(area_id=announcement.area_id))
    if among is not None:
        subs = subs.filter(user_id__in=among)
    return sorted(set(subs.values_list("user_id", flat=True)))


@dataclass(frozen=True)
class DeliveryReport:
    recipients: int
    read: int
    queued: int
    sent: int
    failed: int
    by_channel: dict[str, dict[str, int]]


def announcement_delivery_report(*, gmina: Gmina, announcement: Announcement) -> DeliveryReport:
    """Inbox items written and read; outbox messages waiting, sent and failed (per channel)."""
    inbox = InboxItem.objects.filter(gmina=gmina, announcement=announcement).aggregate(
        total=Count("id"), read=Count("id", filter=Q(read_at__isnull=False))
    )
    by_channel: dict[str, dict[str, int]] = {}
    totals = {"queued": 0, "sent": 0, "failed": 0}
    rows = (OutboxMessage.objects.filter(gmina=gmina, inbox_item__announcement=announcement)
            .order_by().values_list("channel", "status").annotate(n=Count("id")))
    for channel, status, n in rows:
        bucket = {OutboxMessage.Status.SENT: "sent",
                  OutboxMessage.Status.FAILED: "failed"}.get(status, "queued")
        by_channel.setdefault(channel, {"queued": 0, "sent": 0, "failed": 0})[bucket] += n
        totals[bucket] += n
    return DeliveryReport(recipients=inbox["total"], read=inbox["read"], by_channel=by_channel,
                          **totals)
