"""The map colours a register by one of its fields, with a legend in words; the definition
says which field it starts with; the background comes from tiles or a WMS."""

import json
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from podkowa.registers.models import Register
from podkowa.registers.selectors.styles import register_styles
from podkowa.registers.services.objects import object_create
from podkowa.settings import map_origins
from tests.admin_support import sign_in_with_second_factor
from tests.registers.conftest import point


@pytest.fixture
def seats(gmina, benches):
    for number, seats in enumerate([2, 3, 7, 12], start=1):
        object_create(gmina=gmina, register_id=benches.pk, geometry=point(),
                      attributes={"number": f"B{number}", "seats": seats})


def _option(styles, key):
    return next(o for o in styles["options"] if o["key"] == key)


def test_choices_yes_no_numbers_and_status_get_classes_with_words(gmina, benches, seats,
                                                                 in_english):
    styles = register_styles(gmina=gmina, register=benches)
    assert [o["key"] for o in styles["options"]] == [
        "status", "seats", "material", "backrest"]  # no text, date, link, photo, personal
    material = _option(styles, "material")
    assert [c["label"] for c in material["classes"]] == [
        "drewno", "metal", "żelbet", "no value"]
    assert len({c["colour"] for c in material["classes"]}) == 4
    assert [c["label"] for c in _option(styles, "backrest")["classes"]] == [
        "yes", "no", "no value"]
    assert [c["label"] for c in _option(styles, "status")["classes"]] == [
        "active", "planned"]
    # 2…12 seats: classes of a round width that hold every value.
    numbers = [c for c in _option(styles, "seats")["classes"] if not c.get("none")]
    assert numbers[0]["min"] <= 2 and numbers[-1]["max"] > 12
    assert numbers[0]["label"] == "2 to under 4 pcs"
    widths = {c["max"] - c["min"] for c in numbers}
    assert widths == {2}
    assert styles["default"] == ""


def test_the_definition_chooses_the_first_styling(gmina, benches, seats):
    benches.style_key = "material"
    benches.save()
    assert register_styles(gmina=gmina, register=benches)["default"] == "material"
    benches.style_key = "sponsor"  # personal: the colours would tell the value
    benches.save()
    assert register_styles(gmina=gmina, register=benches)["default"] == ""


def test_the_map_page_shows_the_legend_of_the_default(client, gmina, benches, seats):
    benches.style_key = "material"
    benches.save()
    text = client.get("/rejestry/").content.decode()
    legend = re.search(r'<ul class="regmap__legend" data-legend="benches" '
                       r'data-key="material"[^>]*>(.*?)</ul>', text, re.S)
    assert legend and "hidden" not in legend.group(0).split(">")[0]
    assert "żelbet" in legend.group(1)
    hidden = re.search(r'<ul class="regmap__legend" data-legend="benches" '
                       r'data-key="backrest"[^>]*>', text)
    assert "hidden" in hidden.group(0)
    assert '<option value="material" selected>' in text
    config = json.loads(re.search(r'<script id="map-config" type="application/json">(.*?)'
                                  r'</script>', text, re.S).group(1))
    assert config["styles"]["benches"]["default"] == "material"
    assert config["base"] is None  # tests run without tiles


def test_an_editor_sets_the_styling_in_the_definition(client, gmina, editor, benches):
    sign_in_with_second_factor(client, editor)
    url = reverse("admin:registers_register_change", args=[benches.pk])
    form = {"name": "Benches", "slug": "benches", "description": "",
            "geometry_kind": "point", "editor_role": "register_editor", "is_public": "on",
            "colour": "#cc0000", "order": "0", "attributes-TOTAL_FORMS": "0",
            "attributes-INITIAL_FORMS": "0", "attributes-MIN_NUM_FORMS": "0",
            "attributes-MAX_NUM_FORMS": "1000"}
    page = client.get(url).content.decode()
    assert '<option value="backrest">' in page and 'value="number"' not in page.split(
        'name="style_key"')[1].split("</select>")[0]
    assert client.post(url, {**form, "style_key": "number"}).status_code == 200  # text
    assert client.post(url, {**form, "style_key": "backrest"}).status_code == 302
    assert Register.objects.get(pk=benches.pk).style_key == "backrest"


@override_settings(MAP_BASE_WMS_URL=(
    "https://mapy.geoportal.gov.pl/wss/service/PZGIK/ORTO/WMS/StandardResolution"),
    MAP_BASE_WMS_LAYERS="Raster", MAP_BASE_ATTRIBUTION="Ortofotomapa: GUGiK")
def test_a_wms_background_when_configured(client, gmina, benches):
    text = client.get("/rejestry/").content.decode()
    config = json.loads(re.search(r'<script id="map-config" type="application/json">(.*?)'
                                  r'</script>', text, re.S).group(1))
    assert config["base"]["wms"].endswith("/ORTO/WMS/StandardResolution")
    assert config["base"]["layers"] == "Raster"
    assert config["base"]["format"] == "image/jpeg"


def test_img_src_allows_the_configured_hosts_only():
    assert map_origins(
        "https://mapy.geoportal.gov.pl/wss/service/PZGIK/ORTO/WMS/StandardResolution",
        "https://tiles.example.org:8443/{z}/{x}/{y}.png", "/static/web/tiles/{z}/{x}/{y}.png",
        "", "https://mapy.geoportal.gov.pl/other") == [
        "https://mapy.geoportal.gov.pl", "https://tiles.example.org:8443"]
