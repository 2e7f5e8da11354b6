"""Without a network, any grave of a cemetery opened once: the grave page's map keeps the
cemetery's page and offline pack; offline, the app's offline page leads there, and a surname
typed without Polish letters finds a grave never opened, whose route and steps are drawn from
the pack, the step-free way too. axe-core on every page."""

import pytest
from django.contrib.gis.geos import Point
from django_scopes import scope
from playwright.sync_api import expect

from podkowa.cemetery.demo import _to_lonlat
from podkowa.cemetery.services.books import burial_register, grave_create
from tests.e2e.cemetery_support import build_cemetery_town


@pytest.fixture
def cemetery_town(site):
    grave = build_cemetery_town()
    with scope(gmina=grave.gmina):
        other = grave.cemetery.graves.get(number="13")
        burial_register(gmina=grave.gmina, grave=other, data={
            "surname": "Żółkiewska", "given_names": "Zofia", "family_name": "Łęcka",
            "birth_date": "1901-05-02", "death_date": "1969-11-30"})
        # Beside the stairs (alley C): the shortest way climbs them, the step-free one not.
        by_stairs = grave_create(gmina=grave.gmina, cemetery=grave.cemetery, quarter="I",
                                 row="1", number="1",
                                 location=Point(*_to_lonlat(3, 35), srid=4326))
        burial_register(gmina=grave.gmina, grave=by_stairs, data={
            "surname": "Wiśniewska", "given_names": "Halina", "death_date": "1977"})
    return grave


def test_offline_any_grave_of_an_opened_cemetery_is_found_with_its_way(page, axe,
                                                                        cemetery_town):
    page.goto("/")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    # Online: one grave's page with its map, nothing else of the cemetery.
    page.goto(f"/cmentarz/grob/{cemetery_town.pk}/")
    expect(page.locator("#grave-map[data-map-ready='1']")).to_have_count(1)
    expect(page.locator("#grave-map[data-offline-kept='1']")).to_have_count(1)
    page.context.set_offline(True)
    try:
        # Opening the installed app at the gate: its start page is not kept, the offline page
        # says so and leads to the cemetery's page, which was.
        page.goto("/")
        expect(page.locator("h1")).to_have_text("Brak połączenia z internetem")
        kept = page.locator("#offline-kept a", has_text="Cmentarz Komunalny")
        expect(kept).to_be_visible()
        axe(page, "offline page with the kept cemetery")
        kept.click()
        expect(page.locator("h1")).to_have_text("Cmentarz Komunalny")
        expect(page.locator("#grave-map[data-map-ready='1']")).to_have_count(1)
        expect(page.locator("#offline-finder[data-graves='3']")).to_have_count(1)
        axe(page, "cemetery page offline")
        # The keyboard: type into the search box, Enter, Tab to the result, Enter.
        page.locator("#offline-q").focus()
        page.keyboard.type("zolkiewska")
        page.keyboard.press("Enter")
        result = page.locator(".grave-result__name", has_text="Żółkiewska Zofia")
        expect(result).to_be_visible()
        expect(page.locator(".grave-result")).to_have_count(1)
        expect(page.locator(".grave-result")).to_contain_text("(z domu Łęcka)")
        expect(page.locator("#offline-status")).to_contain_text("1")
        axe(page, "offline search results")
        result.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#offline-grave-name")).to_be_focused()
        expect(page.locator("#offline-grave-name")).to_have_text("Kowalski Jan, Żółkiewska Zofia")
        expect(page.locator("#offline-grave-place")).to_have_text("kwatera II, rząd 3, grób 13")
        steps = page.locator("#route-steps li")
        expect(steps).to_have_count(3)
        expect(steps.nth(0)).to_contain_text("Brama główna")
        expect(steps.nth(1)).to_contain_text("60 m")
        expect(steps.nth(2)).to_contain_text("20 m")
        expect(page.locator("#offline-route-title")).to_contain_text("Brama główna")
        expect(page.locator("#grave-map[data-route-drawn='3']")).to_have_count(1)
        expect(page.locator("path.route-line")).to_have_count(1)
        expect(page.locator("path.map-alley")).to_have_count(4)
        axe(page, "offline grave with its route")
        # Another name, in capitals with its Polish letters left out.
        page.fill("#offline-q", "LUKASIEWICZ")
        expect(page.locator(".grave-result__name")).to_have_text(["Łukasiewicz Ignacy"])
        # The surname in its other gendered form.
        page.fill("#offline-q", "zolkiewski zofia")
        expect(page.locator(".grave-result__name")).to_have_text(["Żółkiewska Zofia"])
        # Step-free, offline too: beside the stairs, the way round instead of up them.
        page.fill("#offline-q", "wisniewska")
        page.locator(".grave-result__name", has_text="Wiśniewska Halina").click()
        expect(page.locator("#offline-grave-name")).to_have_text("Wiśniewska Halina")
        expect(page.locator("#offline-route-title")).to_contain_text("40 m")
        expect(steps).to_have_count(2)
        expect(steps.nth(0)).to_contain_text("alejkę C")
        page.locator("#offline-step-free").check()
        expect(page.locator("#offline-route-title")).to_contain_text("164 m")
        expect(steps).to_have_count(4)
        expect(steps.nth(0)).to_contain_text("alejkę A")
        expect(steps.nth(2)).to_contain_text("alejkę D")
        expect(page.locator("#grave-map[data-route-drawn='4']")).to_have_count(1)
        axe(page, "offline grave with its step-free route")
    finally:
        page.context.set_offline(False)
