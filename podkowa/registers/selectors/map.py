"""What the map draws for one register in one viewport: the objects themselves while there
are few enough to draw, else counts per grid cell (server-side clustering), so that a
viewport over 100,000 trees costs one grouped query, not 100,000 features."""

import json

from django.contrib.gis.db.models.functions import AsGeoJSON, Centroid
from django.contrib.gis.geos import Polygon
from django.db.models import Avg, Count, F, FloatField, Func, Q
from django.db.models.functions import Floor

from podkowa.core.models import Gmina
from podkowa.registers.models import AttributeKind, GeometryKind, Register
from podkowa.registers.rules import may_read_personal_fields
from podkowa.registers.selectors.features import features
from podkowa.registers.selectors.objects import audit_list_read, objects_filtered
from podkowa.registers.services.attributes import personal_keys, register_attributes

MAX_FEATURES = 1500
GRID_CELLS = 24  # across the viewport's wider side


class _X(Func):
    function = "ST_X"
    output_field = FloatField()


class _Y(Func):
    function = "ST_Y"
    output_field = FloatField()


def _features(queryset, *, register: Register, user, request=None) -> list[dict]:
    """The viewport's objects as GeoJSON features, the geometry written by the database
    (ST_AsGeoJSON, 7 decimals as RFC 7946 asks): no GEOS object per feature, which is most
    of the time of 1,500 features. The same rules as `selectors.features`: personal fields
    only to whoever may read them, and their reading audited once for the list."""
    hidden = set() if may_read_personal_fields(user, register) else personal_keys(register)
    rows = (queryset.annotate(shape=AsGeoJSON("geometry", precision=7))
            .values_list("id", "attributes", "status", "version", "length_m", "shape"))
    found = []
    for pk, attributes, status, version, length_m, shape in rows:
        properties = ({k: v for k, v in attributes.items() if k not in hidden} if hidden
                      else dict(attributes))
        properties["status"], properties["version"] = status, version
        if length_m is not None:
            properties["length_m"] = length_m
        found.append({"type": "Feature", "id": pk, "geometry": json.loads(shape),
                      "properties": properties})
    audit_list_read(register=register, user=user, count=len(found), request=request)
    return found


def _in_box(register: Register, bbox: tuple[float, float, float, float]) -> Q:
    box = Polygon.from_bbox(bbox)
    box.srid = 4326
    if register.geometry_kind == GeometryKind.POINT:
        # A point is in the box exactly when its bounding box overlaps the box: the index
        # operator alone, without ST_Intersects, whose high cost estimate over a whole town
        # also talks PostgreSQL into compiling the query (JIT), slower than running it.
        return Q(geometry__bboverlaps=box)
    return Q(geometry__intersects=box)


def map_layer(*, gmina: Gmina, register: Register, user, bbox: tuple[float, float, float, float],
              request=None, max_features: int = MAX_FEATURES) -> dict:
    queryset = objects_filtered(gmina=gmina, register=register, user=user).filter(
        _in_box(register, bbox))
    # Only the first max_features + 1 ids, unsorted: enough to know "too many" without
    # counting (or sorting) all of them.
    probe = list(queryset.order_by().values_list("id", flat=True)[:max_features + 1])
    if len(probe) <= max_features:
        return {"type": "FeatureCollection",
                "features": _features(queryset, register=register, user=user,
                                      request=request)}
    west, south, east, north = bbox
    size = max(east - west, north - south) / GRID_CELLS
    anchor = (Centroid("geometry") if register.geometry_kind != GeometryKind.POINT
              else F("geometry"))
    cells = (queryset.order_by()
             .annotate(px=_X(anchor), py=_Y(anchor))
             .annotate(cx=Floor((F("px") - west) / size), cy=Floor((F("py") - south) / size))
             .values("cx", "cy")
             .annotate(count=Count("id"), lon=Avg("px"), lat=Avg("py")))
    return {"type": "clusters", "clusters": [
        {"lon": round(c["lon"], 6), "lat": round(c["lat"], 6), "count": c["count"]}
        for c in cells]}


def map_search(*, gmina: Gmina, register: Register, user, text: str, limit: int = 20) -> list:
    """Objects whose text or choice values contain `text` (any case), for the map's search."""
    text = (text or "").strip()
    if not text:
        return []
    hidden = set() if may_read_personal_fields(user, register) else personal_keys(register)
    condition = Q()
    for attribute in register_attributes(register):
        if attribute.key in hidden or attribute.kind not in (
                AttributeKind.TEXT, AttributeKind.CHOICE, AttributeKind.SPECIES):
            continue
        condition |= Q(**{f"attributes__{attribute.key}__icontains": text})
    if not condition:
        return []
    found = objects_filtered(gmina=gmina, register=register, user=user).filter(condition)
    return features(found[:limit], register=register, user=user)
