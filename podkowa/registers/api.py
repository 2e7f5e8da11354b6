"""The registers part of the API: registers with their fields, objects as GeoJSON with bbox,
status and attribute filters and pages; writes for the officials who edit a register.

Reads need no sign-in for public registers (personal fields are left out for whoever may not
read them); a register that is not public answers 404 to everyone but the town's officials.
"""

from typing import Literal

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from podkowa.core.api_auth import bearer_auth, session_auth
from podkowa.core.api_errors import ErrorOut, FieldErrorsOut
from podkowa.registers.geo import geometry_from_geojson
from podkowa.registers.models import RESERVED_KEYS, AttributeKind, Register
from podkowa.registers.rules import may_edit_register_objects
from podkowa.registers.selectors.features import feature, features
from podkowa.registers.selectors.objects import (
    object_for,
    object_history,
    objects_filtered,
    parse_bbox,
    register_for,
    registers_visible,
)
from podkowa.registers.selectors.trees import Owner, Procedure, tree_removal_check
from podkowa.registers.services.attributes import (
    dictionary_entries,
    personal_keys,
    register_attributes,
    species_list,
)
from podkowa.registers.services.objects import (
    object_create,
    object_photo_add,
    object_remove,
    object_restore,
    object_update,
)

router = Router(tags=["registers"])

MAX_LIMIT = 1000


def _anyone(request: HttpRequest):
    return AnonymousUser()


# A token or the session when one is sent, else an anonymous reader (public registers only).
READ_AUTH = [bearer_auth, session_auth, _anyone]


class AttributeOut(Schema):
    key: str
    label: str
    kind: str = Field(description=(
        "text, number, numbers, date, choice, boolean, photo, link, species"))
    unit: str
    required: bool
    personal: bool = Field(description="Never public; officials' reads are audited.")
    choices: list[dict] = Field(description=(
        "For choice: the dictionary's {code, label}; for species also latin."))
    link_register: str | None = Field(description="For link: the slug of the register.")


class RegisterOut(Schema):
    slug: str
    name: str
    description: str
    geometry_kind: str = Field(description="point, line or polygon")
    is_public: bool
    colour: str
    may_edit: bool
    attributes: list[AttributeOut]


class FeatureOut(Schema):
    type: Literal["Feature"]
    id: int
    geometry: dict = Field(description="GeoJSON geometry, longitude/latitude (WGS 84).")
    properties: dict = Field(description="Attribute values by key, plus status and version "
                                         "(and length_m for lines).")


class FeatureCollectionOut(Schema):
    type: Literal["FeatureCollection"]
    features: list[FeatureOut]
    numberMatched: int
    numberReturned: int
    next: str | None = Field(description="The address of the next page, if there is one.")


class ObjectIn(Schema):
    geometry: dict = Field(description="GeoJSON geometry, longitude/latitude (WGS 84).")
    properties: dict = Field(default_factory=dict, description="Attribute values by key.")
    status: str = Field("active", description="planned, active or removed")


class ObjectPatchIn(Schema):
    geometry: dict | None = None
    properties: dict | None = Field(None, description=(
        "Only the values to change; null removes a value."))
    status: str | None = None
    version: int | None = Field(None, description=(
        "The version the change was made on: a newer one on the server refuses it (400)."))


class VersionOut(Schema):
    number: int
    change: str
    at: str
    by: str | None
    status: str
    changes: dict
    note: str


class RestoreIn(Schema):
    version: int


class ObjectFilters(Schema):
    bbox: str | None = Field(None, description="west,south,east,north in WGS 84 degrees.")
    status: list[str] = Field(default_factory=list, description=(
        "planned, active, removed; by default all but removed."))
    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


def _choices(attribute) -> list[dict]:
    if attribute.kind == AttributeKind.SPECIES:
        return [{"code": s.code, "label": s.polish_name, "latin": s.latin_name}
                for s in species_list(attribute)]
    if attribute.dictionary_id:
        return [{"code": e.code, "label": e.label} for e in dictionary_entries(attribute)]
    return []


def _attribute_out(attribute) -> dict:
    return {
        "key": attribute.key, "label": attribute.label, "kind": attribute.kind,
        "unit": attribute.unit, "required": attribute.required, "personal": attribute.personal,
        "choices": _choices(attribute),
        "link_register": attribute.link_register.slug if attribute.link_register_id else None,
    }


def register_out(register: Register, user) -> dict:
    hidden = set() if may_edit_register_objects(user, register) else personal_keys(register)
    return {
        "slug": register.slug, "name": register.name, "description": register.description,
        "geometry_kind": register.geometry_kind, "is_public": register.is_public,
        "colour": register.colour, "may_edit": may_edit_register_objects(user, register),
        "attributes": [_attribute_out(a) for a in register_attributes(register)
                       if a.key not in hidden],
    }


