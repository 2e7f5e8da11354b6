"""Real clients, none of them ours, against a live server: OWSLib reads and edits (Part 4),
GDAL/OGR's OAPIF driver lists the layers and reads their features."""

import json
import subprocess

import pytest
from django_scopes import scope

from podkowa.accounts.services.tokens import api_token_create
from podkowa.registers.models import RegisterObject
from podkowa.registers.services.objects import object_create
from tests.registers.conftest import point

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _local_only(monkeypatch):
    # The clients must reach the live server directly, whatever proxy the machine has.
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "*")


@pytest.fixture
def owslib_headers():
    """OWSLib updates its module-wide default headers in place: keep a token from leaking
    from one client object (or test) into the next."""
    from owslib import ogcapi

    saved = dict(ogcapi.REQUEST_HEADERS)
    yield
    ogcapi.REQUEST_HEADERS.clear()
    ogcapi.REQUEST_HEADERS.update(saved)


@pytest.fixture
def served(gmina, benches, lines, live_server):
    for index in range(25):
        object_create(gmina=gmina, register_id=benches.pk,
                      geometry=point(20.70 + index * 0.002, 52.12),
                      attributes={"number": f"B{index:02d}", "seats": index % 4,
                                  "sponsor": "Jan Nowak"})
    return f"{live_server.url}/ogc/"


def test_owslib_reads_collections_and_items_with_bbox_and_paging(served, owslib_headers):
    from owslib.ogcapi.features import Features

    service = Features(served)
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in \
        service.conformance()["conformsTo"]
    assert service.feature_collections() == ["benches", "lines"]
    collection = service.collection("benches")
    assert collection["title"] == "Benches"

    page = service.collection_items("benches", limit=10)
    assert page["numberMatched"] == 25 and len(page["features"]) == 10
    assert all("sponsor" not in f["properties"] for f in page["features"])
    third = service.collection_items("benches", limit=10, offset=20)
    assert [f["properties"]["number"] for f in third["features"]] == [
        f"B{i}" for i in range(20, 25)]
    boxed = service.collection_items("benches", bbox=[20.7009, 52.11, 20.7061, 52.13])
    assert [f["properties"]["number"] for f in boxed["features"]] == ["B01", "B02", "B03"]
    assert service.collection_queryables("benches")["properties"]["seats"]["type"] == "number"


def test_owslib_creates_updates_and_deletes_as_an_official(gmina, served, editor,
                                                           owslib_headers):
    from owslib.ogcapi.features import Features

    _token, plain = api_token_create(gmina=gmina, user=editor, name="QGIS")
    service = Features(served, headers={"Authorization": f"Bearer {plain}"})
    new = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [20.7311, 52.1201]},
           "properties": {"number": "OWS-1", "seats": 3}}
    assert service.collection_item_create("benches", new) is True
    location = service.response_headers["Location"]
    identifier = location.rstrip("/").rsplit("/", 1)[1]
    with scope(gmina=gmina):
        created = RegisterObject.objects.get(pk=int(identifier))
        assert created.attributes == {"number": "OWS-1", "seats": 3}
        assert created.versions.get().actor == editor

    replacement = {"type": "Feature",
                   "geometry": {"type": "Point", "coordinates": [20.7312, 52.1202]},
                   "properties": {"number": "OWS-1", "seats": 4, "sponsor": "Anna"}}
    assert service.collection_item_update("benches", identifier, json.dumps(replacement))
    read = service.collection_item("benches", identifier)
    assert read["properties"]["seats"] == 4 and read["properties"]["sponsor"] == "Anna"
    assert read["geometry"]["coordinates"] == [20.7312, 52.1202]

    assert service.collection_item_delete("benches", identifier) is True
    with scope(gmina=gmina):
        assert RegisterObject.objects.get(pk=int(identifier)).status == "removed"
    with pytest.raises(RuntimeError):
        service.collection_item("benches", identifier)


def test_owslib_without_a_token_may_not_write(served, owslib_headers):
    from owslib.ogcapi.features import Features

    service = Features(served)
    with pytest.raises(RuntimeError, match="NotAuthenticated"):
        service.collection_item_create("benches", {
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [20.73, 52.12]},
            "properties": {"number": "x"}})


def _ogrinfo(*args: str) -> str:
    done = subprocess.run(["ogrinfo", "-ro", *args], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_gdal_ogrinfo_lists_layers_and_reads_features(served):
    listing = _ogrinfo(f"OAPIF:{served}")
    assert "benches" in listing and "lines" in listing
    summary = _ogrinfo("-so", f"OAPIF:{served}", "benches")
    assert "Feature Count: 25" in summary
    assert "seats" in summary and "sponsor" not in summary
    features = _ogrinfo(f"OAPIF:{served}", "benches", "-where", "number = 'B07'")
    assert "number (String) = B07" in features
    assert "POINT (20.714 52.12)" in features
