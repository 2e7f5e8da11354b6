from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from podkowa.core.tenancy import TenantModel


class OutboxMessage(TenantModel):
    """Something to send to a person, written in the same transaction as its cause.

    The worker delivers it with retries; a claim with a lease (a conditional UPDATE, safe on
    both databases) makes sure two workers never send the same message.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        PUSH = "push", _("push")
        SMS = "sms", _("text message")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed for good")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("recipient"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=500)
    subject = models.CharField(_("subject"), max_length=250, blank=True)
    body = models.TextField(_("text"))
    html_body = models.TextField(_("HTML text"), blank=True)
    # Callers that may run twice (a retried request, a re-run task) pass a key to stay single.
    # NULL, not "", for "no key": NULLs do not collide in the unique constraint below.
    dedup_key = models.CharField(  # noqa: DJ001
        _("deduplication key"), max_length=200, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    # Which claim holds the message: a batch claims many rows in one UPDATE and then reads
    # back exactly the rows stamped with its own token.
    lease_token = models.UUIDField(null=True, blank=True, editable=False, db_index=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # The notification this message carries (NULL for account mails that have none): gives
    # an announcement's delivery report and links a push or e-mail to its inbox item.
    inbox_item = models.ForeignKey(
        "InboxItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="messages",
        verbose_name=_("inbox item"),
    )

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "dedup_key"], name="outbox_dedup_key")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.address}: {self.subject}"


class Topic(TenantModel):
    """What a notification is about: case status, waste collection, road works, culture …

    System topics carry notices about a person's own matters (their case changed status);
    a resident cannot unsubscribe from those for their own cases.
    """

    slug = models.SlugField(_("short name"), max_length=60)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    is_system = models.BooleanField(
        _("system topic"), default=False,
        help_text=_("Notices about a person's own matters; they cannot be switched off."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "slug"], name="topic_slug_per_gmina")
        ]

    def __str__(self) -> str:
        return self.name


class Area(TenantModel):
    """A part of the town a resident may follow: a street or a district."""

    class Kind(models.TextChoices):
        STREET = "street", _("street")
        DISTRICT = "district", _("district")

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "kind", "name"], name="area_name_per_gmina")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Subscription(TenantModel):
    """A resident follows a topic in an area (no area: the whole town).

    The channel fields override the resident's profile defaults for this topic: None means
    "as in my profile" (e-mail, SMS); push is on whenever the person consented to push
    messages and registered a device, unless switched off here.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("resident"),
    )
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="subscriptions",
                              verbose_name=_("topic"))
    area = models.ForeignKey(Area, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="subscriptions", verbose_name=_("area"))
    by_email = models.BooleanField(_("by e-mail"), null=True, blank=True)
    by_push = models.BooleanField(_("by push"), null=True, blank=True)
    by_sms = models.BooleanField(_("by text message"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["topic__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "user", "topic", "area"],
                                    name="subscription_once"),
            # NULLs are distinct in a unique constraint: "the whole town" needs its own.
            models.UniqueConstraint(fields=["gmina", "user", "topic"],
                                    condition=models.Q(area__isnull=True),
                                    name="subscription_whole_town_once"),
        ]
        indexes = [models.Index(fields=["gmina", "topic", "area"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.topic}"


class Announcement(TenantModel):
    """The office's message to the subscribers of a topic (in an area, or the whole town)."""

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="announcements",
                              verbose_name=_("topic"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="announcements", verbose_name=_("area"),
                             help_text=_("Leave empty to reach the topic's subscribers "
                                         "in the whole town."))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("sent by"),
    )

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject


class InboxItem(TenantModel):
    """A notification in the resident's in-app inbox: every notification lands here."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("recipient"),
    )
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("topic"))
    subject = models.CharField(_("subject"), max_length=250)
    body = models.TextField(_("text"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    announcement = models.ForeignKey(
        Announcement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("announcement"),
    )
    legally_required = models.BooleanField(_("required by law"), default=False)
    # Like the outbox's: a caller that may run twice stays single. NULL for "no key".
    dedup_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbox item")
        verbose_name_plural = _("inbox")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "dedup_key"], name="inbox_dedup_key")
        ]
        indexes = [
            models.Index(fields=["gmina", "recipient", "read_at"]),
            models.Index(fields=["gmina", "announcement", "read_at"]),
        ]

    def __str__(self) -> str:
        return self.subject


class PushSubscription(TenantModel):
    """One browser or installed app of a resident that accepts Web Push messages."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("resident"),
    )
    endpoint = models.URLField(_("push service address"), max_length=1000, unique=True)
    p256dh = models.CharField(_("public key"), max_length=200)
    auth = models.CharField(_("authentication secret"), max_length=100)
    user_agent = models.CharField(_("device"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    last_success_at = models.DateTimeField(_("last delivered"), null=True, blank=True)
    failures = models.PositiveIntegerField(_("failed deliveries"), default=0)

    class Meta:
        verbose_name = _("push device")
        verbose_name_plural = _("push devices")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.user_agent or self.endpoint[:60]


class DeliveryAttempt(TenantModel):
    """Every attempt to deliver an outbox message, as it happened."""

    class Outcome(models.TextChoices):
        SENT = "sent", _("sent")
        RETRY = "retry", _("failed, will retry")
        FAILED = "failed", _("failed for good")
        GONE = "gone", _("address no longer exists")

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE,
                                related_name="delivery_attempts", verbose_name=_("message"))
    at = models.DateTimeField(_("when"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.message_id} {self.get_outcome_display()}"
