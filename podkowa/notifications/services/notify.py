"""notify(): the one service every module calls to tell a resident something.

Every notification lands in the resident's in-app inbox. Which other channels carry it:

- without consent to electronic communication: none — unless the law requires the notice
  (`legally_required`), then e-mail too;
- with that consent: e-mail when the resident wants e-mail for this topic; Web Push when they
  also consented to push messages and registered a device (one message per device; none
  while this install has no VAPID keys); SMS when they want texts for this topic, gave a
  phone number and the install has an SMS gateway.

Preferences: the resident's profile holds the defaults (`notify_by_email`, `notify_by_sms`);
their subscription to the topic may override each channel (`by_email`, `by_push`, `by_sms`;
None = as the default). Push has no profile default: the push consent plus a registered
device is the opt-in, and a topic can switch it off.

Everything is written in the caller's transaction — the inbox item and the outbox messages —
so a notification exists if and only if its cause was committed; delivery starts after the
commit. A `dedup_key` makes a repeated call a no-op (keys per channel are derived from it).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from podkowa.core.models import Gmina
from podkowa.notifications import selectors, senders
from podkowa.notifications.models import Announcement, InboxItem, OutboxMessage, Topic
from podkowa.notifications.services.outbox import outbox_enqueue_many
from podkowa.notifications.vapid import webpush_configured

DEDUP_KEY_MAX = 170  # leaves room for the per-channel suffix within the outbox's 200
PUSH_BODY_MAX = 500  # push services accept about 4 kB, encrypted: keep well below
SMS_MAX = 300

# The topics every town has; `notify(topic="case-status")` creates them on first use.
DEFAULT_TOPICS = {
    "case-status": (_("Status of my cases"),
                    _("Changes in the matters you brought to the office."), True),
    "waste-collection": (_("Waste collection"), _("Collection dates and changes."), False),
    "road-works": (_("Road works"), _("Closed streets, detours and works."), False),
    "culture": (_("Culture and events"), _("Events in the town."), False),
}


@dataclass
class NotifyResult:
    inbox_item: InboxItem | None
    message_ids: list[int] = field(default_factory=list)

    @property
    def channels(self) -> set[str]:
        return set(OutboxMessage.objects.filter(pk__in=self.message_ids)
                   .values_list("channel", flat=True))


def topic_resolve(*, gmina: Gmina, topic: Topic | str) -> Topic:
    """A Topic, or its slug; the default topics are created the first time they are used."""
    if isinstance(topic, Topic):
        if topic.gmina_id != gmina.pk:
            raise ValidationError({"topic": _("The topic belongs to another town.")})
        return topic
    found = Topic.objects.filter(gmina=gmina, slug=topic).first()
    if found is not None:
        return found
    if topic in DEFAULT_TOPICS:
        name, description, is_system = DEFAULT_TOPICS[topic]
        with translation.override("pl"):
            found, _created = Topic.objects.get_or_create(
                gmina=gmina, slug=topic,
                defaults={"name": str(name), "description": str(description),
                          "is_system": is_system},
            )
        return found
    raise ValidationError({"topic": _("Unknown topic %(topic)s.") % {"topic": topic}})


def _validate(*, subject, body, dedup_keys: Iterable[str | None]) -> None:
    errors = {}
    if not str(subject).strip():
        errors["subject"] = _("The notification needs a subject.")
    elif len(str(subject)) > InboxItem._meta.get_field("subject").max_length:
        errors["subject"] = _("The subject is too long.")
    if not str(body).strip():
        errors["body"] = _("The notification has no text.")
    if any(key is not None and not (0 < len(key) <= DEDUP_KEY_MAX) for key in dedup_keys):
        errors["dedup_key"] = _("The deduplication key must be 1 to %(max)d characters long.") % {
            "max": DEDUP_KEY_MAX}
    if errors:
        raise ValidationError(errors)


def _absolute(root: str, url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return root + (url if url.startswith("/") else "/" + url)


def _preference(subscriptions, attribute: str, default: bool) -> bool:
    explicit = [getattr(s, attribute) for s in subscriptions if getattr(s, attribute) is not None]
    return any(explicit) if explicit else default


@transaction.atomic
def notify(
    *,
    gmina: Gmina,
    recipient,
    topic: Topic | str,
    subject: str,
    body: str,
    url: str = "",
    html_body: str = "",
    legally_required: bool = False,
    dedup_key: str | None = None,
    announcement: Announcement | None = None,
) -> NotifyResult:
    """Tell one resident something (see the module docstring for the channels).

    `subject` and `body` may be lazy translations: they are rendered in the resident's
    language. `url` is a path on the site (or an absolute address). Returns the inbox item
    (None for an erased or deactivated account) and the ids of the outbox messages.
    """
    return notify_many(
        gmina=gmina, recipients=[recipient], topic=topic, subject=subject, body=body, url=url,
        html_body=html_body, legally_required=legally_required,
        dedup_key_for=(lambda _user: dedup_key) if dedup_key is not None else None,
        announcement=announcement,
    )[0]


@transaction.atomic
def notify_many(
    *,
    gmina: Gmina,
    recipients: list,
    topic: Topic | str,
    subject: str,
    body: str,
    url: str = "",
    html_body: str = "",
    legally_required: bool = False,
    dedup_key_for: Callable[[object], str] | None = None,
    announcement: Announcement | None = None,
) -> list[NotifyResult]:
    """`notify` for many residents at once, with the same decisions, in a few queries.

    The fan-out path of announcements: the residents' consents, profiles, subscriptions and
    devices are read in bulk, the inbox items and outbox messages written in bulk.
    """
    from podkowa.accounts.services.registration import site_root

    topic = topic_resolve(gmina=gmina, topic=topic)
    keys = {user.pk: (dedup_key_for(user) if dedup_key_for else None) for user in recipients}
    _validate(subject=subject, body=body, dedup_keys=keys.values())
    results = {user.pk: NotifyResult(inbox_item=None) for user in recipients}
    live = [u for u in recipients if u.is_active and u.anonymised_at is None]
    if not live:
        return [results[u.pk] for u in recipients]

    done = selectors.inbox_items_by_key(gmina=gmina, keys=[k for k in keys.values() if k])
    todo = [u for u in live if keys[u.pk] is None or keys[u.pk] not in done]
    for user in live:
        if keys[user.pk] in done:
            results[user.pk].inbox_item = done[keys[user.pk]]
    if not todo:
        return [results[u.pk] for u in recipients]

    user_ids = [u.pk for u in todo]
    consents = selectors.live_consent_kinds(gmina=gmina, user_ids=user_ids)
    profiles = selectors.profiles_by_user(gmina=gmina, user_ids=user_ids)
    overrides = selectors.topic_subscriptions_by_user(gmina=gmina, topic=topic,
                                                      user_ids=user_ids)
    devices = selectors.push_devices_by_user(gmina=gmina, user_ids=user_ids)
    sms_on = senders.sms_gateway() is not None
    push_on = webpush_configured()
    root = site_root(gmina=gmina)
    link = _absolute(root, url)
    settings_link = root + reverse("notifications:settings")

    # Rendered once per language, not per resident: an announcement to thousands reads the
    # same for all who share a language.
    rendered: dict[str, dict[str, str]] = {}

    def render(language: str) -> dict[str, str]:
        if language not in rendered:
            with translation.override(language):
                subject_text, body_text = str(subject).strip(), str(body).strip()
                context = {"gmina": gmina, "subject": subject_text, "body": body_text,
                           "html_body": html_body, "link": link, "language": language,
                           "settings_link": settings_link}
                rendered[language] = {
                    "subject": subject_text,
                    "body": body_text,
                    "email_text": render_to_string("notifications/email/notification.txt",
                                                   context),
                    "email_html": render_to_string("notifications/email/notification.html",
                                                   context),
                    "push": senders.push_payload(title=subject_text,
                                                 body=body_text[:PUSH_BODY_MAX], url=url),
                    "sms": (f"{subject_text} {link}".strip() if link else subject_text)[:SMS_MAX],
                }
        return rendered[language]

    now = timezone.now()
    items = []
    for user in todo:
        text = render(user.language or "pl")
        items.append(InboxItem(
            gmina=gmina, recipient=user, topic=topic, subject=text["subject"],
            body=text["body"], url=url, announcement=announcement,
            legally_required=legally_required, dedup_key=keys[user.pk], created_at=now,
        ))
    if any(keys[u.pk] for u in todo):
        # A concurrent run with the same keys: PostgreSQL waits for it, then skips the rows.
        InboxItem.objects.bulk_create(items, ignore_conflicts=True)
        written = selectors.inbox_items_by_key(gmina=gmina,
                                               keys=[keys[u.pk] for u in todo])
        by_user = {item.recipient_id: item for item in written.values()}
        # Rows another run wrote first are that run's: it wrote their messages too.
        fresh = {item.recipient_id for item in written.values() if item.created_at == now}
    else:
        InboxItem.objects.bulk_create(items)
        by_user = {item.recipient_id: item for item in items}
        fresh = set(by_user)

    messages = []
    for user in todo:
        item = by_user.get(user.pk)
        results[user.pk].inbox_item = item
        if item is None or user.pk not in fresh:
            continue
        text = render(user.language or "pl")
        kinds = consents.get(user.pk, set())
        electronic = "electronic" in kinds
        profile = profiles.get(user.pk)
        subs = overrides.get(user.pk, [])
        key = keys[user.pk]
        common = {"recipient": user, "inbox_item_id": item.pk}

        wants_email = _preference(subs, "by_email",
                                  profile.notify_by_email if profile is not None else True)
        if user.email and (legally_required or (electronic and wants_email)):
            messages.append({**common, "channel": OutboxMessage.Channel.EMAIL,
                             "address": user.email, "subject": text["subject"],
                             "body": text["email_text"], "html_body": text["email_html"],
                             "dedup_key": f"{key}:email" if key else None})
        if push_on and electronic and "push" in kinds and _preference(subs, "by_push", True):
            for device in devices.get(user.pk, []):
                messages.append({**common, "channel": OutboxMessage.Channel.PUSH,
                                 "address": str(device.pk), "subject": text["subject"],
                                 "body": text["push"],
                                 "dedup_key": f"{key}:push:{device.pk}" if key else None})
        phone = senders.normalise_phone(profile.phone) if profile is not None else ""
        wants_sms = _preference(subs, "by_sms",
                                profile.notify_by_sms if profile is not None else False)
        if electronic and wants_sms and phone and sms_on:
            messages.append({**common, "channel": OutboxMessage.Channel.SMS, "address": phone,
                             "subject": text["subject"], "body": text["sms"],
                             "dedup_key": f"{key}:sms" if key else None})

    ids = outbox_enqueue_many(gmina=gmina, messages=messages)
    by_item: dict[int, list[int]] = {}
    for message_id, item_id in OutboxMessage.objects.filter(pk__in=ids).values_list(
        "pk", "inbox_item_id"
    ):
        by_item.setdefault(item_id, []).append(message_id)
    for result in results.values():
        if result.inbox_item is not None:
            result.message_ids = sorted(by_item.get(result.inbox_item.pk, []))
    return [results[u.pk] for u in recipients]
