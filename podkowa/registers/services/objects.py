"""Writing register objects: create, change, remove, restore — each one transaction that
also appends the object's new version to its history."""

from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from podkowa.core.models import Gmina
from podkowa.registers.geo import length_metres
from podkowa.registers.models import (
    GeometryKind,
    ObjectStatus,
    ObjectVersion,
    Register,
    RegisterObject,
)
from podkowa.registers.services.attributes import attributes_clean

GEOMETRY_TYPES = {
    GeometryKind.POINT: ("Point", "MultiPoint"),
    GeometryKind.LINE: ("LineString", "MultiLineString"),
    GeometryKind.POLYGON: ("Polygon", "MultiPolygon"),
}
# Well inside the world: a typo in degrees (52 ↔ 520) must not pass as a place.
_LON, _LAT = (-180.0, 180.0), (-90.0, 90.0)


def geometry_clean(*, register: Register, geometry: GEOSGeometry | None) -> GEOSGeometry:
    if geometry is None:
        raise ValidationError({"geometry": _("The object needs a place on the map.")})
    if geometry.srid is None:
        geometry.srid = 4326
    kind = geometry.geom_type
    if kind == "Point" and kind in GEOMETRY_TYPES[register.geometry_kind] and not geometry.empty:
        # The common case (imports of 100,000 points) without GEOS's validity machinery.
        x, y = geometry.x, geometry.y
        if not (_LON[0] <= x <= _LON[1] and _LAT[0] <= y <= _LAT[1]):
            raise ValidationError({"geometry": _(
                "The coordinates are outside longitude −180…180 and latitude −90…90.")})
        return geometry
    if kind not in GEOMETRY_TYPES[register.geometry_kind]:
        raise ValidationError({"geometry": _(
            "The register “%(register)s” holds %(kind)s geometries, not %(given)s.") % {
            "register": register.name, "kind": register.get_geometry_kind_display(),
            "given": geometry.geom_type}})
    if geometry.empty or not geometry.valid:
        raise ValidationError({"geometry": _("The geometry is empty or invalid: %(reason)s") % {
            "reason": geometry.valid_reason}})
    xmin, ymin, xmax, ymax = geometry.extent
    if xmin < _LON[0] or xmax > _LON[1] or ymin < _LAT[0] or ymax > _LAT[1]:
        raise ValidationError({"geometry": _(
            "The coordinates are outside longitude −180…180 and latitude −90…90.")})
    return geometry


def _status_clean(status: str) -> str:
    if status not in ObjectStatus.values:
        raise ValidationError({"status": _("Use one of: %(values)s.") % {
            "values": ", ".join(ObjectStatus.values)}})
    return status


def _register_for(gmina: Gmina, register_id: int) -> Register:
    register = Register.objects.filter(gmina=gmina, pk=register_id).first()
    if register is None:
        raise ValidationError({"register": _("No such register.")})
    return register


def _snapshot(obj: RegisterObject, *, change: str, changes: dict, actor, note: str = ""):
    ObjectVersion.objects.create(
        gmina_id=obj.gmina_id, object=obj, number=obj.version, change=change,
        geometry=obj.geometry, attributes=obj.attributes, status=obj.status, changes=changes,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=obj.updated_at, note=note[:300],
    )


def _diff(before: RegisterObject | ObjectVersion | None, after: RegisterObject) -> dict:
    if before is None:
        return {}
    changes: dict = {}
    keys = sorted(set(before.attributes) | set(after.attributes))
    attrs = {k: [before.attributes.get(k), after.attributes.get(k)] for k in keys
             if before.attributes.get(k) != after.attributes.get(k)}
    if attrs:
        changes["attributes"] = attrs
    if not before.geometry.equals_exact(after.geometry, 1e-9):
        changes["geometry"] = True
    if before.status != after.status:
        changes["status"] = [before.status, after.status]
    return changes


def _derive(obj: RegisterObject, register: Register) -> None:
    obj.length_m = (length_metres(obj.geometry)
                    if register.geometry_kind == GeometryKind.LINE else None)


@transaction.atomic
def object_create(*, gmina: Gmina, register_id: int, geometry: GEOSGeometry,
                  attributes: dict, status: str = ObjectStatus.ACTIVE, actor=None,
                  note: str = "") -> RegisterObject:
    register = _register_for(gmina, register_id)
    errors = {}
    try:
        geometry = geometry_clean(register=register, geometry=geometry)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        cleaned = attributes_clean(register=register, values=attributes)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        status = _status_clean(status)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    obj = RegisterObject(gmina=gmina, register=register, geometry=geometry,
                         attributes=cleaned, status=status, version=1, created_at=now,
                         updated_at=now)
    _derive(obj, register)
    obj.save()
    _snapshot(obj, change=ObjectVersion.Change.CREATED, changes={}, actor=actor, note=note)
    return obj


