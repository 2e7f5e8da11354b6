"""Objects as GeoJSON features (RFC 7946), shared by the REST API, OGC API – Features, the
map and the exports: what the caller may read, coordinates in the asked CRS."""

import json

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db import connection
from django.db.models.expressions import RawSQL

from podkowa.registers.geo import CRS84, DECIMALS_DEGREES, geometry_to_geojson
from podkowa.registers.models import Register, RegisterObject
from podkowa.registers.rules import may_read_personal_fields
from podkowa.registers.selectors.objects import audit_list_read, visible_attributes
from podkowa.registers.services.attributes import personal_keys


def feature(obj: RegisterObject, *, register: Register, user, crs: str = CRS84,
            request=None, audit: bool = True, meta: bool = True) -> dict:
    properties = dict(visible_attributes(register=register, obj=obj, user=user,
                                         request=request, audit=audit))
    if meta:
        properties["status"] = obj.status
        properties["version"] = obj.version
        if obj.length_m is not None:
            properties["length_m"] = obj.length_m
    return {"type": "Feature", "id": obj.pk,
            "geometry": geometry_to_geojson(obj.geometry, crs=crs),
            "properties": properties}


def features(objects, *, register: Register, user, crs: str = CRS84, request=None,
             meta: bool = True) -> list[dict]:
    """A page of features; one audit entry for the page when it carried personal fields."""
    rows = [feature(obj, register=register, user=user, crs=crs, audit=False, meta=meta)
            for obj in objects]
    if personal_keys(register) and may_read_personal_fields(user, register):
        audit_list_read(register=register, user=user, count=len(rows), request=request)
    return rows


# One feature as GeoJSON text, written by PostGIS: json (not jsonb) keeps the members in
# RFC 7946's order; the properties are the values less the hidden keys, then the object's
# own members (length_m only where there is one).
_FEATURE_SQL = (
    "json_build_object('type', 'Feature', 'id', id, "
    "'geometry', ST_AsGeoJSON(geometry, %s)::json, "
    "'properties', (attributes - %s::text[]) || jsonb_strip_nulls(jsonb_build_object("
    "'status', status, 'version', version, 'length_m', length_m)))::text")


def features_json(objects, *, register: Register, user, request=None) -> tuple[str, int]:
    """A page of features in CRS84 as one JSON array (text) and its length: what
    `features` gives, built for the map's viewport requests of hundreds of objects without
    a model instance or a GEOS geometry per object. On PostGIS the database writes each
    feature whole; elsewhere it writes the geometry (AsGeoJSON) and Python the rest."""
    hidden = (set() if may_read_personal_fields(user, register)
              else personal_keys(register))
    if connection.vendor == "postgresql":
        # A constant statement; the values go as parameters.
        feature = RawSQL(_FEATURE_SQL, [DECIMALS_DEGREES, sorted(hidden)])  # noqa: S611
        parts = list(objects.annotate(feature=feature).values_list("feature", flat=True))
    else:
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        parts = []
        for pk, geojson, attributes, status, version, length_m in objects.annotate(
                geojson=AsGeoJSON("geometry", precision=DECIMALS_DEGREES)).values_list(
                "pk", "geojson", "attributes", "status", "version", "length_m"):
            properties = {k: v for k, v in attributes.items() if k not in hidden}
            properties.update(status=status, version=version)
            if length_m is not None:
                properties["length_m"] = length_m
            parts.append(f'{{"type":"Feature","id":{pk},"geometry":{geojson},'
                         f'"properties":{dumps(properties)}}}')
    if personal_keys(register) and may_read_personal_fields(user, register):
        audit_list_read(register=register, user=user, count=len(parts), request=request)
    return "[" + ",".join(parts) + "]", len(parts)
