"""Imports: the issue's 1,000-row XLSX in PL-2000 (x and y swapped in half the rows,
misspelled species, three duplicates, five broken rows), and the other formats."""

import json
import subprocess
import zipfile

import pytest
from django.contrib.gis.gdal import CoordTransform, SpatialReference
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from podkowa.registers.models import ImportJob, RegisterObject, TreeSpecies
from podkowa.registers.services.imports import (
    import_confirm,
    import_map,
    import_upload,
    point_from,
)
from podkowa.registers.services.objects import object_create
from podkowa.registers.services.trees import tree_register_ensure

pytestmark = pytest.mark.usefixtures("in_english")

TO_2178 = CoordTransform(SpatialReference(4326), SpatialReference(2178))
SPECIES = [("quercus-robur", "dąb szypułkowy", "Quercus robur"),
           ("populus-nigra", "topola czarna", "Populus nigra"),
           ("tilia-cordata", "lipa drobnolistna", "Tilia cordata")]
# How the office misspells them (each must still find its species).
MISSPELLED = {"quercus-robur": ["dab szypulkowy", "Quercus robr", "DĄB SZYPUŁKOWY"],
              "populus-nigra": ["topola czrna", "Populus nigra "],
              "tilia-cordata": ["lipa drobnolista", "tilia cordata"]}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "media")}}}


@pytest.fixture
def trees(gmina, media):
    for code, polish, latin in SPECIES:
        TreeSpecies.objects.create(gmina=gmina, code=code, polish_name=polish,
                                   latin_name=latin)
    return tree_register_ensure(gmina=gmina, slug="trees", name="Trees")


