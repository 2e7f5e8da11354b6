"""Reading registers and their objects: what a caller may see, filtered by place, status and
attribute values, one page at a time."""

import copy

from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from podkowa.core.kept import kept_row
from podkowa.core.models import AuditLogEntry, Gmina
from podkowa.core.services import audit_personal_data_read
from podkowa.registers.models import (
    Attribute,
    AttributeKind,
    ObjectStatus,
    ObjectVersion,
    Register,
    RegisterObject,
)
from podkowa.registers.rules import may_read_personal_fields, may_view_register
from podkowa.registers.services.attributes import (
    personal_keys,
    register_attributes,
    value_clean,
)


def registers_visible(*, gmina: Gmina, user) -> list[Register]:
    registers = Register.objects.filter(gmina=gmina).order_by("order", "name")
    return [r for r in registers if may_view_register(user, r)]


# (gmina id, slug) → (fingerprint, the register with its attributes), in each process: the
# definition is read on every request of the map and the APIs and changes rarely. The
# fingerprint is PostgreSQL's md5 of the register's row and its attributes' rows (with the
# dictionary and the linked register each names), asked for again on every call in one short
# statement; a different one reloads, so a change made anywhere — another process, the admin,
# a bulk update — is seen on the next request.
_REGISTER_CACHE: dict[tuple[int, str], tuple[str, Register]] = {}
_FINGERPRINT = (
    "md5(r::text || coalesce((SELECT string_agg(a::text || coalesce(d::text, '') "
    "|| coalesce(l::text, ''), '|' ORDER BY a.id) FROM registers_attribute AS a "
    "LEFT JOIN registers_dictionary AS d ON d.id = a.dictionary_id "
    "LEFT JOIN registers_register AS l ON l.id = a.link_register_id "
    "WHERE a.gmina_id = r.gmina_id AND a.register_id = r.id), ''))")
_REGISTER_CHECK = (f"SELECT {_FINGERPRINT} FROM registers_register AS r "  # noqa: S608
                   "WHERE r.gmina_id = %s AND r.slug = %s")


def _fingerprint_of(column: str) -> RawSQL:
    """The fingerprint as a column of the same statement (one snapshot with the rows)."""
    # Constant SQL: `column` is one of ours.
    return RawSQL(f"(SELECT {_FINGERPRINT} FROM registers_register AS r "  # noqa: S608, S611
                  f"WHERE r.id = {column})", ())


def _register_plain(gmina: Gmina, slug: str) -> Register | None:
    register = Register.objects.filter(gmina=gmina, slug=slug).first()
    if register is not None:
        register_attributes(register)
    return register


def _register_loaded(gmina: Gmina, slug: str) -> tuple[str | None, Register | None]:
    """The register with its attributes and their fingerprint, read in one statement (so
    they describe the same version); no fingerprint when that could not be had."""
    attributes = list(
        Attribute.objects.filter(gmina=gmina, register__gmina=gmina, register__slug=slug)
        .select_related("register", "dictionary", "link_register")
        .annotate(_fingerprint=_fingerprint_of('"registers_attribute"."register_id"')))
    if not attributes:
        register = (Register.objects.filter(gmina=gmina, slug=slug)
                    .annotate(_fingerprint=_fingerprint_of('"registers_register"."id"'),
                              _attributed=Exists(Attribute.objects.filter(
                                  gmina=gmina, register=OuterRef("pk")))).first())
        if register is None:
            return None, None
        if register.__dict__.pop("_attributed"):  # its first field came in between
            return None, _register_plain(gmina, slug)
        register._attributes_cache = []
        return register.__dict__.pop("_fingerprint"), register
    for attribute in attributes:
        fingerprint = attribute.__dict__.pop("_fingerprint")
    register = attributes[0].register
    register._attributes_cache = attributes
    return fingerprint, register


def _register_current(gmina: Gmina, slug: str) -> Register | None:
    if connection.vendor != "postgresql":
        return _register_plain(gmina, slug)
    kept = kept_row(_REGISTER_CACHE, (gmina.pk, slug), check_sql=_REGISTER_CHECK,
                    params=[gmina.pk, slug], load=lambda: _register_loaded(gmina, slug))
    if kept is None:
        return None
    # Each call its own copies: callers keep their own caches on them (dictionary entries,
    # species) and may change them in place; the kept ones are never handed out.
    register = copy.copy(kept)
    register._attributes_cache = [copy.copy(a) for a in kept._attributes_cache]
    for attribute in register._attributes_cache:
        attribute.register = register
    return register


def register_for(*, gmina: Gmina, slug: str, user) -> Register | None:
    """The register (its attributes loaded), or None when it does not exist or the caller
    may not see it."""
    register = _register_current(gmina, slug)
    if register is None or not may_view_register(user, register):
        return None
    return register


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) == 6:  # with heights: minx, miny, minz, maxx, maxy, maxz
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4 or values[0] > values[2] or values[1] > values[3]:
        raise ValidationError({"bbox": _(
            "Give the box as four numbers: west,south,east,north.")})
    return values[0], values[1], values[2], values[3]


