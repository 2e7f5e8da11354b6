"""Administration of accounts for the town's officials: residents, officials and the registers.

Permissions come from podkowa/accounts/rules.py; every look at a person's data is audited
(AuditedPersonalDataAdmin); the registers (consents, verifications, identities, tokens) are
read-only here because their rows are evidence written by the services.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from podkowa.accounts.models import (
    ApiToken,
    Consent,
    ConsentText,
    Department,
    ErasureRequest,
    ExternalLoginRefusal,
    IdentityConflict,
    Official,
    OfficialRole,
    PersonIdentity,
    Representation,
    RepresentedAction,
    ResidencyDeclaration,
    ResidencyPolicy,
    ResidencyRegisterEntry,
    ResidentProfile,
    User,
    VerificationEvent,
    VerifiedAttribute,
)
from podkowa.accounts.services.officials import official_staff_sync
from podkowa.accounts.services.verification import resident_verify_at_desk
from podkowa.core.admin import (
    AuditedPersonalDataAdmin,
    ReadOnlyAdminMixin,
    RulesModelAdmin,
    RulesTabularInline,
    TenantAdminMixin,
)


def _people_of_town(request):
    """Accounts the town has anything to do with: its residents and its officials."""
    return Q(resident_profiles__gmina=request.gmina) | Q(official_posts__gmina=request.gmina)


# --- accounts -------------------------------------------------------------------------------


@admin.register(User)
class UserAdmin(AuditedPersonalDataAdmin, RulesModelAdmin):
    # No password field at all: not even the hash's algorithm and salt are shown, and a new
    # password is set by the person through "forgot password".
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff",
                    "email_confirmed_at"]
    list_filter = ["is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    ordering = ["email"]
    fields = ["email", "first_name", "last_name", "language", "is_active", "is_staff",
              "email_confirmed_at", "date_joined", "last_login", "anonymised_at"]
    readonly_fields = ["is_staff", "email_confirmed_at", "date_joined", "last_login",
                       "anonymised_at"]

    def audit_subject(self, obj):
        return obj

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(_people_of_town(request)).distinct()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.set_unusable_password()
        super().save_model(request, obj, form, change)


# --- residents ------------------------------------------------------------------------------


class DeskVerificationForm(forms.Form):
    pesel = forms.CharField(
        label=gettext_lazy("PESEL"),
        max_length=20,
        help_text=gettext_lazy("Read from the document; it is checked and never stored."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    document = forms.CharField(
        label=gettext_lazy("Document checked"),
        max_length=200,
        help_text=gettext_lazy("Type and number, e.g. identity card ABC123456."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class ResidentCardForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Card number"), max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


@admin.register(ResidentProfile)
class ResidentProfileAdmin(AuditedPersonalDataAdmin, RulesModelAdmin):
    list_display = ["user", "email", "verification_level", "city", "created_at"]
    list_filter = ["verification_level"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "street"]
    list_select_related = ["user"]
    fields = ["user", "email", "phone", "street", "postal_code", "city", "notify_by_email",
              "notify_by_sms", "verification_level", "verified_attributes",
              "verification_history", "created_at"]
    readonly_fields = ["user", "email", "verification_level", "verified_attributes",
                       "verification_history", "created_at"]
    change_form_template = "admin/accounts/residentprofile/change_form.html"

    @admin.display(description=gettext_lazy("e-mail"), ordering="user__email")
    def email(self, obj):
        return obj.user.email

    @admin.display(description=gettext_lazy("confirmed by a trusted source"))
    def verified_attributes(self, obj):
        attributes = VerifiedAttribute.objects.filter(user=obj.user).order_by("kind")
        if not attributes:
            return _("none yet")
        return format_html("<ul>{}</ul>", format_html_join(
            "", "<li>{}: {} ({})</li>",
            ((a.get_kind_display(), a.value, a.get_source_display()) for a in attributes),
        ))

    @admin.display(description=gettext_lazy("verifications"))
    def verification_history(self, obj):
        events = VerificationEvent.objects.filter(gmina=obj.gmina, user=obj.user).select_related(
            "official"
        )[:20]
        if not events:
            return _("none yet")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} — {}, {} ({})</li>",
                (
                    (
                        localtime(e.at).strftime("%Y-%m-%d %H:%M"),
                        e.get_method_display(),
                        e.get_outcome_display(),
                        e.official.email if e.official else "—",
                    )
                    for e in events
                ),
            ),
        )

    def has_add_permission(self, request, obj=None):
        # Residents register themselves; the desk verifies an existing account.
        return False

    def has_verify_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("accounts.verify_residentprofile", obj)

    def get_urls(self):
        urls = super().get_urls()
        verify = path(
            "<path:object_id>/verify/",
            self.admin_site.admin_view(self.verify_view),
            name="accounts_residentprofile_verify",
        )
        card = path(
            "<path:object_id>/resident-card/",
            self.admin_site.admin_view(self.resident_card_view),
            name="accounts_residentprofile_resident_card",
        )
        return [verify, card, *urls]

    def resident_card_view(self, request, object_id):
        """The desk records the number of the resident card it issued."""
        from podkowa.accounts.services.residency import resident_card_record

        profile = self.get_object(request, unquote(object_id))
        if profile is None:
            raise Http404
        if not self.has_verify_permission(request, profile):
            raise PermissionDenied
        form = ResidentCardForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                resident_card_record(gmina=request.gmina, official=request.user,
                                     user=profile.user, number=form.cleaned_data["number"])
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error)
            else:
                self.message_user(request, _("The resident card of %(person)s is recorded.")
                                  % {"person": profile.user}, messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:accounts_residentprofile_change", args=[profile.pk]))
        else:
            self.render_audit(request, profile)
        return TemplateResponse(request, "admin/accounts/residentprofile/resident_card.html", {
            **self.admin_site.each_context(request),
            "title": _("Resident card: %(person)s") % {"person": profile.user},
            "opts": self.opts, "original": profile, "form": form, "has_view_permission": True,
        })

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, unquote(object_id))
        extra_context["can_verify"] = obj is not None and self.has_verify_permission(request, obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def verify_view(self, request, object_id):
        """The desk's form: PESEL and document seen, then the verification service."""
        profile = self.get_object(request, unquote(object_id))
        if profile is None:
            raise Http404
        if not self.has_verify_permission(request, profile):
            raise PermissionDenied
        form = DeskVerificationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                resident_verify_at_desk(
                    gmina=request.gmina,
                    official=request.user,
                    user=profile.user,
                    pesel=form.cleaned_data["pesel"],
                    document=form.cleaned_data["document"],
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error)
            else:
                self.message_user(
                    request,
                    _("%(person)s is now a verified resident.") % {"person": profile.user},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:accounts_residentprofile_change", args=[profile.pk])
                )
        else:
            # The page shows who is being verified: a read like any other.
            self.render_audit(request, profile)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Verify at the desk: %(person)s") % {"person": profile.user},
            "opts": self.opts,
            "original": profile,
            "form": form,
            "has_view_permission": True,
        }
        return TemplateResponse(
            request, "admin/accounts/residentprofile/verify.html", context
        )

    def render_audit(self, request, profile) -> None:
        from podkowa.core.services import audit_personal_data_read

        audit_personal_data_read(
            gmina=request.gmina,
            actor=request.user,
            subject=profile.user,
            what=_("desk verification form"),
            object_ref=f"{self.opts.label_lower}:{profile.pk}",
            request=request,
        )


