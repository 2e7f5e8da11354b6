"""Payments: who pays (payers), for what (charge sources, charges, tax decisions), the money
that came in (payments), where it went (allocations) and the ledger that accounts for every
grosz.

The ledger is append-only: an entry is never edited or deleted, a mistake is undone by a
reversing entry. A payer's balance is the sum of their entries (positive: they owe; negative:
an overpayment). Amounts are integer grosze, currency PLN.

The rules that write these rows live in `services/`; the models only hold the data and refuse
to change what must not change.
"""

import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from podkowa.accounts.models import Channel
from podkowa.core.tenancy import TenantModel


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("Ledger rows are never changed; reverse them instead.")

    def delete(self):
        raise PermissionDenied("Ledger rows are never deleted; reverse them instead.")


class AppendOnlyModel(TenantModel):
    objects = ScopedManager(gmina="gmina", _manager_class=models.Manager.from_queryset(
        AppendOnlyQuerySet))

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Ledger rows are never changed; reverse them instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Ledger rows are never deleted; reverse them instead.")


class AccountMode(models.TextChoices):
    PER_PAYER = "payer", _("one account number per payer")
    PER_DECISION = "decision", _("one account number per decision")


class GatewayKind(models.TextChoices):
    SANDBOX = "sandbox", _("sandbox (test payments, no money moves)")
    PRZELEWY24 = "przelewy24", "Przelewy24"
    PAYU = "payu", "PayU"
    PAYNOW = "paynow", "Paynow (mBank)"


class PaymentSettings(TenantModel):
    """The town's payment configuration: account numbering, the gateway and its credentials."""

    account_mode = models.CharField(
        _("individual account numbers"), max_length=10, choices=AccountMode.choices,
        default=AccountMode.PER_PAYER,
    )
    recipient_name = models.CharField(
        _("recipient name on payment QR codes"), max_length=20, blank=True,
        help_text=_("At most 20 characters (ZBP 2D standard)."),
    )
    recipient_nip = models.CharField(_("recipient NIP"), max_length=10, blank=True)
    # The council's resolution on the waste fee (ucpg art. 6l) sets when it is paid.
    waste_fee_due_dates = models.JSONField(
        _("waste fee due dates"), default=list, blank=True,
        help_text=_('Days of the year as "MM-DD", e.g. ["03-15", "05-15", "09-15", "11-15"]; '
                    "each date pays an equal share of the year."))
    water_price_per_m3 = models.PositiveIntegerField(
        _("water and sewage price per m³ (grosze)"), default=0,
        help_text=_("With 0, meter readings are recorded but not billed."))
    water_bill_days = models.PositiveSmallIntegerField(
        _("days to pay a water bill"), default=14)
    reminder_cost = models.PositiveIntegerField(
        _("cost of a formal reminder (grosze)"), default=1600,
        help_text=_("Set by regulation; 16 zł since 13 October 2021."))
    gateway = models.CharField(
        _("online payment gateway"), max_length=20, choices=GatewayKind.choices,
        default=GatewayKind.SANDBOX,
    )
    # Merchant ids, API keys, CRC / second keys: kept here so that each town uses its own
    # contract; only the finance role and the administrator may see this row.
    gateway_config = models.JSONField(_("gateway credentials"), default=dict, blank=True)

    class Meta:
        verbose_name = _("payment settings")
        verbose_name_plural = _("payment settings")
        constraints = [
            models.UniqueConstraint(fields=["gmina"], name="payment_settings_once_per_gmina"),
        ]

    def __str__(self) -> str:
        return str(_("Payment settings"))


class SourceKind(models.TextChoices):
    WATER = "water", _("water and sewage")
    WASTE = "waste", _("waste collection fee")
    PROPERTY_TAX = "property_tax", _("property tax")
    AGRICULTURAL_TAX = "agricultural_tax", _("agricultural tax")
    FOREST_TAX = "forest_tax", _("forest tax")
    RENT = "rent", _("rent of municipal premises")
    TICKET = "ticket", _("event ticket")
    CEMETERY = "cemetery", _("cemetery fees")
    OTHER = "other", _("other")


TAX_KINDS = (SourceKind.PROPERTY_TAX, SourceKind.AGRICULTURAL_TAX, SourceKind.FOREST_TAX)


class ChargeSource(TenantModel):
    """What a charge is for. The kinds are fixed; a town adds its own sources of any kind."""

    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=SourceKind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("charge source")
        verbose_name_plural = _("charge sources")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "code"], name="charge_source_code"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_tax(self) -> bool:
        return self.kind in TAX_KINDS


