"""Importing the office's files into a register: XLSX, CSV, GeoJSON, GeoPackage, zipped
Shapefile.

1. `import_upload` keeps the file, reads it once and stages its rows compactly beside it
   (column by column, see `_stage`); the preview and the guess of which column is which
   field come from there;
2. `import_map` stores the clerk's mapping and queues the check;
3. `import_check` (the worker) checks every staged row: values against the definition
   (dictionary values matched tolerantly, corrections listed), coordinates in lon/lat,
   PL-2000 or PL-1992 with the order of x and y told from the value ranges row by row (or as
   the clerk says), and duplicates — an object of the register, or an earlier row, within
   N metres with the same key fields. Nothing is written to the register: the report names
   each bad row and each duplicate;
4. `import_confirm` takes the clerk's decisions on the duplicates and queues the write;
5. `import_write` (the worker) writes every valid row in one transaction: all or nothing.

An import is 100,000 rows, so the work goes column by column wherever it can: a value is
cleaned once per distinct value of its column, coordinates are transformed in one call per
coordinate system, and the write is one COPY (PostgreSQL) or executemany (SpatiaLite) per
table instead of a model instance per row.
"""

import csv
import datetime
import difflib
import io
import json
import math
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.contrib.gis.gdal import DataSource
from django.contrib.gis.geos import GEOSGeometry, Point
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from podkowa.core.models import Gmina
from podkowa.registers.geo import length_metres, transformed
from podkowa.registers.models import (
    AttributeKind,
    GeometryKind,
    ImportJob,
    ObjectStatus,
    ObjectVersion,
    Register,
    RegisterObject,
)
from podkowa.registers.selectors.imports import write_progress_path
from podkowa.registers.services.attributes import (
    dictionary_entries,
    fold,
    register_attributes,
    species_list,
    value_clean,
)
from podkowa.registers.services.objects import geometry_clean

FORMATS = {".xlsx": "xlsx", ".csv": "csv", ".geojson": "geojson", ".json": "geojson",
           ".gpkg": "ogr", ".zip": "ogr"}
PREVIEW_ROWS = 10
CRS_CHOICES = ("auto", "lonlat", "2178", "2180")
AXES_CHOICES = ("auto", "as_is", "swapped")
# Poland, generously: a point outside is a wrong guess of the order or the system.
POLAND = (14.0, 48.9, 24.3, 55.0)
# How often the worker tells how far it got: about fifty steps a run, never per row (each
# step is a write the page polls for).
PROGRESS_STEPS = 50
PROGRESS_MIN_ROWS = 500
WRITE_CHUNK = 5000


def _format(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        raise ValidationError({"file": _(
            "Use an XLSX, CSV, GeoJSON, GeoPackage or zipped Shapefile file.")})
    return FORMATS[suffix]


def _cell(value):
    """A value as staged: text stripped (empty is None), whole floats as integers (a
    spreadsheet keeps every number as a float: 40 must stay 40, not "40.0" in a text field),
    dates and times as text (value_clean reads a date from its first ten characters)."""
    if isinstance(value, str):
        value = value.strip()
        return value if value else None
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        return value if math.isfinite(value) else None
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        return str(value)
    return value


# --- reading the file: (header, rows of (number, values in header order, geometry)) ------
# The geometry is WKT in WGS 84, "invalid" or None.


def _cells(values: list) -> list:
    """`_cell` over a column, the two kinds a sheet is made of handled inline (a sheet of
    100,000 rows has 600,000 cells)."""
    out = []
    append = out.append
    for value in values:
        kind = type(value)
        if kind is str:
            append(value.strip() or None)
        elif kind is float and value.is_integer():
            append(int(value))
        else:
            append(_cell(value))
    return out


def _xlsx_stage(path: str) -> dict:
    # calamine (Rust) rather than openpyxl for reading: it reads the whole sheet about ten
    # times faster, which is most of an import's time. openpyxl still writes the exports.
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(path)
        # From A1, so that a row's number is the one Excel shows.
        grid = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, IndexError, ValueError, OSError):
        raise ValidationError({"file": _(
            "The file cannot be read as an XLSX workbook; save it again from the "
            "spreadsheet as .xlsx.")}) from None
    width = len(grid[0]) if grid else 0  # calamine's grid is rectangular
    filled = [i for i, values in enumerate(grid) if values.count("") != width]
    if not filled:
        return _stage([], [])
    header = [str(c) if c is not None else "" for c in map(_cell, grid[filled[0]])]
    keep = _kept_columns(header)
    rows = filled[1:]
    values = [_cells([grid[i][index] for i in rows]) for index, _name in keep]
    # A row of blanks only (spaces) is no row either.
    blank = (None,) * len(keep)
    kept = [n for n, cells in enumerate(zip(*values, strict=True)) if cells != blank]
    if len(kept) != len(rows):
        values = [[column[n] for n in kept] for column in values]
        rows = [rows[n] for n in kept]
    return {"columns": [name for _i, name in keep], "numbers": [i + 1 for i in rows],
            "values": values, "geometries": None}


