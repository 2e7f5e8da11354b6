"""OGC API – Features at /ogc/: Part 1 (core, GeoJSON), Part 2 (coordinate reference systems
by reference) and Part 4 (create, replace, update, delete; still a draft) for the town's
public registers — what QGIS, GDAL/OGR and OWSLib speak.

Thin views: reading goes through the registers' selectors, writing through their services,
the same as the REST API. Reads are open for public registers; writes need an official who
edits the register, with a personal token (`Authorization: Bearer …`) or the website's session
(then with the CSRF token). Coordinates follow the asked CRS's own axis order: longitude
first in CRS84, northing first in EPSG:2178 and EPSG:2180.
"""

import json
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja.utils import check_csrf

from podkowa.core.api_auth import bearer_auth
from podkowa.registers.geo import CRS84, SUPPORTED_CRS, geometry_from_geojson, transformed
from podkowa.registers.models import RESERVED_KEYS, AttributeKind, Register
from podkowa.registers.rules import may_edit_register_objects
from podkowa.registers.selectors.features import feature, features, features_page_json
from podkowa.registers.selectors.objects import (
    object_for,
    objects_filtered,
    register_for,
    registers_visible,
)
from podkowa.registers.services.attributes import (
    dictionary_entries,
    personal_keys,
    register_attributes,
    species_list,
)
from podkowa.registers.services.objects import object_create, object_remove, object_update

GEOJSON = "application/geo+json"
DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
]
_OWN_PARAMS = RESERVED_KEYS | {"f", "crs", "bbox-crs", "limit", "offset", "datetime",
                               "properties", "filter", "filter-lang"}


class OgcError(Exception):
    def __init__(self, status: int, code: str, description) -> None:
        super().__init__(str(description))
        self.status, self.code, self.description = status, code, str(description)