class Payer(TenantModel):
    """Who owes: a resident or a firm, linked to an account once the person is verified."""

    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        FIRM = "firm", _("firm")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("name"), max_length=200)
    nip = models.CharField(_("NIP"), max_length=10, blank=True)
    address = models.CharField(_("address"), max_length=250, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="payer_records", verbose_name=_("account"),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    # Only the keyed hash of the person's PESEL (as the verification ledger keeps it): it
    # links the payer to the account once the account's identity is verified.
    pesel_hmac = models.CharField(_("keyed PESEL hash"), max_length=64, blank=True,
                                  db_index=True)
    # The PESEL itself only for a person who pays a local tax: the law needs it there. The
    # tax authority identifies a taxpayer who is a natural person by PESEL (Ordynacja
    # podatkowa art. 81a with the act on NIP and REGON identification), and the upomnienie
    # must name the obligated person with that identifier (rozporządzenie of 4 Dec 2020,
    # Dz.U. 2020 poz. 2194), as must the enforcement title that may follow it. Every other
    # payer (water, waste, rent, tickets) keeps only the keyed hash above. Officials read it
    # only through audited pages; the payments exporter and shredder cover it.
    pesel = models.CharField(_("PESEL (taxpayers only)"), max_length=11, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("payer")
        verbose_name_plural = _("payers")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "user"], condition=Q(user__isnull=False),
                                    name="payer_once_per_account"),
        ]

    def __str__(self) -> str:
        return self.name


