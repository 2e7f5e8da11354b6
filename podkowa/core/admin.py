"""Administration of the town itself and its audit log; the admin building blocks every app
uses (permissions from the rules, audited reads of a person's data, read-only registers)."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.gis.db import models as gis_models
from django.contrib.gis.geos import GEOSGeometry, Point
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from podkowa.core.models import AuditLogEntry, Gmina, GminaHost
from podkowa.core.services import audit_personal_data_read

# --- building blocks -----------------------------------------------------------------------


class RulesPermissionsMixin:
    """has_*_permission answered by the rules (podkowa/*/rules.py) for the object in hand.

    Officials hold no database permissions; a missing rule means "nobody but a superuser".
    """

    def _rule(self, request, action: str, obj=None) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}", obj)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._rule(request, "view", obj) or self._rule(request, "change", obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return self._rule(request, "add", obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._rule(request, "change", obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._rule(request, "delete", obj)


class RulesModelAdmin(RulesPermissionsMixin, admin.ModelAdmin):
    pass


class RulesTabularInline(RulesPermissionsMixin, admin.TabularInline):
    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None:
            # A tabular inline labels its inputs only with the column heading, which a screen
            # reader does not announce for the input: give each one its name (axe select-name).
            formfield.widget.attrs.setdefault("aria-label", str(formfield.label or ""))
        return formfield


class ReadOnlyAdminMixin:
    """A register: looked at, never written through the admin — superusers included."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return self._rule(request, "view", obj)


class AuditedPersonalDataAdmin:
    """Every look at a person's data in the admin goes to the audit log.

    A detail page records VIEW with the person it is about; a list records LIST (SEARCH when a
    search term was given) with no single person. The entry is written only when the page is
    actually shown (status 200), so a refused request leaves no trace of a read.
    """

    audit_lists = True

    def audit_subject(self, obj):
        """The person a record is about; override for models whose person is not `.user`."""
        return obj.user

    def audit_what(self, obj=None) -> str:
        # Recorded in the office's language, whatever language the official browses in, so
        # that the log reads the same for every reader and stays searchable.
        with translation.override(settings.LANGUAGE_CODE):
            return str(self.opts.verbose_name if obj is not None
                       else self.opts.verbose_name_plural)

    def render_change_form(self, request, context, add=False, change=False, form_url="",
                           obj=None):
        if obj is not None and not add:
            audit_personal_data_read(
                gmina=request.gmina,
                actor=request.user,
                subject=self.audit_subject(obj),
                what=self.audit_what(obj),
                action=AuditLogEntry.Action.VIEW,
                object_ref=f"{self.opts.label_lower}:{obj.pk}",
                request=request,
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}) or {}
        changelist = changelist.get("cl")
        if self.audit_lists and response.status_code == 200 and changelist is not None:
            audit_personal_data_read(
                gmina=request.gmina,
                actor=request.user,
                subject=None,
                what=self.audit_what(),
                action=(
                    AuditLogEntry.Action.SEARCH if changelist.query else AuditLogEntry.Action.LIST
                ),
                object_ref=self.audit_list_ref(changelist),
                request=request,
            )
        return response

    def audit_list_ref(self, changelist) -> str:
        with translation.override(settings.LANGUAGE_CODE):
            return gettext("page %(page)s of %(count)s rows") % {
                "page": changelist.page_num, "count": changelist.result_count,
            }


class TenantAdminMixin:
    """Town rows: new rows belong to the town of the request (the scope filters the rest)."""

    def save_model(self, request, obj, form, change):
        if not change and getattr(obj, "gmina_id", None) is None:
            obj.gmina = request.gmina
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            # (hasattr() would be False here: an unset foreign key raises on access.)
            has_gmina = any(f.name == "gmina" for f in instance._meta.concrete_fields)
            if has_gmina and instance.gmina_id is None:
                instance.gmina = request.gmina
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


class WKTWidget(forms.Textarea):
    """Geometry as well-known text: no map script from a CDN, no tiles from a third party."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"rows": 3, "cols": 60, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, GEOSGeometry):
            return value.wkt
        if isinstance(value, str) and value:
            try:
                return GEOSGeometry(value).wkt
            except (ValueError, TypeError):
                return value
        return super().format_value(value)


# --- the town -----------------------------------------------------------------------------


def _formfield(db_field, **kwargs):
    # Django 6 will assume https for addresses typed without a scheme; so do we, now.
    if isinstance(db_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return db_field.formfield(**kwargs)


class GminaAdminForm(forms.ModelForm):
    map_center_lat = forms.DecimalField(
        label=_("map centre: latitude (N)"), required=False, max_digits=9, decimal_places=6,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    map_center_lon = forms.DecimalField(
        label=_("map centre: longitude (E)"), required=False, max_digits=9, decimal_places=6,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )

    class Meta:
        model = Gmina
        # Everything but map_center, which the latitude and longitude fields stand for.
        fields = ["name", "official_name", "slug", "teryt", "is_active", "address",
                  "postal_code", "city", "email", "phone", "website", "epuap_address",
                  "coat_of_arms", "bank_settlement_number", "individual_account_prefix",
                  "map_extent", "map_zoom"]
        formfield_callback = _formfield
        widgets = {"map_extent": WKTWidget}
        help_texts = {
            "map_extent": _(
                "A polygon in WGS 84 as well-known text, longitude first, e.g. "
                "POLYGON ((20.70 52.10, 20.76 52.10, 20.76 52.14, 20.70 52.14, 20.70 52.10))."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        centre = self.instance.map_center if self.instance else None
        if centre is not None:
            self.initial.setdefault("map_center_lat", round(Decimal(centre.y), 6))
            self.initial.setdefault("map_center_lon", round(Decimal(centre.x), 6))

    def clean(self):
        cleaned = super().clean()
        lat, lon = cleaned.get("map_center_lat"), cleaned.get("map_center_lon")
        if (lat is None) != (lon is None):
            missing = "map_center_lat" if lat is None else "map_center_lon"
            self.add_error(missing, _("Give both the latitude and the longitude, or neither."))
        return cleaned

    def save(self, commit=True):
        lat, lon = self.cleaned_data.get("map_center_lat"), self.cleaned_data.get("map_center_lon")
        self.instance.map_center = (
            Point(float(lon), float(lat), srid=4326) if lat is not None and lon is not None
            else None
        )
        return super().save(commit)


class GminaHostInline(RulesTabularInline):
    model = GminaHost
    extra = 0


@admin.register(Gmina)
class GminaAdmin(RulesModelAdmin):
    form = GminaAdminForm
    inlines = [GminaHostInline]
    list_display = ["name", "teryt", "official_name", "is_active"]
    search_fields = ["name", "teryt"]
    formfield_overrides = {gis_models.GeometryField: {"widget": WKTWidget}}
    fieldsets = [
        (None, {"fields": ["name", "official_name", "slug", "teryt", "is_active"]}),
        (_("Office"), {"fields": ["address", "postal_code", "city", "email", "phone", "website",
                                  "epuap_address", "coat_of_arms"]}),
        (_("Payments"), {"fields": ["bank_settlement_number", "individual_account_prefix"]}),
        (_("Map"), {"fields": ["map_center_lat", "map_center_lon", "map_extent", "map_zoom"]}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        # An official manages the town they are signed in to, and no other.
        return queryset.filter(pk=request.gmina.pk)

    def get_readonly_fields(self, request, obj=None):
        # The identity of a town is the install's business, not the town's administrator's.
        return [] if request.user.is_superuser else ["slug", "teryt", "is_active"]


# --- the audit log -------------------------------------------------------------------------


class OfficialFilter(admin.SimpleListFilter):
    title = _("official")
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        from podkowa.accounts.models import Official

        officials = (
            Official.objects.filter(gmina=request.gmina)
            .select_related("user")
            .order_by("user__email")
        )
        return [(str(o.user_id), o.user.email) for o in officials]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(actor_id=self.value())
        return queryset


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(ReadOnlyAdminMixin, RulesModelAdmin):
    list_display = ["at", "actor_label", "action", "subject_label", "what", "object_ref"]
    list_filter = [OfficialFilter, "action", ("at", admin.DateFieldListFilter)]
    search_fields = ["subject_label", "actor_label", "what"]
    date_hierarchy = "at"
    fields = ["at", "actor_label", "action", "subject_label", "what", "object_ref", "path"]
    readonly_fields = fields
    actions = None

    def get_queryset(self, request):
        return super().get_queryset(request).filter(gmina=request.gmina)
