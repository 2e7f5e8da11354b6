"""How one outbox message leaves the building, per channel.

E-mail through Django's mail backend (SMTP); Web Push through pywebpush with this install's
VAPID key (aes128gcm payload, the push message's body is the JSON {title, body, url} the
service worker shows); SMS through a pluggable gateway (SMSAPI.pl over HTTPS, or files under
var/sms/ in development). A sender raises DeliveryError to be retried later and AddressGone
when the address is dead for good (no retry).
"""

import contextlib
import json
import re
import threading
import time
import urllib.request
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection
from django.db.models import F
from django.utils import timezone

from podkowa.notifications.models import OutboxMessage


class DeliveryError(Exception):
    """The message could not be sent this time; the outbox retries it later."""


class ChannelNotConfigured(DeliveryError):
    """No sender for this channel is set up on this install (yet)."""


class AddressGone(Exception):
    """The address no longer exists (a push subscription the browser dropped): never retry."""


class SendingSession:
    """Connections shared by the messages of one delivery batch, opened when first needed.

    One SMTP connection for a hundred e-mails instead of a hundred handshakes; one HTTP
    connection pool for the push service. A broken SMTP connection is dropped so that the
    next message opens a fresh one.
    """

    def __init__(self) -> None:
        self._mail = None
        self.push_devices: dict[str, object] | None = None

    def prefetch(self, messages: list[OutboxMessage]) -> None:
        """Read the push devices of a batch in one query instead of one per message."""
        from podkowa.notifications.models import PushSubscription

        ids = [m.address for m in messages
               if m.channel == OutboxMessage.Channel.PUSH and m.address.isdigit()]
        if not ids or not messages:
            return
        self.push_devices = {
            str(device.pk): device
            for device in PushSubscription.objects.filter(gmina_id=messages[0].gmina_id,
                                                          pk__in=ids)
        }

    def mail_connection(self):
        if self._mail is None:
            self._mail = get_connection(fail_silently=False)
            self._mail.open()
        return self._mail

    def drop_mail_connection(self) -> None:
        if self._mail is not None:
            # The connection is broken already; closing it is a courtesy that may fail.
            with contextlib.suppress(Exception):
                self._mail.close()
            self._mail = None

    @property
    def http(self) -> requests.Session:
        return http_session()

    def close(self) -> None:
        self.drop_mail_connection()

    def __enter__(self) -> "SendingSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_local = threading.local()


def http_session() -> requests.Session:
    """One HTTP session per worker thread, kept across batches (connections and TLS context
    are reused). Proxy settings are read from the environment once, not on every request —
    that lookup costs more than a request to a nearby push service (`no_proxy` is therefore
    not honoured: push services are public hosts)."""
    session = getattr(_local, "http", None)
    if session is None:
        session = requests.Session()
        session.trust_env = False
        session.proxies = {scheme: url for scheme, url in urllib.request.getproxies().items()
                           if scheme in ("http", "https")}
        _local.http = session
    return session


# --- e-mail --------------------------------------------------------------------------------


def send_email(message: OutboxMessage, session: SendingSession | None = None) -> None:
    connection = (session.mail_connection() if session is not None
                  else get_connection(fail_silently=False))
    mail = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.address],
        # Lets a person's mail program (and the catcher's files) be traced back to the row.
        headers={"X-Podkowa-Outbox-Id": str(message.pk)},
        connection=connection,
    )
    if message.html_body:
        mail.attach_alternative(message.html_body, "text/html")
    try:
        mail.send(fail_silently=False)
    except Exception:
        if session is not None:
            session.drop_mail_connection()
        raise


# --- Web Push ------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _vapid(private_key: str):
    from py_vapid import Vapid

    return Vapid.from_string(private_key=private_key)


# Signed VAPID headers per push service (audience): a token is valid for hours, so one
# signature serves every message to that service for a while instead of one per message.
_VAPID_HEADERS: dict[tuple[str, str], tuple[float, dict]] = {}
_VAPID_TOKEN_SECONDS = 12 * 60 * 60
_VAPID_REUSE_SECONDS = 60 * 60


def _vapid_headers(private_key: str, endpoint: str) -> dict:
    parts = urlsplit(endpoint)
    audience = f"{parts.scheme}://{parts.netloc}"
    now = time.time()
    cached = _VAPID_HEADERS.get((private_key, audience))
    if cached is not None and cached[0] > now:
        return dict(cached[1])
    claims = {"sub": settings.WEBPUSH_VAPID_SUBJECT, "aud": audience,
              "exp": int(now) + _VAPID_TOKEN_SECONDS}
    headers = _vapid(private_key).sign(claims)
    _VAPID_HEADERS[(private_key, audience)] = (now + _VAPID_REUSE_SECONDS, headers)
    return dict(headers)


def push_payload(*, title: str, body: str, url: str = "") -> str:
    """The JSON the service worker's push handler reads."""
    return json.dumps({"title": title, "body": body, "url": url}, ensure_ascii=False)