class TaxDecision(TenantModel):
    """A tax assessment (decyzja wymiarowa) for one year; its instalments are charges."""

    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="decisions",
                              verbose_name=_("payer"))
    source = models.ForeignKey(ChargeSource, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("tax"))
    number = models.CharField(_("decision number"), max_length=60)
    year = models.PositiveSmallIntegerField(_("tax year"))
    amount = models.PositiveBigIntegerField(_("annual tax (grosze)"))
    issued_on = models.DateField(_("issued on"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("tax decision")
        verbose_name_plural = _("tax decisions")
        ordering = ["-year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "number"], name="tax_decision_number"),
        ]

    def __str__(self) -> str:
        return self.number


class IndividualAccount(TenantModel):
    """An NRB of the town's bank that only one payer (or one decision) pays into."""

    number = models.CharField(_("account number (NRB)"), max_length=26)
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="accounts",
                              verbose_name=_("payer"))
    decision = models.OneToOneField(
        TaxDecision, on_delete=models.PROTECT, null=True, blank=True, related_name="account",
        verbose_name=_("decision"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("individual account")
        verbose_name_plural = _("individual accounts")
        constraints = [
            models.UniqueConstraint(fields=["gmina", "number"], name="individual_account_nrb"),
            models.UniqueConstraint(fields=["gmina", "payer"], condition=Q(decision__isnull=True),
                                    name="one_payer_account"),
        ]

    def __str__(self) -> str:
        return self.formatted

    @property
    def formatted(self) -> str:
        n = self.number
        return " ".join([n[:2]] + [n[i:i + 4] for i in range(2, 26, 4)])


class Charge(TenantModel):
    """Something a payer owes by a date. Never edited: cancelling is a reversing entry."""

    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="charges",
                              verbose_name=_("payer"))
    source = models.ForeignKey(ChargeSource, on_delete=models.PROTECT, related_name="charges",
                               verbose_name=_("source"))
    title = models.CharField(_("title"), max_length=200)
    amount = models.PositiveBigIntegerField(_("amount (grosze)"))
    due_date = models.DateField(_("due date"))
    reference = models.CharField(_("decision or notice number"), max_length=60, blank=True)
    decision = models.ForeignKey(
        TaxDecision, on_delete=models.PROTECT, null=True, blank=True, related_name="charges",
        verbose_name=_("tax decision"),
    )
    instalment = models.PositiveSmallIntegerField(_("instalment"), null=True, blank=True)
    # Set once, when the office takes the charge back (with the reversing ledger entry).
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # The office's own key for an imported row, so that importing the same file twice
    # cannot charge twice.
    external_id = models.CharField(_("external id"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "decision", "instalment"],
                                    condition=Q(decision__isnull=False),
                                    name="one_charge_per_instalment"),
            models.UniqueConstraint(fields=["gmina", "external_id"],
                                    condition=~Q(external_id=""), name="charge_external_id"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="charge_amount_positive"),
        ]
        indexes = [models.Index(fields=["gmina", "payer", "due_date"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_tax(self) -> bool:
        return self.source.is_tax


def new_session_id() -> str:
    return uuid.uuid4().hex


class PaymentOrder(TenantModel):
    """A resident's online payment of chosen charges, as sent to the gateway.

    Paid only when the gateway's verified notification says so (`payment` is then set, once:
    the one-to-one column is the database's guard against a second credit).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the payment operator")
        PAID = "paid", _("paid")
        REFUSED = "refused", _("refused: amount or currency did not match")
        CANCELLED = "cancelled", _("cancelled")

    session_id = models.CharField(_("session"), max_length=64, unique=True,
                                  default=new_session_id)
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="orders",
                              verbose_name=_("payer"))
    gateway = models.CharField(_("gateway"), max_length=20, choices=GatewayKind.choices)
    amount = models.PositiveBigIntegerField(_("amount (grosze)"))
    currency = models.CharField(_("currency"), max_length=3, default="PLN")
    charges = models.ManyToManyField(Charge, related_name="orders", verbose_name=_("charges"))
    description = models.CharField(_("description"), max_length=200)
    channel = models.CharField(_("ordered through"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    gateway_order_id = models.CharField(_("gateway's order id"), max_length=100, blank=True)
    redirect_url = models.URLField(_("payment page"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    payment = models.OneToOneField("Payment", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="order", verbose_name=_("payment"))

    class Meta:
        verbose_name = _("online payment")
        verbose_name_plural = _("online payments")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return str(self.session_id)


class Payment(AppendOnlyModel):
    """Money that came in, from a gateway, a bank statement or the cash desk."""

    class Method(models.TextChoices):
        GATEWAY = "gateway", _("online payment")
        BANK = "bank", _("bank transfer")
        DESK = "desk", _("at the cash desk")

    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="payments",
                              verbose_name=_("payer"))
    amount = models.PositiveBigIntegerField(_("amount (grosze)"))
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    # The gateway's session or the bank's transaction reference: the same money twice is
    # refused by the database, whoever races.
    reference = models.CharField(_("reference"), max_length=120)
    number = models.CharField(_("receipt number"), max_length=40)
    title = models.CharField(_("title"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "method", "reference"],
                                    name="payment_reference_once"),
            models.UniqueConstraint(fields=["gmina", "number"], name="payment_number"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.number


class Allocation(AppendOnlyModel):
    """Part of a payment applied to a charge. Undone by a negative allocation, never edited."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="allocations")
    amount = models.BigIntegerField(_("amount (grosze)"))
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["at", "id"]


class LedgerEntry(AppendOnlyModel):
    """One movement on a payer's account: positive owes, negative pays."""

    class Kind(models.TextChoices):
        CHARGE = "charge", _("charge")
        PAYMENT = "payment", _("payment")
        REVERSAL = "reversal", _("reversal")

    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = models.BigIntegerField(_("amount (grosze)"))
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="entries")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="entries")
    # One reversal per entry at most: the unique one-to-one makes a second one impossible.
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="reversed_by")
    note = models.CharField(_("note"), max_length=200, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["gmina", "payer", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class GatewayNotification(TenantModel):
    """Every notification a gateway sent us, with what we made of it (the finance log)."""

    class Verdict(models.TextChoices):
        CREDITED = "credited", _("credited")
        DUPLICATE = "duplicate", _("duplicate: already credited")
        FORGED = "forged", _("refused: signature does not match")
        UNKNOWN = "unknown", _("refused: unknown session")
        WRONG_AMOUNT = "wrong_amount", _("refused: wrong amount")
        WRONG_CURRENCY = "wrong_currency", _("refused: wrong currency")
        NOT_PAID = "not_paid", _("noted: not a completed payment")
        VERIFY_FAILED = "verify_failed", _("refused: the gateway did not confirm")

    gateway = models.CharField(_("gateway"), max_length=20, choices=GatewayKind.choices)
    order = models.ForeignKey(PaymentOrder, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="notifications")
    session_id = models.CharField(_("session"), max_length=100, blank=True)
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    flagged = models.BooleanField(_("needs a look by finance"), default=False)
    body = models.TextField(_("body as received"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("gateway notification")
        verbose_name_plural = _("gateway notifications")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_gateway_display()} {self.session_id} {self.get_verdict_display()}"


class ReceiptCounter(TenantModel):
    """The last receipt number per year; its row lock serialises concurrent payments."""

    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gmina", "year"], name="receipt_counter_year"),
        ]


class BankStatement(TenantModel):
    """One imported statement file. The same file twice is refused by its hash; the same
    transfer in another file by the line's bank reference."""

    class Format(models.TextChoices):
        MT940 = "mt940", "MT940"
        CAMT053 = "camt053", "camt.053"

    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    account = models.CharField(_("account"), max_length=34, blank=True)
    statement_id = models.CharField(_("statement number"), max_length=100, blank=True)
    sha256 = models.CharField(_("file hash (SHA-256)"), max_length=64)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    lines_total = models.PositiveIntegerField(_("lines"), default=0)
    lines_matched = models.PositiveIntegerField(_("matched"), default=0)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("imported by"))

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-imported_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "sha256"], name="statement_file_once"),
        ]

    def __str__(self) -> str:
        return self.statement_id or self.file_name or str(self.pk)


