"""The cemetery's legal books (rozporządzenie MSWiA of 1 Aug 2001 on the register of graves)
and its map.

The księga osób pochowanych is the Burial table, the księga grobów the Grave table with its
burials, the spis alfabetyczny a sorted view of burials. A correction never overwrites an
entry: every change of a book row writes a BookEntryVersion (who, when, why, the whole entry),
so the entry as it stood before stays readable (§9 of the regulation).
"""

import secrets

from django.conf import settings
from django.contrib.gis.db import models as gis
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from podkowa.core.tenancy import TenantModel


def new_search_stamp() -> str:
    return secrets.token_hex(8)


class Cemetery(TenantModel):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80)
    address = models.CharField(_("address"), max_length=200, blank=True)
    location = gis.PointField(_("location"), srid=4326, null=True, blank=True)
    # Details of a person who died less than this many years ago are shown to the public only
    # when the grave's holder agreed (relatives' personal right to the memory of the dead).
    recent_death_privacy_years = models.PositiveSmallIntegerField(
        _("hide details of the recently deceased for (years)"), default=2)
    orthophoto = models.ImageField(_("drone orthophoto"), upload_to="cemetery/orthophoto/",
                                   blank=True)
    # The image's corners on the map (WGS84): Leaflet lays it over the base map there.
    orthophoto_south = models.FloatField(_("orthophoto south edge"), null=True, blank=True)
    orthophoto_west = models.FloatField(_("orthophoto west edge"), null=True, blank=True)
    orthophoto_north = models.FloatField(_("orthophoto north edge"), null=True, blank=True)
    orthophoto_east = models.FloatField(_("orthophoto east edge"), null=True, blank=True)
    # Bumped by every change of the alley network: the in-memory route graph is rebuilt when
    # the number it was built from is old.
    graph_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("cemetery")
        verbose_name_plural = _("cemeteries")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["gmina", "slug"],
                                               name="cemetery_slug_per_gmina")]

    def __str__(self) -> str:
        return self.name

    @property
    def orthophoto_bounds(self) -> list[list[float]] | None:
        edges = (self.orthophoto_south, self.orthophoto_west, self.orthophoto_north,
                 self.orthophoto_east)
        if not self.orthophoto or any(e is None for e in edges):
            return None
        return [[self.orthophoto_south, self.orthophoto_west],
                [self.orthophoto_north, self.orthophoto_east]]


class Entrance(TenantModel):
    cemetery = models.ForeignKey(Cemetery, on_delete=models.CASCADE, related_name="entrances")
    name = models.CharField(_("name"), max_length=120)
    location = gis.PointField(_("location"), srid=4326)

    class Meta:
        verbose_name = _("entrance")
        verbose_name_plural = _("entrances")
        ordering = ["cemetery", "name"]
        constraints = [models.UniqueConstraint(fields=["gmina", "cemetery", "name"],
                                               name="entrance_name_per_cemetery")]

    def __str__(self) -> str:
        return self.name


class AlleyEdge(TenantModel):
    """One walkable stretch of the alley network between two junctions (or dead ends)."""

    cemetery = models.ForeignKey(Cemetery, on_delete=models.CASCADE, related_name="alleys")
    name = models.CharField(_("alley name"), max_length=120, blank=True)
    path = gis.LineStringField(_("path"), srid=4326)
    length_m = models.FloatField(_("length (m)"))
    is_stairs = models.BooleanField(_("stairs"), default=False)

    class Meta:
        verbose_name = _("alley segment")
        verbose_name_plural = _("alley segments")
        ordering = ["cemetery", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name or '—'} ({self.length_m:.0f} m)"


class Quarter(TenantModel):
    """A kwatera."""

    cemetery = models.ForeignKey(Cemetery, on_delete=models.CASCADE, related_name="quarters")
    code = models.CharField(_("quarter"), max_length=20)
    area = gis.PolygonField(_("area"), srid=4326, null=True, blank=True)

    class Meta:
        verbose_name = _("quarter")
        verbose_name_plural = _("quarters")
        ordering = ["cemetery", "code"]
        constraints = [models.UniqueConstraint(fields=["gmina", "cemetery", "code"],
                                               name="quarter_code_per_cemetery")]

    def __str__(self) -> str:
        return self.code


