"""Register definitions made by officials without code (registers, their typed attributes,
dictionaries), and the objects: edited through the same services as the APIs, with their
history and the restoring of an earlier version."""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from podkowa.core.admin import (
    RulesModelAdmin,
    RulesTabularInline,
    TenantAdminMixin,
    WKTWidget,
)
from podkowa.registers.models import (
    Attribute,
    Dictionary,
    DictionaryEntry,
    ObjectVersion,
    Register,
    RegisterObject,
    TreeFeeRate,
    TreeSpecies,
)
from podkowa.registers.selectors.objects import visible_attributes
from podkowa.registers.selectors.styles import STATUS, stylable_fields
from podkowa.registers.services.attributes import attributes_clean
from podkowa.registers.services.objects import (
    geometry_clean,
    object_create,
    object_restore,
    object_update,
)


class DictionaryEntryInline(RulesTabularInline):
    model = DictionaryEntry
    extra = 3
    fields = ["code", "label", "order"]


@admin.register(Dictionary)
class DictionaryAdmin(TenantAdminMixin, RulesModelAdmin):
    inlines = [DictionaryEntryInline]
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug"]


class AttributeInline(RulesTabularInline):
    model = Attribute
    fk_name = "register"
    extra = 1
    fields = ["order", "key", "label", "kind", "unit", "dictionary", "link_register",
              "required", "personal"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "dictionary":
            kwargs["queryset"] = Dictionary.objects.filter(gmina=request.gmina)
        if db_field.name == "link_register":
            kwargs["queryset"] = Register.objects.filter(gmina=request.gmina)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RegisterForm(forms.ModelForm):
    """The map's styling field chosen from the register's own fields (saved ones: a field
    added in the same form is offered once the register is saved)."""

    style_key = forms.ChoiceField(label=_("colour the map by"), required=False)

    class Meta:
        model = Register
        fields = ["name", "slug", "description", "geometry_kind", "editor_role", "is_public",
                  "colour", "style_key", "order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["style_key"]
        field.help_text = Register._meta.get_field("style_key").help_text
        stylable = stylable_fields(self.instance) if self.instance.pk else [
            (STATUS, _("Status"))]
        field.choices = [("", _("— the map colour only —")), *stylable]


@admin.register(Register)
class RegisterAdmin(TenantAdminMixin, RulesModelAdmin):
    form = RegisterForm
    inlines = [AttributeInline]
    list_display = ["name", "slug", "geometry_kind", "editor_role", "is_public"]
    list_filter = ["geometry_kind", "is_public"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description", "geometry_kind", "editor_role", "is_public",
              "colour", "style_key", "order"]

    def get_readonly_fields(self, request, obj=None):
        # Objects are checked against the geometry kind when written: it cannot change later.
        if obj is not None and RegisterObject.objects.filter(
                gmina=request.gmina, register=obj).exists():
            return ["geometry_kind"]
        return []


class AttributesField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 10, "cols": 80, "class": "vLargeTextField"})

    def prepare_value(self, value):
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False, indent=2)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        try:
            parsed = json.loads(text or "{}")
        except json.JSONDecodeError as error:
            raise ValidationError(_("This is not valid JSON: %(error)s") % {"error": error}
                                  ) from None
        if not isinstance(parsed, dict):
            raise ValidationError(_("Give an object keyed by the register's field keys."))
        return parsed


