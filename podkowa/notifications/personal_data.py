"""The outbox's exporter and shredder of a person's data (registered at start-up)."""

from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from podkowa.core.personal_data import PersonalDataHandler, register
from podkowa.notifications.models import (
    InboxItem,
    OutboxMessage,
    PushSubscription,
    Subscription,
)

RETENTION = _(
    "Messages sent to a person are kept with their text so that the office can show what it "
    "told whom and when. When an erasure request is carried out, messages not yet sent are "
    "cancelled and every message's address and text are removed; the record that a message "
    "of a channel was sent on a date stays. Inbox notifications are kept until the person "
    "erases their data; then they, the person's subscriptions and push devices are deleted."
)


def export(*, gmina, user) -> dict:
    messages = OutboxMessage.objects.filter(gmina=gmina, recipient=user).order_by("created_at")
    return {
        "messages": [
            {
                "channel": m.get_channel_display(),
                "address": m.address,
                "subject": m.subject,
                "text": m.body,
                "status": m.get_status_display(),
                "created": m.created_at.isoformat(),
                "sent": m.sent_at.isoformat() if m.sent_at else None,
            }
            for m in messages
        ],
        "inbox": [
            {"topic": i.topic.name, "subject": i.subject, "text": i.body, "link": i.url,
             "created": i.created_at.isoformat(),
             "read": i.read_at.isoformat() if i.read_at else None}
            for i in InboxItem.objects.filter(gmina=gmina, recipient=user)
            .select_related("topic").order_by("created_at", "id")
        ],
        "subscriptions": [
            {"topic": s.topic.name, "area": s.area.name if s.area else None,
             "by_email": s.by_email, "by_push": s.by_push, "by_sms": s.by_sms}
            for s in Subscription.objects.filter(gmina=gmina, user=user)
            .select_related("topic", "area")
        ],
        "push_devices": [
            {"device": d.user_agent, "registered": d.created_at.isoformat()}
            for d in PushSubscription.objects.filter(gmina=gmina, user=user)
        ],
    }


def shred(*, gmina, user) -> None:
    # Like the account itself, a person's messages are erased in every town of the install.
    with scopes_disabled():
        mine = OutboxMessage.objects.filter(recipient=user)
        mine.exclude(status=OutboxMessage.Status.SENT).update(
            status=OutboxMessage.Status.FAILED, last_error="cancelled: personal data erased"
        )
        mine.update(address="erased", subject="", body="", html_body="")
        InboxItem.objects.filter(recipient=user).delete()
        Subscription.objects.filter(user=user).delete()
        PushSubscription.objects.filter(user=user).delete()


register(PersonalDataHandler(name="notifications", export=export, shred=shred,
                             retention=RETENTION))
