"""Importing the office's files into a register: XLSX, CSV, GeoJSON, GeoPackage, zipped
Shapefile.

1. `import_upload` keeps the file and reads its columns and first rows (the preview), guessing
   which column is which field;
2. `import_map` stores the clerk's mapping and queues the check;
3. `import_check` (the worker) reads every row: values against the definition (dictionary
   values matched tolerantly, corrections listed), coordinates in lon/lat, PL-2000 or
   PL-1992 with the order of x and y told from the value ranges row by row (or as the clerk
   says), and duplicates — an object of the register, or an earlier row, within N metres
   with the same key fields. Nothing is written to the register: the report names each bad
   row and each duplicate;
4. `import_confirm` takes the clerk's decisions on the duplicates and queues the write;
5. `import_write` (the worker) writes every valid row in one transaction: all or nothing.
"""

import csv
import difflib
import io
import json
import math
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from django.contrib.gis.gdal import DataSource
from django.contrib.gis.geos import GEOSGeometry, Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from podkowa.core.models import Gmina
from podkowa.registers.geo import transformed
from podkowa.registers.models import (
    AttributeKind,
    ImportJob,
    ObjectStatus,
    Register,
    RegisterObject,
)
from podkowa.registers.services.attributes import (
    attributes_clean,
    dictionary_entries,
    fold,
    register_attributes,
    species_list,
)
from podkowa.registers.services.objects import geometry_clean, objects_bulk_create

FORMATS = {".xlsx": "xlsx", ".csv": "csv", ".geojson": "geojson", ".json": "geojson",
           ".gpkg": "ogr", ".zip": "ogr"}
PREVIEW_ROWS = 10
CRS_CHOICES = ("auto", "lonlat", "2178", "2180")
AXES_CHOICES = ("auto", "as_is", "swapped")
# Poland, generously: a point outside is a wrong guess of the order or the system.
POLAND = (14.0, 48.9, 24.3, 55.0)
PROGRESS_EVERY = 200


