"""The finance department's payment pages in a real browser, axe-core on every one: charges,
the CSV/XLSX import (with a bad file, then a good one), a statement import and the clerk's
queue; and a resident's water meter page."""

import re
from datetime import date

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from podkowa.accounts.models import ResidentProfile, Role, VerificationLevel
from podkowa.accounts.services.officials import official_appoint
from podkowa.core.models import Gmina
from podkowa.payments.models import ChargeSource, SourceKind, StatementLine, WaterMeter
from podkowa.payments.services.ledger import charge_create, payer_create
from tests.factories import UserFactory
from tests.payments.statement_files import Transfer, mt940

PASSWORD = "correct horse battery"  # the factory's


@pytest.fixture
def town(site):
    with scopes_disabled():
        gmina = Gmina.objects.get(teryt="1405021")
        gmina.bank_settlement_number, gmina.individual_account_prefix = "10201055", "1405"
        gmina.save()
    with scope(gmina=gmina):
        user = UserFactory(email="jan@example.org", first_name="Jan", last_name="Kowalski",
                           email_confirmed_at=timezone.now())
        ResidentProfile.objects.create(gmina=gmina, user=user,
                                       verification_level=VerificationLevel.IDENTITY_VERIFIED)
        payer = payer_create(gmina=gmina, name="Jan Kowalski", user=user)
        water = ChargeSource.objects.create(gmina=gmina, code="woda", name="Woda",
                                            kind=SourceKind.WATER)
        charge_create(gmina=gmina, payer_id=payer.pk, source=water, title="Woda 01/2026",
                      amount=8_450, due_date=date(2099, 2, 10))
        WaterMeter.objects.create(gmina=gmina, payer=payer, serial="WM-0412")
    gmina.payer = payer
    return gmina


def _log_in(page, site, email, next_path, device=None):
    page.goto(site + next_path)
    expect(page).to_have_url(re.compile(r"/konto/logowanie/"))
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    if device is not None:
        expect(page).to_have_url(re.compile(r"/konto/2fa/"))
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        page.locator("#id_code").fill(f"{totp.token():06d}")
        page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


def test_finance_pages_pass_axe(site, page, axe, town, tmp_path):
    with scope(gmina=town):
        user = UserFactory(email="finanse@example.org", first_name="Marek", last_name="Dąb")
        official_appoint(gmina=town, user=user, roles=[Role.FINANCE])
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    _log_in(page, site, user.email, "/admin/payments/charge/", device)
    axe(page, "charges")
    page.get_by_role("link", name="Import należności (CSV, XLSX)").click()
    axe(page, "charge import")
    bad = tmp_path / "zle.csv"
    bad.write_text("external_id;payer;source;title;amount;due_date\nA;999;woda;x;-1;jutro\n",
                   encoding="utf-8")
    page.locator("#id_file").set_input_files(str(bad))
    page.locator("input[type=submit]").click()
    expect(page.locator(".errornote")).to_contain_text("Wiersz 2, amount")
    axe(page, "charge import with errors")
    good = tmp_path / "dobre.csv"
    good.write_text("external_id;payer;source;title;amount;due_date\n"
                    f"W-2;{town.payer.pk};woda;Woda 02/2026;91,20;2099-03-10\n",
                    encoding="utf-8")
    page.locator("#id_file").set_input_files(str(good))
    page.locator("input[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/payments/charge/$"))
    expect(page.locator("#result_list")).to_contain_text("Woda 02/2026")

    statement = tmp_path / "wyciag.sta"
    statement.write_bytes(mt940([Transfer(5_000, "nie wiadomo za co")]))
    page.goto(site + "/admin/payments/bankstatement/add/")
    axe(page, "statement upload")
    page.locator("#id_file").set_input_files(str(statement))
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_be_visible()
    axe(page, "statements")
    page.goto(site + "/admin/payments/statementline/?status__exact=unmatched")
    axe(page, "clerk's queue")
    with scope(gmina=town):
        line = StatementLine.objects.get(gmina=town)
    page.goto(f"{site}/admin/payments/statementline/{line.pk}/change/")
    axe(page, "unmatched line")
    for path in ["/admin/payments/payer/", "/admin/payments/payment/",
                 "/admin/payments/gatewaynotification/", "/admin/payments/ledgerentry/",
                 "/admin/payments/taxdecision/add/", "/admin/payments/paymentsettings/add/"]:
        page.goto(site + path)
        expect(page.locator("#content")).to_be_visible()
        axe(page, path)


def test_finance_issues_a_periods_waste_fee(site, page, axe, town):
    from podkowa.payments.models import Charge, PaymentSettings, WasteDeclaration

    with scope(gmina=town):
        ChargeSource.objects.create(gmina=town, code="odpady", name="Opłata za odpady",
                                    kind=SourceKind.WASTE)
        PaymentSettings.objects.create(gmina=town,
                                       waste_fee_due_dates=["03-15", "05-15", "09-15", "11-15"])
        WasteDeclaration.objects.create(gmina=town, payer=town.payer, number="DO/1",
                                        monthly_amount=4_400, valid_from=date(2020, 1, 1))
        user = UserFactory(email="finanse2@example.org")
        official_appoint(gmina=town, user=user, roles=[Role.FINANCE])
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    _log_in(page, site, user.email, "/admin/payments/charge/", device)
    page.get_by_role("link", name="Wystaw należności za okres").click()
    axe(page, "issue charges")
    page.get_by_label("Rok").fill("2099")
    page.get_by_label("Okres").fill("2")
    page.get_by_role("button", name="Podgląd").click()
    expect(page.locator("#plan-summary")).to_contain_text("132,00")
    axe(page, "issue charges: preview")
    page.get_by_role("button", name=re.compile("Wystaw te należności")).click()
    expect(page).to_have_url(re.compile(r"/admin/payments/charge/$"))
    expect(page.locator(".messagelist")).to_contain_text("132,00")
    with scope(gmina=town):
        assert Charge.objects.filter(gmina=town, external_id="waste:DO/1:2099:2").count() == 1


def test_resident_enters_a_meter_reading(site, page, axe, town):
    _log_in(page, site, "jan@example.org", "/platnosci/wodomierze/")
    axe(page, "meters")
    page.get_by_label("Dzisiejszy odczyt w m³").fill("12,5x")
    page.get_by_role("button", name="Wyślij odczyt").click()
    expect(page.locator(".error")).to_be_visible()
    axe(page, "meters with an error")
    page.get_by_label("Dzisiejszy odczyt w m³").fill("12,5")
    page.get_by_role("button", name="Wyślij odczyt").click()
    expect(page.locator("main")).to_contain_text("12,500\u00a0m³")
    axe(page, "meters after a reading")