def objects_filtered(*, gmina: Gmina, register: Register, user,
                     bbox: tuple[float, float, float, float] | None = None,
                     status: list[str] | None = None,
                     attributes: dict[str, str] | None = None) -> QuerySet:
    """Objects of the register (not removed unless asked), in the box, matching each
    attribute value exactly (typed by the definition). Personal fields cannot be filtered on
    by whoever may not read them."""
    queryset = RegisterObject.objects.filter(gmina=gmina, register=register)
    if status:
        bad = [s for s in status if s not in ObjectStatus.values]
        if bad:
            raise ValidationError({"status": _("Use one of: %(values)s.") % {
                "values": ", ".join(ObjectStatus.values)}})
        queryset = queryset.filter(status__in=status)
    else:
        queryset = queryset.exclude(status=ObjectStatus.REMOVED)
    if bbox is not None:
        box = Polygon.from_bbox(bbox)
        box.srid = 4326
        queryset = queryset.filter(geometry__intersects=box)
    by_key = {a.key: a for a in register_attributes(register)}
    hidden = set() if may_read_personal_fields(user, register) else personal_keys(register)
    for key, raw in (attributes or {}).items():
        attribute = by_key.get(key)
        if attribute is None or key in hidden:
            raise ValidationError({key: _("The register has no field “%(key)s” to filter on.")
                                   % {"key": key}})
        try:
            value = value_clean(attribute, raw) if attribute.kind not in (
                AttributeKind.LINK, AttributeKind.PHOTO, AttributeKind.NUMBERS) else int(raw)
        except (ValueError, TypeError) as error:
            raise ValidationError({key: f"{attribute.label}: {error}"}) from None
        if attribute.kind == AttributeKind.NUMBERS:
            queryset = queryset.filter(**{f"attributes__{key}__contains": [value]})
        else:
            queryset = queryset.filter(**{f"attributes__{key}": value})
    return queryset.order_by("id")


def objects_filtered_sql(*, gmina: Gmina, register: Register,
                         bbox: tuple[float, float, float, float] | None = None
                         ) -> tuple[str, list]:
    """What `objects_filtered` selects without a status or attribute filter — the register's
    objects that are not removed, in the box — as a WHERE clause over
    registers_registerobject and its parameters, for a statement written by hand (the map's
    viewport requests). Keep the two saying the same; tests/registers/test_ogc.py compares
    them."""
    where = "gmina_id = %s AND register_id = %s AND status <> %s"
    params = [gmina.pk, register.pk, str(ObjectStatus.REMOVED)]
    if bbox is not None:
        where += " AND ST_Intersects(geometry, ST_MakeEnvelope(%s, %s, %s, %s, 4326))"
        params += [float(v) for v in bbox]
    return where, params


def object_for(*, gmina: Gmina, register: Register, object_id: int,
               include_removed: bool = False) -> RegisterObject | None:
    queryset = RegisterObject.objects.filter(gmina=gmina, register=register, pk=object_id)
    if not include_removed:
        queryset = queryset.exclude(status=ObjectStatus.REMOVED)
    return queryset.select_related("register").first()


def visible_attributes(*, register: Register, obj: RegisterObject, user, request=None,
                       audit: bool = True) -> dict:
    """The values the caller may read. An official's read of a filled personal field is
    recorded in the audit log; everyone else never sees those fields."""
    personal = personal_keys(register)
    if not personal:
        return obj.attributes
    if not may_read_personal_fields(user, register):
        return {k: v for k, v in obj.attributes.items() if k not in personal}
    if audit and any(obj.attributes.get(k) not in (None, "") for k in personal):
        audit_personal_data_read(
            gmina=register.gmina, actor=user, subject=None,
            what=f"{register.name}: " + ", ".join(sorted(personal & set(obj.attributes))),
            action=AuditLogEntry.Action.VIEW, object_ref=f"registers.registerobject:{obj.pk}",
            request=request,
        )
    return obj.attributes


def audit_list_read(*, register: Register, user, count: int, request=None) -> None:
    """A list that carried personal fields to an official: one LIST entry for the page."""
    if personal_keys(register) and may_read_personal_fields(user, register) and count:
        audit_personal_data_read(
            gmina=register.gmina, actor=user, subject=None,
            what=f"{register.name}: " + ", ".join(sorted(personal_keys(register))),
            action=AuditLogEntry.Action.LIST, object_ref=f"registers.register:{register.pk}",
            request=request,
        )


def object_history(*, gmina: Gmina, obj: RegisterObject) -> QuerySet:
    return ObjectVersion.objects.filter(gmina=gmina, object=obj).select_related("actor")
