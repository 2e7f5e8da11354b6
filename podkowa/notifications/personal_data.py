"""The outbox's exporter and shredder of a person's data (registered at start-up)."""

from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from podkowa.core.personal_data import PersonalDataHandler, register
from podkowa.notifications.models import OutboxMessage

RETENTION = _(
    "Messages sent to a person are kept with their text so that the office can show what it "
    "told whom and when. When an erasure request is carried out, messages not yet sent are "
    "cancelled and every message's address and text are removed; the record that a message "
    "of a channel was sent on a date stays."
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
        ]
    }


def shred(*, gmina, user) -> None:
    # Like the account itself, a person's messages are erased in every town of the install.
    with scopes_disabled():
        mine = OutboxMessage.objects.filter(recipient=user)
        mine.exclude(status=OutboxMessage.Status.SENT).update(
            status=OutboxMessage.Status.FAILED, last_error="cancelled: personal data erased"
        )
        mine.update(address="erased", subject="", body="", html_body="")


register(PersonalDataHandler(name="notifications", export=export, shred=shred,
                             retention=RETENTION))