def _json(data, *, status: int = 200, content_type: str = "application/json",
          headers: dict | None = None) -> JsonResponse:
    response = JsonResponse(data, status=status, content_type=content_type,
                            json_dumps_params={"ensure_ascii": False})
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def _caller(request: HttpRequest):
    """The official behind a token or the session, else an anonymous reader."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = bearer_auth.authenticate(request, header[7:])
        if user is None:
            raise OgcError(401, "NotAuthenticated", _("The API token is not valid."))
        return user
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if request.method not in ("GET", "HEAD", "OPTIONS") and check_csrf(request):
            raise OgcError(403, "CsrfFailed", _(
                "The security check of the form failed (CSRF). Reload the page and try again."))
        return user
    return AnonymousUser()


def ogc_view(methods: tuple[str, ...]):
    """Errors as OGC exception documents; OPTIONS answered with what the resource allows."""

    def wrap(view):
        @csrf_exempt  # checked in _caller for the session; tokens carry no cookie
        def handler(request, *args, **kwargs):
            if request.method == "OPTIONS":
                response = HttpResponse(status=204)
                response["Allow"] = ", ".join((*methods, "OPTIONS"))
                return response
            if request.method not in methods:
                response = _json({"code": "MethodNotAllowed",
                                  "description": _("Method not allowed.")}, status=405)
                response["Allow"] = ", ".join((*methods, "OPTIONS"))
                return response
            try:
                request.ogc_user = _caller(request)
                return view(request, *args, **kwargs)
            except OgcError as error:
                return _json({"code": error.code, "description": error.description},
                             status=error.status)
            except PermissionDenied:
                return _json({"code": "Forbidden", "description": _("You may not do this.")},
                             status=403)
            except ValidationError as error:
                messages = (error.message_dict if hasattr(error, "error_dict")
                            else {"__all__": error.messages})
                first = next(iter(messages.values()))[0]
                return _json({"code": "InvalidParameterValue", "description": str(first),
                              "errors": messages}, status=400)

        handler.__name__ = view.__name__
        handler.__doc__ = view.__doc__
        return handler

    return wrap


def _url(request, name: str, *args, **query) -> str:
    path = reverse(f"ogc:{name}", args=args)
    return request.build_absolute_uri(path + (f"?{urlencode(query)}" if query else ""))


def _register(request, collection_id: str) -> Register:
    register = register_for(gmina=request.gmina, slug=collection_id, user=request.ogc_user)
    if register is None or not (register.is_public
                                or may_edit_register_objects(request.ogc_user, register)):
        raise OgcError(404, "NotFound", _("No such collection."))
    return register


def _crs(request, name: str = "crs") -> str:
    value = request.GET.get(name) or CRS84
    if value not in SUPPORTED_CRS:
        raise OgcError(400, "InvalidParameterValue", _(
            "Unsupported %(name)s; use one of: %(values)s.") % {
            "name": name, "values": ", ".join(SUPPORTED_CRS)})
    return value


def _bbox(request) -> tuple[float, float, float, float] | None:
    text = request.GET.get("bbox")
    if not text:
        return None
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4:
        raise OgcError(400, "InvalidParameterValue", _(
            "bbox must be four numbers: the lower corner, then the upper corner."))
    crs = _crs(request, "bbox-crs")
    srid, northing_first = SUPPORTED_CRS[crs]
    a1, b1, a2, b2 = values
    if northing_first:
        a1, b1, a2, b2 = b1, a1, b2, a2
    if a1 > a2 or b1 > b2:
        raise OgcError(400, "InvalidParameterValue", _(
            "bbox must give the lower corner first."))
    if srid == 4326:
        return a1, b1, a2, b2
    from django.contrib.gis.geos import Polygon

    box = Polygon.from_bbox((a1, b1, a2, b2))
    box.srid = srid
    return transformed(box, 4326).extent


def _int(request, name: str, default: int) -> int:
    try:
        value = int(request.GET.get(name, default))
    except ValueError:
        raise OgcError(400, "InvalidParameterValue", _("%(name)s must be a whole number.") % {
            "name": name}) from None
    if value < 0 or (name == "limit" and value < 1):
        raise OgcError(400, "InvalidParameterValue", _("%(name)s is out of range.") % {
            "name": name})
    return value


def _extent(register: Register) -> list[float] | None:
    from django.contrib.gis.db.models import Extent

    from podkowa.registers.models import ObjectStatus, RegisterObject

    extent = (RegisterObject.objects.filter(gmina_id=register.gmina_id, register=register)
              .exclude(status=ObjectStatus.REMOVED).aggregate(e=Extent("geometry"))["e"])
    return [round(v, 7) for v in extent] if extent else None


def _collection(request, register: Register) -> dict:
    bbox = _extent(register) or [20.70, 52.105, 20.76, 52.14]
    return {
        "id": register.slug, "title": register.name, "description": register.description,
        "itemType": "feature",
        "extent": {"spatial": {"bbox": [bbox], "crs": CRS84}},
        "crs": list(SUPPORTED_CRS), "storageCrs": CRS84,
        "links": [
            {"rel": "self", "type": "application/json", "title": register.name,
             "href": _url(request, "collection", register.slug)},
            {"rel": "items", "type": GEOJSON, "title": register.name,
             "href": _url(request, "items", register.slug)},
            {"rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
             "type": "application/schema+json",
             "href": _url(request, "queryables", register.slug)},
        ],
    }


@ogc_view(("GET",))
def landing(request: HttpRequest):
    return _json({
        "title": _("Registers of %(town)s") % {"town": request.gmina.name},
        "description": _("Geolocated registers of the town: OGC API – Features."),
        "links": [
            {"rel": "self", "type": "application/json", "href": _url(request, "landing")},
            {"rel": "conformance", "type": "application/json",
             "href": _url(request, "conformance")},
            {"rel": "data", "type": "application/json", "href": _url(request, "collections")},
            {"rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0",
             "href": _url(request, "openapi")},
        ],
    })


@ogc_view(("GET",))
def conformance(request: HttpRequest):
    return _json({"conformsTo": CONFORMANCE})


@ogc_view(("GET",))
def openapi(request: HttpRequest):
    """A short description of the service for clients that look for one."""
    item = {"parameters": [{"name": "collectionId", "in": "path", "required": True,
                            "schema": {"type": "string"}}]}
    return _json({
        "openapi": "3.0.3",
        "info": {"title": "OGC API – Features", "version": "1.0"},
        "paths": {
            "/": {"get": {"responses": {"200": {"description": "landing page"}}}},
            "/conformance": {"get": {"responses": {"200": {"description": "conformance"}}}},
            "/collections": {"get": {"responses": {"200": {"description": "collections"}}}},
            "/collections/{collectionId}/items": {
                **item,
                "get": {"responses": {"200": {"description": "features"}}},
                "post": {"responses": {"201": {"description": "created"}}}},
            "/collections/{collectionId}/items/{featureId}": {
                "parameters": [*item["parameters"], {"name": "featureId", "in": "path",
                                                     "required": True,
                                                     "schema": {"type": "string"}}],
                "get": {"responses": {"200": {"description": "feature"}}},
                "put": {"responses": {"200": {"description": "replaced"}}},
                "patch": {"responses": {"200": {"description": "updated"}}},
                "delete": {"responses": {"204": {"description": "deleted"}}}},
        },
    }, content_type="application/vnd.oai.openapi+json;version=3.0")


def _public_registers(request) -> list[Register]:
    user = request.ogc_user
    return [r for r in registers_visible(gmina=request.gmina, user=user)
            if r.is_public or may_edit_register_objects(user, r)]


@ogc_view(("GET",))
def collections(request: HttpRequest):
    return _json({
        "links": [{"rel": "self", "type": "application/json",
                   "href": _url(request, "collections")}],
        "collections": [_collection(request, r) for r in _public_registers(request)],
        "crs": list(SUPPORTED_CRS),
    })


@ogc_view(("GET",))
def collection(request: HttpRequest, collection_id: str):
    return _json(_collection(request, _register(request, collection_id)))


_JSON_TYPES = {
    AttributeKind.TEXT: {"type": "string"}, AttributeKind.NUMBER: {"type": "number"},
    AttributeKind.NUMBERS: {"type": "array", "items": {"type": "number"}},
    AttributeKind.DATE: {"type": "string", "format": "date"},
    AttributeKind.BOOLEAN: {"type": "boolean"}, AttributeKind.CHOICE: {"type": "string"},
    AttributeKind.PHOTO: {"type": "integer"}, AttributeKind.LINK: {"type": "integer"},
    AttributeKind.SPECIES: {"type": "string"},
}


@ogc_view(("GET",))
def queryables(request: HttpRequest, collection_id: str):
    register = _register(request, collection_id)
    hidden = (set() if may_edit_register_objects(request.ogc_user, register)
              else personal_keys(register))
    properties = {}
    for attribute in register_attributes(register):
        if attribute.key in hidden:
            continue
        schema = {"title": attribute.label, **_JSON_TYPES[attribute.kind]}
        if attribute.kind == AttributeKind.CHOICE:
            schema["enum"] = [e.code for e in dictionary_entries(attribute)]
        if attribute.kind == AttributeKind.SPECIES:
            schema["enum"] = [s.code for s in species_list(attribute)]
        properties[attribute.key] = schema
    return _json({
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": _url(request, "queryables", register.slug),
        "type": "object", "title": register.name, "properties": properties,
    }, content_type="application/schema+json")


def _content_crs(crs: str) -> dict[str, str]:
    return {"Content-Crs": f"<{crs}>"}


def _filters(request, register: Register) -> dict[str, str]:
    return {k: v for k, v in request.GET.items() if k not in _OWN_PARAMS}


def _items_get(request, register: Register):
    crs = _crs(request)
    limit = min(_int(request, "limit", DEFAULT_LIMIT), MAX_LIMIT)
    offset = _int(request, "offset", 0)
    selection = {"gmina": request.gmina, "register": register, "user": request.ogc_user,
                 "bbox": _bbox(request), "attributes": _filters(request, register)}
    if crs == CRS84:
        # The map's viewport requests: the page written by the database in one statement
        # (see features_page_json).
        features_text, returned = features_page_json(**selection, limit=limit,
                                                     offset=offset, request=request)
    else:
        page = objects_filtered(**selection)[offset:offset + limit]
        returned_features = features(list(page), register=register, user=request.ogc_user,
                                     crs=crs, request=request)
        features_text, returned = None, len(returned_features)
    # A page that is not full is the last one: it tells the count without asking for it.
    matched = (offset + returned if returned < limit and (returned or not offset)
               else objects_filtered(**selection).count())
    query = {k: v for k, v in request.GET.items() if k not in ("offset", "limit")}
    links = [{"rel": "self", "type": GEOJSON, "title": _("this page"),
              "href": _url(request, "items", register.slug, **query, limit=limit,
                           offset=offset)},
             {"rel": "collection", "type": "application/json",
              "href": _url(request, "collection", register.slug)}]
    if offset + returned < matched:
        links.append({"rel": "next", "type": GEOJSON, "title": _("next page"),
                      "href": _url(request, "items", register.slug, **query, limit=limit,
                                   offset=offset + returned)})
    if offset > 0:
        links.append({"rel": "prev", "type": GEOJSON, "title": _("previous page"),
                      "href": _url(request, "items", register.slug, **query, limit=limit,
                                   offset=max(0, offset - limit))})
    rest = {"numberMatched": matched, "numberReturned": returned,
            "timeStamp": timezone.now().isoformat(timespec="seconds"), "links": links}
    if features_text is None:
        return _json({"type": "FeatureCollection", "features": returned_features, **rest},
                     content_type=GEOJSON, headers=_content_crs(crs))
    body = ('{"type":"FeatureCollection","features":' + features_text + ","
            + json.dumps(rest, ensure_ascii=False)[1:])
    response = HttpResponse(body.encode(), content_type=GEOJSON)
    for key, value in _content_crs(crs).items():
        response[key] = value
    return response


def _editable(request, register: Register) -> None:
    user = request.ogc_user
    if not getattr(user, "is_authenticated", False):
        raise OgcError(401, "NotAuthenticated", _(
            "Sign in or send an official's API token (Authorization: Bearer …)."))
    if not may_edit_register_objects(user, register):
        raise PermissionDenied


def _body_feature(request) -> tuple[dict | None, dict, str | None]:
    """(geometry in WGS 84 or None, properties, status) from a GeoJSON Feature body."""
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise OgcError(400, "InvalidRequestBody", _("The body is not valid JSON.")) from None
    if not isinstance(data, dict) or data.get("type") != "Feature":
        raise OgcError(400, "InvalidRequestBody", _("Send one GeoJSON Feature."))
    crs = CRS84
    header = request.headers.get("Content-Crs", "").strip()
    if header:
        crs = header.strip("<>")
        if crs not in SUPPORTED_CRS:
            raise OgcError(400, "InvalidParameterValue", _("Unsupported Content-Crs."))
    geometry = None
    if data.get("geometry") is not None:
        try:
            geometry = geometry_from_geojson(data["geometry"], crs=crs)
        except ValueError as error:
            raise ValidationError({"geometry": str(error)}) from None
    properties = dict(data.get("properties") or {})
    # Our own read-only members, when a client sends back what it read.
    for key in ("version", "length_m"):
        properties.pop(key, None)
    status = properties.pop("status", None)
    return geometry, properties, status


@ogc_view(("GET", "POST"))
def items(request: HttpRequest, collection_id: str):
    register = _register(request, collection_id)
    if request.method == "GET":
        return _items_get(request, register)
    _editable(request, register)
    geometry, properties, status = _body_feature(request)
    obj = object_create(gmina=request.gmina, register_id=register.pk, geometry=geometry,
                        attributes=properties, status=status or "active",
                        actor=request.ogc_user)
    location = _url(request, "item", register.slug, str(obj.pk))
    response = _json(feature(obj, register=register, user=request.ogc_user, request=request),
                     status=201, content_type=GEOJSON, headers=_content_crs(CRS84))
    response["Location"] = location
    return response


def _object(request, register: Register, feature_id: str):
    try:
        object_id = int(feature_id)
    except ValueError:
        object_id = None
    obj = (object_for(gmina=request.gmina, register=register, object_id=object_id)
           if object_id is not None else None)
    if obj is None:
        raise OgcError(404, "NotFound", _("No such feature."))
    return obj


@ogc_view(("GET", "PUT", "PATCH", "DELETE"))
def item(request: HttpRequest, collection_id: str, feature_id: str):
    register = _register(request, collection_id)
    obj = _object(request, register, feature_id)
    if request.method == "GET":
        crs = _crs(request)
        data = feature(obj, register=register, user=request.ogc_user, crs=crs,
                       request=request)
        data["links"] = [
            {"rel": "self", "type": GEOJSON,
             "href": _url(request, "item", register.slug, str(obj.pk))},
            {"rel": "collection", "type": "application/json",
             "href": _url(request, "collection", register.slug)}]
        return _json(data, content_type=GEOJSON, headers={
            **_content_crs(crs), "ETag": f'"{obj.version}"'})
    _editable(request, register)
    if request.method == "DELETE":
        object_remove(gmina=request.gmina, object_id=obj.pk, actor=request.ogc_user)
        return HttpResponse(status=204)
    geometry, properties, status = _body_feature(request)
    expected = request.headers.get("If-Match", "").strip('"') or None
    if request.method == "PUT":
        if geometry is None:
            raise ValidationError({"geometry": _("A replacement needs its geometry.")})
        updated = object_update(gmina=request.gmina, object_id=obj.pk, geometry=geometry,
                                attributes=properties, status=status or obj.status,
                                actor=request.ogc_user,
                                expected_version=int(expected) if expected else None)
    else:
        updated = object_update(gmina=request.gmina, object_id=obj.pk, geometry=geometry,
                                attributes=properties, merge=True, status=status,
                                actor=request.ogc_user,
                                expected_version=int(expected) if expected else None)
    return _json(feature(updated, register=register, user=request.ogc_user, request=request),
                 content_type=GEOJSON, headers={**_content_crs(CRS84),
                                                "ETag": f'"{updated.version}"'})
