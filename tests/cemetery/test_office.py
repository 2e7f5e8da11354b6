import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from podkowa.accounts.models import Role
from podkowa.cemetery.demo import _to_lonlat
from podkowa.cemetery.models import AlleyEdge
from podkowa.cemetery.services.imports import burials_import
from podkowa.core.models import AuditLogEntry
from tests.admin_support import make_official, sign_in_with_second_factor


def test_exports_round_trip_through_the_import(client, gmina, cemetery, burial):
    clerk = make_official(gmina, Role.CEMETERY_CLERK)
    sign_in_with_second_factor(client, clerk)
    csv_body = client.get(f"/cmentarz/urzad/{cemetery.slug}/eksport.csv").content
    assert "Łukasiewicz".encode() in csv_body
    # What the office exports, another cemetery imports as it is.
    report = burials_import(gmina=gmina, cemetery_slug="kopia", filename="e.csv",
                            content=csv_body.replace(b"P-00001", b"K-00001"))
    assert report.imported == 1
    xlsx = client.get(f"/cmentarz/urzad/{cemetery.slug}/eksport.xlsx").content
    sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    assert [c.value for c in next(sheet.iter_rows())][:3] == ["record_number", "surname",
                                                              "given_names"]
    geo = json.loads(client.get(f"/cmentarz/urzad/{cemetery.slug}/eksport.geojson").content)
    assert geo["features"][0]["properties"]["record_number"] == burial.grave.record_number
    assert AuditLogEntry.objects.filter(gmina=gmina, actor=clerk, action="export").count() == 2


def test_alleys_import_replaces_the_network(client, gmina, cemetery, grave):
    sign_in_with_second_factor(client, make_official(gmina, Role.CEMETERY_CLERK))
    geo = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Nowa", "stairs": False},
         "geometry": {"type": "LineString", "coordinates": [
             list(_to_lonlat(0, -2)), list(_to_lonlat(53, 40))]}}]}
    client.post(f"/cmentarz/urzad/{cemetery.slug}/alejki/", {"file": SimpleUploadedFile(
        "a.geojson", json.dumps(geo).encode())})
    assert list(AlleyEdge.objects.filter(gmina=gmina).values_list("name", flat=True)) == [
        "Nowa"]
    route = client.get(f"/api/v1/cemetery/graves/{grave.pk}/route", {"lang": "en"}).json()
    assert route["properties"]["steps"][0]["alley"] == "Nowa"
    bad = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                                                      "geometry": {"type": "Point"}}]}
    client.post(f"/cmentarz/urzad/{cemetery.slug}/alejki/", {"file": SimpleUploadedFile(
        "b.geojson", json.dumps(bad).encode())})
    assert AlleyEdge.objects.filter(gmina=gmina).count() == 1


def test_clerk_draws_and_removes_a_segment(client, gmina, cemetery, grave):
    sign_in_with_second_factor(client, make_official(gmina, Role.CEMETERY_CLERK))
    before = client.get(f"/api/v1/cemetery/graves/{grave.pk}/route").json()
    # From the gate's corner, drawn 1 m off (joins the junction), to alley 2 by the grave.
    corner = _to_lonlat(0.8, 0.5)
    near_grave = _to_lonlat(50, 40)
    client.post(f"/cmentarz/urzad/{cemetery.slug}/alejki/", {
        "action": "add", "coords": json.dumps([list(corner), list(near_grave)]),
        "name": "Skrót"})
    edge = AlleyEdge.objects.get(gmina=gmina, name="Skrót")
    assert edge.path.coords[0] == AlleyEdge.objects.filter(
        gmina=gmina, name="A").order_by("pk").first().path.coords[0]
    after = client.get(f"/api/v1/cemetery/graves/{grave.pk}/route").json()
    assert after["properties"]["length_m"] < before["properties"]["length_m"] - 20
    client.post(f"/cmentarz/urzad/{cemetery.slug}/alejki/", {"action": "delete",
                                                            "id": edge.pk})
    assert not AlleyEdge.objects.filter(gmina=gmina, name="Skrót").exists()
    again = client.get(f"/api/v1/cemetery/graves/{grave.pk}/route").json()
    assert again["properties"]["length_m"] == before["properties"]["length_m"]