def _locked(gmina: Gmina, object_id: int) -> RegisterObject:
    obj = (RegisterObject.objects.select_for_update().select_related("register")
           .filter(gmina=gmina, pk=object_id).first())
    if obj is None:
        raise RegisterObject.DoesNotExist
    return obj


@transaction.atomic
def object_update(*, gmina: Gmina, object_id: int, geometry: GEOSGeometry | None = None,
                  attributes: dict | None = None, merge: bool = False,
                  status: str | None = None, actor=None, expected_version: int | None = None,
                  note: str = "") -> RegisterObject:
    """Change an object. `attributes` replaces all values, or with `merge` only those given
    (a null removes one). `expected_version` refuses a change made on a stale copy."""
    obj = _locked(gmina, object_id)
    register = obj.register
    if expected_version is not None and expected_version != obj.version:
        raise ValidationError({"version": _(
            "Someone changed this object in the meantime (now version %(now)d); reload it.")
            % {"now": obj.version}})
    before = RegisterObject(attributes=dict(obj.attributes), geometry=obj.geometry.clone(),
                            status=obj.status)
    errors = {}
    if geometry is not None:
        try:
            obj.geometry = geometry_clean(register=register, geometry=geometry)
        except ValidationError as error:
            errors.update(error.message_dict)
    if attributes is not None:
        values = {**obj.attributes, **attributes} if merge else attributes
        values = {k: v for k, v in values.items() if v is not None}
        try:
            obj.attributes = attributes_clean(register=register, values=values, obj=obj)
        except ValidationError as error:
            errors.update(error.message_dict)
    if status is not None:
        try:
            obj.status = _status_clean(status)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    changes = _diff(before, obj)
    if not changes:
        return obj
    obj.version += 1
    obj.updated_at = timezone.now()
    _derive(obj, register)
    obj.save()
    _snapshot(obj, change=ObjectVersion.Change.UPDATED, changes=changes, actor=actor, note=note)
    return obj


def object_remove(*, gmina: Gmina, object_id: int, actor=None,
                  note: str = "") -> RegisterObject:
    """Removed objects stay in the register's history; they leave the map and the APIs."""
    return object_update(gmina=gmina, object_id=object_id, status=ObjectStatus.REMOVED,
                         actor=actor, note=note)


@transaction.atomic
def object_restore(*, gmina: Gmina, object_id: int, version: int, actor=None) -> RegisterObject:
    """Make an earlier version current again, as a new version (history is never rewritten)."""
    obj = _locked(gmina, object_id)
    old = ObjectVersion.objects.filter(gmina=gmina, object=obj, number=version).first()
    if old is None:
        raise ValidationError({"version": _("This object has no version %(number)d.") % {
            "number": version}})
    before = RegisterObject(attributes=dict(obj.attributes), geometry=obj.geometry.clone(),
                            status=obj.status)
    # Links or photos may have gone since: the old values must still be valid today.
    try:
        obj.attributes = attributes_clean(register=obj.register, values=old.attributes, obj=obj)
    except ValidationError as error:
        raise ValidationError({"version": _(
            "Version %(number)d cannot be restored: %(reasons)s") % {
            "number": version, "reasons": "; ".join(
                m for ms in error.message_dict.values() for m in ms)}}) from None
    obj.geometry = old.geometry
    obj.status = old.status
    changes = _diff(before, obj)
    obj.version += 1
    obj.updated_at = timezone.now()
    _derive(obj, obj.register)
    obj.save()
    _snapshot(obj, change=ObjectVersion.Change.RESTORED, changes=changes, actor=actor,
              note=_("restored version %(number)d") % {"number": version})
    return obj


PHOTO_MAX_BYTES = 10 * 1024 * 1024


@transaction.atomic
def object_photo_add(*, gmina: Gmina, object_id: int, upload, actor=None,
                     attribute: str | None = None):
    """A photo of the object, re-encoded without its metadata (a phone's photo carries where
    and when it was taken); with `attribute`, the photo field is set to it (a new version)."""
    from podkowa.cases.services.attachments import attachment_check
    from podkowa.registers.models import ObjectPhoto

    obj = _locked(gmina, object_id)
    checked = attachment_check(upload, kinds=["image"], max_bytes=PHOTO_MAX_BYTES)
    photo = ObjectPhoto(gmina=gmina, object=obj,
                        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None)
    photo.file.save(checked.name, checked.as_content_file(), save=False)
    photo.save()
    if attribute:
        object_update(gmina=gmina, object_id=obj.pk, attributes={attribute: photo.pk},
                      merge=True, actor=actor)
    return photo