def _register(request, slug: str) -> Register:
    register = register_for(gmina=request.gmina, slug=slug, user=request.auth)
    if register is None:
        raise Http404
    return register


def _editable(request, slug: str) -> Register:
    register = _register(request, slug)
    if not may_edit_register_objects(request.auth, register):
        raise PermissionDenied
    return register


def _geometry(data: dict | None):
    if data is None:
        return None
    try:
        return geometry_from_geojson(data)
    except ValueError as error:
        raise ValidationError({"geometry": str(error)}) from None


def attribute_filters(request, register: Register) -> dict[str, str]:
    """Query parameters other than the API's own are attribute filters: ?material=metal."""
    known = {a.key for a in register_attributes(register)}
    filters = {}
    for key in request.GET:
        if key in RESERVED_KEYS:
            continue
        if key not in known:
            raise ValidationError({key: _("The register has no field “%(key)s” to filter on.")
                                   % {"key": key}})
        filters[key] = request.GET[key]
    return filters


@router.get("/registers", response=list[RegisterOut], auth=READ_AUTH)
def registers(request: HttpRequest):
    """The registers the caller may see: public ones for anyone, all for the town's officials."""
    return [register_out(r, request.auth)
            for r in registers_visible(gmina=request.gmina, user=request.auth)]


@router.get("/registers/{slug}", response={200: RegisterOut, 404: ErrorOut}, auth=READ_AUTH)
def register_detail(request: HttpRequest, slug: str):
    return register_out(_register(request, slug), request.auth)


@router.get("/registers/{slug}/objects",
            response={200: FeatureCollectionOut, 400: FieldErrorsOut, 404: ErrorOut},
            auth=READ_AUTH)
def register_objects(request: HttpRequest, slug: str, filters: Query[ObjectFilters]):
    """The register's objects as a GeoJSON FeatureCollection, ordered by id. Any other query
    parameter named after a field filters on its exact value, e.g. `?material=metal`."""
    register = _register(request, slug)
    queryset = objects_filtered(
        gmina=request.gmina, register=register, user=request.auth,
        bbox=parse_bbox(filters.bbox), status=filters.status,
        attributes=attribute_filters(request, register))
    matched = queryset.count()
    page = list(queryset[filters.offset:filters.offset + filters.limit])
    following = None
    if filters.offset + len(page) < matched:
        query = request.GET.copy()
        query["offset"] = str(filters.offset + len(page))
        query["limit"] = str(filters.limit)
        following = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {"type": "FeatureCollection", "numberMatched": matched,
            "numberReturned": len(page), "next": following,
            "features": features(page, register=register, user=request.auth,
                                 request=request)}


@router.get("/registers/{slug}/objects/{object_id}",
            response={200: FeatureOut, 404: ErrorOut}, auth=READ_AUTH)
def register_object(request: HttpRequest, slug: str, object_id: int):
    register = _register(request, slug)
    obj = object_for(gmina=request.gmina, register=register, object_id=object_id)
    if obj is None:
        raise Http404
    return feature(obj, register=register, user=request.auth, request=request)


@router.post("/registers/{slug}/objects",
             response={201: FeatureOut, 400: FieldErrorsOut, 401: ErrorOut, 403: ErrorOut,
                       404: ErrorOut})
def object_add(request: HttpRequest, slug: str, payload: ObjectIn):
    """Add an object (officials who edit the register). Bad values: 400 per field."""
    register = _editable(request, slug)
    obj = object_create(gmina=request.gmina, register_id=register.pk,
                        geometry=_geometry(payload.geometry), attributes=payload.properties,
                        status=payload.status, actor=request.auth)
    return Status(201, feature(obj, register=register, user=request.auth, request=request))


@router.patch("/registers/{slug}/objects/{object_id}",
              response={200: FeatureOut, 400: FieldErrorsOut, 401: ErrorOut, 403: ErrorOut,
                        404: ErrorOut})
def object_change(request: HttpRequest, slug: str, object_id: int, payload: ObjectPatchIn):
    register = _editable(request, slug)
    if object_for(gmina=request.gmina, register=register, object_id=object_id,
                  include_removed=True) is None:
        raise Http404
    obj = object_update(gmina=request.gmina, object_id=object_id,
                        geometry=_geometry(payload.geometry), attributes=payload.properties,
                        merge=True, status=payload.status, actor=request.auth,
                        expected_version=payload.version)
    return feature(obj, register=register, user=request.auth, request=request)


