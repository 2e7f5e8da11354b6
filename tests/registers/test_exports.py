"""Exports: a whole register or a filtered part, as GeoJSON, GeoPackage, XLSX, CSV."""

import io
import json
import subprocess

from openpyxl import load_workbook

from podkowa.core.models import AuditLogEntry
from podkowa.registers.services.objects import object_create
from tests.admin_support import sign_in_with_second_factor
from tests.registers.conftest import line, point


def _some(gmina, benches, lines):
    for i in range(3):
        object_create(gmina=gmina, register_id=benches.pk, geometry=point(20.72 + i / 100, 52.12),
                      attributes={"number": f"B{i}", "seats": i, "sponsor": "Jan Nowak",
                                  "material": "metal" if i else "drewno"})
    object_create(gmina=gmina, register_id=lines.pk, geometry=line(), attributes={"name": "L"})


def test_geojson_filtered_and_without_personal_fields(client, gmina, benches, lines):
    _some(gmina, benches, lines)
    response = client.get("/rejestry/eksport/benches.geojson", {"material": "metal"})
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert [f["properties"]["number"] for f in data["features"]] == ["B1", "B2"]
    assert "crs" not in data and "sponsor" not in data["features"][0]["properties"]
    boxed = json.loads(client.get("/rejestry/eksport/benches.geojson",
                                  {"bbox": "20.715,52.1,20.725,52.2"}).content)
    assert len(boxed["features"]) == 1


def test_xlsx_and_csv_tables(client, gmina, benches, lines):
    _some(gmina, benches, lines)
    book = load_workbook(io.BytesIO(client.get("/rejestry/eksport/benches.xlsx").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "number", "seats") and "sponsor" not in rows[0]
    assert rows[1][1:3] == ("B0", 0) and rows[1][-3:-1] == (20.72, 52.12)
    text = client.get("/rejestry/eksport/lines.csv").content.decode("utf-8-sig")
    header, first = text.splitlines()[:2]
    assert header.split(";")[-1] == "wkt" and "LINESTRING" in first


def test_geopackage_reads_back_in_gdal_and_editors_export_is_audited(
        client, gmina, benches, lines, editor, tmp_path):
    _some(gmina, benches, lines)
    sign_in_with_second_factor(client, editor)
    response = client.get("/rejestry/eksport/benches.gpkg")
    target = tmp_path / "out.gpkg"
    target.write_bytes(response.content)
    info = subprocess.run(["ogrinfo", "-ro", "-al", str(target)], capture_output=True,
                          text=True, check=True).stdout
    assert "Feature Count: 3" in info and "sponsor (String) = Jan Nowak" in info
    assert AuditLogEntry.objects.get().action == "export"