class StatementLine(TenantModel):
    """One transfer on a statement and what became of it."""

    class Status(models.TextChoices):
        MATCHED = "matched", _("matched")
        UNMATCHED = "unmatched", _("waiting for a clerk")
        IGNORED = "ignored", _("not a payment to us")

    class MatchedBy(models.TextChoices):
        ACCOUNT = "account", _("individual account")
        TITLE = "title", _("title and amount")
        CLERK = "clerk", _("by a clerk")

    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="lines")
    line_number = models.PositiveIntegerField(_("line"))
    booked_on = models.DateField(_("booked"))
    amount = models.BigIntegerField(_("amount (grosze)"))
    currency = models.CharField(_("currency"), max_length=3, default="PLN")
    bank_reference = models.CharField(_("bank reference"), max_length=120)
    title = models.CharField(_("title"), max_length=500, blank=True)
    counterparty = models.CharField(_("from"), max_length=300, blank=True)
    counterparty_account = models.CharField(_("from account"), max_length=34, blank=True)
    target_account = models.CharField(_("paid into"), max_length=34, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    matched_by = models.CharField(_("matched by"), max_length=10, choices=MatchedBy.choices,
                                  blank=True)
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("payer"))
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="statement_line", verbose_name=_("payment"))

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["statement", "line_number", "id"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "bank_reference"],
                                    name="statement_line_reference_once"),
        ]
        indexes = [models.Index(fields=["gmina", "status"])]

    def __str__(self) -> str:
        return f"{self.booked_on} {self.amount} {self.title[:40]}"


class LombardRate(models.Model):
    """The NBP lombard rate from a date on: the law's interest on tax arrears follows it
    (Ordynacja podatkowa art. 56 §1, art. 56c). National, so not a town's row."""

    valid_from = models.DateField(_("valid from"), unique=True)
    percent = models.DecimalField(_("lombard rate (% a year)"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("NBP lombard rate")
        verbose_name_plural = _("NBP lombard rates")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.valid_from}: {self.percent}%"


class FormalReminder(TenantModel):
    """An upomnienie: the formal reminder before enforcement (u.p.e.a. art. 15 §1), with the
    arrears, interest and cost as they stood on the day it was issued."""

    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="reminders",
                              verbose_name=_("payer"))
    number = models.CharField(_("number"), max_length=40, blank=True)
    issued_on = models.DateField(_("issued on"))
    arrears = models.PositiveBigIntegerField(_("arrears (grosze)"))
    interest = models.PositiveBigIntegerField(_("interest (grosze)"))
    cost = models.PositiveIntegerField(_("cost (grosze)"))
    charges = models.ManyToManyField(Charge, related_name="reminders", verbose_name=_("charges"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("formal reminder (upomnienie)")
        verbose_name_plural = _("formal reminders (upomnienia)")
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.number


class WasteDeclaration(TenantModel):
    """A property owner's declaration of the waste fee (deklaracja, ucpg art. 6m): the
    monthly fee it declares is charged on the dates of the town's resolution while it is in
    force."""

    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="waste_declarations",
                              verbose_name=_("payer"))
    number = models.CharField(_("declaration number"), max_length=60)
    address = models.CharField(_("property address"), max_length=250, blank=True)
    monthly_amount = models.PositiveIntegerField(_("monthly fee (grosze)"))
    valid_from = models.DateField(_("in force from"))
    valid_to = models.DateField(_("in force until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("waste fee declaration")
        verbose_name_plural = _("waste fee declarations")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "number"], name="waste_declaration_number"),
            models.CheckConstraint(condition=Q(monthly_amount__gt=0),
                                   name="waste_declaration_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.number


class WaterMeter(TenantModel):
    """A water meter whose readings its payer enters in the panel."""

    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="meters",
                              verbose_name=_("payer"))
    serial = models.CharField(_("meter number"), max_length=40)
    address = models.CharField(_("address"), max_length=250, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("water meter")
        verbose_name_plural = _("water meters")
        ordering = ["serial"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "serial"], name="water_meter_serial"),
        ]

    def __str__(self) -> str:
        return self.serial


class MeterReading(TenantModel):
    """One reading, in litres (so that m³ with three decimals stay whole numbers)."""

    meter = models.ForeignKey(WaterMeter, on_delete=models.PROTECT, related_name="readings",
                              verbose_name=_("meter"))
    read_on = models.DateField(_("read on"))
    litres = models.PositiveBigIntegerField(_("reading (litres)"))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    channel = models.CharField(_("entered through"), max_length=10, choices=Channel.choices)
    charge = models.OneToOneField(Charge, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="meter_reading", verbose_name=_("bill"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("meter reading")
        verbose_name_plural = _("meter readings")
        ordering = ["meter", "-read_on"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "meter", "read_on"],
                                    name="one_reading_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.meter} {self.read_on}: {self.litres / 1000:.3f} m³"