def send_push(message: OutboxMessage, session: SendingSession | None = None):
    from pywebpush import WebPushException, webpush

    from podkowa.notifications.models import PushSubscription
    from podkowa.notifications.vapid import vapid_keys, webpush_configured

    if not webpush_configured():
        raise ChannelNotConfigured("channel not configured: push (set the VAPID keys)")
    if session is not None and session.push_devices is not None:
        device = session.push_devices.get(message.address)
    else:
        device = PushSubscription.objects.filter(
            gmina_id=message.gmina_id, pk=message.address
        ).first() if message.address.isdigit() else None
    if device is None:
        raise AddressGone("the push device was removed")
    keys = vapid_keys()
    try:
        webpush(
            subscription_info={"endpoint": device.endpoint,
                               "keys": {"p256dh": device.p256dh, "auth": device.auth}},
            data=message.body,
            headers=_vapid_headers(keys.private_key, device.endpoint),
            content_encoding="aes128gcm",
            ttl=settings.WEBPUSH_TTL_SECONDS,
            timeout=settings.WEBPUSH_TIMEOUT_SECONDS,
            requests_session=session.http if session is not None else http_session(),
        )
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status in (404, 410):
            # The browser unsubscribed or the subscription expired: it will never work again.
            PushSubscription.objects.filter(gmina_id=device.gmina_id, pk=device.pk).delete()
            raise AddressGone(f"push service answered {status}: subscription removed") from exc
        PushSubscription.objects.filter(gmina_id=device.gmina_id, pk=device.pk).update(
            failures=F("failures") + 1
        )
        raise DeliveryError(f"push service answered {status}") from exc
    except requests.RequestException as exc:
        PushSubscription.objects.filter(gmina_id=device.gmina_id, pk=device.pk).update(
            failures=F("failures") + 1
        )
        raise DeliveryError(f"push service unreachable: {exc}") from exc

    def remember_success() -> None:
        # Runs in the outbox's "sent" transaction: one commit per message, not two; plain
        # SQL like the outbox's own record of it (the hot path of a large announcement).
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {PushSubscription._meta.db_table} SET last_success_at = %s, "  # noqa: S608
                "failures = 0 WHERE id = %s AND gmina_id = %s",
                [timezone.now(), device.pk, device.gmina_id],
            )

    return remember_success


# --- SMS -----------------------------------------------------------------------------------


class SmsGateway(Protocol):
    """Sends one text message; raises DeliveryError (retry) or AddressGone (bad number)."""

    def send(self, *, to: str, text: str, reference: str,
             session: SendingSession | None = None) -> None: ...


def normalise_phone(phone: str) -> str:
    """Digits with the country code (48… for a nine-digit Polish number), as gateways want."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 9:
        digits = "48" + digits
    return digits


class FileSmsGateway:
    """Development: one JSON file per text under SMS_FILE_DIR; nothing leaves the machine."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def send(self, *, to: str, text: str, reference: str,
             session: SendingSession | None = None) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        name = f"{stamp}-{reference}.json"
        partial = self.directory / f".{name}.part"
        partial.write_text(json.dumps({"to": to, "text": text, "reference": reference},
                                      ensure_ascii=False), encoding="utf-8")
        partial.replace(self.directory / name)


class SmsApiGateway:
    """SMSAPI.pl's REST API: POST sms.do with a bearer token (OAuth token from their panel).

    `idx` carries the outbox id and `check_idx` asks SMSAPI to refuse a second message with
    the same id, so a retry after a lost answer does not send the text twice.
    """

    def __init__(self, *, url: str, token: str, sender: str = "", timeout: int = 10) -> None:
        self.url = url
        self.token = token
        self.sender = sender
        self.timeout = timeout

    def send(self, *, to: str, text: str, reference: str,
             session: SendingSession | None = None) -> None:
        data = {"to": to, "message": text, "format": "json", "encoding": "utf-8",
                "idx": reference, "check_idx": "1"}
        if self.sender:
            data["from"] = self.sender
        http = session.http if session is not None else http_session()
        try:
            response = http.post(self.url, data=data, timeout=self.timeout,
                                 headers={"Authorization": f"Bearer {self.token}"})
        except requests.RequestException as exc:
            raise DeliveryError(f"SMS gateway unreachable: {exc}") from exc
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code >= 400 or "error" in answer or not answer.get("count"):
            raise DeliveryError(
                f"SMS gateway answered {response.status_code}: "
                f"error {answer.get('error')} {answer.get('message', '')}".strip()
            )


def sms_gateway() -> SmsGateway | None:
    """The gateway chosen by SMS_GATEWAY, or None when this install sends no texts."""
    choice = (settings.SMS_GATEWAY or "").strip().lower()
    if choice == "file":
        return FileSmsGateway(settings.SMS_FILE_DIR)
    if choice == "smsapi":
        return SmsApiGateway(url=settings.SMSAPI_URL, token=settings.SMSAPI_TOKEN,
                             sender=settings.SMSAPI_SENDER,
                             timeout=settings.SMSAPI_TIMEOUT_SECONDS)
    return None


def send_sms(message: OutboxMessage, session: SendingSession | None = None) -> None:
    gateway = sms_gateway()
    if gateway is None:
        raise ChannelNotConfigured("channel not configured: sms (no SMS gateway is set up)")
    gateway.send(to=message.address, text=message.body, reference=f"outbox-{message.pk}",
                 session=session)


SENDERS = {
    OutboxMessage.Channel.EMAIL: send_email,
    OutboxMessage.Channel.PUSH: send_push,
    OutboxMessage.Channel.SMS: send_sms,
}


def send(message: OutboxMessage, session: SendingSession | None = None):
    """Send one message. May return a callable to run in the transaction that records the
    success (a sender's own bookkeeping, e.g. the push device's last delivery)."""
    sender = SENDERS.get(message.channel)
    if sender is None:
        raise ChannelNotConfigured(f"channel not configured: {message.channel}")
    return sender(message, session=session)
