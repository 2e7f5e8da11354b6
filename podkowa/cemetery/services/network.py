"""The cemetery's map: entrances, the alley network (drawn, or imported as GeoJSON) and the
drone orthophoto. Each change of the network bumps the cemetery's graph_version, which makes
every process rebuild its in-memory route graph on the next request."""

import json
import math

from django.contrib.gis.geos import LineString, Point, Polygon
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from podkowa.cases.services.attachments import attachment_check
from podkowa.cemetery.models import AlleyEdge, Cemetery, Entrance
from podkowa.cemetery.routing import lonlat_length
from podkowa.core.models import Gmina

MAX_ORTHOPHOTO_BYTES = 40 * 1024 * 1024


def _bump(cemetery: Cemetery) -> None:
    Cemetery.objects.filter(gmina_id=cemetery.gmina_id, pk=cemetery.pk).update(
        graph_version=F("graph_version") + 1)
    cemetery.refresh_from_db(fields=["graph_version"])


def _line(coords) -> LineString:
    try:
        points = [(float(c[0]), float(c[1])) for c in coords]
    except (TypeError, ValueError, IndexError):
        raise ValidationError({"path": _("The alley's coordinates are not numbers.")}) from None
    if len(points) < 2:
        raise ValidationError({"path": _("An alley needs at least two points.")})
    for lon, lat in points:
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValidationError({"path": _("Coordinates must be longitude, latitude (WGS84).")})
    return LineString(points, srid=4326)


SNAP_TO_JUNCTION_M = 2.0
M_PER_DEG_LAT = 111_320.0


def _ends(gmina: Gmina, cemetery: Cemetery) -> set[tuple[float, float]]:
    ends = set()
    for path in AlleyEdge.objects.filter(gmina=gmina, cemetery=cemetery).values_list(
            "path", flat=True):
        ends.add(path.coords[0])
        ends.add(path.coords[-1])
    return ends


def _snap_ends(line: LineString, ends: set) -> LineString:
    """A segment drawn by hand joins the network only where its ends meet others exactly:
    an end within a couple of metres of an existing end is moved onto it."""
    coords = list(line.coords)
    for position in (0, -1):
        lon, lat = coords[position]
        near = [(lonlat_length([(lon, lat), end]), end) for end in ends]
        near = [item for item in near if item[0] <= SNAP_TO_JUNCTION_M]
        if near:
            coords[position] = min(near)[1]
    return LineString(coords, srid=4326)


def _foot(point, a, b) -> tuple[float, float, tuple[float, float]]:
    """Distance from `point` to the segment a–b (metres on a local plane), how far along it
    the nearest point lies (0…1), and that point."""
    (px, py), (ax, ay), (bx, by) = point, a, b
    dx, dy = bx - ax, by - ay
    span = dx * dx + dy * dy
    t = 0.0 if span == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / span))
    foot = (ax + t * dx, ay + t * dy)
    return math.dist(point, foot), t, foot


def _split_under(gmina: Gmina, cemetery: Cemetery, end: tuple[float, float]
                 ) -> tuple[float, float] | None:
    """When `end` lies within SNAP_TO_JUNCTION_M of the middle of an existing segment (not
    near its ends), split that segment in two there, so that a new segment ending at it
    joins the network; returns the junction (lon, lat), or None."""
    lon, lat = end
    kx = M_PER_DEG_LAT * math.cos(math.radians(lat))
    dlon, dlat = SNAP_TO_JUNCTION_M / kx, SNAP_TO_JUNCTION_M / M_PER_DEG_LAT

    def xy(c):
        return ((c[0] - lon) * kx, (c[1] - lat) * M_PER_DEG_LAT)

    box = Polygon.from_bbox((lon - dlon, lat - dlat, lon + dlon, lat + dlat))
    box.srid = 4326
    best = None
    candidates = AlleyEdge.objects.filter(gmina=gmina, cemetery=cemetery, path__intersects=box)
    for edge in candidates.order_by("pk"):
        coords = list(edge.path.coords)
        points = [xy(c) for c in coords]
        for i in range(len(points) - 1):
            distance, t, foot = _foot((0.0, 0.0), points[i], points[i + 1])
            if distance <= SNAP_TO_JUNCTION_M and (best is None or distance < best[0]):
                best = (distance, edge, i, t, foot)
    if best is None:
        return None
    _distance, edge, i, t, foot = best
    coords = list(edge.path.coords)
    junction = (round(lon + foot[0] / kx, 7), round(lat + foot[1] / M_PER_DEG_LAT, 7))
    if t == 1.0 or lonlat_length([junction, coords[i + 1]]) < 0.01:
        junction, head, tail = coords[i + 1], coords[:i + 2], coords[i + 1:]
    elif t == 0.0 or lonlat_length([junction, coords[i]]) < 0.01:
        junction, head, tail = coords[i], coords[:i + 1], coords[i:]
    else:
        head, tail = [*coords[:i + 1], junction], [junction, *coords[i + 1:]]
    first, second = lonlat_length(head), lonlat_length(tail)
    if len(head) < 2 or len(tail) < 2 or min(first, second) < 0.05:
        return None  # at the segment's very end, not its middle
    # The book's length is shared in the drawing's proportion (it may differ from it).
    share = edge.length_m / (first + second)
    AlleyEdge.objects.bulk_create([
        AlleyEdge(gmina=gmina, cemetery=cemetery, name=edge.name, is_stairs=edge.is_stairs,
                  path=LineString(part, srid=4326), length_m=length * share)
        for part, length in ((head, first), (tail, second))])
    edge.delete()
    return junction


