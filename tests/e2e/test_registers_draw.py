"""Officials draw lines and areas on the registers' map vertex by vertex, reshape them by
dragging a vertex, place a point from the keyboard; anyone recolours a layer by a field and
reads its legend. axe-core on the way."""

import re
import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope
from playwright.sync_api import expect

from podkowa.accounts.models import Role
from podkowa.accounts.services.officials import official_appoint
from podkowa.registers.models import RegisterObject
from tests.e2e.test_registers_map import town  # noqa: F401 (the fixture)
from tests.factories import UserFactory

PASSWORD = "correct horse battery"
EDITOR = "gis@example.org"


def sign_in_editor(page, site, town):  # noqa: F811
    with scope(gmina=town):
        user = UserFactory(email=EDITOR)
        official_appoint(gmina=town, user=user, roles=[Role.REGISTER_EDITOR])
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
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
    return user


def map_box(page):
    page.locator("#map").scroll_into_view_if_needed()
    return page.locator("#map").bounding_box()


def test_an_official_draws_and_reshapes_a_line_and_draws_an_area(page, site, town, axe):  # noqa: F811
    user = sign_in_editor(page, site, town)
    page.locator("#add-register").select_option(label="Linie oświetleniowe")
    page.get_by_role("button", name="Narysuj na mapie").click()
    expect(page.locator("#map-draw")).to_contain_text("Klikaj na mapie kolejne punkty")
    axe(page, "drawing a line")

    box = map_box(page)
    x, y = box["x"], box["y"]
    page.mouse.click(x + 120, y + 100)
    page.mouse.click(x + 220, y + 110)
    page.mouse.click(x + 300, y + 300)
    expect(page.locator("#map[data-vertices='3']")).to_be_attached()
    page.keyboard.press("Escape")  # takes back the last point
    expect(page.locator("#map[data-vertices='2']")).to_be_attached()
    page.get_by_role("button", name="Dodaj punkt w środku mapy").click()
    expect(page.locator("#map[data-vertices='3']")).to_be_attached()
    box = map_box(page)  # the button may have scrolled the page
    page.mouse.dblclick(box["x"] + 420, box["y"] + 160)  # the last point, and the end of the line
    page.locator("#new-nazwa").fill("Oświetlenie ul. Nowej")
    axe(page, "the form of a new line")
    page.get_by_role("button", name="Zapisz").click()
    expect(page.locator("#map-status")).to_contain_text("dodany")
    with scope(gmina=town):
        line = RegisterObject.objects.get(attributes__nazwa="Oświetlenie ul. Nowej")
        assert line.geometry.geom_type == "LineString"
        assert len(line.geometry.coords) == 4  # the double click made one point, not two
        assert line.length_m > 50
        assert line.versions.get().actor == user
        before = line.geometry.coords

    page.locator("#map-card").get_by_role("button", name="Zmień kształt").click()
    handles = page.locator(".regmap__vertex")
    expect(handles).to_have_count(4)
    map_box(page)
    first = handles.first.bounding_box()
    page.mouse.move(first["x"] + first["width"] / 2, first["y"] + first["height"] / 2)
    page.mouse.down()
    for step in range(1, 6):
        page.mouse.move(first["x"] + 9 + step * 12, first["y"] + 9 + step * 8)
    page.mouse.up()
    axe(page, "reshaping a line")
    page.get_by_role("button", name="Zakończ").click()
    expect(page.locator("#map-status")).to_contain_text("Kształt został zmieniony")
    with scope(gmina=town):
        line.refresh_from_db()
        assert line.version == 2
        after = line.geometry.coords
        assert after[0][0] > before[0][0] and after[0][1] < before[0][1]  # right and down
        assert after[1:] == before[1:]

    page.locator("#add-register").select_option(label="Tereny zieleni")
    page.get_by_role("button", name="Narysuj na mapie").click()
    box = map_box(page)
    for dx, dy in [(80, 380), (200, 390), (150, 460)]:
        page.mouse.click(box["x"] + dx, box["y"] + dy)
    page.get_by_role("button", name="Zakończ").click()
    page.locator("#new-nazwa").fill("Skwer Nowy")
    page.get_by_role("button", name="Zapisz").click()
    expect(page.locator("#map-status")).to_contain_text("dodany")
    with scope(gmina=town):
        area = RegisterObject.objects.get(attributes__nazwa="Skwer Nowy")
        assert area.geometry.geom_type == "Polygon"
        assert len(area.geometry.coords[0]) == 4  # three corners, closed

    # From the keyboard: the centre of the map (moved by the arrow keys) is the place.
    page.locator("#add-register").select_option(label="Ławki")
    page.get_by_role("button", name="Umieść na mapie").click()
    page.get_by_role("button", name="Użyj środka mapy").click()
    page.locator("#new-numer").fill("Ł-KLAWIATURA")
    page.get_by_role("button", name="Zapisz").click()
    expect(page.locator("#map-status")).to_contain_text("dodany")
    with scope(gmina=town):
        bench = RegisterObject.objects.get(attributes__numer="Ł-KLAWIATURA")
        assert abs(bench.geometry.x - 20.7286) < 0.01 and abs(bench.geometry.y - 52.1225) < 0.01


def test_a_layer_recoloured_by_another_field_shows_its_legend(page, site, town, axe):  # noqa: F811
    page.goto(site + "/rejestry/")
    expect(page.locator("#map[data-ready=true]")).to_be_visible()
    by_source = page.locator("[data-legend=latarnie][data-key=zrodlo]")
    expect(by_source).to_be_visible()  # the register's own default
    expect(by_source).to_contain_text("LED")
    page.locator("#style-latarnie").select_option(label="Moc")
    expect(by_source).to_be_hidden()
    by_power = page.locator("[data-legend=latarnie][data-key=moc]")
    expect(by_power).to_be_visible()
    expect(by_power).to_contain_text(re.compile(r"od \d+ do poniżej \d+ W"))
    expect(page.locator("[data-legend=drzewa][data-key=health]")).to_contain_text("dobry")
    axe(page, "the map coloured by power")