class RegisterObjectForm(forms.ModelForm):
    geometry_wkt = forms.CharField(
        label=_("geometry (WKT, longitude first)"), widget=WKTWidget,
        help_text=_("E.g. POINT (20.7286 52.1225) or LINESTRING (20.72 52.12, 20.73 52.12)."))
    attributes = AttributesField(label=_("attributes"), required=False, help_text=_(
        "A JSON object keyed by the register's field keys."))

    class Meta:
        model = RegisterObject
        fields = ["status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["geometry_wkt"] = self.instance.geometry.wkt
            self.initial["attributes"] = self.instance.attributes

    def clean_geometry_wkt(self):
        try:
            return GEOSGeometry(self.cleaned_data["geometry_wkt"], srid=4326)
        except (ValueError, TypeError) as error:
            raise ValidationError(_("Not valid WKT: %(error)s") % {"error": error}) from None
        except Exception as error:  # GEOS parse errors have their own type
            raise ValidationError(_("Not valid WKT: %(error)s") % {"error": error}) from None

    def clean(self):
        cleaned = super().clean()
        register = self.instance.register if self.instance.pk else cleaned.get("register")
        if register is None:
            return cleaned
        # The service checks again when saving; here the errors land next to their inputs.
        checks = [("geometry_wkt", lambda: geometry_clean(
                      register=register, geometry=cleaned.get("geometry_wkt"))),
                  ("attributes", lambda: attributes_clean(
                      register=register, values=cleaned.get("attributes") or {},
                      obj=self.instance if self.instance.pk else None))]
        for field, check in checks:
            if field not in cleaned:
                continue
            try:
                check()
            except ValidationError as error:
                for name, problems in error.message_dict.items():
                    for problem in problems:
                        self.add_error(field, f"{name}: {problem}" if "." in name else problem)
        return cleaned


class ObjectVersionInline(RulesTabularInline):
    model = ObjectVersion
    extra = 0
    can_delete = False
    fields = ["number", "change", "at", "actor", "changes", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RegisterObject)
class RegisterObjectAdmin(TenantAdminMixin, RulesModelAdmin):
    form = RegisterObjectForm
    inlines = [ObjectVersionInline]
    list_display = ["id", "register", "status", "version", "updated_at"]
    list_filter = ["register", "status"]
    readonly_fields = ["version", "length_m", "created_at", "updated_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["register", "status", "geometry_wkt", "attributes"]
        return ["register", "status", "geometry_wkt", "attributes", "length_m", "version",
                "created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "register"] if obj is not None else self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["fields"] = ["register", "status"] if obj is None else ["status"]
        return super().get_form(request, obj, change, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "register":
            kwargs["queryset"] = Register.objects.filter(gmina=request.gmina)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(gmina=request.gmina).select_related(
            "register")

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and request.method == "GET":
            # Reading personal fields here is audited like anywhere else.
            visible_attributes(register=obj.register, obj=obj, user=request.user,
                               request=request)
        return obj

    def _save_through_service(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            return object_update(gmina=request.gmina, object_id=obj.pk,
                                 geometry=data["geometry_wkt"], attributes=data["attributes"],
                                 status=data["status"], actor=request.user)
        return object_create(gmina=request.gmina, register_id=data["register"].pk,
                             geometry=data["geometry_wkt"], attributes=data["attributes"],
                             status=data["status"], actor=request.user)

    def save_model(self, request, obj, form, change):
        saved = self._save_through_service(request, obj, form, change)
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            # The service's checks (attributes against the definition) as a message, with
            # nothing written: the admin's own transaction is rolled back with it.
            for field, problems in error.message_dict.items():
                for problem in problems:
                    messages.error(request, f"{field}: {problem}")
            from django.http import HttpResponseRedirect

            return HttpResponseRedirect(request.get_full_path())

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)  # the history is written by the services only


@admin.action(description=_("Restore the selected version"))
def restore_versions(modeladmin, request, queryset):
    restored = 0
    for version in queryset.select_related("object__register"):
        if not request.user.has_perm("registers.edit_register_objects", version.object.register):
            messages.error(request, _("You may not edit objects of “%(register)s”.") % {
                "register": version.object.register.name})
            continue
        try:
            object_restore(gmina=request.gmina, object_id=version.object_id,
                           version=version.number, actor=request.user)
            restored += 1
        except ValidationError as error:
            messages.error(request, "; ".join(m for ms in error.message_dict.values()
                                              for m in ms))
    if restored:
        messages.success(request, ngettext("%(count)d version restored.",
                                           "%(count)d versions restored.", restored)
                         % {"count": restored})


@admin.register(ObjectVersion)
class ObjectVersionAdmin(RulesModelAdmin):
    list_display = ["object", "number", "change", "at", "actor"]
    list_filter = ["change", "object__register"]
    fields = ["object", "number", "change", "at", "actor", "status", "changes", "note"]
    readonly_fields = fields
    actions = [restore_versions]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(gmina=request.gmina).select_related(
            "object__register", "actor")


@admin.register(TreeSpecies)
class TreeSpeciesAdmin(TenantAdminMixin, RulesModelAdmin):
    list_display = ["polish_name", "latin_name", "fee_group", "permit_threshold_cm"]
    list_filter = ["fee_group", "permit_threshold_cm"]
    search_fields = ["polish_name", "latin_name", "code"]
    prepopulated_fields = {"code": ["latin_name"]}
    fields = ["polish_name", "latin_name", "code", "fee_group", "permit_threshold_cm"]


@admin.register(TreeFeeRate)
class TreeFeeRateAdmin(TenantAdminMixin, RulesModelAdmin):
    list_display = ["fee_group", "up_to_100_grosze", "above_100_grosze", "basis"]
    fields = ["fee_group", "up_to_100_grosze", "above_100_grosze", "basis"]
