"""A letter to the office in a real browser: written on the website, delivered through the
local ePUAP simulator with its UPP, registered by the office as a case; axe on every page."""

import re

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from podkowa.accounts.models import ResidentProfile
from podkowa.cases.letters.document import parse_general_letter
from podkowa.cases.models import Letter
from podkowa.core.models import Gmina
from tests.cases.conftest import minimal_pdf
from tests.e2e.test_cases_flow import log_in
from tests.factories import UserFactory

pytest_plugins = ["tests.cases.letters_fixtures.plugin"]

WRITER = "jan.zielinski@example.org"


@pytest.fixture
def town(site, media, national):
    with scopes_disabled():
        gmina = Gmina.objects.get(teryt="1405021")
    with scope(gmina=gmina):
        user = UserFactory(email=WRITER, first_name="Jan", last_name="Zieliński",
                           email_confirmed_at=timezone.now())
        ResidentProfile.objects.create(gmina=gmina, user=user, street="ul. Lipowa 3",
                                       postal_code="05-807", city="Podkowa Leśna")
    return gmina


def test_a_letter_through_epuap_becomes_a_case_with_its_receipt(site, page, axe, town,
                                                                national):
    log_in(page, site, WRITER, "/sprawy/pisma/")
    expect(page).to_have_url(re.compile(r"/sprawy/pisma/$"))
    axe(page, "letters, none yet")
    page.locator("a[href='/sprawy/pisma/nowe/']").click()
    axe(page, "letter form")

    page.locator("form.letter-form button[type=submit]").click()  # nothing filled in
    expect(page.locator("#id_title")).to_have_attribute("aria-invalid", "true")
    axe(page, "letter form with errors")

    page.locator("input[name=channel][value=epuap]").check()
    page.locator("#id_title").fill("Zapytanie o wycinkę drzewa")
    page.locator("#id_body").fill("Proszę o informację, czy wycinka lipy przy ul. Lipowej 3 "
                                  "wymaga zgłoszenia.")
    page.locator("#id_files").set_input_files(files=[
        {"name": "mapka.pdf", "mimeType": "application/pdf", "buffer": minimal_pdf()}])
    page.locator("form.letter-form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/sprawy/pisma/\d+/$"))
    with scope(gmina=town):
        letter = Letter.objects.select_related("case").get(author__email=WRITER)
    expect(page.locator("#letter-receipt")).to_contain_text(letter.receipt_id)
    expect(page.locator("#letter-receipt")).to_contain_text("UPP")
    number = letter.case.number
    expect(page.locator(".case-number")).to_have_text(number)
    axe(page, "letter with its receipt")

    # What the national service carried: the standard document with the PDF inside.
    [delivered] = national.epuap_received
    parsed = parse_general_letter(delivered["content"])
    assert parsed.sender.last_name == "Zieliński"
    assert parsed.attachments[0].content == minimal_pdf()

    page.locator(".case-number").click()
    expect(page.locator("h1")).to_contain_text(number)
    expect(page.locator("main")).to_contain_text(letter.receipt_id)
    axe(page, "the case the letter became")
