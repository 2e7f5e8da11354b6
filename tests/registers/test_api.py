"""The registers REST API: public reads without sign-in, filters and pages, officials' writes."""

import pytest

from podkowa.accounts.services.tokens import api_token_create
from podkowa.core.models import AuditLogEntry
from podkowa.registers.models import Register, RegisterObject
from podkowa.registers.services.objects import object_create
from tests.registers.conftest import point


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def bearer(gmina, user) -> dict[str, str]:
    _token, plain = api_token_create(gmina=gmina, user=user, name="QGIS")
    return {"Authorization": f"Bearer {plain}"}


@pytest.fixture
def some_benches(gmina, benches):
    made = []
    for index in range(5):
        made.append(object_create(
            gmina=gmina, register_id=benches.pk, geometry=point(20.70 + index * 0.01, 52.12),
            attributes={"number": f"B{index}", "material": "metal" if index % 2 else "drewno",
                        "sponsor": "Jan Nowak", "seats": index}))
    return made


def test_anyone_reads_public_registers_without_personal_fields(client, gmina, benches,
                                                               some_benches):
    Register.objects.create(gmina=gmina, name="Secret", slug="secret")
    listed = client.get("/api/v1/registers").json()
    assert [r["slug"] for r in listed] == ["benches", "lines"]
    bench = next(r for r in listed if r["slug"] == "benches")
    assert "sponsor" not in [a["key"] for a in bench["attributes"]]
    material = next(a for a in bench["attributes"] if a["key"] == "material")
    assert {"code": "zelbet", "label": "żelbet"} in material["choices"]
    assert client.get("/api/v1/registers/secret").status_code == 404
    assert client.get("/api/v1/registers/secret/objects").status_code == 404

    page = client.get("/api/v1/registers/benches/objects").json()
    assert page["numberMatched"] == 5
    first = page["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [20.7, 52.12]}
    assert "sponsor" not in first["properties"] and first["properties"]["number"] == "B0"
    assert not AuditLogEntry.objects.exists()


def test_bbox_attribute_status_filters_and_pages(client, gmina, benches, some_benches):
    url = "/api/v1/registers/benches/objects"
    inside = client.get(url, {"bbox": "20.705,52.11,20.735,52.13"}).json()
    assert [f["properties"]["number"] for f in inside["features"]] == ["B1", "B2", "B3"]
    metal = client.get(url, {"material": "Metal"}).json()
    assert [f["properties"]["number"] for f in metal["features"]] == ["B1", "B3"]
    assert client.get(url, {"seats": "4"}).json()["numberMatched"] == 1
    wrong = client.get(url, {"sponsor": "Jan Nowak"})
    assert wrong.status_code == 400 and "sponsor" in wrong.json()["errors"]
    assert client.get(url, {"bbox": "1,2,3"}).status_code == 400

    first = client.get(url, {"limit": 2}).json()
    assert first["numberReturned"] == 2 and "offset=2" in first["next"]
    second = client.get(first["next"]).json()
    assert [f["properties"]["number"] for f in second["features"]] == ["B2", "B3"]
    last = client.get(url, {"limit": 2, "offset": 4}).json()
    assert last["next"] is None and last["numberReturned"] == 1

    client.get(url)  # warm
    some_benches[0].status = "planned"
    some_benches[0].save()
    planned = client.get(url, {"status": "planned"}).json()
    assert [f["id"] for f in planned["features"]] == [some_benches[0].pk]


def test_an_editor_writes_and_the_history_shows_it(client, gmina, benches, editor):
    headers = bearer(gmina, editor)
    url = "/api/v1/registers/benches/objects"
    bad = client.post(url, {"geometry": {"type": "Point", "coordinates": [20.73, 52.12]},
                            "properties": {"seats": "x"}},
                      content_type="application/json", headers=headers)
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"attributes.number", "attributes.seats"}
    created = client.post(url, {"geometry": {"type": "Point", "coordinates": [20.73, 52.12]},
                                "properties": {"number": "N1", "sponsor": "Anna"}},
                          content_type="application/json", headers=headers)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["properties"]["sponsor"] == "Anna"  # the editor reads it…
    assert AuditLogEntry.objects.filter(actor=editor).count() == 1  # …and that is recorded
    object_url = f"{url}/{body['id']}"
    changed = client.patch(object_url, {"properties": {"seats": 4}, "version": 1},
                           content_type="application/json", headers=headers)
    assert changed.status_code == 200 and changed.json()["properties"]["version"] == 2
    stale = client.patch(object_url, {"properties": {"seats": 5}, "version": 1},
                         content_type="application/json", headers=headers)
    assert stale.status_code == 400 and "version" in stale.json()["errors"]

    history = client.get(f"{object_url}/history", headers=headers).json()
    assert [(v["number"], v["by"]) for v in history] == [(1, editor.email), (2, editor.email)]
    assert history[1]["changes"] == {"attributes": {"seats": [None, 4]}}
    restored = client.post(f"{object_url}/restore", {"version": 1},
                           content_type="application/json", headers=headers)
    assert restored.status_code == 200 and "seats" not in restored.json()["properties"]
    assert client.delete(object_url, headers=headers).status_code == 204
    assert client.get(object_url).status_code == 404
    assert RegisterObject.objects.get().status == "removed"


def test_others_may_not_write(client, gmina, benches, clerk, some_benches):
    url = "/api/v1/registers/benches/objects"
    body = {"geometry": {"type": "Point", "coordinates": [20.73, 52.12]},
            "properties": {"number": "N1"}}
    assert client.post(url, body, content_type="application/json").status_code == 401
    assert client.post(url, body, content_type="application/json",
                       headers=bearer(gmina, clerk)).status_code == 403
    assert client.delete(f"{url}/{some_benches[0].pk}",
                         headers=bearer(gmina, clerk)).status_code == 403
    # An official without the role reads a register, but not its personal fields.
    page = client.get(url, headers=bearer(gmina, clerk)).json()
    assert "sponsor" not in page["features"][0]["properties"]
    assert RegisterObject.objects.count() == 5


def test_a_photo_is_added_cleaned_and_set_on_the_object(client, gmina, benches, editor,
                                                        settings, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path)}}}
    bench = object_create(gmina=gmina, register_id=benches.pk, geometry=point(),
                          attributes={"number": "1"})
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (30, 20), (10, 200, 10)).save(out, format="JPEG", exif=exif)
    url = f"/api/v1/registers/benches/objects/{bench.pk}/photos?attribute=photo"
    response = client.post(url, {"photo": SimpleUploadedFile("p.jpg", out.getvalue(),
                                                             content_type="image/jpeg")},
                           headers=bearer(gmina, editor))
    assert response.status_code == 201, response.content
    bench.refresh_from_db()
    assert bench.attributes["photo"] == response.json()["id"] and bench.version == 2
    image = client.get(response.json()["url"])
    assert image.status_code == 200
    served = Image.open(io.BytesIO(b"".join(image.streaming_content)))
    assert served.size == (30, 20) and 0x010F not in served.getexif()
    text = client.post(f"/api/v1/registers/benches/objects/{bench.pk}/photos",
                       {"photo": SimpleUploadedFile("x.jpg", b"not an image")},
                       headers=bearer(gmina, editor))
    assert text.status_code == 400
