"""A resident opens the map, clicks a lamp and reports it out; an official sees the report in
the back office with that lamp attached. axe-core on every page on the way."""

import re
import time

from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope
from playwright.sync_api import expect

from podkowa.accounts.models import Role
from podkowa.accounts.services.officials import official_appoint
from podkowa.registers.models import FaultReport, RegisterObject
from tests.e2e.test_registers_map import open_object, town  # noqa: F401 (the fixture)
from tests.factories import UserFactory

PASSWORD = "correct horse battery"
RESIDENT = "maria.nowak@example.org"
CLERK = "sprawy@example.org"


def test_a_resident_reports_a_lamp_and_the_office_sees_it(page, site, town, axe):  # noqa: F811
    with scope(gmina=town):
        resident = UserFactory(email=RESIDENT, first_name="Maria", last_name="Nowak",
                               email_confirmed_at=timezone.now())
        clerk = UserFactory(email=CLERK, first_name="Tomasz", last_name="Wróbel")
        official_appoint(gmina=town, user=clerk, roles=[Role.CASE_CLERK])
        device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
        lamp = RegisterObject.objects.get(register__slug="latarnie", attributes__numer="L-0012")

    page.goto(site + "/rejestry/")
    expect(page.locator("#map[data-ready=true]")).to_be_visible()
    open_object(page, "L-0012")
    axe(page, "the lamp's card")
    page.locator("#map-card").get_by_role("link", name="Zgłoś usterkę").click()
    expect(page).to_have_url(re.compile(r"/konto/logowanie/"))
    axe(page)
    page.locator("#id_username").fill(RESIDENT)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(rf"/rejestry/zglos/latarnie/{lamp.pk}/$"))
    expect(page.locator("main")).to_contain_text("L-0012")
    axe(page, "the report form")
    page.get_by_label("Co się stało?").fill("Latarnia nie świeci od trzech dni.")
    page.get_by_role("button", name="Wyślij zgłoszenie").click()
    expect(page).to_have_url(re.compile(r"/sprawy/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("Dziękujemy")
    axe(page, "the resident's new case")
    with scope(gmina=town):
        report = FaultReport.objects.get()
        assert report.reporter == resident and report.object == lamp
        number = report.case.number

    page.context.clear_cookies()
    page.goto(site + "/konto/logowanie/?next=/sprawy/urzad/")
    page.locator("#id_username").fill(CLERK)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    page.locator("#id_code").fill(f"{totp.token():06d}")
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/sprawy/urzad/$"))
    axe(page, "the office queue")
    page.get_by_role("link", name=number).click()
    main = page.locator("main")
    expect(main).to_contain_text(f"Latarnie L-0012 (obiekt nr {lamp.pk})")
    expect(main).to_contain_text("Latarnia nie świeci od trzech dni.")
    axe(page, "the case in the back office")
