"""The cemetery in a real browser, axe-core on every page: a search without Polish letters
finds "Łukasiewicz" as you type, the grave page opens with its map, and the way from the
gate is drawn with its steps."""

import pytest
from playwright.sync_api import expect

from tests.e2e.cemetery_support import build_cemetery_town


@pytest.fixture
def cemetery_town(site):
    return build_cemetery_town()


def test_find_lukasiewicz_open_the_grave_and_see_the_way(page, axe, cemetery_town):
    page.goto("/cmentarz/")
    axe(page)
    page.fill("#search-q", "lukasiewicz")
    # As you type: the results arrive without submitting the form.
    result = page.locator(".grave-result__name", has_text="Łukasiewicz Ignacy")
    expect(result).to_be_visible()
    expect(page.locator(".grave-result")).to_have_count(1)
    axe(page, "search results")
    result.click()
    expect(page.locator("h1")).to_have_text("Łukasiewicz Ignacy")
    expect(page.locator("#grave-place")).to_contain_text("II")
    expect(page.locator("#grave-map[data-map-ready='1']")).to_have_count(1)
    axe(page, "grave page")
    page.locator(".route-form button[type=submit]").click()
    steps = page.locator("#route-steps li")
    expect(steps).to_have_count(3)
    expect(steps.nth(0)).to_contain_text("Brama główna")
    expect(steps.nth(1)).to_contain_text("60 m")
    expect(page.locator("#grave-map[data-route-drawn='3']")).to_have_count(1)
    expect(page.locator("path.route-line")).to_have_count(1)
    axe(page, "grave page with the route")


def test_with_the_network_cut_the_grave_map_and_route_still_show(page, axe, cemetery_town):
    url = f"/cmentarz/grob/{cemetery_town.pk}/?route=1&entrance="
    page.goto("/")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.goto(url)
    assert page.evaluate("() => navigator.serviceWorker.controller !== null")
    expect(page.locator("#grave-map[data-route-drawn='3']")).to_have_count(1)
    page.context.set_offline(True)
    try:
        page.reload()
        expect(page.locator("h1")).to_have_text("Łukasiewicz Ignacy")
        expect(page.locator("#route-steps li")).to_have_count(3)
        # The map data and the route came from the kept copies: drawn again offline.
        expect(page.locator("#grave-map[data-route-drawn='3']")).to_have_count(1)
        expect(page.locator("path.route-line")).to_have_count(1)
        expect(page.locator("path.map-alley")).to_have_count(4)
        expect(page.locator("path.map-entrance")).to_have_count(1)
        axe(page, "grave page offline")
    finally:
        page.context.set_offline(False)
