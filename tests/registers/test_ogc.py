"""OGC API – Features at /ogc/ through the test client: the documents, paging, filters, CRS
(axis order) and the officials' writes (Part 4)."""

import json

import pytest

from podkowa.accounts.services.tokens import api_token_create
from podkowa.registers.models import Register, RegisterObject
from podkowa.registers.services.objects import object_create
from tests.registers.conftest import point

EPSG2180 = "http://www.opengis.net/def/crs/EPSG/0/2180"
EPSG2178 = "http://www.opengis.net/def/crs/EPSG/0/2178"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
# The town hall, lon/lat, and the same place in PL-1992 / PL-2000 zone 7 (northing, easting),
# computed independently with GDAL's gdaltransform (PL-1992: easting 618305.2,
# northing 474338.9; PL-2000 zone 7: easting 7481413.2, northing 5776563.9).
HALL = (20.7286, 52.1225)


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def twelve(gmina, benches):
    return [object_create(gmina=gmina, register_id=benches.pk,
                          geometry=point(20.70 + i * 0.005, 52.12),
                          attributes={"number": f"B{i:02d}", "seats": i % 3,
                                      "sponsor": "Jan Nowak"})
            for i in range(12)]


def test_landing_conformance_and_collections(client, gmina, benches, twelve):
    Register.objects.create(gmina=gmina, name="Internal", slug="internal")
    landing = client.get("/ogc/").json()
    assert {link["rel"] for link in landing["links"]} >= {"self", "conformance", "data",
                                                          "service-desc"}
    classes = client.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete" \
        in classes
    listed = client.get("/ogc/collections").json()["collections"]
    assert [c["id"] for c in listed] == ["benches", "lines"]
    bench = listed[0]
    assert bench["extent"]["spatial"]["bbox"] == [[20.7, 52.12, 20.755, 52.12]]
    assert EPSG2180 in bench["crs"] and bench["storageCrs"] == CRS84
    assert client.get("/ogc/collections/internal").status_code == 404
    queryables = client.get("/ogc/collections/benches/queryables").json()["properties"]
    assert queryables["seats"]["type"] == "number" and "sponsor" not in queryables
    assert queryables["material"]["enum"] == ["drewno", "metal", "zelbet"]


def test_items_page_with_links_bbox_and_filters(client, gmina, benches, twelve):
    first = client.get("/ogc/collections/benches/items")
    assert first["Content-Type"] == "application/geo+json"
    assert first["Content-Crs"] == f"<{CRS84}>"
    body = first.json()
    assert body["numberMatched"] == 12 and body["numberReturned"] == 10
    assert "sponsor" not in body["features"][0]["properties"]
    following = next(link["href"] for link in body["links"] if link["rel"] == "next")
    second = client.get(following).json()
    assert [f["properties"]["number"] for f in second["features"]] == ["B10", "B11"]
    assert not any(link["rel"] == "next" for link in second["links"])
    assert any(link["rel"] == "prev" for link in second["links"])

    boxed = client.get("/ogc/collections/benches/items",
                       {"bbox": "20.709,52.1,20.721,52.2"}).json()
    assert [f["properties"]["number"] for f in boxed["features"]] == ["B02", "B03", "B04"]
    seats = client.get("/ogc/collections/benches/items", {"seats": "2", "limit": 100}).json()
    assert [f["properties"]["number"] for f in seats["features"]] == [
        "B02", "B05", "B08", "B11"]
    assert client.get("/ogc/collections/benches/items",
                      {"bbox": "1,2,3"}).json()["code"] == "InvalidParameterValue"


def test_crs_part_2_with_northing_first_axes(client, gmina, benches):
    object_create(gmina=gmina, register_id=benches.pk, geometry=point(*HALL),
                  attributes={"number": "hall"})
    response = client.get("/ogc/collections/benches/items", {"crs": EPSG2180})
    assert response["Content-Crs"] == f"<{EPSG2180}>"
    northing, easting = response.json()["features"][0]["geometry"]["coordinates"]
    # PL-1992 (x is the northing).
    assert (round(northing, 1), round(easting, 1)) == (474338.9, 618305.2)
    zone7 = client.get("/ogc/collections/benches/items", {"crs": EPSG2178}).json()
    n7, e7 = zone7["features"][0]["geometry"]["coordinates"]
    assert (round(n7, 1), round(e7, 1)) == (5776563.9, 7481413.2)  # zone 7: prefix 7
    # A box in PL-1992, northing first, finds it; one beside it does not.
    hit = client.get("/ogc/collections/benches/items", {
        "bbox": f"{northing - 10},{easting - 10},{northing + 10},{easting + 10}",
        "bbox-crs": EPSG2180}).json()
    assert hit["numberMatched"] == 1
    miss = client.get("/ogc/collections/benches/items", {
        "bbox": f"{easting - 10},{northing - 10},{easting + 10},{northing + 10}",
        "bbox-crs": EPSG2180}).json()
    assert miss["numberMatched"] == 0
    assert client.get("/ogc/collections/benches/items",
                      {"crs": "EPSG:9999"}).status_code == 400


