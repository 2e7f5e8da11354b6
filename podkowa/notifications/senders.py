"""How one outbox message leaves the building, per channel."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from podkowa.notifications.models import OutboxMessage


class DeliveryError(Exception):
    """The message could not be sent this time; the outbox retries it later."""


class ChannelNotConfigured(DeliveryError):
    """No sender for this channel is set up on this install (yet)."""


def send_email(message: OutboxMessage) -> None:
    mail = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.address],
        # Lets a person's mail program (and the catcher's files) be traced back to the row.
        headers={"X-Podkowa-Outbox-Id": str(message.pk)},
        connection=get_connection(fail_silently=False),
    )
    if message.html_body:
        mail.attach_alternative(message.html_body, "text/html")
    mail.send(fail_silently=False)


def send_push(message: OutboxMessage) -> None:
    raise ChannelNotConfigured("channel not configured: push (web push is not set up yet)")


def send_sms(message: OutboxMessage) -> None:
    raise ChannelNotConfigured("channel not configured: sms (no SMS gateway is set up yet)")


SENDERS = {
    OutboxMessage.Channel.EMAIL: send_email,
    OutboxMessage.Channel.PUSH: send_push,
    OutboxMessage.Channel.SMS: send_sms,
}


def send(message: OutboxMessage) -> None:
    sender = SENDERS.get(message.channel)
    if sender is None:
        raise ChannelNotConfigured(f"channel not configured: {message.channel}")
    sender(message)