def known(i: int) -> tuple[float, float]:
    return 20.70 + (i % 40) * 0.0012, 52.105 + (i // 40) * 0.0012


def pl2000(lon: float, lat: float) -> tuple[float, float]:
    point = Point(lon, lat, srid=4326)
    point.transform(TO_2178)
    return round(point.y, 2), round(point.x, 2)  # (northing x, easting y)


BROKEN = {100: ("abc", None), 200: ("species", ""), 300: ("species", "baobab"),
          400: ("coords", (0, 0)), 500: ("circumference_5", "dużo")}
DUPLICATES = [10, 20, 30]


def thousand_rows_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["Numer", "Gatunek", "obwod 5", "X", "Y"])
    for i in range(1000):
        code = SPECIES[i % 3][0]
        names = MISSPELLED[code]
        species = names[(i // 3) % len(names)]
        x, y = pl2000(*known(i))
        if i % 2:  # half the rows have the easting first
            x, y = y, x
        at_5 = 40 + i % 100
        kind, value = BROKEN.get(i, (None, None))
        if kind == "abc":
            x = "abc"
        elif kind == "species":
            species = value
        elif kind == "coords":
            x, y = value
        elif kind == "circumference_5":
            at_5 = value
        sheet.append([f"D-{i:04d}", species, at_5, x, y])
    out = __import__("io").BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """The worker's tasks run when the caller's transaction commits (here: at once)."""
    return django_capture_on_commit_callbacks


def upload(content: bytes, name: str):
    return SimpleUploadedFile(name, content)


def test_the_thousand_row_xlsx(gmina, trees, editor, run_tasks):
    for i in DUPLICATES:  # already in the register, a metre away
        lon, lat = known(i)
        object_create(gmina=gmina, register_id=trees.pk,
                      geometry=Point(lon + 0.00001, lat, srid=4326),
                      attributes={"number": f"old-{i}", "species": SPECIES[i % 3][0]})
    job = import_upload(gmina=gmina, register_id=trees.pk,
                        upload=upload(thousand_rows_xlsx(), "drzewa.xlsx"), actor=editor)
    assert job.columns == ["Numer", "Gatunek", "obwod 5", "X", "Y"]
    assert len(job.preview) == 10 and job.preview[0]["row"] == 2
    # Guessed from the names and labels; the clerk adds the one it could not guess.
    assert job.mapping["columns"] == {"Numer": "number", "Gatunek": "species"}
    assert (job.mapping["x"], job.mapping["y"]) == ("X", "Y")
    mapping = {**job.mapping, "columns": {**job.mapping["columns"],
                                          "obwod 5": "circumference_5"},
               "radius_m": 3, "keys": ["species"]}
    with run_tasks(execute=True):
        job = import_map(gmina=gmina, job_id=job.pk, mapping=mapping)
    job.refresh_from_db()
    assert job.state == ImportJob.State.CHECKED and job.total == 1000
    report = job.report
    assert sorted(e["row"] for e in report["errors"]) == sorted(i + 2 for i in BROKEN)
    by_row = {e["row"]: " ".join(e["messages"]) for e in report["errors"]}
    assert "coordinates" in by_row[102] and "coordinates" in by_row[402]
    assert "“baobab” is not a species" in by_row[302]
    assert "required" in by_row[202] and "a number is needed" in by_row[502]
    assert sorted(d["row"] for d in report["duplicates"]) == [i + 2 for i in DUPLICATES]
    assert all(d["of"].startswith("object:") and d["distance_m"] < 1.5
               for d in report["duplicates"])
    assert report["valid"] == 992
    assert any(c["from"] == "Quercus robr" and c["to"] == "quercus-robur"
               for c in report["corrections"])
    assert RegisterObject.objects.count() == 3  # nothing written before the clerk confirms

    with run_tasks(execute=True):
        import_confirm(gmina=gmina, job_id=job.pk, import_duplicates=[], actor=editor)
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and job.created == 992
    imported = {o.attributes["number"]: o for o in RegisterObject.objects.filter(
        attributes__number__startswith="D-")}
    assert len(imported) == 992
    for i in range(1000):
        if i in BROKEN or i in DUPLICATES:
            assert f"D-{i:04d}" not in imported
            continue
        obj = imported[f"D-{i:04d}"]
        lon, lat = known(i)
        assert abs(obj.geometry.x - lon) < 2e-7 and abs(obj.geometry.y - lat) < 2e-7, i
        assert obj.attributes["species"] == SPECIES[i % 3][0]
        assert obj.versions.get().actor == editor


def test_a_duplicate_the_clerk_keeps_is_imported(gmina, trees, editor, run_tasks):
    rows = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [20.73, 52.12]},
             "properties": {"number": "A", "species": "Tilia cordata"}},
            {"type": "Feature",
             "geometry": {"type": "Point", "coordinates": [20.73001, 52.12]},
             "properties": {"number": "B", "species": "lipa drobnolistna"}}]
    content = json.dumps({"type": "FeatureCollection", "features": rows}).encode()
    job = import_upload(gmina=gmina, register_id=trees.pk,
                        upload=upload(content, "d.geojson"), actor=editor)
    with run_tasks(execute=True):
        job = import_map(gmina=gmina, job_id=job.pk, mapping={**job.mapping, "keys": ["species"]})
    job.refresh_from_db()
    assert job.report["duplicates"] == [{"row": 2, "of": "row:1", "distance_m": 0.68}]
    with run_tasks(execute=True):
        import_confirm(gmina=gmina, job_id=job.pk, import_duplicates=[2], actor=editor)
    assert sorted(RegisterObject.objects.values_list("attributes__number", flat=True)) == [
        "A", "B"]


def test_csv_with_lon_lat_swapped_and_a_semicolon(gmina, trees, editor, run_tasks):
    content = ("numer;gatunek;lat;lon\nC1;dąb szypułkowy;52,1201;20,7301\n"
               "C2;Populus nigra;20.7302;52.1202\n").encode("cp1250")
    job = import_upload(gmina=gmina, register_id=trees.pk, upload=upload(content, "d.csv"),
                        actor=editor)
    assert job.mapping["x"] == "lon" and job.mapping["y"] == "lat"
    with run_tasks(execute=True):
        job = import_map(gmina=gmina, job_id=job.pk, mapping=job.mapping)
    job.refresh_from_db()
    assert job.report["errors"] == [] and job.report["valid"] == 2
    with run_tasks(execute=True):
        import_confirm(gmina=gmina, job_id=job.pk, import_duplicates=[], actor=editor)
    points = {o.attributes["number"]: (o.geometry.x, o.geometry.y)
              for o in RegisterObject.objects.all()}
    assert points == {"C1": (20.7301, 52.1201), "C2": (20.7302, 52.1202)}