def _csv_read(path: str) -> tuple[list[str], Iterator]:
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1250")  # what Excel in Polish saves as "CSV"
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [h.strip() for h in next(reader, [])]

    def rows():
        for number, values in enumerate(reader, start=2):
            if any(v.strip() for v in values):
                yield number, [_cell(v) for v in values], None

    return header, rows()


def _geojson_read(path: str) -> tuple[list[str], Iterator]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except ValueError:
        raise ValidationError({"file": _("The file is not valid GeoJSON.")}) from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise ValidationError({"file": _("The file is not a GeoJSON FeatureCollection.")})
    columns: list[str] = []
    for feature in features:
        for key in (feature.get("properties") or {}):
            if key not in columns:
                columns.append(key)

    def rows():
        for number, feature in enumerate(features, start=1):
            geometry = None
            if feature.get("geometry"):
                try:
                    geometry = GEOSGeometry(json.dumps(feature["geometry"])).wkt
                except Exception:  # GEOS parse errors have their own types
                    geometry = "invalid"
            properties = feature.get("properties") or {}
            yield number, [_cell(properties.get(c)) for c in columns], geometry

    return columns, rows()


def _ogr_read(path: str, folder: str) -> tuple[list[str], Iterator]:
    source_path = path
    if path.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                # A name in the archive must not escape the folder (no "..", no root).
                parts = Path(member).parts
                if not Path(member).is_absolute() and ".." not in parts:
                    archive.extract(member, folder)
        shapes = sorted(Path(folder).rglob("*.shp"))
        if not shapes:
            raise ValidationError({"file": _("The archive holds no Shapefile (.shp).")})
        source_path = str(shapes[0])
    try:
        layer = DataSource(source_path)[0]
    except Exception:  # GDAL errors have their own types
        raise ValidationError({"file": _("GDAL cannot read this file.")}) from None
    columns = list(layer.fields)

    def rows():
        for number, feature in enumerate(layer, start=1):
            geometry = feature.geom.geos if feature.geom is not None else None
            if geometry is not None and geometry.srid not in (None, 4326):
                geometry = transformed(geometry, 4326)
            yield (number, [_cell(feature.get(c)) for c in columns],
                   geometry.wkt if geometry is not None else None)

    return columns, rows()


# --- staging: the file read once, kept column by column ------------------------------------


def _staged_path(job: ImportJob) -> str:
    return job.file.path + ".rows.json"


def _checked_path(job: ImportJob) -> str:
    return job.file.path + ".checked.json"


def _kept_columns(header: list[str]) -> list[tuple[int, str]]:
    """(index, name) of the named columns, a name repeated kept the first time."""
    keep: list[tuple[int, str]] = []
    for index, name in enumerate(header):
        if name and name not in {n for _i, n in keep}:
            keep.append((index, name))
    return keep


def _stage(header: list[str], rows: Iterable) -> dict:
    """{"columns": names, "numbers": row numbers, "values": one list per column,
    "geometries": one per row or None}: what the check needs, without parsing the file
    again (a workbook's XML costs more to read than this JSON)."""
    keep = _kept_columns(header)
    numbers: list[int] = []
    values: list[list] = [[] for _ in keep]
    geometries: list = []
    for number, row, geometry in rows:
        numbers.append(number)
        width = len(row)
        for column, (index, _name) in zip(values, keep, strict=True):
            column.append(row[index] if index < width else None)
        geometries.append(geometry)
    return {"columns": [name for _i, name in keep], "numbers": numbers, "values": values,
            "geometries": geometries if any(g is not None for g in geometries) else None}


def _stage_file(path: str, name: str) -> dict:
    kind = _format(name)
    with tempfile.TemporaryDirectory() as folder:
        if kind == "xlsx":
            return _xlsx_stage(path)
        if kind == "csv":
            header, rows = _csv_read(path)
        elif kind == "geojson":
            header, rows = _geojson_read(path)
        else:
            header, rows = _ogr_read(path, folder)
        return _stage(header, rows)


def _write_json(path: str, data) -> None:
    # dumps, not dump: json.dump streams through the pure-Python encoder, ten times slower.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)


def _read_json(path: str):
    with open(path, encoding="utf-8") as source:
        return json.load(source)


def _staged(job: ImportJob) -> dict:
    path = _staged_path(job)
    if not os.path.exists(path):  # an import uploaded before rows were staged
        _write_json(path, _stage_file(job.file.path, job.original_name))
    return _read_json(path)


