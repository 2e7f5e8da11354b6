from django.conf import settings
from django.contrib.gis.db import models as gis
from django.core.exceptions import PermissionDenied
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from podkowa.core.identifiers import validate_teryt_gmina

digits_8 = RegexValidator(r"^\d{8}$", _("Enter exactly 8 digits."))


class Gmina(models.Model):
    """A town served by this install: the tenant every town-owned row belongs to."""

    name = models.CharField(_("name"), max_length=120)
    official_name = models.CharField(_("office name"), max_length=200, blank=True)
    slug = models.SlugField(_("short name"), unique=True)
    teryt = models.CharField(
        _("TERYT (TERC) code"), max_length=7, unique=True, validators=[validate_teryt_gmina]
    )
    # Individual account numbers (NRB) are built from the bank's settlement number and a
    # per-payer part, so that statements match payments without a person reading titles.
    bank_settlement_number = models.CharField(
        _("bank settlement number"), max_length=8, blank=True, validators=[digits_8]
    )
    individual_account_prefix = models.CharField(
        _("individual account prefix"), max_length=8, blank=True,
        validators=[RegexValidator(r"^\d{0,8}$", _("Digits only."))],
    )
    address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(
        _("postal code"), max_length=6, blank=True,
        validators=[RegexValidator(r"^\d{2}-\d{3}$", _("Use the form 00-000."))],
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    epuap_address = models.CharField(_("ePUAP address"), max_length=120, blank=True)
    coat_of_arms = models.FileField(_("coat of arms (SVG or PNG)"), upload_to="gmina/", blank=True)
    map_center = gis.PointField(_("map centre"), srid=4326, null=True, blank=True)
    map_extent = gis.PolygonField(_("map extent"), srid=4326, null=True, blank=True)
    map_zoom = models.PositiveSmallIntegerField(_("default map zoom"), default=14)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("gmina")
        verbose_name_plural = _("gminas")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GminaHost(models.Model):
    """A host name under which the install serves one gmina."""

    gmina = models.ForeignKey(Gmina, on_delete=models.CASCADE, related_name="hosts")
    host = models.CharField(_("host name"), max_length=253, unique=True)

    class Meta:
        verbose_name = _("host name")
        verbose_name_plural = _("host names")

    def __str__(self) -> str:
        return self.host


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("The audit log cannot be changed.")

    def delete(self):
        raise PermissionDenied("The audit log cannot be changed.")


class AuditLogEntry(models.Model):
    """One read of a person's data by an official: who, whom, what, when. Never edited."""

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        LIST = "list", _("listed")
        EXPORT = "export", _("exported")
        SEARCH = "search", _("searched")

    gmina = models.ForeignKey(Gmina, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("official"),
    )
    # Labels are copied so the entry stays readable after a person's data is anonymised.
    actor_label = models.CharField(_("official (as recorded)"), max_length=254)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
        verbose_name=_("person"),
    )
    subject_label = models.CharField(_("person (as recorded)"), max_length=254)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    what = models.CharField(_("what"), max_length=200)
    object_ref = models.CharField(_("record"), max_length=100, blank=True)
    path = models.CharField(_("address"), max_length=500, blank=True)

    objects = ScopedManager(gmina="gmina", _manager_class=models.Manager.from_queryset(
        AppendOnlyQuerySet))

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["gmina", "subject", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} → {self.subject_label}: {self.what}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("The audit log cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The audit log cannot be changed.")
