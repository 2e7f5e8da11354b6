"""Prolonging a grave's lease in a real browser, axe-core on every page on the way: the
holder asks for another 20 years on the grave page, pays the charge through Payments and the
sandbox operator, and the grave page shows the new date; the clerk's office page lists the
fee table."""

import re

import pytest
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from podkowa.accounts.models import ResidentProfile, VerificationLevel
from podkowa.cemetery.models import GraveKind
from podkowa.cemetery.services.books import burial_register, holder_register
from podkowa.cemetery.services.prolongations import lease_fees_set
from tests.e2e.cemetery_support import build_cemetery_town
from tests.e2e.test_cemetery_office import clerk_device, clerk_log_in  # noqa: F401 (fixture)
from tests.factories import UserFactory

HOLDER = "zofia.lukasiewicz@example.org"
PASSWORD = "correct horse battery"  # the factory's


@pytest.fixture
def cemetery_town(site):
    grave = build_cemetery_town()
    gmina = grave.gmina
    with scope(gmina=gmina):
        burial_register(gmina=gmina, grave=grave, data={
            "surname": "Łukasiewicz", "given_names": "Maria", "death_date": "2007-05-01",
            "burial_date": "2007-05-05"})
        user = UserFactory(email=HOLDER, first_name="Zofia", last_name="Łukasiewicz",
                           email_confirmed_at=timezone.now())
        ResidentProfile.objects.create(gmina=gmina, user=user,
                                       verification_level=VerificationLevel.IDENTITY_VERIFIED)
        holder_register(gmina=gmina, grave=grave, first_name="Zofia",
                        last_name="Łukasiewicz", user=user)
        lease_fees_set(gmina=gmina, cemetery=grave.cemetery,
                       fees={GraveKind.EARTH: 70_000, GraveKind.MASONRY: 140_000})
    return grave


def test_the_holder_prolongs_and_pays_through_the_sandbox(page, site, axe, cemetery_town):
    grave = cemetery_town
    page.goto(site + "/konto/logowanie/?next=" + f"/cmentarz/grob/{grave.pk}/")
    page.locator("#id_username").fill(HOLDER)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(rf"/cmentarz/grob/{grave.pk}/$"))
    expect(page.locator("#lease-state")).to_contain_text("2027-05-05")
    axe(page, "grave page for its holder")

    page.get_by_role("button", name="Przedłuż o 20 lat (700,00\u00a0zł)").click()
    expect(page.locator("#prolongation-pending")).to_contain_text("700,00\u00a0zł")
    expect(page.locator("#lease-state")).to_contain_text("2027-05-05")
    axe(page, "grave page with the prolongation waiting for payment")

    page.get_by_role("link", name="Zapłać w Płatnościach").click()
    expect(page).to_have_url(re.compile(r"/platnosci/$"))
    axe(page, "payments with the grave's charge")
    page.get_by_label(re.compile(r"Grób II/3/12, Cmentarz Komunalny")).check()
    page.get_by_role("button", name="Zapłać wybrane należności online").click()
    expect(page).to_have_url(re.compile(r"/platnosci/piaskownica/"))
    expect(page.locator("#sandbox-amount")).to_have_text("700,00\u00a0zł")
    page.get_by_role("button", name="Potwierdź płatność").click()
    expect(page.locator("#order-status")).to_contain_text("Opłacone")

    page.goto(site + f"/cmentarz/grob/{grave.pk}/")
    expect(page.locator("#lease-state")).to_contain_text("2047-05-05")
    expect(page.locator("#prolongation-pending")).to_have_count(0)
    expect(page.locator("#prolongations")).to_contain_text("2047-05-05")
    axe(page, "grave page after the payment")


def test_the_clerk_sees_the_fee_table(page, axe, cemetery_town, clerk_device):  # noqa: F811
    clerk_log_in(page, clerk_device, "/cmentarz/urzad/komunalny/")
    expect(page.locator("#fee-earth")).to_have_value("700,00")
    page.locator("#fee-urn").fill("350")
    page.locator("#lease-fees button[type=submit]").click()
    expect(page.locator("#fee-urn")).to_have_value("350,00")
    axe(page, "office page with the fee table")
    page.goto(f"/cmentarz/grob/{cemetery_town.pk}/")
    page.get_by_role("button", name=re.compile(r"Przedłuż o 20 lat")).click()
    expect(page.locator("#prolongation-pending")).to_be_visible()
    axe(page, "grave page for the clerk with a prolongation waiting")
    page.goto("/cmentarz/urzad/komunalny/")
    expect(page.locator("#waiting-prolongations")).to_contain_text("Zofia Łukasiewicz")