# --- officials ------------------------------------------------------------------------------


class OfficialRoleInline(TenantAdminMixin, RulesTabularInline):
    model = OfficialRole
    extra = 1
    fields = ["role"]


@admin.register(Official)
class OfficialAdmin(TenantAdminMixin, RulesModelAdmin):
    list_display = ["user", "job_title", "department", "is_active", "roles_list"]
    list_filter = ["is_active", "department"]
    search_fields = ["user__email", "user__last_name", "job_title"]
    list_select_related = ["user", "department"]
    raw_id_fields = ["user"]
    fields = ["user", "job_title", "department", "is_active"]
    inlines = [OfficialRoleInline]

    def get_readonly_fields(self, request, obj=None):
        # A post belongs to one person; moving it to another would leave the first one's staff
        # flag behind. Close the post and open a new one instead.
        return ["user"] if obj is not None else []

    @admin.display(description=gettext_lazy("roles"))
    def roles_list(self, obj):
        return ", ".join(sorted(r.get_role_display() for r in obj.roles.all()))

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("roles")

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        # The staff flag follows the posts: appointed → may enter the admin; removed → may not.
        official_staff_sync(user=form.instance.user)

    def delete_model(self, request, obj):
        user = obj.user
        super().delete_model(request, obj)
        official_staff_sync(user=user)


