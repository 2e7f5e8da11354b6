"""Geolocated registers: definitions made by officials (registers, typed attributes,
dictionaries), the objects with their geometry and attribute values, and their history.

An object's attribute values are one JSON object keyed by the attribute keys of its register;
what a value may be is decided by `services/attributes.py` against the definition, never by
the model. Geometry is WGS 84 (SRID 4326), longitude first.
"""

from django.conf import settings
from django.contrib.gis.db import models as gis
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from podkowa.accounts.models import Role
from podkowa.core.tenancy import TenantModel


class GeometryKind(models.TextChoices):
    POINT = "point", _("point")
    LINE = "line", _("line")
    POLYGON = "polygon", _("polygon")


class AttributeKind(models.TextChoices):
    TEXT = "text", _("text")
    NUMBER = "number", _("number")
    NUMBERS = "numbers", _("several numbers (e.g. one per stem)")
    DATE = "date", _("date")
    CHOICE = "choice", _("choice from a dictionary")
    BOOLEAN = "boolean", _("yes/no")
    PHOTO = "photo", _("photo")
    LINK = "link", _("link to an object of another register")
    SPECIES = "species", _("tree species")


class ObjectStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    ACTIVE = "active", _("active")
    REMOVED = "removed", _("removed")


class Dictionary(TenantModel):
    """A list of allowed values that choice attributes of any register may use."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80)

    class Meta:
        verbose_name = _("dictionary")
        verbose_name_plural = _("dictionaries")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "slug"], name="register_dictionary_slug"),
        ]

    def __str__(self) -> str:
        return self.name


class DictionaryEntry(TenantModel):
    dictionary = models.ForeignKey(
        Dictionary, on_delete=models.CASCADE, related_name="entries",
        verbose_name=_("dictionary"),
    )
    code = models.CharField(_("code"), max_length=100)
    label = models.CharField(_("label"), max_length=200)
    # What a dictionary knows beyond its label, e.g. a tree species' Latin name and fee group.
    extra = models.JSONField(_("additional data"), default=dict, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("dictionary entry")
        verbose_name_plural = _("dictionary entries")
        ordering = ["dictionary", "order", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["gmina", "dictionary", "code"], name="register_dictionary_entry_code"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Register(TenantModel):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80, help_text=_(
        "Used in addresses of the map and the APIs, e.g. latarnie."))
    description = models.TextField(_("description"), blank=True)
    geometry_kind = models.CharField(
        _("geometry"), max_length=10, choices=GeometryKind.choices, default=GeometryKind.POINT
    )
    editor_role = models.CharField(
        _("who may edit"), max_length=30, choices=Role.choices, default=Role.REGISTER_EDITOR,
        help_text=_("Officials holding this role (and the town administrator) edit objects."),
    )
    is_public = models.BooleanField(
        _("public"), default=False,
        help_text=_("Shown on the public map and in the open APIs (without personal fields)."),
    )
    colour = models.CharField(_("map colour"), max_length=7, default="#1d6b3a")
    # The key of a choice, yes/no or number field, or "status"; empty: one colour. The map
    # offers the other fields too, this is what it shows first.
    style_key = models.CharField(
        _("colour the map by"), max_length=60, blank=True, default="",
        help_text=_("A choice, yes/no or number field (or the status) whose values colour the "
                    "objects on the map, with a legend; empty: the map colour only."))
    order = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("register")
        verbose_name_plural = _("registers")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "slug"], name="register_slug_per_gmina"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        colour = self.colour or ""
        if len(colour) != 7 or colour[0] != "#" or any(
                c not in "0123456789abcdefABCDEF" for c in colour[1:]):
            raise ValidationError({"colour": _("Use a colour like #1d6b3a.")})


class Attribute(TenantModel):
    """One typed field of a register, defined by an official."""

    register = models.ForeignKey(
        Register, on_delete=models.CASCADE, related_name="attributes",
        verbose_name=_("register"),
    )
    key = models.SlugField(_("key"), max_length=60, help_text=_(
        "Letters, digits, _ or -; the name of the field in the APIs and files."))
    label = models.CharField(_("label"), max_length=200)
    kind = models.CharField(_("type"), max_length=10, choices=AttributeKind.choices)
    unit = models.CharField(_("unit"), max_length=20, blank=True, help_text=_(
        "For numbers, e.g. cm, m, W."))
    dictionary = models.ForeignKey(
        Dictionary, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("dictionary"), help_text=_("For a choice from a dictionary."),
    )
    link_register = models.ForeignKey(
        Register, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("linked register"), help_text=_("For a link to another register."),
    )
    required = models.BooleanField(_("required"), default=False)
    personal = models.BooleanField(
        _("personal data"), default=False,
        help_text=_("Never public; every read by an official is recorded in the audit log."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("attribute")
        verbose_name_plural = _("attributes")
        ordering = ["register", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["gmina", "register", "key"], name="register_attribute_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.key})"

    def clean(self):
        errors = {}
        if self.kind == AttributeKind.CHOICE and self.dictionary_id is None:
            errors["dictionary"] = _("A choice needs a dictionary.")
        if self.kind == AttributeKind.LINK and self.link_register_id is None:
            errors["link_register"] = _("A link needs the register it points to.")
        if self.kind not in (AttributeKind.NUMBER, AttributeKind.NUMBERS) and self.unit:
            errors["unit"] = _("Only numbers have a unit.")
        if self.key in RESERVED_KEYS:
            errors["key"] = _("This key is reserved: %(keys)s.") % {
                "keys": ", ".join(sorted(RESERVED_KEYS))}
        if errors:
            raise ValidationError(errors)


# Names the APIs use for the object itself; an attribute may not shadow them.
RESERVED_KEYS = frozenset({"id", "status", "version", "register", "bbox", "limit", "offset",
                           "crs", "bbox-crs", "f", "geometry", "datetime", "length_m"})


class RegisterObject(TenantModel):
    register = models.ForeignKey(
        Register, on_delete=models.PROTECT, related_name="objects_set",
        verbose_name=_("register"),
    )
    geometry = gis.GeometryField(_("geometry"), srid=4326)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ObjectStatus.choices, default=ObjectStatus.ACTIVE
    )
    # Computed from the geometry of lines (metres, on the PL-1992 plane).
    length_m = models.FloatField(_("length (m)"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("register object")
        verbose_name_plural = _("register objects")
        ordering = ["register", "id"]
        indexes = [models.Index(fields=["gmina", "register", "status"])]

    def __str__(self) -> str:
        return f"{self.register} #{self.pk}"


class ObjectVersion(TenantModel):
    """The object as it was after one change: who, when, what changed. Append-only."""

    class Change(models.TextChoices):
        CREATED = "created", _("created")
        UPDATED = "updated", _("changed")
        RESTORED = "restored", _("restored an earlier version")

    object = models.ForeignKey(
        RegisterObject, on_delete=models.CASCADE, related_name="versions",
        verbose_name=_("object"),
    )
    number = models.PositiveIntegerField(_("version"))
    change = models.CharField(_("change"), max_length=10, choices=Change.choices)
    # On PostgreSQL without its spatial index (migration 0003): history is read by object,
    # never by place, and the index cost every write. SpatiaLite keeps its own, because
    # GeoDjango cannot remake a SpatiaLite table whose geometry has none.
    geometry = gis.GeometryField(_("geometry"), srid=4326)
    attributes = models.JSONField(_("attributes"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=ObjectStatus.choices)
    # {"attributes": {key: [before, after]}, "geometry": true, "status": [before, after]}
    changes = models.JSONField(_("what changed"), default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("by"),
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("object version")
        verbose_name_plural = _("object history")
        ordering = ["object", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["gmina", "object", "number"], name="register_object_version_number"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.object_id} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("The history of an object cannot be changed."))
        super().save(*args, **kwargs)


class PermitThreshold(models.IntegerChoices):
    """Circumference at 5 cm up to which a tree is removed without a permit (domain facts)."""

    FAST_GROWING = 80, _("80 cm (poplars, willows, box elder, silver maple)")
    MEDIUM = 65, _("65 cm (horse chestnut, robinia, plane)")
    OTHER = 50, _("50 cm (other species)")


class FeeGroup(models.IntegerChoices):
    GROUP_1 = 1, _("group 1")
    GROUP_2 = 2, _("group 2")
    GROUP_3 = 3, _("group 3")
    GROUP_4 = 4, _("group 4")


class TreeSpecies(TenantModel):
    """The species dictionary of tree registers."""

    code = models.SlugField(_("code"), max_length=80)
    polish_name = models.CharField(_("Polish name"), max_length=120)
    latin_name = models.CharField(_("Latin name"), max_length=120)
    fee_group = models.PositiveSmallIntegerField(
        _("fee group"), choices=FeeGroup.choices, default=FeeGroup.GROUP_2)
    permit_threshold_cm = models.PositiveSmallIntegerField(
        _("no permit up to (circumference at 5 cm)"), choices=PermitThreshold.choices,
        default=PermitThreshold.OTHER)

    class Meta:
        verbose_name = _("tree species")
        verbose_name_plural = _("tree species")
        ordering = ["polish_name"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "code"], name="tree_species_code"),
        ]

    def __str__(self) -> str:
        return f"{self.polish_name} ({self.latin_name})"


class TreeFeeRate(TenantModel):
    """The town's fee per cm of circumference at 130 cm, by fee group: the national maximum
    unless the council set its own by resolution. Integer grosze."""

    fee_group = models.PositiveSmallIntegerField(_("fee group"), choices=FeeGroup.choices)
    up_to_100_grosze = models.PositiveIntegerField(_("per cm, circumference up to 100 cm (gr)"))
    above_100_grosze = models.PositiveIntegerField(_("per cm, circumference above 100 cm (gr)"))
    basis = models.CharField(_("legal basis"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("tree removal fee rate")
        verbose_name_plural = _("tree removal fee rates")
        ordering = ["fee_group"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "fee_group"], name="tree_fee_rate_group"),
        ]

    def __str__(self) -> str:
        return str(self.get_fee_group_display())


def photo_path(instance, filename: str) -> str:
    import uuid
    from pathlib import PurePosixPath

    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"registers/{instance.gmina_id}/{uuid.uuid4().hex}{suffix}"


class ObjectPhoto(TenantModel):
    """A photo of an object; a photo attribute holds its id."""

    object = models.ForeignKey(
        RegisterObject, on_delete=models.CASCADE, related_name="photos",
        verbose_name=_("object"),
    )
    file = models.ImageField(_("photo"), upload_to=photo_path, max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"#{self.object_id} {self.file.name}"


class FaultReport(TenantModel):
    """A resident's report of a fault ("this lamp is out"), filed as a case in the back office;
    the object it is about travels with it (Open311's asset id)."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, related_name="fault_report",
        verbose_name=_("case"),
    )
    register = models.ForeignKey(
        Register, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("register"),
    )
    object = models.ForeignKey(
        RegisterObject, on_delete=models.PROTECT, null=True, blank=True,
        related_name="fault_reports", verbose_name=_("object"),
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("reported by"),
    )
    location = gis.PointField(_("place"), srid=4326)
    description = models.TextField(_("description"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("reported"), default=timezone.now)
    fixed_at = models.DateTimeField(_("fixed"), null=True, blank=True)
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("fixed by"),
    )

    class Meta:
        verbose_name = _("fault report")
        verbose_name_plural = _("fault reports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["gmina", "created_at"])]

    def __str__(self) -> str:
        return f"{self.case.number}"


def import_path(instance, filename: str) -> str:
    import uuid
    from pathlib import PurePosixPath

    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"registers/imports/{instance.gmina_id}/{uuid.uuid4().hex}{suffix}"


class ImportJob(TenantModel):
    """One file brought into a register: mapped, checked by the worker (report), confirmed by
    the clerk, then written all at once."""

    class State(models.TextChoices):
        UPLOADED = "uploaded", _("uploaded: map the columns")
        CHECKING = "checking", _("being checked")
        CHECKED = "checked", _("checked: confirm the import")
        WRITING = "writing", _("being written")
        DONE = "done", _("imported")
        FAILED = "failed", _("failed")

    register = models.ForeignKey(Register, on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("register"))
    file = models.FileField(_("file"), upload_to=import_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    columns = models.JSONField(_("columns"), default=list)
    preview = models.JSONField(_("first rows"), default=list)
    # {"columns": {column: attribute key}, "x": column, "y": column, "crs": "auto"|…,
    #  "axes": "auto"|"as_is"|"swapped", "radius_m": 5, "keys": [attribute keys]}
    mapping = models.JSONField(_("mapping"), default=dict)
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.UPLOADED)
    total = models.PositiveIntegerField(_("rows"), default=0)
    done = models.PositiveIntegerField(_("rows checked"), default=0)
    # {"errors": [{"row", "messages"}], "duplicates": [{"row", "of", "distance_m"}],
    #  "valid": n, "corrections": [{"row", "field", "from", "to"}]}
    report = models.JSONField(_("report"), default=dict)
    created = models.PositiveIntegerField(_("objects created"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name