def test_a_zipped_shapefile_through_gdal(gmina, trees, editor, run_tasks, tmp_path):
    source = tmp_path / "in.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [20.731, 52.121]},
         "properties": {"number": "S1", "species": "quercus-robur"}}]}))
    shp = tmp_path / "shp"
    subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", "-t_srs", "EPSG:2180", str(shp),
                    str(source)], check=True, capture_output=True)
    archive = tmp_path / "drzewa.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for part in shp.iterdir():
            out.write(part, part.name)
    job = import_upload(gmina=gmina, register_id=trees.pk,
                        upload=upload(archive.read_bytes(), "drzewa.zip"), actor=editor)
    with run_tasks(execute=True):
        job = import_map(gmina=gmina, job_id=job.pk, mapping=job.mapping)
    with run_tasks(execute=True):
        import_confirm(gmina=gmina, job_id=job.pk, import_duplicates=[], actor=editor)
    obj = RegisterObject.objects.get()
    assert abs(obj.geometry.x - 20.731) < 1e-6 and abs(obj.geometry.y - 52.121) < 1e-6


def test_axis_order_is_told_by_ranges_or_set_by_hand():
    lon, lat = 20.7286, 52.1225
    northing, easting = pl2000(lon, lat)
    for x, y in ((northing, easting), (easting, northing)):
        found = point_from(x, y, crs="auto", axes="auto")
        assert abs(found.x - lon) < 1e-6 and abs(found.y - lat) < 1e-6
    with pytest.raises(ValueError, match="do not fall in Poland"):
        point_from(easting, northing, crs="2178", axes="as_is")
    assert point_from(52.1225, 20.7286, crs="auto", axes="auto").x == 20.7286
    with pytest.raises(ValueError, match="not numbers"):
        point_from("x", 1, crs="auto", axes="auto")


def test_xlsx_dates_numbers_and_empty_cells(gmina, benches, editor, run_tasks, media):
    import datetime

    book = Workbook()
    sheet = book.active
    sheet.append(["Number", "Seats", "Installed", "Backrest", "lon", "lat"])
    sheet.append([101, 3, datetime.date(2024, 5, 1), True, 20.7301, 52.1201])
    naive = datetime.datetime(2023, 9, 30, 12, 0)  # noqa: DTZ001 - a sheet's time has no zone
    sheet.append(["B2", None, naive, "nie", 20.7302, 52.1202])
    sheet.append([None, None, None, None, None, None])  # an empty row is no row
    sheet.append(["B4", 2.5, None, None, 20.7303, 52.1203])
    out = __import__("io").BytesIO()
    book.save(out)
    job = import_upload(gmina=gmina, register_id=benches.pk,
                        upload=upload(out.getvalue(), "lawki.xlsx"), actor=editor)
    assert job.preview[0]["values"]["Number"] == 101 and job.preview[0]["values"]["Seats"] == 3
    assert [row["row"] for row in job.preview] == [2, 3, 5]
    with run_tasks(execute=True):
        job = import_map(gmina=gmina, job_id=job.pk, mapping=job.mapping)
    job.refresh_from_db()
    assert job.report["errors"] == [] and job.report["valid"] == 3
    with run_tasks(execute=True):
        import_confirm(gmina=gmina, job_id=job.pk, import_duplicates=[], actor=editor)
    stored = {o.attributes["number"]: o.attributes for o in RegisterObject.objects.all()}
    assert stored == {
        "101": {"number": "101", "seats": 3, "installed": "2024-05-01", "backrest": True},
        "B2": {"number": "B2", "installed": "2023-09-30", "backrest": False},
        "B4": {"number": "B4", "seats": 2.5}}


@pytest.mark.parametrize("content", [b"not a workbook", b"PK\x03\x04broken zip"])
def test_a_file_that_is_not_a_workbook_is_refused_by_name(gmina, trees, editor, content):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        import_upload(gmina=gmina, register_id=trees.pk, upload=upload(content, "d.xlsx"),
                      actor=editor)
    assert "cannot be read as an XLSX workbook" in refused.value.message_dict["file"][0]
    assert not ImportJob.objects.exists()


def test_values_with_backslashes_and_quotes_land_as_written(gmina, benches, editor,
                                                                 run_tasks, media):
    content = ('Number,lon,lat\n"C:\\\\drzewa\\\\ławka ""A""",20.7301,52.1201\n'
               ).encode()
    job = import_upload(gmina=gmina, register_id=benches.pk, upload=upload(content, "b.csv"),
                        actor=editor)
    with run_tasks(execute=True):
        job = import_map(gmina=gmina, job_id=job.pk, mapping=job.mapping)
    with run_tasks(execute=True):
        import_confirm(gmina=gmina, job_id=job.pk, import_duplicates=[], actor=editor)
    obj = RegisterObject.objects.get()
    assert obj.attributes == {"number": 'C:\\\\drzewa\\\\ławka "A"'}
    assert obj.versions.get().attributes == obj.attributes