def _format(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        raise ValidationError({"file": _(
            "Use an XLSX, CSV, GeoJSON, GeoPackage or zipped Shapefile file.")})
    return FORMATS[suffix]


def _cell(value):
    if isinstance(value, str):
        value = value.strip()
        return value if value else None
    return value


def _xlsx_rows(path: str) -> Iterator[tuple[int, dict, GEOSGeometry | None]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(c).strip() if c is not None else "" for c in next(rows, [])]
        yield 1, {"__columns__": header}, None
        for number, values in enumerate(rows, start=2):
            if values is None or all(v is None for v in values):
                continue
            yield number, {h: _cell(v) for h, v in zip(header, values, strict=False) if h}, None
    finally:
        book.close()


def _csv_rows(path: str) -> Iterator[tuple[int, dict, GEOSGeometry | None]]:
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
    yield 1, {"__columns__": header}, None
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        yield number, {h: _cell(v) for h, v in zip(header, values, strict=False) if h}, None


def _geojson_rows(path: str) -> Iterator[tuple[int, dict, GEOSGeometry | None]]:
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
    yield 1, {"__columns__": columns}, None
    for number, feature in enumerate(features, start=1):
        geometry = None
        if feature.get("geometry"):
            try:
                geometry = GEOSGeometry(json.dumps(feature["geometry"]))
                geometry.srid = 4326
            except Exception:  # GEOS parse errors have their own types
                geometry = "invalid"
        yield number, dict(feature.get("properties") or {}), geometry


def _ogr_rows(path: str) -> Iterator[tuple[int, dict, GEOSGeometry | None]]:
    with tempfile.TemporaryDirectory() as folder:
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
        yield 1, {"__columns__": columns}, None
        for number, feature in enumerate(layer, start=1):
            geometry = feature.geom.geos if feature.geom is not None else None
            if geometry is not None and geometry.srid not in (None, 4326):
                geometry = transformed(geometry, 4326)
            yield number, {c: _cell(feature.get(c)) for c in columns}, geometry


def read_rows(path: str, name: str) -> Iterator[tuple[int, dict, GEOSGeometry | None]]:
    kind = _format(name)
    return {"xlsx": _xlsx_rows, "csv": _csv_rows, "geojson": _geojson_rows,
            "ogr": _ogr_rows}[kind](path)


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


@transaction.atomic
def import_upload(*, gmina: Gmina, register_id: int, upload, actor) -> ImportJob:
    register = Register.objects.filter(gmina=gmina, pk=register_id).first()
    if register is None:
        raise ValidationError({"register": _("No such register.")})
    _format(upload.name)
    job = ImportJob(gmina=gmina, register=register, original_name=upload.name[:255],
                    created_by=actor)
    job.file.save(upload.name, upload, save=False)
    preview: list[dict] = []
    columns: list[str] = []
    try:
        for number, row, geometry in read_rows(job.file.path, upload.name):
            if "__columns__" in row:
                columns = [c for c in row["__columns__"] if c]
                continue
            preview.append({"row": number, "values": {k: _json_safe(v) for k, v in row.items()},
                            "geometry": geometry.wkt if isinstance(geometry, GEOSGeometry)
                            else None})
            if len(preview) >= PREVIEW_ROWS:
                break
    except ValidationError:
        job.file.delete(save=False)
        raise
    if not columns:
        job.file.delete(save=False)
        raise ValidationError({"file": _("The file has no header row with column names.")})
    job.columns, job.preview = columns, preview
    job.mapping = _guess(columns, register)
    job.save()
    return job


def _json_safe(value):
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


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
            zone = int(easting // 1_000_000)
            srid = {5: 2176, 6: 2177, 7: 2178, 8: 2179}.get(zone)
            if crs == "2178":
                srid = 2178
            if srid:
                out.append((axes, easting, northing, srid))
        return out
    return [("as_is", b, a, 2180), ("swapped", a, b, 2180)]  # PL-1992: x = northing


def _transform_many(coords: list[tuple[float, float]], srid: int) -> list:
    """Many points from `srid` to WGS 84 in one GDAL call (one point at a time costs half a
    millisecond through GEOS and GDAL; an import has 100,000). A batch GDAL refuses is done
    point by point, the refused points becoming None."""
    if srid == 4326 or not coords:
        return list(coords)
    text = "MULTIPOINT (" + ", ".join(f"({e!r} {n!r})" for e, n in coords) + ")"
    try:
        many = GEOSGeometry(text, srid=srid)
        many.transform(4326)
        return list(many.coords) if len(coords) > 1 else [many.coords[0]]
    except Exception:  # GDAL's errors have their own types; retry one by one below
        out = []
        for east, north in coords:
            try:
                out.append(transformed(Point(east, north, srid=srid), 4326).coords)
            except Exception:
                out.append(None)
        return out


def points_from(pairs: list[tuple], *, crs: str, axes: str, near=None) -> list:
    """For each (x, y) the WGS 84 point, or the ValueError saying why there is none."""
    results: list = [None] * len(pairs)
    readings: dict[int, list[tuple[int, float, float]]] = {}
    for index, (x, y) in enumerate(pairs):
        try:
            a, b = _number(x), _number(y)
            if not (math.isfinite(a) and math.isfinite(b)):
                raise ValueError
        except (TypeError, ValueError):
            results[index] = ValueError(_("the coordinates are not numbers"))
            continue
        for reading, east, north, srid in _candidates(a, b, crs):
            if axes == "auto" or reading == axes:
                readings.setdefault(srid, []).append((index, east, north))
    found: dict[int, list[tuple[float, float]]] = {}
    for srid, items in readings.items():
        lonlats = _transform_many([(e, n) for _i, e, n in items], srid)
        for (index, _e, _n), lonlat in zip(items, lonlats, strict=True):
            if lonlat is not None and _inside_xy(lonlat[0], lonlat[1], POLAND):
                found.setdefault(index, []).append(lonlat)
    for index in range(len(pairs)):
        if results[index] is not None:
            continue
        options = found.get(index, [])
        if near is not None and len(options) > 1:
            options = [p for p in options if _inside_xy(p[0], p[1], near)] or options
        if not options:
            results[index] = ValueError(
                _("the coordinates do not fall in Poland in any order of x and y"))
        elif len(options) > 1:
            results[index] = ValueError(
                _("the order of x and y cannot be told from the values; choose it"))
        else:
            results[index] = Point(round(options[0][0], 7), round(options[0][1], 7),
                                   srid=4326)
    return results


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


def _scale(gmina: Gmina) -> float:
    centre = gmina.map_center
    return math.cos(math.radians(centre.y if centre is not None else 52.0))


def _planar(point: Point, scale: float) -> tuple[float, float]:
    # Metres on a plane tangent at the town's latitude: for "within N metres" inside one
    # gmina the error stays well under 0.1 %, at no transformation cost per row.
    return point.x * 111_320.0 * scale, point.y * 110_574.0


class _Neighbours:
    """Points on the PL-1992 plane in cells of the radius: who is within N metres."""

    def __init__(self, radius: float) -> None:
        self.radius = max(radius, 0.01)
        self.cells: dict[tuple[int, int], list[tuple[float, float, tuple, str]]] = {}

    def _cell(self, x: float, y: float) -> tuple[int, int]:
        return int(x // self.radius), int(y // self.radius)

    def add(self, x: float, y: float, keys: tuple, label: str) -> None:
        self.cells.setdefault(self._cell(x, y), []).append((x, y, keys, label))

    def near(self, x: float, y: float, keys: tuple) -> tuple[str, float] | None:
        cx, cy = self._cell(x, y)
        best = None
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for ox, oy, okeys, label in self.cells.get((cx + dx, cy + dy), []):
                    distance = math.hypot(ox - x, oy - y)
                    if distance <= self.radius and okeys == keys and (
                            best is None or distance < best[1]):
                        best = (label, distance)
        return best


def _chunks(iterable, size: int):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _prepared_rows(job: ImportJob, *, progress=None):
    """Every row checked: (row, geometry, attributes, [], corrections) or (row, None, None,
    errors, corrections). Coordinates are transformed a thousand rows at a time."""
    register = job.register
    mapping = job.mapping
    tolerant = _Tolerant(register)
    near = job.gmina.map_extent.buffer(0.1).extent if job.gmina.map_extent else None
    count = 0
    rows = (item for item in read_rows(job.file.path, job.original_name)
            if "__columns__" not in item[1])
    for chunk in _chunks(rows, 1000):
        points = (points_from([(row.get(mapping["x"]), row.get(mapping["y"]))
                               for _n, row, _g in chunk],
                              crs=mapping["crs"], axes=mapping["axes"], near=near)
                  if mapping.get("x") else [None] * len(chunk))
        for (number, row, geometry), point in zip(chunk, points, strict=True):
            count += 1
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(count)
            yield _prepared_row(register, mapping, tolerant, number, row, geometry, point)
    if progress is not None:
        progress(count)


def _prepared_row(register, mapping, tolerant, number, row, geometry, point):
    messages: list[str] = []
    corrections = []
    values = {}
    for column, key in mapping["columns"].items():
        value, corrected = tolerant.value(key, row.get(column))
        if corrected:
            corrections.append({"row": number, "field": key, "from": row.get(column),
                                "to": value})
        if value is not None:
            values[key] = value
    if mapping.get("x"):
        if isinstance(point, ValueError):
            messages.append(_("coordinates: %(reason)s") % {"reason": point})
            geometry = None
        else:
            geometry = point
    elif geometry == "invalid":
        messages.append(_("geometry: not valid GeoJSON"))
        geometry = None
    elif geometry is None:
        messages.append(_("geometry: missing"))
    cleaned = None
    try:
        cleaned = attributes_clean(register=register, values=values)
    except ValidationError as error:
        for problems in error.message_dict.values():
            messages.extend(problems)
    if geometry is not None:
        try:
            geometry = geometry_clean(register=register, geometry=geometry)
        except ValidationError as error:
            messages.extend(m for ms in error.message_dict.values() for m in ms)
    if messages:
        return number, None, None, messages, corrections
    return number, geometry, cleaned, [], corrections


def _prepared_path(job: ImportJob) -> str:
    return job.file.path + ".checked.jsonl"


def _prepared_read(job: ImportJob):
    """The rows the check found valid, as it left them (a check always runs first)."""
    with open(_prepared_path(job), encoding="utf-8") as prepared:
        for line in prepared:
            number, wkt, cleaned = json.loads(line)
            yield number, GEOSGeometry(wkt, srid=4326), cleaned


def _duplicate_checker(job: ImportJob, scale: float) -> _Neighbours:
    mapping = job.mapping
    neighbours = _Neighbours(mapping["radius_m"])
    existing = (RegisterObject.objects.filter(gmina=job.gmina, register=job.register)
                .exclude(status=ObjectStatus.REMOVED).only("id", "geometry", "attributes"))
    for obj in existing.iterator(chunk_size=2000):
        anchor = obj.geometry if obj.geometry.geom_type == "Point" else obj.geometry.centroid
        x, y = _planar(anchor, scale)
        keys = tuple(obj.attributes.get(k) for k in mapping["keys"])
        neighbours.add(x, y, keys, f"object:{obj.pk}")
    return neighbours


def import_check(*, gmina: Gmina, job_id: int) -> ImportJob:
    """The worker's check: the report, and not one object written."""
    job = ImportJob.objects.select_related("register", "gmina").filter(
        gmina=gmina, pk=job_id).first()
    if job is None or job.state != ImportJob.State.CHECKING:
        return job
    errors, duplicates, corrections = [], [], []
    valid = 0

    def progress(done: int) -> None:
        ImportJob.objects.filter(gmina=gmina, pk=job.pk).update(done=done)

    prepared = open(_prepared_path(job), "w", encoding="utf-8")  # noqa: SIM115 - closed below
    try:
        scale = _scale(job.gmina)
        neighbours = _duplicate_checker(job, scale)
        for number, geometry, cleaned, messages, fixed in _prepared_rows(job, progress=progress):
            corrections.extend(fixed)
            if messages:
                errors.append({"row": number, "messages": messages})
                continue
            # What the write needs, so that it need not read and check the file again.
            prepared.write(json.dumps([number, geometry.wkt, cleaned], ensure_ascii=False))
            prepared.write("\n")
            anchor = geometry if geometry.geom_type == "Point" else geometry.centroid
            x, y = _planar(anchor, scale)
            keys = tuple(cleaned.get(k) for k in job.mapping["keys"])
            twin = neighbours.near(x, y, keys)
            if twin is not None:
                duplicates.append({"row": number, "of": twin[0],
                                   "distance_m": round(twin[1], 2)})
            else:
                valid += 1
            neighbours.add(x, y, keys, f"row:{number}")
    except ValidationError as error:
        job.state = ImportJob.State.FAILED
        job.report = {"failure": "; ".join(m for ms in error.message_dict.values() for m in ms)}
        job.save(update_fields=["state", "report"])
        return job
    finally:
        prepared.close()
    job.refresh_from_db(fields=["done"])
    job.total = job.done
    job.report = {"errors": errors, "duplicates": duplicates, "corrections": corrections,
                  "valid": valid}
    job.state = ImportJob.State.CHECKED
    job.save(update_fields=["total", "report", "state"])
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


def import_write(*, gmina: Gmina, job_id: int, actor) -> ImportJob:
    """Write every valid row in one transaction; a failure leaves the register untouched."""
    job = ImportJob.objects.select_related("register", "gmina").filter(
        gmina=gmina, pk=job_id).first()
    if job is None or job.state != ImportJob.State.WRITING:
        return job
    skip = {d["row"] for d in job.report.get("duplicates", [])} - set(
        job.mapping.get("import_duplicates", []))
    try:
        with transaction.atomic():
            rows = [(geometry, cleaned) for number, geometry, cleaned in _prepared_read(job)
                    if number not in skip]
            created = objects_bulk_create(
                gmina=gmina, register=job.register, rows=rows, actor=actor,
                note=_("imported from %(file)s") % {"file": job.original_name})
    except ValidationError as error:
        job.state = ImportJob.State.FAILED
        job.report = {**job.report, "failure": "; ".join(error.messages)}
        job.save(update_fields=["state", "report"])
        return job
    job.created = created
    job.state = ImportJob.State.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["created", "state", "finished_at"])
    return job
