"""100,000 trees on the map, in a real browser: the server answers a wide viewport with counts
per grid cell and a close one with the trees themselves, so however the map is panned and
zoomed it holds a bounded number of features and every answer stays small. axe-checked."""

from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from podkowa.core.models import Gmina
from podkowa.registers.selectors.map import GRID_CELLS, MAX_FEATURES
from podkowa.registers.services.trees import tree_register_ensure

TREES = 100_000
# One INSERT … SELECT in the database itself: seconds, not minutes. A 400 × 250 grid about
# 4 km across around the town hall; plain literals, no values from outside.
PLANT_POSTGIS = """
INSERT INTO registers_registerobject (gmina_id, register_id, geometry, attributes, status,
                                      length_m, version, created_at, updated_at)
SELECT %s, %s,
       ST_SetSRID(ST_MakePoint(20.70 + (i %% 400) * 0.00015, 52.105 + (i / 400) * 0.00014),
                  4326),
       jsonb_build_object('number', 'D-' || i, 'species', 'quercus-robur',
                          'health', CASE i %% 4 WHEN 0 THEN 'good' WHEN 1 THEN 'fair'
                                    WHEN 2 THEN 'poor' ELSE 'dead' END,
                          'height', i %% 30),
       'active', NULL, 1, %s, %s
FROM generate_series(0, 99999) AS i
"""
PLANT_SPATIALITE = """
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
INSERT INTO registers_registerobject (gmina_id, register_id, geometry, attributes, status,
                                      length_m, version, created_at, updated_at)
SELECT %s, %s,
       MakePoint(20.70 + (i %% 400) * 0.00015, 52.105 + (i / 400) * 0.00014, 4326),
       json_object('number', 'D-' || i, 'species', 'quercus-robur',
                   'health', CASE i %% 4 WHEN 0 THEN 'good' WHEN 1 THEN 'fair'
                             WHEN 2 THEN 'poor' ELSE 'dead' END,
                   'height', i %% 30),
       'active', NULL, 1, %s, %s
FROM n
"""


def plant(gmina, register) -> None:
    now = timezone.now()
    sql = PLANT_POSTGIS if connection.vendor == "postgresql" else PLANT_SPATIALITE
    with connection.cursor() as cursor:
        cursor.execute(sql, [gmina.pk, register.pk, now, now])


def test_the_map_stays_bounded_with_100000_trees(page, site, axe):
    with scopes_disabled():
        gmina = Gmina.objects.get(teryt="1405021")
    with scope(gmina=gmina):
        register = tree_register_ensure(gmina=gmina, slug="drzewa", name="Drzewa")
        plant(gmina, register)
        assert register.objects_set.count() == TREES

    answers = []

    def record(response):
        if "/rejestry/mapa/drzewa/" in response.url and response.ok:
            answers.append((response.url, len(response.body()), response.json()["type"]))

    page.on("response", record)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(site + "/rejestry/")
    mapped = page.locator("#map")
    expect(page.locator("#map[data-ready=true]")).to_be_visible()
    mapped.scroll_into_view_if_needed()
    settled = page.locator("#map[data-loading='0'][data-drawn]")
    expect(settled).to_be_attached()
    axe(page, "the map over 100,000 trees")

    def drawn() -> int:
        expect(settled).to_be_attached()
        return int(mapped.get_attribute("data-drawn"))

    # The whole town: counts per cell, never more cells than the grid has.
    assert answers[-1][2] == "clusters"
    clusters = page.locator(".regmap__cluster")
    assert 10 < clusters.count() <= (GRID_CELLS + 1) ** 2
    assert drawn() == clusters.count()

    # Pan by dragging, then zoom in step by step with the + button, down to single trees.
    box = mapped.bounding_box()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(*centre)
    page.mouse.down()
    page.mouse.move(centre[0] - 150, centre[1] - 80, steps=8)
    page.mouse.up()
    seen = [drawn()]
    for _ in range(5):
        with page.expect_response(lambda r: "/rejestry/mapa/drzewa/" in r.url):
            page.get_by_role("button", name="Zoom in").click()
        seen.append(drawn())
    assert answers[-1][2] == "FeatureCollection"  # close enough for the trees themselves
    assert 0 < seen[-1] <= MAX_FEATURES
    assert max(seen) <= MAX_FEATURES
    assert page.locator(".regmap__cluster").count() == 0
    # The trees are drawn on a canvas, not as one DOM element each.
    assert page.locator("#map .leaflet-interactive").count() < 50
    axe(page, "single trees of 100,000")
    # Every answer stayed small, whatever the map showed.
    assert {kind for _url, _size, kind in answers} == {"clusters", "FeatureCollection"}
    assert max(size for _url, size, kind in answers if kind == "clusters") < 60_000
    assert max(size for _url, size, _kind in answers) < 1_000_000
