"""The finance department's administration: settings, sources, payers, charges, decisions,
payments, and the ledger and gateway log read-only.

Adding a charge, a decision or a desk payment goes through the services (ledger entries,
instalments, allocation); nothing in the ledger is ever edited here — a charge is taken back
with the "cancel" action, which appends a reversal.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from podkowa.core.admin import (
    AuditedPersonalDataAdmin,
    ReadOnlyAdminMixin,
    RulesModelAdmin,
    TenantAdminMixin,
)
from podkowa.payments.models import (
    Allocation,
    BankStatement,
    Charge,
    ChargeSource,
    FormalReminder,
    GatewayNotification,
    LedgerEntry,
    LombardRate,
    MeterReading,
    Payer,
    Payment,
    PaymentOrder,
    PaymentSettings,
    StatementLine,
    TaxDecision,
    WasteDeclaration,
    WaterMeter,
)
from podkowa.payments.services import exports
from podkowa.payments.services.imports import charges_import
from podkowa.payments.services.ledger import charge_cancel, charge_create, payment_record
from podkowa.payments.services.reminders import formal_reminder_issue
from podkowa.payments.services.statements import statement_import, statement_line_assign
from podkowa.payments.services.taxes import tax_decision_issue
from podkowa.payments.templatetags.payments_tags import zl

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, name: str, content_type: str):
    from django.http import HttpResponse

    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _notice_link(kind: str, obj):
    from django.urls import reverse
    from django.utils.html import format_html

    return format_html('<a href="{}">{}</a>', reverse(
        "payments:office_charge_notice", kwargs={"kind": kind, "object_id": obj.pk}), _("PDF"))


class TownForeignKeysMixin:
    """Choices of payer and source come from the request's town only."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "payer":
            kwargs["queryset"] = Payer.objects.filter(gmina=request.gmina)
        elif db_field.name == "source":
            kwargs["queryset"] = ChargeSource.objects.filter(gmina=request.gmina,
                                                             is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class WrittenByServiceMixin(TownForeignKeysMixin):
    """Added through a service; afterwards only looked at."""

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj is not None else []

    def create(self, request, data: dict):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        saved = self.create(request, form.cleaned_data)
        obj.pk = saved.pk
        obj._state.adding = False

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except ValidationError as error:
            for problem in error.messages:
                self.message_user(request, problem, messages.ERROR)
            from django.shortcuts import redirect

            return redirect(request.get_full_path())


class PeriodChargesForm(forms.Form):
    kind = forms.ChoiceField(label=_("charges"), choices=[
        ("waste", _("waste fee for a period of the town's schedule")),
        ("water", _("water bills of readings not billed yet"))])
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2200, required=False)
    period = forms.IntegerField(label=_("period"), min_value=1, max_value=12, required=False)
    until = forms.DateField(label=_("readings up to"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    payer = forms.ModelChoiceField(label=_("only for the payer"), required=False,
                                   queryset=Payer.objects.none(),
                                   empty_label=_("all payers"))
    expected_count = forms.IntegerField(required=False, widget=forms.HiddenInput)
    expected_total = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, gmina, **kwargs):
        super().__init__(*args, **kwargs)
        from django.utils import timezone

        self.fields["year"].initial = timezone.localdate().year
        self.fields["payer"].queryset = Payer.objects.filter(gmina=gmina)
        from podkowa.payments.services.accounts import payment_settings_for

        dates = payment_settings_for(gmina=gmina).waste_fee_due_dates or []
        self.fields["period"].help_text = _(
            "The town's resolution sets %(count)s due dates a year: %(dates)s.") % {
                "count": len(dates), "dates": ", ".join(map(str, dates)) or "—"}

    def clean(self):
        data = super().clean()
        if data.get("kind") == "waste":
            for name in ("year", "period"):
                if not data.get(name):
                    self.add_error(name, _("Give the year and the period."))
        elif data.get("kind") == "water" and not data.get("until"):
            self.add_error("until", _("Give the date of the last readings to bill."))
        return data


@admin.register(PaymentSettings)
class PaymentSettingsAdmin(TenantAdminMixin, RulesModelAdmin):
    list_display = ["__str__", "gateway", "account_mode"]
    fields = ["account_mode", "recipient_name", "recipient_nip", "gateway", "gateway_config"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(gmina=request.gmina)


@admin.register(ChargeSource)
class ChargeSourceAdmin(TenantAdminMixin, RulesModelAdmin):
    list_display = ["name", "code", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    fields = ["name", "code", "kind", "is_active"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Payer)
class PayerAdmin(AuditedPersonalDataAdmin, TenantAdminMixin, RulesModelAdmin):
    list_display = ["name", "kind", "nip", "address", "user"]
    list_filter = ["kind"]
    search_fields = ["name", "nip", "accounts__number"]
    fields = ["kind", "name", "nip", "pesel", "address", "email", "user"]  # never the hash
    # Linking an account is the verification's business (payer_link_account), not a field;
    # a PESEL is entered with the tax decision that needs it (payer_taxpayer_pesel_set).
    # Reading it here is audited like the rest of the page.
    readonly_fields = ["user", "pesel"]
    actions = ["issue_reminders"]

    @admin.action(description=_("Issue a formal reminder (upomnienie) for overdue taxes"),
                  permissions=["change"])
    def issue_reminders(self, request, queryset):
        from django.utils import timezone

        issued = 0
        for payer in queryset:
            try:
                formal_reminder_issue(gmina=request.gmina, payer_id=payer.pk,
                                      on=timezone.localdate(), actor=request.user)
                issued += 1
            except ValidationError as error:
                for problem in error.messages:
                    self.message_user(request, problem, messages.WARNING)
        self.message_user(request, _("Formal reminders issued: %(count)s.") % {"count": issued})

    def audit_subject(self, obj):
        return obj.user


@admin.register(Charge)
class ChargeAdmin(WrittenByServiceMixin, RulesModelAdmin):
    list_display = ["title", "payer", "source", "amount_zl", "due_date", "reference",
                    "cancelled_at", "notice"]
    list_filter = ["source", "due_date"]
    search_fields = ["title", "reference", "payer__name"]
    fields = ["payer", "source", "title", "amount", "due_date", "reference"]
    actions = ["cancel_charges", "export_csv", "export_xlsx"]
    change_list_template = "admin/payments/charge_change_list.html"

    def get_urls(self):
        from django.urls import path

        return [path("import/", self.admin_site.admin_view(self.import_view),
                     name="payments_charge_import"),
                path("issue/", self.admin_site.admin_view(self.issue_view),
                     name="payments_charge_issue"), *super().get_urls()]

    def issue_view(self, request):
        """Issue a period's waste fee or water charges: preview first, then confirm."""
        from django.core.exceptions import PermissionDenied
        from django.shortcuts import redirect
        from django.template.response import TemplateResponse

        from podkowa.payments.services import period_charges

        if not request.user.has_perm("payments.issue_period_charges", request.gmina):
            raise PermissionDenied
        form = PeriodChargesForm(request.POST or None, gmina=request.gmina)
        plan, errors = None, []
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            payer_id = data["payer"].pk if data["payer"] else None
            try:
                if data["kind"] == "waste":
                    plan = period_charges.waste_fee_plan(
                        gmina=request.gmina, year=data["year"], period=data["period"],
                        payer_id=payer_id)
                else:
                    plan = period_charges.water_bills_plan(
                        gmina=request.gmina, until=data["until"], payer_id=payer_id)
                if request.POST.get("action") == "confirm":
                    expected = {"expected_count": data["expected_count"] or 0,
                                "expected_total": data["expected_total"] or 0,
                                "actor": request.user, "payer_id": payer_id}
                    if data["kind"] == "waste":
                        done = period_charges.waste_fee_period_issue(
                            gmina=request.gmina, year=data["year"], period=data["period"],
                            **expected)
                    else:
                        done = period_charges.water_bills_issue(
                            gmina=request.gmina, until=data["until"], **expected)
                    self.message_user(request, _(
                        "Issued %(count)s charges for %(total)s.") % {
                            "count": done.count, "total": zl(done.total)})
                    return redirect("admin:payments_charge_changelist")
            except ValidationError as error:
                errors = error.messages
        return TemplateResponse(request, "admin/payments/charge_issue.html", {
            **self.admin_site.each_context(request), "form": form, "plan": plan,
            "errors": errors, "title": _("Issue charges for a period"), "opts": self.opts,
            "preview": plan.new[:50] if plan else [],
        }, status=400 if errors or form.errors else 200)

    def import_view(self, request):
        from django.core.exceptions import PermissionDenied
        from django.shortcuts import redirect
        from django.template.response import TemplateResponse

        if not self.has_add_permission(request):
            raise PermissionDenied
        errors = []
        if request.method == "POST" and request.FILES.get("file"):
            upload = request.FILES["file"]
            try:
                result = charges_import(gmina=request.gmina, data=upload.read(),
                                        file_name=upload.name, actor=request.user)
            except ValidationError as error:
                errors = error.messages
            else:
                self.message_user(request, _("Imported charges: %(count)s.")
                                  % {"count": result.created})
                return redirect("admin:payments_charge_changelist")
        return TemplateResponse(request, "admin/payments/charge_import.html", {
            **self.admin_site.each_context(request), "errors": errors,
            "title": _("Import charges"), "opts": self.opts,
        }, status=400 if errors else 200)

    @admin.action(description=_("Export the chosen charges as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        return _download(exports.as_csv(exports.HEADERS_CHARGES,
                                        exports.charge_rows(queryset)), "charges.csv",
                         "text/csv; charset=utf-8")

    @admin.action(description=_("Export the chosen charges as XLSX"), permissions=["view"])
    def export_xlsx(self, request, queryset):
        return _download(exports.as_xlsx(exports.HEADERS_CHARGES,
                                         exports.charge_rows(queryset)), "charges.xlsx", XLSX)

    @admin.display(description=_("amount"))
    def amount_zl(self, obj):
        return zl(obj.amount)

    @admin.display(description=_("notice"))
    def notice(self, obj):
        return _notice_link("naleznosc", obj)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(gmina=request.gmina).select_related(
            "payer", "source")

    def create(self, request, data):
        return charge_create(gmina=request.gmina, payer_id=data["payer"].pk,
                             source=data["source"], title=data["title"], amount=data["amount"],
                             due_date=data["due_date"], reference=data.get("reference", ""),
                             actor=request.user)

    @admin.action(description=_("Cancel the chosen charges (appends reversals)"),
                  permissions=["add"])
    def cancel_charges(self, request, queryset):
        done = 0
        for charge in queryset.filter(cancelled_at__isnull=True):
            charge_cancel(gmina=request.gmina, charge_id=charge.pk, actor=request.user,
                          note=str(_("cancelled in the administration")))
            done += 1
        self.message_user(request, _("Cancelled: %(count)s.") % {"count": done})


class TaxDecisionForm(forms.ModelForm):
    pesel = forms.CharField(label=_("taxpayer's PESEL"), required=False, max_length=11,
                            help_text=_("For a person: kept on the payer record, as the tax "
                                        "and a formal reminder name the taxpayer by it."))

    class Meta:
        model = TaxDecision
        fields = []  # the admin adds the model's fields (in the request's town scope)


@admin.register(TaxDecision)
class TaxDecisionAdmin(WrittenByServiceMixin, RulesModelAdmin):
    list_display = ["number", "payer", "source", "year", "amount_zl", "issued_on", "notice"]
    list_filter = ["year", "source"]
    search_fields = ["number", "payer__name"]
    fields = ["payer", "source", "number", "year", "amount", "issued_on"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = TaxDecisionForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        return [*self.fields, "pesel"] if obj is None else self.fields

    @admin.display(description=_("annual tax"))
    def amount_zl(self, obj):
        return zl(obj.amount)

    @admin.display(description=_("notice"))
    def notice(self, obj):
        return _notice_link("decyzja", obj)

    def create(self, request, data):
        return tax_decision_issue(gmina=request.gmina, payer=data["payer"],
                                  source=data["source"], number=data["number"],
                                  year=data["year"], amount=data["amount"],
                                  issued_on=data["issued_on"], actor=request.user,
                                  pesel=data.get("pesel", ""))


@admin.register(Payment)
class PaymentAdmin(WrittenByServiceMixin, RulesModelAdmin):
    list_display = ["number", "payer", "amount_zl", "method", "reference", "received_at"]
    list_filter = ["method"]
    search_fields = ["number", "reference", "payer__name"]
    fields = ["payer", "amount", "method", "reference", "title", "received_at"]
    actions = ["export_csv", "export_xlsx"]

    @admin.action(description=_("Export the chosen payments as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        return _download(exports.as_csv(exports.HEADERS_PAYMENTS,
                                        exports.payment_rows(queryset)), "payments.csv",
                         "text/csv; charset=utf-8")

    @admin.action(description=_("Export the chosen payments as XLSX"), permissions=["view"])
    def export_xlsx(self, request, queryset):
        return _download(exports.as_xlsx(exports.HEADERS_PAYMENTS,
                                         exports.payment_rows(queryset)), "payments.xlsx", XLSX)

    @admin.display(description=_("amount"))
    def amount_zl(self, obj):
        return zl(obj.amount)

    def has_add_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("payments.add_charge", obj)

    def create(self, request, data):
        return payment_record(gmina=request.gmina, payer_id=data["payer"].pk,
                              amount=data["amount"], method=data["method"],
                              reference=data["reference"], title=data.get("title", ""),
                              received_at=data.get("received_at")).payment


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdminMixin, RulesModelAdmin):
    list_display = ["at", "payer", "kind", "amount", "charge", "payment", "note"]
    list_filter = ["kind"]
    search_fields = ["payer__name"]
    actions = None


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdminMixin, RulesModelAdmin):
    list_display = ["at", "payment", "charge", "amount"]
    actions = None


@admin.register(PaymentOrder)
class PaymentOrderAdmin(ReadOnlyAdminMixin, RulesModelAdmin):
    list_display = ["session_id", "payer", "gateway", "amount", "status", "created_at",
                    "paid_at"]
    list_filter = ["gateway", "status"]
    search_fields = ["session_id", "gateway_order_id", "payer__name"]
    actions = None


@admin.register(GatewayNotification)
class GatewayNotificationAdmin(ReadOnlyAdminMixin, RulesModelAdmin):
    list_display = ["received_at", "gateway", "session_id", "verdict", "flagged"]
    list_filter = ["flagged", "verdict", "gateway"]
    search_fields = ["session_id"]
    actions = None


class StatementUploadForm(forms.ModelForm):
    file = forms.FileField(label=_("statement file (MT940 or camt.053)"))

    class Meta:
        model = BankStatement
        fields = []


@admin.register(BankStatement)
class BankStatementAdmin(WrittenByServiceMixin, RulesModelAdmin):
    list_display = ["imported_at", "statement_id", "format", "file_name", "lines_total",
                    "lines_matched", "imported_by"]
    list_filter = ["format"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = StatementUploadForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["file"]
        return ["statement_id", "format", "account", "file_name", "sha256", "lines_total",
                "lines_matched", "imported_at", "imported_by"]

    def has_add_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("payments.add_charge", obj)

    def create(self, request, data):
        upload = data["file"]
        result = statement_import(gmina=request.gmina, data=upload.read(),
                                  file_name=upload.name, actor=request.user)
        if result.created:
            self.message_user(request, _(
                "Imported: %(matched)s matched, %(unmatched)s for a clerk, %(ignored)s not "
                "payments, %(known)s already known.") % {
                    "matched": result.matched, "unmatched": result.unmatched,
                    "ignored": result.ignored, "known": result.already_known})
        else:
            self.message_user(request, _("This statement was imported before; nothing "
                                         "changed."), messages.WARNING)
        return result.statement


@admin.register(StatementLine)
class StatementLineAdmin(TownForeignKeysMixin, RulesModelAdmin):
    """The clerk's queue: an unmatched line gets its payer here, and is then credited."""

    list_display = ["booked_on", "amount_zl", "title", "counterparty", "status", "matched_by",
                    "payer"]
    list_filter = ["status", "matched_by"]
    search_fields = ["title", "counterparty", "bank_reference"]
    fields = ["statement", "booked_on", "amount", "currency", "title", "counterparty",
              "counterparty_account", "target_account", "bank_reference", "status",
              "matched_by", "payer", "payment"]
    actions = None

    @admin.display(description=_("amount"))
    def amount_zl(self, obj):
        return zl(obj.amount)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == StatementLine.Status.UNMATCHED:
            return [f for f in self.fields if f != "payer"]
        return self.fields

    def has_change_permission(self, request, obj=None) -> bool:
        allowed = request.user.has_perm("payments.add_charge", obj)
        return allowed and (obj is None or obj.status == StatementLine.Status.UNMATCHED)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("payments.view_charge", obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        if obj.payer_id:
            statement_line_assign(gmina=request.gmina, line_id=obj.pk, payer_id=obj.payer_id,
                                  actor=request.user)


@admin.register(LombardRate)
class LombardRateAdmin(RulesModelAdmin):
    list_display = ["valid_from", "percent"]


@admin.register(FormalReminder)
class FormalReminderAdmin(ReadOnlyAdminMixin, RulesModelAdmin):
    list_display = ["number", "payer", "issued_on", "arrears_zl", "interest_zl", "pdf"]
    search_fields = ["number", "payer__name"]
    fields = ["number", "payer", "issued_on", "arrears", "interest", "cost", "created_by"]
    actions = None

    @admin.display(description=_("arrears"))
    def arrears_zl(self, obj):
        return zl(obj.arrears)

    @admin.display(description=_("interest"))
    def interest_zl(self, obj):
        return zl(obj.interest)

    @admin.display(description=_("PDF"))
    def pdf(self, obj):
        from django.urls import reverse
        from django.utils.html import format_html

        return format_html('<a href="{}">{}</a>', reverse(
            "payments:reminder_pdf", kwargs={"reminder_id": obj.pk}), obj.number)


@admin.register(WasteDeclaration)
class WasteDeclarationAdmin(AuditedPersonalDataAdmin, TownForeignKeysMixin, TenantAdminMixin,
                            RulesModelAdmin):
    list_display = ["number", "payer", "address", "monthly_zl", "valid_from", "valid_to"]
    search_fields = ["number", "payer__name", "address"]
    fields = ["payer", "number", "address", "monthly_amount", "valid_from", "valid_to"]

    @admin.display(description=_("monthly fee"))
    def monthly_zl(self, obj):
        return zl(obj.monthly_amount)

    def audit_subject(self, obj):
        return obj.payer.user


@admin.register(WaterMeter)
class WaterMeterAdmin(TownForeignKeysMixin, TenantAdminMixin, RulesModelAdmin):
    list_display = ["serial", "payer", "address", "is_active"]
    search_fields = ["serial", "payer__name", "address"]
    fields = ["payer", "serial", "address", "is_active"]


@admin.register(MeterReading)
class MeterReadingAdmin(ReadOnlyAdminMixin, RulesModelAdmin):
    list_display = ["meter", "read_on", "litres", "channel", "charge"]
    list_filter = ["channel"]
    search_fields = ["meter__serial"]
    actions = None
