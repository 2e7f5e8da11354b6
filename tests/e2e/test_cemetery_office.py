"""The cemetery clerk in a real browser, axe-core on every page: the office page, drawing an
alley on the map, the grave page with the lease and holders, the import screen."""

import re
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope
from playwright.sync_api import expect

from podkowa.accounts.models import Role
from podkowa.accounts.services.officials import official_appoint
from podkowa.cemetery.models import AlleyEdge
from podkowa.cemetery.services.books import holder_register
from tests.e2e.cemetery_support import build_cemetery_town
from tests.factories import UserFactory

CLERK = "cmentarz@example.org"
PASSWORD = "correct horse battery"  # the factory's


@pytest.fixture
def cemetery_town(site):
    return build_cemetery_town()


@pytest.fixture
def clerk_device(cemetery_town):
    gmina = cemetery_town.gmina
    with scope(gmina=gmina):
        user = UserFactory(email=CLERK, first_name="Paweł", last_name="Grab")
        official_appoint(gmina=gmina, user=user, roles=[Role.CEMETERY_CLERK])
        holder_register(gmina=gmina, grave=cemetery_town, first_name="Zofia",
                        last_name="Łukasiewicz", phone="+48 600 100 200")
        return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def clerk_log_in(page, device: TOTPDevice, next_path: str) -> None:
    page.goto(next_path)
    expect(page).to_have_url(re.compile(r"/konto/logowanie/"))
    page.locator("#id_username").fill(CLERK)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/konto/2fa/"))
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    page.locator("#id_code").fill(f"{totp.token():06d}")
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


def test_the_clerk_office_alleys_grave_and_import(page, axe, cemetery_town, clerk_device):
    grave = cemetery_town
    clerk_log_in(page, clerk_device, "/cmentarz/urzad/komunalny/")
    expect(page.locator("#free-places")).to_be_visible()
    axe(page, "cemetery office page")

    page.goto("/cmentarz/urzad/komunalny/alejki/")
    expect(page.locator("#alley-editor[data-map-ready='1']")).to_have_count(1)
    axe(page, "alley editor")
    box = page.locator("#alley-editor").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.4)
    page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.5)
    expect(page.locator("#alley-undo")).to_be_visible()
    assert page.locator("#alley-coords").input_value().startswith("[[")
    page.locator("#alley-name").fill("Nowa")
    page.locator("#alley-form button[type=submit]").click()
    expect(page.locator("table th", has_text="Nowa")).to_be_visible()
    with scope(gmina=grave.gmina):
        assert AlleyEdge.objects.filter(gmina=grave.gmina, name="Nowa").count() == 1
    axe(page, "alley editor after saving")

    page.goto(f"/cmentarz/grob/{grave.pk}/")
    expect(page.locator("#office-title")).to_be_visible()
    expect(page.locator("text=+48 600 100 200")).to_be_visible()
    axe(page, "grave page for the clerk")

    page.goto("/cmentarz/urzad/import/")
    page.locator("#import-cemetery").fill("komunalny")
    page.locator("#import-file").set_input_files(files=[{
        "name": "zla.csv", "mimeType": "text/csv",
        "buffer": (b"surname,given_names,family_name,birth_date,death_date,burial_date,"
                   b"quarter,row,number\nNowak,Jan,,1990,1980,,Z,1,1\n")}])
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator("#import-problems")).to_contain_text("Wiersz 2")
    axe(page, "import with problems")