@router.delete("/registers/{slug}/objects/{object_id}",
               response={204: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def object_delete(request: HttpRequest, slug: str, object_id: int):
    """Mark the object removed: it leaves the map and the lists, its history stays."""
    register = _editable(request, slug)
    if object_for(gmina=request.gmina, register=register, object_id=object_id) is None:
        raise Http404
    object_remove(gmina=request.gmina, object_id=object_id, actor=request.auth)
    return Status(204, None)


@router.get("/registers/{slug}/objects/{object_id}/history",
            response={200: list[VersionOut], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def object_versions(request: HttpRequest, slug: str, object_id: int):
    """Every version of the object: who, when, what changed (officials who edit it)."""
    register = _editable(request, slug)
    obj = object_for(gmina=request.gmina, register=register, object_id=object_id,
                     include_removed=True)
    if obj is None:
        raise Http404
    return [{"number": v.number, "change": v.change, "at": v.at.isoformat(),
             "by": v.actor.email if v.actor_id else None, "status": v.status,
             "changes": v.changes, "note": v.note}
            for v in object_history(gmina=request.gmina, obj=obj)]


@router.post("/registers/{slug}/objects/{object_id}/restore",
             response={200: FeatureOut, 400: FieldErrorsOut, 401: ErrorOut, 403: ErrorOut,
                       404: ErrorOut})
def object_restore_version(request: HttpRequest, slug: str, object_id: int,
                           payload: RestoreIn):
    """Make an earlier version current again (as a new version)."""
    register = _editable(request, slug)
    if object_for(gmina=request.gmina, register=register, object_id=object_id,
                  include_removed=True) is None:
        raise Http404
    obj = object_restore(gmina=request.gmina, object_id=object_id, version=payload.version,
                         actor=request.auth)
    return feature(obj, register=register, user=request.auth, request=request)


class RemovalCheckOut(Schema):
    procedure: str = Field(description=(
        "none, notification, permit_mayor, permit_starosta or protected"))
    procedure_label: str
    threshold_cm: int | None = Field(description="No permit up to this circumference at 5 cm.")
    circumference_5_cm: float | None
    fee_basis_cm: float | None = Field(description=(
        "Circumference at 130 cm the fee is counted on (several stems: the largest plus half "
        "of the others)."))
    fee_grosze: int | None = Field(description="Estimated fee in grosze (PLN/100).")
    rate_grosze_per_cm: int | None
    rate_basis: str
    reasons: list[str]


@router.get("/registers/{slug}/objects/{object_id}/removal-check",
            response={200: RemovalCheckOut, 400: FieldErrorsOut, 404: ErrorOut},
            auth=READ_AUTH)
def tree_removal(request: HttpRequest, slug: str, object_id: int,
                 owner: Owner = Owner.GMINA):
    """For a tree: whether its removal needs a permit or a notification, and the fee estimate
    from the town's rate table. `owner`: gmina, private (a person, not for business), other."""
    register = _register(request, slug)
    obj = object_for(gmina=request.gmina, register=register, object_id=object_id)
    if obj is None:
        raise Http404
    check = tree_removal_check(gmina=request.gmina, attributes=obj.attributes, owner=owner)
    return {**check.__dict__, "procedure_label": str(Procedure(check.procedure).label)}


class PhotoOut(Schema):
    id: int
    url: str


@router.post("/registers/{slug}/objects/{object_id}/photos",
             response={201: PhotoOut, 400: FieldErrorsOut, 401: ErrorOut, 403: ErrorOut,
                       404: ErrorOut})
def photo_add(request: HttpRequest, slug: str, object_id: int, photo: File[UploadedFile],
              attribute: str | None = None):
    """Add a photo (multipart, part `photo`; JPEG, PNG, WebP…, up to 10 MB; its metadata is
    dropped). With `?attribute=key` the object's photo field is set to it."""
    register = _editable(request, slug)
    if object_for(gmina=request.gmina, register=register, object_id=object_id) is None:
        raise Http404
    if attribute is not None and attribute not in {
            a.key for a in register_attributes(register) if a.kind == AttributeKind.PHOTO}:
        raise ValidationError({"attribute": _("The register has no photo field “%(key)s”.")
                               % {"key": attribute}})
    added = object_photo_add(gmina=request.gmina, object_id=object_id, upload=photo,
                             actor=request.auth, attribute=attribute)
    return Status(201, {"id": added.pk, "url": _photo_url(register, added)})


def _photo_url(register, photo) -> str:
    from django.urls import reverse

    return reverse("api-v1:photo", kwargs={"slug": register.slug, "photo_id": photo.pk})


@router.get("/registers/{slug}/photos/{photo_id}", response={200: None, 404: ErrorOut},
            auth=READ_AUTH, url_name="photo")
def photo(request: HttpRequest, slug: str, photo_id: int):
    """A photo of an object of the register (public registers: for anyone)."""
    from podkowa.registers.models import ObjectPhoto

    register = _register(request, slug)
    found = ObjectPhoto.objects.filter(gmina=request.gmina, pk=photo_id,
                                       object__register=register).first()
    if found is None:
        raise Http404
    import mimetypes

    kind = mimetypes.guess_type(found.file.name)[0] or "application/octet-stream"
    return FileResponse(found.file.open("rb"), content_type=kind)
