"""Paying in a real browser, axe-core on every page on the way.

A resident sees their water, waste and tax charges, chooses two and pays them through the
sandbox operator. Coming back from the operator before it has notified the office changes
nothing; the balance changes when the operator's signed notification arrives. The resident
then downloads the PDF confirmation.
"""

import re
from datetime import date

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from podkowa.accounts.models import ResidentProfile, VerificationLevel
from podkowa.core.models import Gmina
from podkowa.payments.models import ChargeSource, Payment, SourceKind
from podkowa.payments.services.ledger import charge_create, payer_create
from tests.factories import UserFactory

PASSWORD = "correct horse battery"  # the factory's
RESIDENT = "jan.kowalski@example.org"


@pytest.fixture
def town(site):
    with scopes_disabled():
        gmina = Gmina.objects.get(teryt="1405021")
        gmina.bank_settlement_number, gmina.individual_account_prefix = "10201055", "1405"
        gmina.save()
    with scope(gmina=gmina):
        user = UserFactory(email=RESIDENT, first_name="Jan", last_name="Kowalski",
                           email_confirmed_at=timezone.now())
        ResidentProfile.objects.create(gmina=gmina, user=user,
                                       verification_level=VerificationLevel.IDENTITY_VERIFIED)
        payer = payer_create(gmina=gmina, name="Jan Kowalski", email=RESIDENT, user=user)
        for code, name, kind, title, amount, due in [
            ("woda", "Woda i ścieki", SourceKind.WATER, "Woda, odczyt 10–11/2026", 8_450,
             date(2099, 12, 15)),
            ("odpady", "Opłata za odpady", SourceKind.WASTE, "Odpady, IV kwartał 2026",
             13_200, date(2099, 11, 16)),
            ("pn", "Podatek od nieruchomości", SourceKind.PROPERTY_TAX,
             "Podatek od nieruchomości 2026, rata 4", 21_050, date(2099, 11, 16)),
        ]:
            source = ChargeSource.objects.create(gmina=gmina, code=code, name=name, kind=kind)
            charge_create(gmina=gmina, payer_id=payer.pk, source=source, title=title,
                          amount=amount, due_date=due, reference="FN.3120.412.2026"
                          if kind == SourceKind.PROPERTY_TAX else "")
    return gmina


def test_resident_pays_two_charges_through_the_sandbox(page, site, town, axe):
    page.goto(site + "/platnosci/")
    expect(page).to_have_url(re.compile(r"/konto/logowanie/"))
    page.locator("#id_username").fill(RESIDENT)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/platnosci/$"))
    axe(page)
    for title in ("Woda, odczyt 10–11/2026", "Odpady, IV kwartał 2026",
                  "Podatek od nieruchomości 2026, rata 4"):
        expect(page.get_by_label(title)).to_be_visible()
    expect(page.locator("#balance-due")).to_have_text("427,00\u00a0zł")

    page.get_by_label("Woda, odczyt 10–11/2026").check()
    page.get_by_label("Odpady, IV kwartał 2026").check()
    page.get_by_role("button", name="Zapłać wybrane należności online").click()
    expect(page).to_have_url(re.compile(r"/platnosci/piaskownica/"))
    axe(page)
    expect(page.locator("#sandbox-amount")).to_have_text("216,50\u00a0zł")
    sandbox_url = page.url

    # Back from the operator before it notified the office: nothing is paid.
    page.get_by_role("button", name="Wróć do serwisu miasta bez płacenia").click()
    expect(page).to_have_url(re.compile(r"/platnosci/zlecenie/"))
    axe(page)
    expect(page.locator("#order-status")).to_contain_text("Czekamy na potwierdzenie")
    page.goto(site + "/platnosci/")
    expect(page.locator("#balance-due")).to_have_text("427,00\u00a0zł")
    with scopes_disabled():
        assert not Payment.objects.exists()

    # The operator confirms: its signed notification reaches the office, the balance drops.
    page.goto(sandbox_url)
    page.get_by_role("button", name="Potwierdź płatność").click()
    expect(page).to_have_url(re.compile(r"/platnosci/zlecenie/"))
    expect(page.locator("#order-status")).to_contain_text("Opłacone")
    axe(page)
    page.goto(site + "/platnosci/")
    expect(page.locator("#balance-due")).to_have_text("210,50\u00a0zł")
    expect(page.get_by_label("Woda, odczyt 10–11/2026")).to_have_count(0)

    page.get_by_role("link", name="Historia płatności").click()
    expect(page).to_have_url(re.compile(r"/platnosci/historia/"))
    axe(page)
    with scopes_disabled():
        number = Payment.objects.get().number
    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"Pobierz potwierdzenie PDF wpłaty {number}").click()
    download = download_info.value
    assert download.suggested_filename == number.replace("/", "-") + ".pdf"
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
