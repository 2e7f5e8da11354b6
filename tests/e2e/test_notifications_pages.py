"""The notification pages in a real browser, checked by axe-core (WCAG 2.1 A/AA)."""

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from podkowa.core.models import Gmina
from podkowa.notifications.models import Area, InboxItem
from podkowa.notifications.services import notify, topics_ensure_defaults
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e
PASSWORD = "zielony-las-nad-stawem"


def test_settings_and_inbox_pages_work_and_pass_axe(site, page, axe):
    with scopes_disabled():
        gmina = Gmina.objects.get(teryt="1405021")
        anna = UserFactory(email="anna@example.org", password=PASSWORD)
    with scope(gmina=gmina):
        road_works = {t.slug: t for t in topics_ensure_defaults(gmina=gmina)}["road-works"]
        street = Area.objects.create(gmina=gmina, name="Akacjowa", kind="street")
        for subject in ("Your resident card is ready", "Your case was registered"):
            notify(gmina=gmina, recipient=anna, topic="case-status", subject=subject,
                   body="Collect it at the office.", url="/konto/")

    page.goto(site + "/konto/logowanie/")
    page.locator("#id_username").fill("anna@example.org")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(site + "/konto/")

    page.goto(site + "/konto/powiadomienia/")
    axe(page)
    page.locator("#subscribe-topic").select_option(value=str(road_works.pk))
    page.locator("#subscribe-area").select_option(value=str(street.pk))
    page.locator("form:has(#subscribe-topic) button[type=submit]").click()
    expect(page.locator(".subscription")).to_have_count(1)
    axe(page, "the settings page with a subscription")

    page.goto(site + "/konto/powiadomienia/skrzynka/")
    expect(page.locator(".inbox__item--unread")).to_have_count(2)
    axe(page)
    page.locator(".inbox__item--unread").first.locator("button[type=submit]").click()
    expect(page.locator(".inbox__item--unread")).to_have_count(1)
    with scope(gmina=gmina):
        assert InboxItem.objects.filter(read_at__isnull=False).count() == 1