@transaction.atomic
def alley_add(*, gmina: Gmina, cemetery: Cemetery, coords, name: str = "",
              is_stairs: bool = False, length_m: float | None = None) -> AlleyEdge:
    """A segment drawn by the clerk. Its ends join the network at an existing end within a
    couple of metres, or else at the middle of an existing segment, which is split there."""
    # The cemetery's row lock: two clerks drawing at once split one segment after the other.
    Cemetery.objects.select_for_update().filter(gmina=gmina, pk=cemetery.pk).first()
    ends = _ends(gmina, cemetery)
    coords = list(_snap_ends(_line(coords), ends).coords)
    for position in (0, -1):
        if coords[position] not in ends:
            junction = _split_under(gmina, cemetery, coords[position])
            if junction is not None:
                coords[position] = junction
                ends.add(junction)
    line = LineString(coords, srid=4326)
    length = float(length_m) if length_m else lonlat_length(list(line.coords))
    if length <= 0:
        raise ValidationError({"length_m": _("The length must be more than 0 m.")})
    edge = AlleyEdge.objects.create(gmina=gmina, cemetery=cemetery, name=name.strip(),
                                    path=line, length_m=length, is_stairs=is_stairs)
    _bump(cemetery)
    return edge


@transaction.atomic
def alley_delete(*, gmina: Gmina, cemetery: Cemetery, edge_id: int) -> None:
    deleted, _by_model = AlleyEdge.objects.filter(gmina=gmina, cemetery=cemetery,
                                                  pk=edge_id).delete()
    if not deleted:
        raise ValidationError(_("No such alley segment."))
    _bump(cemetery)


@transaction.atomic
def alleys_bulk_add(*, gmina: Gmina, cemetery: Cemetery, segments: list[dict]) -> int:
    """Many segments at once: [{"coords": [[lon, lat], …], "name": …, "stairs": bool}]."""
    edges = []
    for number, segment in enumerate(segments, 1):
        try:
            line = _line(segment.get("coords") or [])
        except ValidationError as error:
            raise ValidationError(_("Segment %(n)s: %(problem)s") % {
                "n": number, "problem": " ".join(error.messages)}) from None
        length = float(segment.get("length_m") or lonlat_length(list(line.coords)))
        edges.append(AlleyEdge(gmina=gmina, cemetery=cemetery, path=line, length_m=length,
                               name=str(segment.get("name") or "").strip(),
                               is_stairs=bool(segment.get("stairs"))))
    AlleyEdge.objects.bulk_create(edges, batch_size=1000)
    _bump(cemetery)
    return len(edges)


@transaction.atomic
def alleys_import_geojson(*, gmina: Gmina, cemetery: Cemetery, content: str | bytes,
                          replace: bool = True) -> int:
    """Alleys from a GeoJSON FeatureCollection of LineStrings (properties: name, stairs,
    length_m). All or nothing; `replace` drops the drawn network first."""
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        raise ValidationError(_("The file is not valid GeoJSON.")) from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise ValidationError(_("Expected a GeoJSON FeatureCollection."))
    segments = []
    for number, feature in enumerate(features, 1):
        geometry = (feature or {}).get("geometry") or {}
        props = (feature or {}).get("properties") or {}
        if geometry.get("type") != "LineString":
            raise ValidationError(_("Feature %(n)s is not a LineString.") % {"n": number})
        segments.append({"coords": geometry.get("coordinates"), "name": props.get("name", ""),
                         "stairs": bool(props.get("stairs")),
                         "length_m": props.get("length_m")})
    if replace:
        AlleyEdge.objects.filter(gmina=gmina, cemetery=cemetery).delete()
    return alleys_bulk_add(gmina=gmina, cemetery=cemetery, segments=segments)


@transaction.atomic
def entrance_set(*, gmina: Gmina, cemetery: Cemetery, name: str, lon: float,
                 lat: float) -> Entrance:
    if not name.strip():
        raise ValidationError({"name": _("Name the entrance.")})
    entrance, _created = Entrance.objects.update_or_create(
        gmina=gmina, cemetery=cemetery, name=name.strip(),
        defaults={"location": Point(float(lon), float(lat), srid=4326)})
    return entrance


@transaction.atomic
def orthophoto_set(*, gmina: Gmina, cemetery: Cemetery, upload, south: float, west: float,
                   north: float, east: float) -> Cemetery:
    """The drone orthophoto, re-encoded (no EXIF: a drone's file carries its flight data),
    with the corners where it lies on the map."""
    errors = {}
    try:
        south, west, north, east = (float(v) for v in (south, west, north, east))
    except (TypeError, ValueError):
        raise ValidationError({"bounds": _("The corners must be numbers.")}) from None
    if not (-90 <= south < north <= 90):
        errors["north"] = _("The north edge must be north of the south edge.")
    if not (-180 <= west < east <= 180):
        errors["east"] = _("The east edge must be east of the west edge.")
    if errors:
        raise ValidationError(errors)
    checked = attachment_check(upload, kinds=["image"], max_bytes=MAX_ORTHOPHOTO_BYTES)
    cemetery = Cemetery.objects.select_for_update().get(gmina=gmina, pk=cemetery.pk)
    cemetery.orthophoto.save(f"{cemetery.slug}-{checked.name}", checked.as_content_file(),
                             save=False)
    cemetery.orthophoto_south, cemetery.orthophoto_west = south, west
    cemetery.orthophoto_north, cemetery.orthophoto_east = north, east
    cemetery.save()
    return cemetery