@admin.register(Department)
class DepartmentAdmin(TenantAdminMixin, RulesModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    fields = ["name"]


# --- consents -------------------------------------------------------------------------------


@admin.register(ConsentText)
class ConsentTextAdmin(TenantAdminMixin, RulesModelAdmin):
    list_display = ["kind", "version", "published_at"]
    list_filter = ["kind"]
    fields = ["kind", "version", "text", "published_at"]

    def get_readonly_fields(self, request, obj=None):
        # People agreed to exactly these words: a new wording is a new version, never an edit.
        return self.fields if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Consent)
class ConsentAdmin(AuditedPersonalDataAdmin, ReadOnlyAdminMixin, RulesModelAdmin):
    list_display = ["user", "kind", "text", "granted_at", "granted_channel", "revoked_at"]
    list_filter = ["kind", "granted_channel"]
    search_fields = ["user__email", "user__last_name"]
    list_select_related = ["user", "text"]
    fields = ["user", "kind", "text", "granted_at", "granted_channel", "revoked_at",
              "revoked_channel"]
    readonly_fields = fields


@admin.register(VerificationEvent)
class VerificationEventAdmin(AuditedPersonalDataAdmin, ReadOnlyAdminMixin, RulesModelAdmin):
    list_display = ["at", "user", "method", "outcome", "level", "official"]
    list_filter = ["method", "outcome"]
    search_fields = ["user__email", "user__last_name"]
    list_select_related = ["user", "official"]
    # The keyed PESEL hash is left out: it is a de-duplication key, not something to read.
    fields = ["at", "user", "method", "outcome", "level", "official", "document"]
    readonly_fields = fields