def test_geojson_is_lon_lat_with_at_most_seven_decimals(client, gmina, benches):
    object_create(gmina=gmina, register_id=benches.pk,
                  geometry=point(20.123456789123, 52.987654321987),
                  attributes={"number": "x"})
    feature = client.get("/ogc/collections/benches/items").json()["features"][0]
    assert feature["geometry"]["coordinates"] == [20.1234568, 52.9876543]
    assert "crs" not in feature


def test_part_4_create_replace_update_delete(client, gmina, benches, editor, clerk):
    _t, plain = api_token_create(gmina=gmina, user=editor, name="QGIS")
    headers = {"Authorization": f"Bearer {plain}"}
    url = "/ogc/collections/benches/items"
    allowed = client.options(url)
    assert "POST" in allowed["Allow"]
    new = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [20.73, 52.12]},
           "properties": {"number": "Q1", "seats": 2}}
    assert client.post(url, new, content_type="application/geo+json").status_code == 401
    _t, clerk_plain = api_token_create(gmina=gmina, user=clerk, name="x")
    assert client.post(url, new, content_type="application/geo+json",
                       headers={"Authorization": f"Bearer {clerk_plain}"}).status_code == 403
    created = client.post(url, new, content_type="application/geo+json", headers=headers)
    assert created.status_code == 201
    location = created["Location"]
    feature_path = location.split("testserver", 1)[1]

    # Replace, sent in PL-1992 (northing first): lands at the same place in WGS 84.
    in_2180 = client.get(feature_path, {"crs": EPSG2180}).json()["geometry"]
    replaced = client.put(feature_path, json.dumps({
        "type": "Feature", "geometry": in_2180, "properties": {"number": "Q1b"}}),
        content_type="application/geo+json", headers={**headers, "Content-Crs": f"<{EPSG2180}>"})
    assert replaced.status_code == 200, replaced.content
    obj = RegisterObject.objects.get()
    assert obj.attributes == {"number": "Q1b"}
    assert abs(obj.geometry.x - 20.73) < 1e-7 and abs(obj.geometry.y - 52.12) < 1e-7

    bad = client.patch(feature_path, json.dumps({"type": "Feature",
                                                 "properties": {"seats": "many"}}),
                       content_type="application/geo+json", headers=headers)
    assert bad.status_code == 400 and "attributes.seats" in bad.json()["errors"]
    patched = client.patch(feature_path, json.dumps({"type": "Feature",
                                                     "properties": {"seats": 5}}),
                           content_type="application/geo+json", headers=headers)
    assert patched.json()["properties"] == {"number": "Q1b", "seats": 5, "status": "active",
                                            "version": 3}
    assert client.delete(feature_path, headers=headers).status_code == 204
    assert client.get(feature_path).status_code == 404
    assert [v.actor for v in obj.versions.all()] == [editor] * 4


def test_items_in_crs84_are_the_features_the_general_path_writes(client, gmina, benches,
                                                                 lines, twelve):
    """The viewport path (the database writes the GeoJSON) says what `feature` says: the
    place to 7 decimals, the values less the personal ones, status, version, length."""
    from podkowa.registers.selectors.features import feature
    from tests.registers.conftest import line

    object_create(gmina=gmina, register_id=lines.pk, geometry=line(),
                  attributes={"name": "Aleja"})
    for register in (benches, lines):
        body = client.get(f"/ogc/collections/{register.slug}/items", {"limit": 100}).json()
        expected = [json.loads(json.dumps(feature(obj, register=register, user=None,
                                                  audit=False)))
                    for obj in RegisterObject.objects.filter(register=register).order_by("id")]
        assert body["features"] == expected and body["numberMatched"] == len(expected)
    assert body["features"][0]["properties"]["length_m"] > 600


def test_viewport_items_keep_personal_fields_to_officials_and_audit_them(client, gmina,
                                                                         benches, editor,
                                                                         twelve):
    from podkowa.core.models import AuditLogEntry

    url = "/ogc/collections/benches/items"
    box = {"bbox": "20.699,52.1,20.711,52.2"}
    public = client.get(url, box).json()["features"]
    assert [f["properties"]["number"] for f in public] == ["B00", "B01", "B02"]
    assert not any("sponsor" in f["properties"] for f in public)
    assert not AuditLogEntry.objects.exists()
    _t, plain = api_token_create(gmina=gmina, user=editor, name="QGIS")
    own = client.get(url, box, headers={"Authorization": f"Bearer {plain}"}).json()["features"]
    assert {f["properties"]["sponsor"] for f in own} == {"Jan Nowak"}
    entry = AuditLogEntry.objects.get()
    assert (entry.actor, entry.action) == (editor, "list")