class Row(TenantModel):
    quarter = models.ForeignKey(Quarter, on_delete=models.CASCADE, related_name="rows")
    code = models.CharField(_("row"), max_length=20)

    class Meta:
        verbose_name = _("row")
        verbose_name_plural = _("rows")
        ordering = ["quarter", "code"]
        constraints = [models.UniqueConstraint(fields=["gmina", "quarter", "code"],
                                               name="row_code_per_quarter")]

    def __str__(self) -> str:
        return f"{self.quarter.code}/{self.code}"


class GraveKind(models.TextChoices):
    EARTH = "earth", _("earth grave")
    MASONRY = "masonry", _("masonry grave")
    URN = "urn", _("urn grave")
    TOMB = "tomb", _("tomb")


class Grave(TenantModel):
    """A place in the księga grobów: kwatera / rząd / numer w rzędzie."""

    cemetery = models.ForeignKey(Cemetery, on_delete=models.PROTECT, related_name="graves")
    quarter = models.ForeignKey(Quarter, on_delete=models.PROTECT, related_name="graves")
    row = models.ForeignKey(Row, on_delete=models.PROTECT, related_name="graves")
    number = models.CharField(_("number in the row"), max_length=20)
    record_number = models.CharField(_("grave register number"), max_length=40)
    kind = models.CharField(_("grave type"), max_length=10, choices=GraveKind.choices,
                            default=GraveKind.EARTH)
    location = gis.PointField(_("position"), srid=4326, null=True, blank=True)
    outline = gis.PolygonField(_("outline"), srid=4326, null=True, blank=True)
    in_monuments_register = models.BooleanField(
        _("tombstone in the register of monuments"), default=False)
    notes = models.TextField(_("notes on reservations and fees"), blank=True)
    # The holder's wishes, recorded by the clerk (or by the holder in their account).
    holder_allows_details = models.BooleanField(
        _("holder agrees to show details of the recently deceased"), default=False)
    holder_vetoes_public_content = models.BooleanField(
        _("holder vetoes public notes and photos"), default=False)
    paid_until = models.DateField(_("paid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("grave")
        verbose_name_plural = _("graves")
        ordering = ["cemetery", "quarter__code", "row__code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "row", "number"],
                                    name="grave_place_per_row"),
            models.UniqueConstraint(fields=["gmina", "cemetery", "record_number"],
                                    name="grave_record_number_per_cemetery"),
        ]

    def __str__(self) -> str:
        return f"{self.quarter.code}/{self.row.code}/{self.number}"

    @property
    def place(self) -> str:
        return str(self)


class MaritalStatus(models.TextChoices):
    UNKNOWN = "", _("not recorded")
    SINGLE = "single", _("single")
    MARRIED = "married", _("married")
    WIDOWED = "widowed", _("widowed")
    DIVORCED = "divorced", _("divorced")


class EntryKind(models.TextChoices):
    REGULAR = "regular", _("person")
    STILLBORN = "stillborn", _("stillborn child")
    UNIDENTIFIED = "unidentified", _("unidentified person")


class Burial(TenantModel):
    """An entry of the księga osób pochowanych (the fields §3 of the regulation lists)."""

    grave = models.ForeignKey(Grave, on_delete=models.PROTECT, related_name="burials")
    record_number = models.CharField(_("register number"), max_length=40)
    entry_kind = models.CharField(_("kind of entry"), max_length=15, choices=EntryKind.choices,
                                  default=EntryKind.REGULAR)
    surname = models.CharField(_("surname"), max_length=120, blank=True)
    given_names = models.CharField(_("given names"), max_length=120, blank=True)
    family_name = models.CharField(_("family (maiden) name"), max_length=120, blank=True)
    marital_status = models.CharField(_("marital status"), max_length=10, blank=True,
                                      choices=MaritalStatus.choices)
    # A date where the day is known; only the year (the *_year field) where it is not.
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    birth_place = models.CharField(_("place of birth"), max_length=120, blank=True)
    death_date = models.DateField(_("date of death"), null=True, blank=True)
    death_year = models.PositiveSmallIntegerField(_("year of death"), null=True, blank=True)
    death_place = models.CharField(_("place of death"), max_length=120, blank=True)
    infectious_disease = models.BooleanField(_("death from an infectious disease"),
                                             default=False)
    father_name = models.CharField(_("father's given name"), max_length=120, blank=True)
    mother_name = models.CharField(_("mother's given name"), max_length=120, blank=True)
    burial_date = models.DateField(_("date of burial"), null=True, blank=True)
    exhumation_date = models.DateField(_("date of exhumation or transfer"), null=True,
                                       blank=True)
    exhumation_destination = models.CharField(
        _("transferred to (place or other cemetery)"), max_length=200, blank=True)
    civil_record = models.CharField(_("civil-status record (death certificate)"),
                                    max_length=80, blank=True)
    civil_record_date = models.DateField(_("date of the civil-status record"), null=True,
                                         blank=True)
    civil_registry_office = models.CharField(_("civil registry office (USC)"), max_length=120,
                                             blank=True)
    burial_right_holder = models.CharField(_("who had the right to bury"), max_length=200,
                                           blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # The names as search keys, "surname|given names|family name" (podkowa/cemetery/text.py):
    # ranking reads these instead of folding every candidate's names again.
    search_key = models.CharField(max_length=400, blank=True, editable=False)

    class Meta:
        verbose_name = _("burial")
        verbose_name_plural = _("burials")
        ordering = ["surname", "given_names", "id"]
        constraints = [models.UniqueConstraint(fields=["gmina", "record_number"],
                                               name="burial_record_number_per_gmina")]
        indexes = [models.Index(fields=["gmina", "grave"])]

    def __str__(self) -> str:
        return f"{self.surname} {self.given_names}".strip() or str(_("unidentified person"))


class GraveHolder(TenantModel):
    """A dysponent grobu: a living person with the right to the grave (personal data)."""

    grave = models.ForeignKey(Grave, on_delete=models.PROTECT, related_name="holders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+", verbose_name=_("account"))
    first_name = models.CharField(_("first name"), max_length=120)
    last_name = models.CharField(_("last name"), max_length=120)
    address = models.CharField(_("address"), max_length=250, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    since = models.DateField(_("holder since"), null=True, blank=True)
    is_current = models.BooleanField(_("current holder"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("grave holder")
        verbose_name_plural = _("grave holders")
        ordering = ["grave", "last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("Book history cannot be changed.")

    def delete(self):
        raise PermissionDenied("Book history cannot be changed.")


class BookEntryVersion(TenantModel):
    """One state of a book entry, with who wrote it, when and why. Never edited."""

    class Book(models.TextChoices):
        BURIAL = "burial", _("burial")
        GRAVE = "grave", _("grave")
        HOLDER = "holder", _("grave holder")

    book = models.CharField(_("book"), max_length=10, choices=Book.choices)
    entry_id = models.BigIntegerField(_("entry"))
    version = models.PositiveIntegerField(_("version"))
    data = models.JSONField(_("entry as written"))
    at = models.DateTimeField(_("when"), auto_now_add=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                               related_name="+", verbose_name=_("who"))
    author_label = models.CharField(_("who (as recorded)"), max_length=254)
    reason = models.CharField(_("why"), max_length=500)

    objects = ScopedManager(gmina="gmina", _manager_class=models.Manager.from_queryset(
        AppendOnlyQuerySet))

    class Meta:
        verbose_name = _("book entry version")
        verbose_name_plural = _("book entry versions")
        ordering = ["book", "entry_id", "version"]
        constraints = [models.UniqueConstraint(fields=["gmina", "book", "entry_id", "version"],
                                               name="book_entry_version_once")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Book history cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Book history cannot be changed.")


class SearchStamp(models.Model):
    """Set anew by every write of what the search reads of a cemetery's burials: each
    process's search index is rebuilt when it sees another one (selectors/search.py).

    Random rather than counted, so a rolled-back write can never leave an old index looking
    current. A table of its own with no foreign keys, written last in a transaction: the
    write locks nothing else (the cemetery row is what graves are numbered under) and holds
    its one lock only until the commit, so it cannot deadlock with other clerks' writes."""

    cemetery_id = models.BigIntegerField(primary_key=True)
    stamp = models.CharField(max_length=16, default=new_search_stamp)

    def __str__(self) -> str:
        return f"{self.cemetery_id}: {self.stamp}"


class SearchVariant(TenantModel):
    """A word with one letter deleted (or the word itself, `is_word`), pointing at the word:
    two words one typo apart share a variant (symmetric-deletion matching)."""

    # db_index: on PostgreSQL this adds the pattern-ops index the prefix (LIKE) lookup uses.
    variant = models.CharField(max_length=60, db_index=True)
    word = models.CharField(max_length=60)
    is_word = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["gmina", "variant", "word"],
                                               name="search_variant_once")]


class Moderation(models.TextChoices):
    PENDING = "pending", _("waiting for moderation")
    APPROVED = "approved", _("published")
    REJECTED = "rejected", _("rejected")


class GraveNote(TenantModel):
    grave = models.ForeignKey(Grave, on_delete=models.CASCADE, related_name="public_notes")
    text = models.TextField(_("note"), max_length=2000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               related_name="+")
    author_name = models.CharField(_("signed as"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Moderation.choices,
                              default=Moderation.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("note on a grave")
        verbose_name_plural = _("notes on graves")
        ordering = ["created_at", "id"]


class GravePhoto(TenantModel):
    grave = models.ForeignKey(Grave, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to="cemetery/photos/")
    content_type = models.CharField(max_length=50)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Moderation.choices,
                              default=Moderation.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("photo of a grave")
        verbose_name_plural = _("photos of graves")
        ordering = ["created_at", "id"]


class LeasePayment(TenantModel):
    """A recorded payment for keeping a grave (ustawa o cmentarzach art. 7 ust. 2): it moves
    the grave's paid-until date. Written when a prolongation's charge is paid (see
    LeaseProlongation), or recorded by the clerk for a payment made outside the ledger."""

    grave = models.ForeignKey(Grave, on_delete=models.PROTECT, related_name="lease_payments")
    amount_grosze = models.PositiveIntegerField(_("amount (grosze)"))
    paid_on = models.DateField(_("paid on"))
    years = models.PositiveSmallIntegerField(_("years"), default=20)
    previous_until = models.DateField(_("valid until before"), null=True, blank=True)
    new_until = models.DateField(_("valid until"))
    reference = models.CharField(_("payment reference"), max_length=120, blank=True)
    payer = models.ForeignKey(GraveHolder, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("payer"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("grave lease payment")
        verbose_name_plural = _("grave lease payments")
        ordering = ["grave", "paid_on", "id"]


class LeaseFee(TenantModel):
    """The cemetery's fee for keeping a grave another 20 years, by grave type (set by the
    town's resolution or the cemetery's price list; edited by the clerk)."""

    cemetery = models.ForeignKey(Cemetery, on_delete=models.CASCADE, related_name="lease_fees",
                                 verbose_name=_("cemetery"))
    kind = models.CharField(_("grave type"), max_length=10, choices=GraveKind.choices)
    amount_grosze = models.PositiveIntegerField(_("fee for 20 years (grosze)"))

    class Meta:
        verbose_name = _("grave lease fee")
        verbose_name_plural = _("grave lease fees")
        ordering = ["cemetery", "kind"]
        constraints = [models.UniqueConstraint(fields=["gmina", "cemetery", "kind"],
                                               name="lease_fee_per_kind")]

    def __str__(self) -> str:
        return f"{self.cemetery}: {self.get_kind_display()}"


class LeaseProlongation(TenantModel):
    """A prolongation asked for and charged to a holder through the payments ledger. The
    grave's paid-until date moves only when the charge is paid (then `lease_payment` records
    it), once: the charge and the lease payment are each linked to one prolongation only."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the payment")
        PAID = "paid", _("paid: the grave is kept")
        CANCELLED = "cancelled", _("cancelled")

    grave = models.ForeignKey(Grave, on_delete=models.PROTECT, related_name="prolongations")
    holder = models.ForeignKey(GraveHolder, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("charged to"))
    years = models.PositiveSmallIntegerField(_("years"), default=20)
    amount_grosze = models.PositiveIntegerField(_("fee (grosze)"))
    charge = models.OneToOneField("payments.Charge", on_delete=models.PROTECT,
                                  related_name="lease_prolongation", verbose_name=_("charge"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, related_name="+")
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    lease_payment = models.OneToOneField(LeasePayment, on_delete=models.PROTECT, null=True,
                                         blank=True, related_name="prolongation",
                                         verbose_name=_("lease payment"))

    class Meta:
        verbose_name = _("grave lease prolongation")
        verbose_name_plural = _("grave lease prolongations")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["gmina", "grave", "status"])]