@admin.register(PersonIdentity)
class PersonIdentityAdmin(AuditedPersonalDataAdmin, ReadOnlyAdminMixin, RulesModelAdmin):
    list_display = ["user", "created_at"]
    search_fields = ["user__email", "user__last_name"]
    fields = ["user", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(user__resident_profiles__gmina=request.gmina).distinct()


@admin.register(IdentityConflict)
class IdentityConflictAdmin(AuditedPersonalDataAdmin, ReadOnlyAdminMixin, RulesModelAdmin):
    """Two accounts claiming one person, found by the services when they refused the second."""

    list_display = ["created_at", "kind", "user_email", "holder_email", "method", "status"]
    list_filter = ["status", "kind", "method"]
    search_fields = ["user__email", "holder__email", "user__last_name"]
    list_select_related = ["user", "holder", "resolved_by"]
    fields = ["created_at", "kind", "user", "holder", "method", "status", "resolved_by",
              "resolved_at", "resolution_note"]
    readonly_fields = fields
    actions = ["resolve"]

    @admin.display(description=gettext_lazy("account that tried"), ordering="user__email")
    def user_email(self, obj):
        return obj.user.email

    @admin.display(description=gettext_lazy("account already verified as the person"),
                   ordering="holder__email")
    def holder_email(self, obj):
        return obj.holder.email if obj.holder else "—"

    def has_resolve_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("accounts.resolve_identityconflict", obj)

    @admin.action(description=gettext_lazy("Mark the selected conflicts as resolved"),
                  permissions=["resolve"])
    def resolve(self, request, queryset):
        from podkowa.accounts.services.login_gov import identity_conflict_resolve

        done = 0
        for conflict in queryset.filter(status=IdentityConflict.Status.OPEN):
            identity_conflict_resolve(gmina=request.gmina, conflict_id=conflict.pk,
                                      official=request.user,
                                      note=_("Resolved in the administration."))
            done += 1
        self.message_user(
            request,
            ngettext("%(count)d conflict resolved.", "%(count)d conflicts resolved.", done)
            % {"count": done},
            messages.SUCCESS if done else messages.WARNING,
        )


@admin.register(ExternalLoginRefusal)
class ExternalLoginRefusalAdmin(ReadOnlyAdminMixin, RulesModelAdmin):
    list_display = ["at", "code", "message", "detail"]
    list_filter = ["code"]
    fields = ["at", "code", "message", "detail"]
    readonly_fields = fields


# --- residence ----------------------------------------------------------------------------


@admin.register(ResidencyPolicy)
class ResidencyPolicyAdmin(TenantAdminMixin, RulesModelAdmin):
    list_display = ["mode"]
    fields = ["mode"]


def _confirm_each(model_admin, request, queryset, *, confirm_one, name_of, summary) -> None:
    """A desk confirmation run on each selected row: every refusal is shown with the person's
    name, then how many went through."""
    done = 0
    for obj in queryset:
        try:
            confirm_one(obj)
        except (ValidationError, PermissionDenied) as error:
            model_admin.message_user(request, _("%(person)s: %(error)s") % {
                "person": name_of(obj), "error": " ".join(_messages_of(error))},
                messages.ERROR)
        else:
            done += 1
    model_admin.message_user(request, summary(done) % {"count": done},
                             messages.SUCCESS if done else messages.WARNING)


@admin.register(ResidencyDeclaration)
class ResidencyDeclarationAdmin(AuditedPersonalDataAdmin, ReadOnlyAdminMixin, RulesModelAdmin):
    list_display = ["declared_at", "user", "street", "city", "since", "status", "confirmed_by"]
    list_filter = ["status", "confirmed_by"]
    search_fields = ["user__email", "user__last_name", "street"]
    list_select_related = ["user"]
    fields = ["user", "street", "postal_code", "city", "since", "declared_at", "status",
              "confirmed_by", "confirmed_at", "official"]
    readonly_fields = fields
    actions = ["confirm"]

    def has_confirm_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("accounts.confirm_residencydeclaration", obj)

    @admin.action(description=gettext_lazy("Confirm the selected declarations (seen at the "
                                            "desk)"), permissions=["confirm"])
    def confirm(self, request, queryset):
        from podkowa.accounts.services.residency import residency_confirm_at_desk

        _confirm_each(
            self, request, queryset,
            confirm_one=lambda declaration: residency_confirm_at_desk(
                gmina=request.gmina, official=request.user, declaration_id=declaration.pk),
            name_of=lambda declaration: declaration.user,
            summary=lambda done: ngettext("%(count)d declaration confirmed.",
                                          "%(count)d declarations confirmed.", done),
        )


@admin.register(Representation)
class RepresentationAdmin(AuditedPersonalDataAdmin, ReadOnlyAdminMixin, RulesModelAdmin):
    list_display = ["requested_at", "representative", "kind", "name", "nip", "document",
                    "status"]
    list_filter = ["status", "kind"]
    search_fields = ["representative__email", "name", "nip"]
    list_select_related = ["representative"]
    fields = ["representative", "kind", "name", "nip", "document", "status", "requested_at",
              "confirmed_by", "confirmed_at"]
    readonly_fields = fields
    actions = ["confirm"]

    def audit_subject(self, obj):
        return obj.representative

    def has_confirm_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("accounts.confirm_representation", obj)

    @admin.action(description=gettext_lazy("Confirm the selected authorisations (document "
                                            "seen)"), permissions=["confirm"])
    def confirm(self, request, queryset):
        from podkowa.accounts.services.representation import representation_confirm

        _confirm_each(
            self, request, queryset,
            confirm_one=lambda representation: representation_confirm(
                gmina=request.gmina, official=request.user,
                representation_id=representation.pk),
            name_of=lambda representation: representation.name,
            summary=lambda done: ngettext("%(count)d authorisation confirmed.",
                                          "%(count)d authorisations confirmed.", done),
        )


@admin.register(RepresentedAction)
class RepresentedActionAdmin(AuditedPersonalDataAdmin, ReadOnlyAdminMixin, RulesModelAdmin):
    list_display = ["at", "user", "representation", "method", "path"]
    list_select_related = ["user", "representation"]
    search_fields = ["user__email", "representation__name", "representation__nip"]
    fields = ["at", "user", "representation", "method", "path"]
    readonly_fields = fields


class RegisterImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Register file (CSV)"))


@admin.register(ResidencyRegisterEntry)
class ResidencyRegisterEntryAdmin(ReadOnlyAdminMixin, RulesModelAdmin):
    change_list_template = "admin/accounts/residencyregisterentry/change_list.html"
    list_display = ["__str__", "imported_at"]
    fields = ["imported_at"]
    readonly_fields = fields

    def get_urls(self):
        view = path("import/", self.admin_site.admin_view(self.import_view),
                    name="accounts_residencyregisterentry_import")
        return [view, *super().get_urls()]

    def import_view(self, request):
        from podkowa.accounts.services.residency import residency_register_import

        if not request.user.has_perm("accounts.import_residencyregisterentry"):
            raise PermissionDenied
        form = RegisterImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                count = residency_register_import(gmina=request.gmina, official=request.user,
                                                  data=form.cleaned_data["file"].read())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, ngettext(
                    "%(count)d person in the register.", "%(count)d people in the register.",
                    count) % {"count": count}, messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:accounts_residencyregisterentry_changelist"))
        return TemplateResponse(request, "admin/accounts/residencyregisterentry/import.html", {
            **self.admin_site.each_context(request), "title": _("Import the register"),
            "opts": self.opts, "form": form,
        })


# --- tokens and erasure ---------------------------------------------------------------------


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, RulesModelAdmin):
    list_display = ["name", "user", "prefix", "channel", "created_at", "last_used_at",
                    "revoked_at"]
    list_filter = ["channel", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "name", "prefix"]
    list_select_related = ["user"]
    fields = ["name", "user", "prefix", "channel", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_revoke_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("accounts.revoke_apitoken", obj)

    @admin.action(description=gettext_lazy("Revoke the selected tokens"), permissions=["revoke"])
    def revoke(self, request, queryset):
        from podkowa.accounts.services.tokens import api_token_revoke

        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(gmina=request.gmina, user=token.user, token_id=token.pk)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(ErasureRequest)
class ErasureRequestAdmin(AuditedPersonalDataAdmin, ReadOnlyAdminMixin, RulesModelAdmin):
    list_display = ["user", "requested_at", "status", "resolved_by", "resolved_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "user__last_name"]
    list_select_related = ["user", "resolved_by"]
    fields = ["user", "requested_at", "reason", "status", "resolved_by", "resolved_at",
              "resolution_note"]
    readonly_fields = fields
    actions = ["execute"]

    def has_execute_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("accounts.execute_erasurerequest", obj)

    @admin.action(
        description=gettext_lazy("Carry out the selected erasure requests"),
        permissions=["execute"],
    )
    def execute(self, request, queryset):
        from podkowa.accounts.services.erasure import erasure_request_execute

        done = 0
        for erasure in queryset.filter(status=ErasureRequest.Status.PENDING):
            try:
                erasure_request_execute(
                    gmina=request.gmina, request_id=erasure.pk, official=request.user
                )
            except (ValidationError, PermissionDenied) as error:
                self.message_user(
                    request,
                    _("%(person)s: %(error)s")
                    % {"person": erasure.user, "error": " ".join(_messages_of(error))},
                    messages.ERROR,
                )
            else:
                done += 1
        self.message_user(
            request,
            ngettext("%(count)d request carried out.", "%(count)d requests carried out.", done)
            % {"count": done},
            messages.SUCCESS if done else messages.WARNING,
        )


def _messages_of(error: Exception) -> list[str]:
    if isinstance(error, ValidationError):
        return list(error.messages)
    return [str(error) or _("You may not do this.")]
