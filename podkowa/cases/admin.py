"""The case catalogue in the administration (types, form versions, reply templates), and the
cases themselves read-only until the back office arrives."""

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from podkowa.cases.models import (
    Case,
    CaseTransition,
    CaseType,
    FormVersion,
    IncomingLetter,
    Letter,
    ReplyTemplate,
    Status,
)
from podkowa.cases.services.catalogue import form_version_publish, form_version_update
from podkowa.cases.services.formdef import form_definition_validate
from podkowa.core.admin import (
    AuditedPersonalDataAdmin,
    ReadOnlyAdminMixin,
    RulesModelAdmin,
    RulesTabularInline,
    TenantAdminMixin,
)


class CaseTypeForm(forms.ModelForm):
    notify_statuses = forms.MultipleChoiceField(
        label=_("statuses that notify the applicant"), choices=Status.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = CaseType
        # Only the non-relational field here: a foreign key's choices are read when the class
        # is built, outside any town's scope. The admin adds the rest per request.
        fields = ["notify_statuses"]


class FormVersionInline(RulesTabularInline):
    model = FormVersion
    extra = 0
    fields = ["number", "published_at", "published_by"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # a new version is published from the form versions page


@admin.register(CaseType)
class CaseTypeAdmin(TenantAdminMixin, RulesModelAdmin):
    form = CaseTypeForm
    inlines = [FormVersionInline]
    list_display = ["name", "number_prefix", "department", "deadline", "app_allowed",
                    "is_active"]
    list_filter = ["is_active", "app_allowed", "deadline"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description", "department", "number_prefix", "deadline",
              "deadline_days", "app_allowed", "notify_statuses", "is_active"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "department":
            from podkowa.accounts.models import Department

            kwargs["queryset"] = Department.objects.filter(gmina=request.gmina)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class FormDefinitionField(forms.CharField):
    """The form's fields as JSON text (a list of {key, type, label, …})."""

    widget = forms.Textarea(attrs={"rows": 20, "cols": 90, "class": "vLargeTextField"})

    def prepare_value(self, value):
        if isinstance(value, list | dict):
            return json.dumps(value, ensure_ascii=False, indent=2)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        try:
            parsed = json.loads(text or "[]")
        except json.JSONDecodeError as error:
            raise ValidationError(_("This is not valid JSON: %(error)s") % {"error": error}
                                  ) from None
        try:
            return form_definition_validate(parsed)
        except ValidationError as error:
            raise ValidationError(error.message_dict.get("definition", error.messages)
                                  ) from None


class FormVersionForm(forms.ModelForm):
    definition = FormDefinitionField(label=_("form fields"), help_text=_(
        "A JSON list of fields. Each has a key, a type (text, textarea, email, phone, date, "
        "integer, choice, checkbox, pesel, postal_code, address, people, attachments), a "
        "label and optionally required; choice needs choices; attachments need kinds "
        "(image, pdf), max_size_mb and max_count."))

    class Meta:
        model = FormVersion
        fields = ["definition"]  # (see CaseTypeForm for why not case_type)


@admin.register(FormVersion)
class FormVersionAdmin(TenantAdminMixin, RulesModelAdmin):
    form = FormVersionForm
    list_display = ["case_type", "number", "published_at", "published_by"]
    list_filter = ["case_type"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.is_used:
            return ["case_type", "number", "definition", "published_at", "published_by"]
        return ["case_type", "number", "published_at", "published_by"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["case_type", "definition"]
        return ["case_type", "number", "definition", "published_at", "published_by"]

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_used:
            return False  # shown read-only: cases were filed with it
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "case_type":
            kwargs["queryset"] = CaseType.objects.filter(gmina=request.gmina)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            saved = form_version_update(gmina=request.gmina, form_version_id=obj.pk,
                                        definition=form.cleaned_data["definition"])
        else:
            saved = form_version_publish(
                gmina=request.gmina, case_type_id=form.cleaned_data["case_type"].pk,
                definition=form.cleaned_data["definition"], actor=request.user)
        obj.pk, obj.number = saved.pk, saved.number
        obj._state.adding = False


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(TenantAdminMixin, RulesModelAdmin):
    list_display = ["title", "department"]
    list_filter = ["department"]
    search_fields = ["title", "body"]
    fields = ["department", "title", "body"]


class CaseTransitionInline(RulesTabularInline):
    model = CaseTransition
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("cases.handle_case", obj)


@admin.register(Case)
class CaseAdmin(AuditedPersonalDataAdmin, ReadOnlyAdminMixin, RulesModelAdmin):
    list_display = ["number", "case_type", "applicant", "status", "filed_at", "due_date",
                    "assigned_to"]
    list_filter = ["status", "case_type", "department"]
    search_fields = ["number", "applicant__last_name", "applicant__email"]
    date_hierarchy = "filed_at"
    fields = ["number", "case_type", "form_version", "applicant", "status", "channel",
              "filed_at", "due_date", "paused_since", "paused_days", "department",
              "assigned_to", "data", "content_hash"]
    readonly_fields = fields
    inlines = [CaseTransitionInline]
    actions = None

    def audit_subject(self, obj):
        return obj.applicant

    def get_queryset(self, request):
        return super().get_queryset(request).filter(gmina=request.gmina).select_related(
            "case_type", "applicant", "assigned_to")


@admin.register(IncomingLetter)
class IncomingLetterAdmin(ReadOnlyAdminMixin, RulesModelAdmin):
    """The intake register: every document the office's boxes received, as it arrived. A
    letter that was not written on the website (problem set) is registered by a person."""

    list_display = ["stored_at", "channel", "sender", "title", "case", "problem"]
    list_filter = ["channel"]
    search_fields = ["sender", "title", "message_id"]
    fields = ["channel", "message_id", "sender", "sender_address", "received_at", "stored_at",
              "title", "signer", "document", "document_sha256", "letter", "case", "problem"]
    readonly_fields = fields
    actions = None

    def get_queryset(self, request):
        return super().get_queryset(request).filter(gmina=request.gmina).select_related("case")


@admin.register(Letter)
class LetterAdmin(AuditedPersonalDataAdmin, ReadOnlyAdminMixin, RulesModelAdmin):
    """Letters residents wrote on the website, with their delivery state and receipt."""

    list_display = ["created_at", "author", "channel", "title", "status", "receipt_id", "case"]
    list_filter = ["status", "channel"]
    search_fields = ["title", "receipt_id", "author__last_name"]
    fields = ["author", "channel", "title", "body", "attachments", "recipient_address",
              "status", "attempts", "next_attempt_at", "last_error", "created_at",
              "submitted_at", "receipt_kind", "receipt_id", "receipt", "document",
              "document_sha256", "case"]
    readonly_fields = fields
    actions = None

    def audit_subject(self, obj):
        return obj.author

    def get_queryset(self, request):
        return super().get_queryset(request).filter(gmina=request.gmina).select_related(
            "author", "case")