def _guess(columns: list[str], register: Register) -> dict:
    by_fold = {}
    for attribute in register_attributes(register):
        by_fold[fold(attribute.key)] = attribute.key
        by_fold[fold(attribute.label)] = attribute.key
    mapping = {c: by_fold[fold(c)] for c in columns if fold(c) in by_fold}
    x = next((c for c in columns if fold(c) in ("x", "lon", "lng", "dlugosc", "easting")),
             "")
    y = next((c for c in columns if fold(c) in ("y", "lat", "szerokosc", "northing")), "")
    return {"columns": mapping, "x": x, "y": y, "crs": "auto", "axes": "auto",
            "radius_m": 5, "keys": []}


def _json_safe(value):
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


@transaction.atomic
def import_upload(*, gmina: Gmina, register_id: int, upload, actor) -> ImportJob:
    register = Register.objects.filter(gmina=gmina, pk=register_id).first()
    if register is None:
        raise ValidationError({"register": _("No such register.")})
    _format(upload.name)
    job = ImportJob(gmina=gmina, register=register, original_name=upload.name[:255],
                    created_by=actor)
    job.file.save(upload.name, upload, save=False)
    try:
        staged = _stage_file(job.file.path, upload.name)
    except ValidationError:
        job.file.delete(save=False)
        raise
    columns = staged["columns"]
    if not columns:
        job.file.delete(save=False)
        raise ValidationError({"file": _("The file has no header row with column names.")})
    _write_json(_staged_path(job), staged)
    geometries = staged["geometries"]
    job.preview = [
        {"row": number,
         "values": {c: _json_safe(staged["values"][j][i]) for j, c in enumerate(columns)},
         "geometry": geometries[i] if geometries and geometries[i] != "invalid" else None}
        for i, number in enumerate(staged["numbers"][:PREVIEW_ROWS])]
    job.columns = columns
    job.mapping = _guess(columns, register)
    job.save()
    return job


def mapping_clean(*, register: Register, columns: list[str], mapping: dict,
                  has_geometry: bool) -> dict:
    keys = {a.key for a in register_attributes(register)}
    errors = {}
    chosen = {c: k for c, k in (mapping.get("columns") or {}).items() if k}
    for column, key in chosen.items():
        if column not in columns:
            errors[f"columns.{column}"] = _("The file has no column “%(column)s”.") % {
                "column": column}
        elif key not in keys:
            errors[f"columns.{column}"] = _("The register has no field “%(key)s”.") % {
                "key": key}
    taken = list(chosen.values())
    for key in {k for k in taken if taken.count(k) > 1}:
        errors["columns"] = _("The field “%(key)s” is chosen for two columns.") % {"key": key}
    x, y = mapping.get("x") or "", mapping.get("y") or ""
    if not has_geometry and (x not in columns or y not in columns):
        errors["x"] = _("Choose the two columns with the coordinates.")
    crs, axes = mapping.get("crs", "auto"), mapping.get("axes", "auto")
    if crs not in CRS_CHOICES:
        errors["crs"] = _("Use one of: %(values)s.") % {"values": ", ".join(CRS_CHOICES)}
    if axes not in AXES_CHOICES:
        errors["axes"] = _("Use one of: %(values)s.") % {"values": ", ".join(AXES_CHOICES)}
    try:
        radius = float(mapping.get("radius_m", 5))
        if not 0 <= radius <= 1000:
            raise ValueError
    except (TypeError, ValueError):
        errors["radius_m"] = _("Give a distance from 0 to 1000 metres.")
        radius = 5
    dup_keys = [k for k in (mapping.get("keys") or []) if k]
    if any(k not in keys for k in dup_keys):
        errors["keys"] = _("Choose key fields of the register.")
    if errors:
        raise ValidationError(errors)
    return {"columns": chosen, "x": x, "y": y, "crs": crs, "axes": axes, "radius_m": radius,
            "keys": dup_keys}


@transaction.atomic
def import_map(*, gmina: Gmina, job_id: int, mapping: dict) -> ImportJob:
    job = ImportJob.objects.select_for_update().filter(gmina=gmina, pk=job_id).first()
    if job is None:
        raise ValidationError({"job": _("No such import.")})
    if job.state not in (ImportJob.State.UPLOADED, ImportJob.State.CHECKED):
        raise ValidationError({"job": _("This import can no longer be changed.")})
    has_geometry = any(row.get("geometry") for row in job.preview)
    job.mapping = mapping_clean(register=job.register, columns=job.columns, mapping=mapping,
                                has_geometry=has_geometry)
    job.state, job.done, job.report = ImportJob.State.CHECKING, 0, {}
    job.save()
    from podkowa.registers.tasks import check_import

    transaction.on_commit(lambda: check_import.enqueue(job.pk))
    return job


# --- coordinates ------------------------------------------------------------------------


def _number(value) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace(" ", "").replace(",", ".")
    return float(text)


def _inside_xy(x: float, y: float, box) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


_ZONES = {5: 2176, 6: 2177, 7: 2178, 8: 2179}


