"""The map's data: objects per viewport, clusters when there are too many, search."""

import pytest

from podkowa.registers.models import Register
from podkowa.registers.selectors.map import map_layer
from podkowa.registers.services.objects import object_create
from tests.factories import UserFactory
from tests.registers.conftest import point


@pytest.fixture
def grid(gmina, benches):
    # 10 × 10 benches, 0.001° apart, from 20.72 / 52.12.
    for i in range(10):
        for j in range(10):
            object_create(gmina=gmina, register_id=benches.pk,
                          geometry=point(20.72 + i * 0.001, 52.12 + j * 0.001),
                          attributes={"number": f"N{i}{j}", "sponsor": "Jan Nowak"})


def test_the_viewport_returns_its_objects(client, gmina, benches, grid):
    body = client.get("/rejestry/mapa/benches/", {"bbox": "20.7195,52.1195,20.7215,52.1215"})
    features = body.json()["features"]
    assert sorted(f["properties"]["number"] for f in features) == [
        "N00", "N01", "N10", "N11"]
    assert "sponsor" not in features[0]["properties"]
    assert client.get("/rejestry/mapa/benches/").status_code == 400


def test_too_many_objects_come_as_clusters_that_add_up(gmina, benches, grid):
    layer = map_layer(gmina=gmina, register=benches, user=UserFactory(),
                      bbox=(20.71, 52.11, 20.74, 52.14), max_features=50)
    assert layer["type"] == "clusters"
    assert sum(c["count"] for c in layer["clusters"]) == 100
    assert 1 < len(layer["clusters"]) <= 100
    assert all(20.719 < c["lon"] < 20.73 and 52.119 < c["lat"] < 52.13
               for c in layer["clusters"])


def test_search_by_value_and_the_page(client, gmina, benches, grid):
    Register.objects.create(gmina=gmina, name="Secret", slug="secret")
    found = client.get("/rejestry/mapa/benches/szukaj/", {"q": "n05"}).json()["features"]
    assert [f["properties"]["number"] for f in found] == ["N05"]
    assert client.get("/rejestry/mapa/benches/szukaj/", {"q": "Nowak"}).json()[
        "features"] == []  # personal fields are not searchable by the public
    assert client.get("/rejestry/mapa/secret/").status_code == 404
    page = client.get("/rejestry/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-layer="benches"' in text and 'data-layer="secret"' not in text


def test_the_layer_writes_the_same_features_as_the_api(gmina, benches, lines, grid, editor):
    """The map's own GeoJSON (written by the database) says what the API's says, with the
    personal fields for whoever may read them, audited."""
    from podkowa.core.models import AuditLogEntry
    from podkowa.registers.selectors.features import features
    from podkowa.registers.selectors.objects import objects_filtered
    from tests.registers.conftest import line

    object_create(gmina=gmina, register_id=lines.pk, geometry=line(),
                  attributes={"name": "Kabel 1"})
    box = (20.71, 52.11, 20.74, 52.14)
    for register, user in [(benches, UserFactory()), (benches, editor), (lines, UserFactory())]:
        layer = map_layer(gmina=gmina, register=register, user=user, bbox=box)
        expected = features(objects_filtered(gmina=gmina, register=register, user=user,
                                             bbox=box), register=register, user=user)
        assert sorted(layer["features"], key=lambda f: f["id"]) == expected
    assert "sponsor" in layer_props(gmina, benches, editor, box)
    assert "sponsor" not in layer_props(gmina, benches, UserFactory(), box)
    assert AuditLogEntry.objects.filter(actor=editor).exists()


def layer_props(gmina, register, user, box) -> dict:
    return map_layer(gmina=gmina, register=register, user=user, bbox=box)["features"][0][
        "properties"]
