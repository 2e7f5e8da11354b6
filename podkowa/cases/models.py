"""Cases: the catalogue of case types with versioned forms, filed cases, their thread and log.

The life of a case (which status may follow which, who may move it, the KPA clock) lives in
`services/lifecycle.py` alone; the models only hold the data.
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from podkowa.accounts.models import Channel
from podkowa.core.tenancy import TenantModel


class Status(models.TextChoices):
    FILED = "filed", _("filed")
    REGISTERED = "registered", _("registered")
    IN_PROGRESS = "in_progress", _("in progress")
    NEEDS_INFORMATION = "needs_information", _("waiting for information from you")
    DECIDED = "decided", _("decided")
    READY_FOR_PICKUP = "ready_for_pickup", _("ready for pickup")
    CLOSED = "closed", _("closed")
    WITHDRAWN = "withdrawn", _("withdrawn")


# Statuses in which the office still owes the resident an answer (the KPA clock runs);
# NEEDS_INFORMATION is open too, but its clock is paused.
OPEN_STATUSES = (Status.FILED, Status.REGISTERED, Status.IN_PROGRESS, Status.NEEDS_INFORMATION)
RUNNING_CLOCK_STATUSES = (Status.FILED, Status.REGISTERED, Status.IN_PROGRESS)


class Deadline(models.TextChoices):
    """How long the office has (KPA art. 35, art. 217 §3; the BIP act for 14 days)."""

    DAYS_7 = "7d", _("7 days (certificate, KPA art. 217 §3)")
    DAYS_14 = "14d", _("14 days")
    MONTH_1 = "1m", _("1 month (KPA art. 35 §3)")
    MONTHS_2 = "2m", _("2 months (particularly complex matter)")
    DAYS = "days", _("a number of days")


class CaseType(TenantModel):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("department"),
    )
    number_prefix = models.CharField(
        _("case number prefix"), max_length=10,
        help_text=_("Letters that start the case numbers of this type, e.g. KM → KM.2026.00012."),
    )
    deadline = models.CharField(
        _("deadline"), max_length=5, choices=Deadline.choices, default=Deadline.MONTH_1
    )
    deadline_days = models.PositiveSmallIntegerField(
        _("deadline in days"), null=True, blank=True,
        help_text=_("Only when the deadline is a number of days."),
    )
    app_allowed = models.BooleanField(_("may be filed from the mobile app"), default=True)
    notify_statuses = models.JSONField(
        _("statuses that notify the applicant"), default=list, blank=True,
        help_text=_("The applicant is told when the case enters one of these statuses."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("case type")
        verbose_name_plural = _("case types")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "slug"], name="case_type_slug_per_gmina"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        if self.deadline == Deadline.DAYS and not self.deadline_days:
            errors["deadline_days"] = _("Give the number of days.")
        if not isinstance(self.notify_statuses, list) or any(
            value not in Status.values for value in self.notify_statuses
        ):
            errors["notify_statuses"] = _("Use a list of known statuses: %(statuses)s.") % {
                "statuses": ", ".join(Status.values)
            }
        prefix = self.number_prefix or ""
        if not prefix.isalnum() or not prefix.isascii():
            errors["number_prefix"] = _("Use letters and digits only.")
        if errors:
            raise ValidationError(errors)


class FormVersion(TenantModel):
    """One published version of a case type's form. A version a case was filed with is frozen:
    the case must always be readable against the questions the resident actually answered."""

    case_type = models.ForeignKey(
        CaseType, on_delete=models.CASCADE, related_name="form_versions",
        verbose_name=_("case type"),
    )
    number = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("form fields"), default=list)
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("published by"),
    )

    class Meta:
        verbose_name = _("form version")
        verbose_name_plural = _("form versions")
        ordering = ["case_type", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["gmina", "case_type", "number"], name="form_version_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_type} v{self.number}"

    @property
    def is_used(self) -> bool:
        return self.pk is not None and Case.objects.filter(
            gmina_id=self.gmina_id, form_version_id=self.pk
        ).exists()

    def save(self, *args, **kwargs):
        if self.is_used:
            raise ValidationError(
                _("This form version has been used by a case and can no longer change; "
                  "publish a new version instead.")
            )
        super().save(*args, **kwargs)


class CaseNumberCounter(TenantModel):
    """The last number given per prefix and year; its row lock serialises concurrent filings."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["gmina", "prefix", "year"], name="case_number_counter_once"
            ),
        ]


