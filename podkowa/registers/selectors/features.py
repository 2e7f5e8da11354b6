"""Objects as GeoJSON features (RFC 7946), shared by the REST API, OGC API – Features, the
map and the exports: what the caller may read, coordinates in the asked CRS."""

import json

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db import connection

from podkowa.core.models import Gmina
from podkowa.registers.geo import CRS84, DECIMALS_DEGREES, geometry_to_geojson
from podkowa.registers.models import Register, RegisterObject
from podkowa.registers.rules import may_read_personal_fields
from podkowa.registers.selectors.objects import (
    audit_list_read,
    objects_filtered,
    objects_filtered_sql,
    visible_attributes,
)
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
    _audit_page(register, user, len(rows), request)
    return rows


# A page of features as the inside of one JSON array, and its length, written by PostgreSQL:
# one row, one string. Each feature has the members in RFC 7946's order; its properties are
# the values less the hidden keys (jsonb's text), then the object's own members (length_m
# only where there is one) joined to that text — cheaper than merging jsonb values, which
# the database would build and print again for every object.
_PAGE_SQL = (
    "SELECT count(*), coalesce(string_agg('{\"type\":\"Feature\",\"id\":' || id "
    "|| ',\"geometry\":' || geojson || ',\"properties\":' "
    "|| CASE WHEN props = '{}' THEN '{' ELSE left(props, -1) || ', ' END "
    "|| '\"status\": ' || to_json(status)::text || ', \"version\": ' || version "
    "|| coalesce(', \"length_m\": ' || length_m, '') || '}}', ',' ORDER BY id), '') "
    "FROM (SELECT id, ST_AsGeoJSON(geometry, %s) AS geojson, "
    "(attributes - %s::text[])::text AS props, status, version, length_m "
    "FROM registers_registerobject WHERE {where} ORDER BY id {paging}) AS page")


def _hidden_keys(register: Register, user) -> list[str]:
    return sorted(set() if may_read_personal_fields(user, register)
                  else personal_keys(register))


def _audit_page(register: Register, user, count: int, request) -> None:
    if personal_keys(register) and may_read_personal_fields(user, register):
        audit_list_read(register=register, user=user, count=count, request=request)


def _features_sql(where: str, params: list, paging: str, *, register: Register,
                  user) -> tuple[str, int]:
    with connection.cursor() as cursor:
        # A constant statement: the WHERE clause is our own SQL; values as parameters.
        cursor.execute(_PAGE_SQL.replace("{where}", where).replace("{paging}", paging),
                       [DECIMALS_DEGREES, _hidden_keys(register, user), *params])
        returned, text = cursor.fetchone()
    return "[" + text + "]", returned


def features_json(objects, *, register: Register, user, request=None) -> tuple[str, int]:
    """A page of features in CRS84 as one JSON array (text) and its length: what
    `features` gives, without a model instance or a GEOS geometry per object. On PostGIS the
    database writes the page whole; elsewhere it writes the geometry (AsGeoJSON) and Python
    the rest."""
    if connection.vendor == "postgresql":
        sql, params = objects.values("id").query.sql_with_params()
        text, returned = _features_sql(f"id IN ({sql})", list(params), "",
                                       register=register, user=user)
        _audit_page(register, user, returned, request)
        return text, returned
    hidden = _hidden_keys(register, user)
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
    _audit_page(register, user, len(parts), request)
    return "[" + ",".join(parts) + "]", len(parts)


def features_page_json(*, gmina: Gmina, register: Register, user,
                       bbox: tuple[float, float, float, float] | None,
                       attributes: dict[str, str], limit: int, offset: int,
                       request=None) -> tuple[str, int]:
    """Page `offset`/`limit` of `objects_filtered(bbox, attributes)` by `features_json`,
    for the map's viewport requests. Without attribute filters on PostGIS: one statement
    that selects the page and writes it, with no ORM query to build."""
    if attributes or connection.vendor != "postgresql":
        page = objects_filtered(gmina=gmina, register=register, user=user, bbox=bbox,
                                attributes=attributes)[offset:offset + limit]
        return features_json(page, register=register, user=user, request=request)
    where, params = objects_filtered_sql(gmina=gmina, register=register, bbox=bbox)
    text, returned = _features_sql(where, [*params, limit, offset], "LIMIT %s OFFSET %s",
                                   register=register, user=user)
    _audit_page(register, user, returned, request)
    return text, returned