def test_viewport_items_are_the_objects_filtered_selects(client, gmina, other_gmina, benches,
                                                         lines, twelve):
    """The statement written by hand for the viewport says what objects_filtered says:
    the register's objects of this town, removed ones left out, the box's edge included."""
    from podkowa.registers.selectors.objects import objects_filtered
    from podkowa.registers.services.objects import object_remove
    from tests.registers.conftest import line

    object_remove(gmina=gmina, object_id=twelve[3].pk, actor=None)
    object_create(gmina=gmina, register_id=lines.pk, geometry=line(),
                  attributes={"name": "on the way"})
    other_benches = Register.objects.create(gmina=other_gmina, name="Benches", slug="benches",
                                            is_public=True)
    RegisterObject.objects.create(gmina=other_gmina, register=other_benches,
                                  geometry=point(20.715, 52.12), attributes={})
    for bbox in ("20.699,52.1,20.7201,52.2", "20.709,52.11,20.726,52.12", None):
        query = {"limit": 100, **({"bbox": bbox} if bbox else {})}
        body = client.get("/ogc/collections/benches/items", query).json()
        box = tuple(float(v) for v in bbox.split(",")) if bbox else None
        expected = list(objects_filtered(gmina=gmina, register=benches, user=None, bbox=box)
                        .values_list("pk", flat=True))
        assert [f["id"] for f in body["features"]] == expected
        assert body["numberMatched"] == body["numberReturned"] == len(expected)
    assert twelve[3].pk not in [f["id"] for f in body["features"]]
    assert [f["id"] for f in client.get("/ogc/collections/benches/items", {
        "bbox": "20.709,52.11,20.726,52.12"}).json()["features"]] == [
        twelve[2].pk, twelve[4].pk, twelve[5].pk]


def test_a_changed_definition_is_served_on_the_next_request(client, gmina, benches, twelve):
    """The definitions kept between requests are checked against the database on each one,
    changes that bypass the models included."""
    from podkowa.registers.models import Attribute

    url = "/ogc/collections/benches/items"
    assert "seats" in client.get(url).json()["features"][0]["properties"]
    Attribute.objects.filter(register=benches, key="seats").update(personal=True)
    assert "seats" not in client.get(url).json()["features"][0]["properties"]
    Attribute.objects.filter(register=benches, key="seats").update(personal=False)
    assert "seats" in client.get(url).json()["features"][0]["properties"]
    Register.objects.filter(pk=benches.pk).update(is_public=False)
    assert client.get(url).status_code == 404
    Register.objects.filter(pk=benches.pk).update(is_public=True, slug="lawki")
    assert client.get(url).status_code == 404
    assert client.get("/ogc/collections/lawki/items").json()["numberMatched"] == 12


def test_viewport_items_with_no_values_lists_and_quotes(client, gmina):
    """The database joins each feature's text: an object without values, a list as the
    last value and a value with quotes and Polish letters still make the same JSON."""
    from podkowa.registers.models import Attribute, AttributeKind

    posts = Register.objects.create(gmina=gmina, name="Posts", slug="posts", is_public=True)
    bare = object_create(gmina=gmina, register_id=posts.pk, geometry=point(), attributes={})
    url = "/ogc/collections/posts/items"
    assert client.get(url, {"bbox": "20.7,52.1,20.8,52.2"}).json()["features"] == [
        {"type": "Feature", "id": bare.pk,
         "geometry": {"type": "Point", "coordinates": [20.7286, 52.1225]},
         "properties": {"status": "active", "version": 1}}]
    for order, (key, kind) in enumerate([("name", AttributeKind.TEXT),
                                         ("stems", AttributeKind.NUMBERS)]):
        Attribute.objects.create(gmina=gmina, register=posts, key=key, label=key, kind=kind,
                                 order=order)
    full = object_create(gmina=gmina, register_id=posts.pk, geometry=point(20.75, 52.13),
                         attributes={"name": 'Słup "Żuraw" \\ 1', "stems": [30, 42.5]})
    features = client.get(url, {"bbox": "20.7,52.1,20.8,52.2"}).json()["features"]
    assert features[1] == {"type": "Feature", "id": full.pk,
                           "geometry": {"type": "Point", "coordinates": [20.75, 52.13]},
                           "properties": {"name": 'Słup "Żuraw" \\ 1', "stems": [30, 42.5],
                                          "status": "active", "version": 1}}


def test_each_caller_gets_its_own_copy_of_the_definition(gmina, benches):
    from podkowa.registers.selectors.objects import register_for
    from podkowa.registers.services.attributes import dictionary_entries, register_attributes

    first = register_for(gmina=gmina, slug="benches", user=None)
    material = next(a for a in register_attributes(first) if a.key == "material")
    assert [e.code for e in dictionary_entries(material)] == ["drewno", "metal", "zelbet"]
    first.name = "changed in place"
    material.label = "changed in place"
    material.dictionary.entries.filter(code="metal").delete()
    second = register_for(gmina=gmina, slug="benches", user=None)
    again = next(a for a in register_attributes(second) if a.key == "material")
    assert second.name == "Benches" and again.label == "Material"
    assert again.register is second
    assert [e.code for e in dictionary_entries(again)] == ["drewno", "zelbet"]