def _candidates(a: float, b: float, crs: str) -> list[tuple[str, float, float, int]]:
    """(axes, lon-or-easting, lat-or-northing, srid) readings of the pair (x column, y)."""
    if crs == "auto":
        if abs(a) <= 180 and abs(b) <= 180:
            crs = "lonlat"
        elif max(abs(a), abs(b)) >= 1_000_000:
            crs = "2000"
        else:
            crs = "2180"
    if crs == "lonlat":
        return [("as_is", a, b, 4326), ("swapped", b, a, 4326)]
    if crs in ("2000", "2178"):
        # x = northing, y = easting; the easting's first digit is the zone (5–8).
        out = []
        for axes, northing, easting in (("as_is", a, b), ("swapped", b, a)):
            srid = 2178 if crs == "2178" else _ZONES.get(int(easting // 1_000_000))
            if srid:
                out.append((axes, easting, northing, srid))
        return out
    return [("as_is", b, a, 2180), ("swapped", a, b, 2180)]  # PL-1992: x = northing


def _octtransform():
    from ctypes import POINTER, c_double, c_int, c_void_p

    from django.contrib.gis.gdal.libgdal import lgdal

    function = lgdal.OCTTransformEx
    function.argtypes = [c_void_p, c_int, POINTER(c_double), POINTER(c_double),
                         POINTER(c_double), POINTER(c_int)]
    function.restype = c_int
    return function


_transform_call = None


def _transform_many(eastings: list[float], northings: list[float], srid: int):
    """Many points from `srid` to WGS 84 in one call into GDAL: (longitudes, latitudes);
    a point PROJ cannot place comes back infinite (and so outside Poland). Django's GDAL
    bindings transform one geometry at a time, which for 100,000 points costs more than
    the rest of the import; OCTTransformEx takes arrays, with the same PROJ as the rest."""
    global _transform_call
    if srid == 4326 or not eastings:
        return eastings, northings
    from ctypes import c_double, c_int

    from django.contrib.gis.gdal import CoordTransform, SpatialReference

    if _transform_call is None:
        _transform_call = _octtransform()
    transform = _transforms.get(srid)
    if transform is None:
        # Django's SpatialReference keeps the traditional order: easting, longitude first.
        transform = _transforms[srid] = CoordTransform(SpatialReference(srid),
                                                       SpatialReference(4326))
    count = len(eastings)
    xs, ys, ok = (c_double * count)(*eastings), (c_double * count)(*northings), (c_int * count)()
    _transform_call(transform.ptr, count, xs, ys, None, ok)
    lons, lats = list(xs), list(ys)
    for index, success in enumerate(ok):
        if not success:
            lons[index] = lats[index] = math.inf
    return lons, lats


_transforms: dict = {}


def lonlats_from(pairs: list[tuple], *, crs: str, axes: str, near=None) -> list:
    """For each (x, y) the WGS 84 (lon, lat), or the ValueError saying why there is none."""
    results: list = [None] * len(pairs)
    readings: dict[int, tuple[list, list, list]] = {}
    for index, (x, y) in enumerate(pairs):
        try:
            # Numbers straight from a sheet need no parsing (the usual case, 100,000 times).
            a = float(x) if type(x) in (float, int) else _number(x)
            b = float(y) if type(y) in (float, int) else _number(y)
            if not (math.isfinite(a) and math.isfinite(b)):
                raise ValueError
        except (TypeError, ValueError):
            results[index] = ValueError(_("the coordinates are not numbers"))
            continue
        for reading, east, north, srid in _candidates(a, b, crs):
            if axes == "auto" or reading == axes:
                group = readings.setdefault(srid, ([], [], []))
                group[0].append(index)
                group[1].append(east)
                group[2].append(north)
    # At most two readings of a pair fall in Poland: the first and, if any, the second.
    first: list = [None] * len(pairs)
    second: list = [None] * len(pairs)
    xmin, ymin, xmax, ymax = POLAND
    for srid, (indices, eastings, northings) in readings.items():
        lons, lats = _transform_many(eastings, northings, srid)
        for index, lon, lat in zip(indices, lons, lats, strict=True):
            if xmin <= lon <= xmax and ymin <= lat <= ymax:
                if first[index] is None:
                    first[index] = (lon, lat)
                else:
                    second[index] = (lon, lat)
    not_in_poland = ValueError(_("the coordinates do not fall in Poland in any order of x "
                                 "and y"))
    ambiguous = ValueError(_("the order of x and y cannot be told from the values; choose "
                             "it"))
    for index, (one, other) in enumerate(zip(first, second, strict=True)):
        if results[index] is not None:
            continue
        if other is not None and near is not None:
            inside = [p for p in (one, other) if _inside_xy(p[0], p[1], near)]
            if len(inside) == 1:
                one, other = inside[0], None
        if one is None:
            results[index] = not_in_poland
        elif other is not None:
            results[index] = ambiguous
        else:
            results[index] = (round(one[0], 7), round(one[1], 7))
    return results


def points_from(pairs: list[tuple], *, crs: str, axes: str, near=None) -> list:
    """For each (x, y) the WGS 84 point, or the ValueError saying why there is none."""
    return [r if isinstance(r, ValueError) else Point(r[0], r[1], srid=4326)
            for r in lonlats_from(pairs, crs=crs, axes=axes, near=near)]


def point_from(x, y, *, crs: str, axes: str, near=None) -> Point:
    """The WGS 84 point of a row's coordinates; ValueError with the reason."""
    result = points_from([(x, y)], crs=crs, axes=axes, near=near)[0]
    if isinstance(result, ValueError):
        raise result
    return result


# --- checking ---------------------------------------------------------------------------


class _Tolerant:
    """Dictionary values matched tolerantly: exact (folded) first, then the closest name."""

    def __init__(self, register: Register) -> None:
        self.choices: dict[str, dict[str, str]] = {}
        for attribute in register_attributes(register):
            names: dict[str, str] = {}
            if attribute.kind == AttributeKind.CHOICE:
                for entry in dictionary_entries(attribute):
                    names[fold(entry.code)] = entry.code
                    names[fold(entry.label)] = entry.code
            elif attribute.kind == AttributeKind.SPECIES:
                for species in species_list(attribute):
                    for name in (species.code, species.polish_name, species.latin_name):
                        names[fold(name)] = species.code
            if names:
                self.choices[attribute.key] = names

    def value(self, key: str, value):
        names = self.choices.get(key)
        if names is None or value in (None, ""):
            return value, False
        folded = fold(value)
        if folded in names:
            return names[folded], False
        close = difflib.get_close_matches(folded, list(names), n=1, cutoff=0.8)
        if close:
            return names[close[0]], True
        return value, False


class _ColumnCleaner:
    """One mapped column's values cleaned as `attributes_clean` would clean them, each
    distinct value once (a species column of 100,000 rows holds a few dozen names):
    (stored value or None when empty, the error or None, the dictionary correction or
    None)."""

    def __init__(self, attribute, tolerant: _Tolerant) -> None:
        self.attribute = attribute
        self.tolerant = tolerant
        self.memo: dict = {}

    def _clean(self, raw):
        attribute = self.attribute
        value, corrected = self.tolerant.value(attribute.key, raw)
        if value is None or value == "":  # staged text is stripped: blank is None
            error = (_("%(label)s: this field is required.") % {"label": attribute.label}
                     if attribute.required else None)
            return None, error, None
        try:
            stored = value_clean(attribute, value)
        except ValueError as reason:
            return None, f"{attribute.label}: {reason}", value if corrected else None
        return stored, None, value if corrected else None

    def clean(self, raw):
        try:
            key = (type(raw), raw)  # 1, 1.0 and True are equal keys, not equal values
            found = self.memo.get(key)
        except TypeError:  # a list or an object from GeoJSON properties
            return self._clean(raw)
        if found is None:
            found = self.memo[key] = self._clean(raw)
        return found


def _scale(gmina: Gmina) -> float:
    centre = gmina.map_center
    return math.cos(math.radians(centre.y if centre is not None else 52.0))


def _planar(lon: float, lat: float, scale: float) -> tuple[float, float]:
    # Metres on a plane tangent at the town's latitude: for "within N metres" inside one
    # gmina the error stays well under 0.1 %, at no transformation cost per row.
    return lon * 111_320.0 * scale, lat * 110_574.0


class _Neighbours:
    """Points on the plane in cells of the radius: who is within N metres."""

    def __init__(self, radius: float) -> None:
        self.radius = max(radius, 0.01)
        self.cells: dict[tuple[int, int], list[tuple[float, float, tuple, str]]] = {}

    def add(self, x: float, y: float, keys: tuple, label: str) -> None:
        cell = (int(x // self.radius), int(y // self.radius))
        self.cells.setdefault(cell, []).append((x, y, keys, label))

    def near(self, x: float, y: float, keys: tuple) -> tuple[str, float] | None:
        cx, cy = int(x // self.radius), int(y // self.radius)
        best = None
        cells = self.cells
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for ox, oy, okeys, label in cells.get((cx + dx, cy + dy), ()):
                    distance = math.hypot(ox - x, oy - y)
                    if distance <= self.radius and okeys == keys and (
                            best is None or distance < best[1]):
                        best = (label, distance)
        return best


def _anchor(geometry: GEOSGeometry) -> tuple[float, float]:
    point = geometry if geometry.geom_type == "Point" else geometry.centroid
    return point.x, point.y


def _duplicate_checker(job: ImportJob, scale: float) -> _Neighbours:
    mapping = job.mapping
    neighbours = _Neighbours(mapping["radius_m"])
    existing = (RegisterObject.objects.filter(gmina=job.gmina, register=job.register)
                .exclude(status=ObjectStatus.REMOVED).only("id", "geometry", "attributes"))
    for obj in existing.iterator(chunk_size=2000):
        x, y = _planar(*_anchor(obj.geometry), scale)
        keys = tuple(obj.attributes.get(k) for k in mapping["keys"])
        neighbours.add(x, y, keys, f"object:{obj.pk}")
    return neighbours


def _geometries(job: ImportJob, staged: dict) -> list:
    """Each row's geometry: (lon, lat) from the coordinate columns, a GEOS geometry from
    the file, or the list of messages saying why there is none."""
    register, mapping = job.register, job.mapping
    count = len(staged["numbers"])
    columns = staged["columns"]
    if mapping.get("x") in columns and mapping.get("y") in columns:
        xs = staged["values"][columns.index(mapping["x"])]
        ys = staged["values"][columns.index(mapping["y"])]
        near = job.gmina.map_extent.buffer(0.1).extent if job.gmina.map_extent else None
        lonlats = lonlats_from(list(zip(xs, ys, strict=True)), crs=mapping["crs"],
                               axes=mapping["axes"], near=near)
        # Every point from coordinates lies in Poland: only the kind can be wrong.
        kind_error = None
        try:
            geometry_clean(register=register, geometry=Point(20.0, 52.0, srid=4326))
        except ValidationError as error:
            kind_error = [m for ms in error.message_dict.values() for m in ms]
        out = []
        for lonlat in lonlats:
            if isinstance(lonlat, ValueError):
                out.append([_("coordinates: %(reason)s") % {"reason": lonlat}])
            else:
                out.append(kind_error or lonlat)
        return out
    out = []
    for wkt in staged["geometries"] or [None] * count:
        if wkt == "invalid":
            out.append([_("geometry: not valid GeoJSON")])
        elif wkt is None:
            out.append([_("geometry: missing")])
        else:
            try:
                out.append(geometry_clean(register=register,
                                          geometry=GEOSGeometry(wkt, srid=4326)))
            except ValidationError as error:
                out.append([m for ms in error.message_dict.values() for m in ms])
    return out


def _progress_every(total: int) -> int:
    return max(PROGRESS_MIN_ROWS, total // PROGRESS_STEPS)


def import_check(*, gmina: Gmina, job_id: int) -> ImportJob:
    """The worker's check: the report, and not one object written."""
    job = ImportJob.objects.select_related("register", "gmina").filter(
        gmina=gmina, pk=job_id).first()
    if job is None or job.state != ImportJob.State.CHECKING:
        return job
    try:
        staged = _staged(job)
    except ValidationError as error:
        job.state = ImportJob.State.FAILED
        job.report = {"failure": "; ".join(m for ms in error.message_dict.values() for m in ms)}
        job.save(update_fields=["state", "report"])
        return job
    register, mapping = job.register, job.mapping
    numbers = staged["numbers"]
    total = len(numbers)
    every = _progress_every(total)
    ImportJob.objects.filter(gmina=gmina, pk=job.pk).update(done=0, total=total)
    tolerant = _Tolerant(register)
    by_key = {a.key: a for a in register_attributes(register)}
    mapped = {key: column for column, key in mapping["columns"].items()}
    # In the register's order of fields, as attributes_clean reports them.
    cleaners = []
    for key, attribute in by_key.items():
        if key in mapped:
            column = staged["values"][staged["columns"].index(mapped[key])]
            cleaners.append((key, column, _ColumnCleaner(attribute, tolerant)))
        elif attribute.required:
            cleaners.append((key, None, _ColumnCleaner(attribute, tolerant)))
    geometries = _geometries(job, staged)
    scale = _scale(job.gmina)
    neighbours = _duplicate_checker(job, scale)
    dup_keys = mapping["keys"]
    errors, duplicates, corrections, checked = [], [], [], []
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    valid = 0
    for i, number in enumerate(numbers):
        if i and i % every == 0:
            ImportJob.objects.filter(gmina=gmina, pk=job.pk).update(done=i)
        geometry = geometries[i]
        messages = list(geometry) if isinstance(geometry, list) else []
        cleaned = {}
        for key, column, cleaner in cleaners:
            raw = column[i] if column is not None else None
            stored, error, corrected = cleaner.clean(raw)
            if corrected is not None:
                corrections.append({"row": number, "field": key, "from": raw,
                                    "to": corrected})
            if error is not None:
                messages.append(error)
            elif stored is not None:
                cleaned[key] = stored
        if messages:
            errors.append({"row": number, "messages": messages})
            continue
        if isinstance(geometry, tuple):
            lon, lat = geometry
            text = f"POINT({lon!r} {lat!r})"
        else:
            lon, lat = _anchor(geometry)
            text = geometry.wkt
        # One line a row (number, WKT, values as JSON): neither holds a tab or a newline
        # (JSON escapes them), and the write passes the JSON on without reading it.
        checked.append(f"{number}\t{text}\t{dumps(cleaned)}")
        x, y = _planar(lon, lat, scale)
        keys = tuple(cleaned.get(k) for k in dup_keys)
        twin = neighbours.near(x, y, keys)
        if twin is not None:
            duplicates.append({"row": number, "of": twin[0], "distance_m": round(twin[1], 2)})
        else:
            valid += 1
        neighbours.add(x, y, keys, f"row:{number}")
    # What the write needs, so that it need not read and check the file again.
    with open(_checked_path(job), "w", encoding="utf-8") as out:
        out.write("\n".join(checked))
    job.done = job.total = total
    job.report = {"errors": errors, "duplicates": duplicates, "corrections": corrections,
                  "valid": valid}
    job.state = ImportJob.State.CHECKED
    job.save(update_fields=["done", "total", "report", "state"])
    return job


@transaction.atomic
def import_confirm(*, gmina: Gmina, job_id: int, import_duplicates: list[int], actor
                   ) -> ImportJob:
    """The clerk's go: duplicates listed in `import_duplicates` (row numbers) are imported
    anyway, the other duplicates and every bad row are left out."""
    job = ImportJob.objects.select_for_update().filter(gmina=gmina, pk=job_id).first()
    if job is None or job.state != ImportJob.State.CHECKED:
        raise ValidationError({"job": _("This import is not waiting for confirmation.")})
    rows = {d["row"] for d in job.report.get("duplicates", [])}
    if set(import_duplicates) - rows:
        raise ValidationError({"import_duplicates": _("Only reported duplicates can be "
                                                      "chosen.")})
    job.mapping = {**job.mapping, "import_duplicates": sorted(set(import_duplicates))}
    job.state = ImportJob.State.WRITING
    job.save(update_fields=["mapping", "state"])
    from podkowa.registers.tasks import write_import

    transaction.on_commit(lambda: write_import.enqueue(job.pk, actor.pk))
    return job


# --- writing ----------------------------------------------------------------------------


def _progress_store(job: ImportJob, done: int, total: int) -> None:
    """How far the write got, kept outside the database. The write is one transaction, so
    nothing it changes there is seen by the page before the end; a second connection
    cannot help on SQLite (one writer at a time, and the write holds the lock from its
    BEGIN IMMEDIATE), and the cache is the database's own table. So a small file beside
    the import's file, replaced whole so that a reader never sees half of it; the worker
    already shares that folder with the web process, it reads the upload from there."""
    path = write_progress_path(job)
    with open(path + ".tmp", "w", encoding="utf-8") as out:
        json.dump({"done": done, "total": total}, out)
    os.replace(path + ".tmp", path)


def _copy_text(value) -> str:
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    return (str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def _insert_postgres(cursor, prepared: list, *, gmina, register, actor_id, now, note,
                     progress) -> None:
    # The rows go by COPY into a temporary table (no index, no constraint, no WAL), then
    # each chunk into the register with one INSERT … SELECT whose RETURNING feeds the
    # history: no id goes back and forth, and the geometry and values are parsed once.
    raw = cursor.cursor  # psycopg's own: COPY is not in the DB-API
    cursor.execute("DROP TABLE IF EXISTS import_rows")
    cursor.execute("CREATE TEMPORARY TABLE import_rows (n integer, geometry text, "
                   "attributes text, length_m double precision) ON COMMIT DROP")
    with raw.copy("COPY import_rows (n, geometry, attributes, length_m) FROM STDIN") as copy:
        for start in range(0, len(prepared), WRITE_CHUNK):
            # WKT has no character COPY escapes, JSON only the backslash.
            copy.write("".join(
                f"{n}\t{text}\t{attrs.replace(chr(92), chr(92) * 2)}\t{_copy_text(length)}\n"
                for n, (text, attrs, length) in enumerate(prepared[start:start + WRITE_CHUNK],
                                                          start=start)))
    params = {"gmina": gmina.pk, "register": register.pk, "now": now, "actor": actor_id,
              "note": note, "status": ObjectStatus.ACTIVE.value,
              "created": ObjectVersion.Change.CREATED.value}
    for start in range(0, len(prepared), WRITE_CHUNK):
        cursor.execute(
            "WITH made AS (INSERT INTO registers_registerobject (gmina_id, "
            "register_id, geometry, attributes, status, length_m, version, created_at, "
            "updated_at) SELECT %(gmina)s, %(register)s, ST_GeomFromText(geometry, 4326), "
            "attributes::jsonb, %(status)s, length_m, 1, %(now)s, %(now)s FROM import_rows "
            "WHERE n >= %(start)s AND n < %(end)s ORDER BY n RETURNING id, geometry, "
            "attributes) INSERT INTO registers_objectversion (gmina_id, object_id, "
            "number, change, geometry, attributes, status, changes, actor_id, at, note) "
            "SELECT %(gmina)s, id, 1, %(created)s, geometry, attributes, %(status)s, '{}', "
            "%(actor)s, %(now)s, %(note)s FROM made",
            {**params, "start": start, "end": start + WRITE_CHUNK})
        progress(min(start + WRITE_CHUNK, len(prepared)))
    cursor.execute("DROP TABLE import_rows")


def _insert_spatialite(cursor, prepared: list, *, gmina, register, actor_id, now, note,
                       progress) -> None:
    at = connection.ops.adapt_datetimefield_value(now)
    status, created = ObjectStatus.ACTIVE.value, ObjectVersion.Change.CREATED.value
    for start in range(0, len(prepared), WRITE_CHUNK):
        chunk = prepared[start:start + WRITE_CHUNK]
        # The transaction holds SQLite's only write lock from its start (transaction_mode
        # IMMEDIATE in the settings): the ids after the highest are ours, in order.
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM registers_registerobject")
        highest = cursor.fetchone()[0]
        cursor.executemany(
            "INSERT INTO registers_registerobject (gmina_id, register_id, geometry, attributes, "
            "status, length_m, version, created_at, updated_at) "
            "VALUES (%s, %s, GeomFromText(%s, 4326), %s, %s, %s, 1, %s, %s)",
            [(gmina.pk, register.pk, text, attrs, status, length, at, at)
             for text, attrs, length in chunk])
        cursor.execute("SELECT id FROM registers_registerobject WHERE id > %s ORDER BY id",
                       [highest])
        ids = [row[0] for row in cursor.fetchall()]
        if len(ids) != len(chunk):
            raise ValidationError(_("Objects were added to the register while the import "
                                    "was being written; confirm it again."))
        cursor.executemany(
            "INSERT INTO registers_objectversion (gmina_id, object_id, number, "
            "change, geometry, attributes, status, changes, actor_id, at, note) VALUES "
            "(%s, %s, 1, %s, GeomFromText(%s, 4326), %s, %s, '{}', %s, %s, %s)",
            [(gmina.pk, oid, created, text, attrs, status, actor_id, at, note)
             for oid, (text, attrs, _length) in zip(ids, chunk, strict=True)])
        progress(start + len(chunk))


def _insert_rows(rows: list, *, gmina: Gmina, register: Register, actor, note: str,
                 progress) -> int:
    """Objects and their first versions, in bulk, inside the caller's transaction: COPY on
    PostgreSQL, executemany on SpatiaLite (an ORM instance per row costs more than all the
    checking): `rows` of (WKT in WGS 84, the values as JSON). `progress(done)` is told
    after each chunk."""
    is_line = register.geometry_kind == GeometryKind.LINE
    prepared = []
    for text, attributes in rows:
        length = length_metres(GEOSGeometry(text, srid=4326)) if is_line else None
        prepared.append((text, attributes, length))
    insert = _insert_postgres if connection.vendor == "postgresql" else _insert_spatialite
    with connection.cursor() as cursor:
        insert(cursor, prepared, gmina=gmina, register=register,
               actor_id=actor.pk if getattr(actor, "is_authenticated", False) else None,
               now=timezone.now(), note=note[:300], progress=progress)
    return len(prepared)


def import_write(*, gmina: Gmina, job_id: int, actor) -> ImportJob:
    """Write every valid row in one transaction; a failure leaves the register untouched."""
    job = ImportJob.objects.select_related("register", "gmina").filter(
        gmina=gmina, pk=job_id).first()
    if job is None or job.state != ImportJob.State.WRITING:
        return job
    skip = {d["row"] for d in job.report.get("duplicates", [])} - set(
        job.mapping.get("import_duplicates", []))
    try:
        with open(_checked_path(job), encoding="utf-8") as source:
            checked = source.read()
    except OSError:  # checked before rows were staged: the check must run again
        job.state = ImportJob.State.FAILED
        job.report = {**job.report, "failure": _("Nothing was written: check the file again.")}
        job.save(update_fields=["state", "report"])
        return job
    rows = []
    for line in checked.split("\n") if checked else ():
        number, text, attributes = line.split("\t", 2)
        if int(number) not in skip:
            rows.append((text, attributes))
    _progress_store(job, 0, len(rows))
    try:
        with transaction.atomic():
            created = _insert_rows(
                rows, gmina=gmina, register=job.register, actor=actor,
                note=_("imported from %(file)s") % {"file": job.original_name},
                progress=lambda done: _progress_store(job, done, len(rows)))
    except (ValidationError, DatabaseError) as error:
        reason = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        job.state = ImportJob.State.FAILED
        job.report = {**job.report, "failure": _(
            "Nothing was written: %(reason)s") % {"reason": reason}}
        job.save(update_fields=["state", "report"])
        return job
    finally:
        Path(write_progress_path(job)).unlink(missing_ok=True)
    for path in (_staged_path(job), _checked_path(job)):  # their work is done
        Path(path).unlink(missing_ok=True)
    job.created = created
    job.state = ImportJob.State.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["created", "state", "finished_at"])
    return job
