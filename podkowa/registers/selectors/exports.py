"""A register, whole or filtered, as a file: GeoJSON (RFC 7946), GeoPackage, XLSX, CSV.

Personal fields go only to those who may read them, and such an export is recorded in the
audit log. Tables (XLSX, CSV) carry longitude/latitude for points and WKT otherwise.
"""

import csv
import io
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.utils.translation import gettext as _

from podkowa.core.models import AuditLogEntry, Gmina
from podkowa.core.services import audit_personal_data_read
from podkowa.registers.models import Register
from podkowa.registers.rules import may_read_personal_fields
from podkowa.registers.selectors.features import feature
from podkowa.registers.services.attributes import personal_keys, register_attributes

FORMATS = {
    "geojson": ("application/geo+json", "geojson"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "csv": ("text/csv; charset=utf-8", "csv"),
}


def _columns(register: Register, user) -> list:
    hidden = set() if may_read_personal_fields(user, register) else personal_keys(register)
    return [a for a in register_attributes(register) if a.key not in hidden]


def _cell(value):
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value


def _table(objects, register: Register, user) -> tuple[list[str], list[list]]:
    attributes = _columns(register, user)
    header = ["id", *[a.key for a in attributes], "status", "lon", "lat", "wkt"]
    rows = []
    for obj in objects:
        geometry = obj.geometry
        point = geometry.geom_type == "Point"
        rows.append([obj.pk, *[_cell(obj.attributes.get(a.key)) for a in attributes],
                     obj.status, round(geometry.x, 7) if point else None,
                     round(geometry.y, 7) if point else None, "" if point else geometry.wkt])
    return header, rows


def register_export(*, gmina: Gmina, register: Register, user, objects, fmt: str,
                    request=None) -> bytes:
    objects = list(objects)
    if personal_keys(register) and may_read_personal_fields(user, register) and objects:
        audit_personal_data_read(
            gmina=gmina, actor=user, subject=None, action=AuditLogEntry.Action.EXPORT,
            what=f"{register.name}: " + ", ".join(sorted(personal_keys(register))),
            object_ref=f"registers.register:{register.pk}", request=request)
    if fmt in ("geojson", "gpkg"):
        collection = {"type": "FeatureCollection", "features": [
            feature(obj, register=register, user=user, audit=False) for obj in objects]}
        for item in collection["features"]:
            item["properties"] = {k: _cell(v) for k, v in item["properties"].items()}
        text = json.dumps(collection, ensure_ascii=False)
        if fmt == "geojson":
            return text.encode("utf-8")
        return _geopackage(text, register.slug)
    header, rows = _table(objects, register, user)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel reads it as UTF-8
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(register.name[:31])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _geopackage(geojson: str, layer: str) -> bytes:
    # Django's GDAL bindings read only; GDAL's own ogr2ogr writes the GeoPackage.
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "in.geojson", Path(folder) / "out.gpkg"
        source.write_text(geojson, encoding="utf-8")
        program = shutil.which("ogr2ogr")
        if program is None:
            raise RuntimeError(_("GeoPackage export needs GDAL's ogr2ogr (gdal-bin)."))
        # No shell; the arguments are our own paths and the register's slug.
        done = subprocess.run(  # noqa: S603
            [program, "-f", "GPKG", "-nln", layer, str(target), str(source)],
            capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0:
            raise RuntimeError(_("GeoPackage export failed: %(error)s") % {
                "error": done.stderr.strip()[:300]})
        return target.read_bytes()
