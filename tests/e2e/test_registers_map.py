"""The registers' map in a real browser, axe-checked: layers with a legend, an object's card
from a click on the map, search by value, and an official placing and moving a point."""

import re
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from podkowa.accounts.models import Role
from podkowa.accounts.services.officials import official_appoint
from podkowa.core.models import Gmina
from podkowa.registers.demo import load_registers_demo
from podkowa.registers.models import RegisterObject
from tests.factories import UserFactory

PASSWORD = "correct horse battery"
EDITOR = "gis@example.org"


@pytest.fixture
def town(site):
    with scopes_disabled():
        gmina = Gmina.objects.get(teryt="1405021")
    with scope(gmina=gmina):
        load_registers_demo(gmina)
    return gmina


def open_object(page, name: str) -> None:
    """Search an object by its number, centre the map on it, then click it on the map."""
    page.locator("#search-register").select_option(label="Latarnie")
    page.locator("#search-text").fill(name)
    page.locator("#map-search button[type=submit]").click()
    page.locator("#search-results button").first.click()
    expect(page.locator("#map-card")).to_contain_text(name)
    # Clear the card, then open it again from the map itself: the lamp is at the centre. The
    # cable layer is switched off first: the demo's cables run through their lamps, and a click
    # a pixel off the lamp (the map may still be settling on a loaded machine) would open the
    # cable instead.
    page.locator("#layer-linie-oswietleniowe").uncheck()
    page.locator("#map-card").evaluate("card => card.querySelector('dl').remove()")
    page.wait_for_timeout(300)  # the move ends, then the viewport's objects load
    expect(page.locator("#map[data-loading='0']")).to_be_attached()
    page.locator("#map").scroll_into_view_if_needed()
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#map-card dl")).to_contain_text(name)


def test_a_resident_browses_the_map(page, site, town, axe):
    page.goto(site + "/rejestry/")
    expect(page.locator("#map[data-ready=true]")).to_be_visible()
    expect(page.locator("label[for=layer-latarnie]")).to_contain_text("Latarnie")
    axe(page)
    open_object(page, "L-0007")
    expect(page.locator("#map-card")).to_contain_text("Moc")
    expect(page.locator("#map-card")).to_contain_text("36 W")
    axe(page, "the map with an object's card")
    # A layer switched off leaves the map.
    page.locator("#layer-latarnie").uncheck()
    page.mouse.click(10, 10)
    expect(page.locator("#map-card")).not_to_contain_text("Przenieś")


def test_an_official_places_and_moves_a_point(page, site, town, axe):
    with scope(gmina=town):
        user = UserFactory(email=EDITOR)
        official_appoint(gmina=town, user=user, roles=[Role.REGISTER_EDITOR])
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    page.goto(site + "/rejestry/")
    expect(page).to_have_url(re.compile(r"/rejestry/$"))
    page.goto(site + "/konto/logowanie/?next=/rejestry/")
    page.locator("#id_username").fill(EDITOR)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    page.locator("#id_code").fill(f"{totp.token():06d}")
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/rejestry/$"))
    expect(page.locator("#map[data-ready=true]")).to_be_visible()

    page.locator("#add-register").select_option(label="Ławki")
    page.get_by_role("button", name="Umieść na mapie").click()
    page.locator("#map").scroll_into_view_if_needed()
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + 200, box["y"] + 150)
    page.locator("#new-numer").fill("Ł-NEW")
    axe(page, "the form of a new object")
    page.get_by_role("button", name="Zapisz").click()
    expect(page.locator("#map-status")).to_contain_text("dodany")
    with scope(gmina=town):
        bench = RegisterObject.objects.get(attributes__numer="Ł-NEW")
        assert bench.versions.get().actor == user
        before = bench.geometry.clone()

    page.get_by_role("button", name="Przenieś ten punkt").click()
    page.locator("#map").scroll_into_view_if_needed()
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + 300, box["y"] + 120)
    expect(page.locator("#map-status")).to_contain_text("przeniesiony")
    with scope(gmina=town):
        bench.refresh_from_db()
        assert bench.version == 2
        assert bench.geometry.x > before.x  # clicked further right
