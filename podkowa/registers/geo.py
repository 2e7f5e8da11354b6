"""Geometry in and out: GeoJSON (RFC 7946: longitude/latitude, at most 7 decimals) and the
Polish planar systems.

PL-2000 (EPSG:2176–2179) and PL-1992 (EPSG:2180) define their first axis as northing (x) and
the second as easting (y). GDAL as Django configures it works in the traditional
easting-first order, so the swap happens here, at the edge, and nowhere else.
"""

import json

from django.contrib.gis.gdal import CoordTransform, SpatialReference
from django.contrib.gis.geos import GEOSGeometry
from django.utils.translation import gettext as _

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"
# The CRSs the OGC API offers: URI → (SRID, whether its axes are northing/latitude first).
SUPPORTED_CRS = {
    CRS84: (4326, False),
    EPSG_URI.format(4326): (4326, True),
    EPSG_URI.format(2178): (2178, True),
    EPSG_URI.format(2180): (2180, True),
}
NORTHING_FIRST_SRIDS = {2176, 2177, 2178, 2179, 2180}
DECIMALS_DEGREES = 7
DECIMALS_METRES = 3

_transforms: dict[tuple[int, int], CoordTransform] = {}


def _transform(source: int, target: int) -> CoordTransform:
    key = (source, target)
    if key not in _transforms:
        _transforms[key] = CoordTransform(SpatialReference(source), SpatialReference(target))
    return _transforms[key]


def transformed(geometry: GEOSGeometry, srid: int) -> GEOSGeometry:
    if geometry.srid == srid:
        return geometry
    copy = geometry.clone()
    copy.transform(_transform(geometry.srid, srid))
    return copy


def _map_coords(coords, fn):
    if coords and isinstance(coords[0], int | float):
        return fn(coords)
    return [_map_coords(c, fn) for c in coords]


def geometry_to_geojson(geometry: GEOSGeometry, *, crs: str = CRS84) -> dict:
    """The geometry as a GeoJSON dict in `crs` (a supported URI), axes in that CRS's order."""
    srid, swap = SUPPORTED_CRS[crs]
    data = json.loads(transformed(geometry, srid).json)
    digits = DECIMALS_DEGREES if srid == 4326 else DECIMALS_METRES

    def point(xy):
        rounded = [round(float(v), digits) for v in xy[:2]]
        return rounded[::-1] if swap else rounded

    if data["type"] == "GeometryCollection":
        for part in data["geometries"]:
            part["coordinates"] = _map_coords(part["coordinates"], point)
    else:
        data["coordinates"] = _map_coords(data["coordinates"], point)
    return data


def geometry_from_geojson(data, *, crs: str = CRS84) -> GEOSGeometry:
    """A GeoJSON geometry (dict) in `crs` → GEOS in WGS 84; ValueError with the reason."""
    if not isinstance(data, dict) or "type" not in data or "coordinates" not in data:
        raise ValueError(_("a GeoJSON geometry with type and coordinates is needed"))
    if crs not in SUPPORTED_CRS:
        raise ValueError(_("unsupported coordinate reference system %(crs)s") % {"crs": crs})
    srid, swap = SUPPORTED_CRS[crs]

    def point(xy):
        if len(xy) < 2 or not all(isinstance(v, int | float) for v in xy[:2]):
            raise ValueError(_("coordinates must be numbers"))
        values = [float(v) for v in xy[:2]]
        return values[::-1] if swap else values

    try:
        plain = {"type": data["type"], "coordinates": _map_coords(data["coordinates"], point)}
        geometry = GEOSGeometry(json.dumps(plain))
        geometry.srid = srid
    except (TypeError, ValueError, IndexError, KeyError) as error:
        raise ValueError(_("not a valid GeoJSON geometry (%(error)s)") % {"error": error}
                         ) from None
    except Exception as error:  # GEOS/GDAL raise their own exception types
        raise ValueError(_("not a valid GeoJSON geometry (%(error)s)") % {"error": error}
                         ) from None
    return transformed(geometry, 4326)


def length_metres(geometry: GEOSGeometry) -> float:
    """Length on the PL-1992 plane: a scale error below 1 m per km across Poland."""
    return round(transformed(geometry, 2180).length, 2)
