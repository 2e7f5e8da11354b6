"""Objects as GeoJSON features (RFC 7946), shared by the REST API, OGC API – Features, the
map and the exports: what the caller may read, coordinates in the asked CRS."""

from podkowa.registers.geo import CRS84, geometry_to_geojson
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