class Case(TenantModel):
    number = models.CharField(_("case number"), max_length=40)
    case_type = models.ForeignKey(
        CaseType, on_delete=models.PROTECT, related_name="cases", verbose_name=_("case type")
    )
    form_version = models.ForeignKey(
        FormVersion, on_delete=models.PROTECT, related_name="cases",
        verbose_name=_("form version"),
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases",
        verbose_name=_("applicant"),
    )
    data = models.JSONField(_("answers"), default=dict)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.FILED
    )
    channel = models.CharField(_("filed through"), max_length=10, choices=Channel.choices)
    filed_at = models.DateTimeField(_("filed"), default=timezone.now)
    due_date = models.DateField(_("due date"))
    # The KPA clock stops while the office waits for the applicant (paused_since is the
    # Warsaw date it stopped); paused_days is the total of finished pauses.
    paused_since = models.DateField(_("clock paused since"), null=True, blank=True)
    paused_days = models.PositiveIntegerField(_("days paused"), default=0)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="assigned_cases", verbose_name=_("assigned to"),
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("department"),
    )
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64)
    # Lower-cased number, type and answers: one column the queue searches the same way on
    # SQLite (whose LIKE folds only ASCII) and PostgreSQL.
    search_text = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "number"], name="case_number_per_gmina"),
        ]
        indexes = [
            models.Index(fields=["gmina", "status", "due_date"]),
            models.Index(fields=["gmina", "applicant", "filed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} — {self.case_type}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today=None) -> bool:
        from podkowa.cases.services.lifecycle import warsaw_today

        today = today or warsaw_today()
        return self.status in RUNNING_CLOCK_STATUSES and self.due_date < today


class CaseTransition(TenantModel):
    """The case's status log, append-only: who moved it, from what to what, when, why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("by"),
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("The status log cannot be changed."))
        super().save(*args, **kwargs)


def attachment_path(instance, filename: str) -> str:
    # Random names: the path reveals neither the person nor the original file name.
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"cases/{instance.gmina_id}/{uuid.uuid4().hex}{suffix}"


class CaseMessage(TenantModel):
    """One message in the case's thread. Internal notes are the office's only."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("author"),
    )
    from_office = models.BooleanField(_("from the office"), default=False)
    body = models.TextField(_("message"), blank=True)
    is_internal = models.BooleanField(_("internal note"), default=False)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    read_by_applicant_at = models.DateTimeField(_("read by the applicant"), null=True, blank=True)
    read_by_office_at = models.DateTimeField(_("read by the office"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case.number}: {self.body[:40]}"


class CaseAttachment(TenantModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        CaseMessage, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    field_key = models.CharField(_("form field"), max_length=80, blank=True)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("uploaded by"),
    )
    is_internal = models.BooleanField(_("internal"), default=False)
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class ReplyTemplate(TenantModel):
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.CASCADE, null=True, blank=True,
        related_name="+", verbose_name=_("department"),
        help_text=_("Leave empty for a template every department may use."),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["gmina", "department", "title"], name="reply_template_title"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class DeadlineExtension(TenantModel):
    """A new due date set by the office (KPA art. 36: the applicant is told date and reason)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    previous_due_date = models.DateField(_("previous due date"))
    new_due_date = models.DateField(_("new due date"))
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case.number}: {self.previous_due_date} → {self.new_due_date}"


# The case type received letters are registered as (services/letters.py ensures it).
LETTER_CASE_TYPE_SLUG = "pismo-ogolne"


class LetterChannel(models.TextChoices):
    """The national channels a letter to the office travels through."""

    EPUAP = "epuap", _("ePUAP")
    EDORECZENIA = "edoreczenia", _("e-Doręczenia")


# What the national services' receipts are called (Receipt.kind → label).
RECEIPT_LABELS = {
    "UPP": _("UPP (official confirmation of submission)"),
    "UPD": _("UPD (official confirmation of delivery)"),
    "evidence": _("e-Delivery proof of submission"),
}


def letter_document_path(instance, filename: str) -> str:
    return f"letters/{instance.gmina_id}/{uuid.uuid4().hex}.xml"


class Letter(TenantModel):
    """A resident's general letter to the office ("Pismo ogólne"), sent through ePUAP or
    e-Doręczenia.

    The sealed XML is written with the row in one transaction; a task delivers it with
    retries (status QUEUED until the national service's receipt is stored), and the office's
    intake registers the copy that arrives in its box as a case (status REGISTERED).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("being sent")
        SENT = "sent", _("delivered to the office")
        REGISTERED = "registered", _("registered as a case")
        FAILED = "failed", _("could not be sent")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="letters",
        verbose_name=_("author"),
    )
    channel = models.CharField(_("sent through"), max_length=12, choices=LetterChannel.choices)
    title = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    # What the resident attached, for the pages (the files themselves are inside the XML).
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    document = models.FileField(_("document (XML)"), upload_to=letter_document_path,
                                max_length=200)
    document_sha256 = models.CharField(_("document SHA-256"), max_length=64)
    recipient_address = models.CharField(_("recipient address"), max_length=200)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted (per the receipt)"), null=True, blank=True)
    receipt_kind = models.CharField(_("receipt kind"), max_length=20, blank=True)
    receipt_id = models.CharField(_("receipt number"), max_length=200, blank=True)
    receipt = models.FileField(_("receipt (XML)"), upload_to=letter_document_path,
                               max_length=200, blank=True)
    case = models.OneToOneField(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="letter",
        verbose_name=_("case"),
    )

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "document_sha256"],
                                    name="letter_document_once"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def receipt_label(self) -> str:
        return str(RECEIPT_LABELS.get(self.receipt_kind, self.receipt_kind))


class IncomingLetter(TenantModel):
    """Every document that arrived in the office's box, kept as it arrived: the intake
    register. One row per channel message, so a document offered again is stored once."""

    channel = models.CharField(_("received through"), max_length=12,
                               choices=LetterChannel.choices)
    message_id = models.CharField(_("message id"), max_length=200)
    sender = models.CharField(_("sender"), max_length=300, blank=True)
    sender_address = models.CharField(_("reply address"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("sent by the sender"), null=True, blank=True)
    stored_at = models.DateTimeField(_("received"), default=timezone.now)
    title = models.CharField(_("subject"), max_length=300, blank=True)
    signer = models.CharField(_("signed by"), max_length=300, blank=True)
    document = models.FileField(_("document"), upload_to=letter_document_path, max_length=200)
    document_sha256 = models.CharField(_("document SHA-256"), max_length=64)
    problem = models.TextField(
        _("problem"), blank=True,
        help_text=_("Why the document could not be read or registered; a person decides."),
    )
    letter = models.OneToOneField(
        Letter, on_delete=models.SET_NULL, null=True, blank=True, related_name="incoming",
        verbose_name=_("letter written on the website"),
    )
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("case"),
    )

    class Meta:
        verbose_name = _("received letter")
        verbose_name_plural = _("received letters")
        ordering = ["-stored_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "channel", "message_id"],
                                    name="incoming_letter_once"),
        ]

    def __str__(self) -> str:
        return self.title or self.message_id
