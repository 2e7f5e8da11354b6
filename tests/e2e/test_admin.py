"""The administration in a real browser: an official signs in with password and TOTP, looks at
a resident (which is audited) and verifies them at the desk; axe-core checks every page."""

import re

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from podkowa.accounts.models import ResidentProfile, Role, VerificationLevel
from podkowa.accounts.services.officials import official_appoint
from podkowa.core.models import AuditLogEntry, Gmina
from tests.factories import UserFactory

PASSWORD = "correct horse battery"  # the factory's


@pytest.fixture
def town(site):
    with scopes_disabled():
        return Gmina.objects.get(teryt="1405021")


def _official(town, email: str, role: str):
    with scope(gmina=town):
        user = UserFactory(email=email, first_name="Tomasz", last_name="Wróbel")
        official_appoint(gmina=town, user=user, roles=[role])
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user, device


@pytest.fixture
def resident(town):
    with scope(gmina=town):
        person = UserFactory(email="maria.nowak@example.org", first_name="Maria",
                             last_name="Nowak")
        return ResidentProfile.objects.create(gmina=town, user=person, city="Podkowa Leśna")


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def sign_in(page, site, email: str, device: TOTPDevice, next_path: str = "/admin/") -> None:
    page.goto(site + next_path)
    expect(page).to_have_url(re.compile(r"/konto/logowanie/"))
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/konto/2fa/"))
    page.locator("#id_code").fill(_code(device))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


def test_desk_official_views_and_verifies_a_resident(site, page, axe, town, resident):
    desk_user, device = _official(town, "biuro@podkowa.test", Role.RESIDENT_DESK)
    sign_in(page, site, desk_user.email, device)
    expect(page.locator("#site-name")).to_contain_text("Podkowa Leśna")
    axe(page, "admin index")

    page.goto(site + "/admin/accounts/residentprofile/")
    expect(page.locator("#result_list")).to_contain_text("maria.nowak@example.org")
    axe(page, "residents list")

    page.locator("#result_list a", has_text="Maria Nowak").click()
    expect(page.locator("#content")).to_contain_text("maria.nowak@example.org")
    axe(page, "resident detail")
    with scope(gmina=town):
        viewed = AuditLogEntry.objects.filter(
            actor=desk_user, subject=resident.user, action=AuditLogEntry.Action.VIEW
        )
        assert viewed.count() == 1
        assert viewed.get().object_ref == f"accounts.residentprofile:{resident.pk}"
        assert AuditLogEntry.objects.filter(action=AuditLogEntry.Action.LIST).count() == 1

    page.locator(".object-tools a[href$=\"/verify/\"]").click()
    expect(page.locator("#id_pesel")).to_be_visible()
    axe(page, "desk verification form")
    page.locator("#id_pesel").fill("44051401358")  # wrong check digit
    page.locator("#id_document").fill("dowód ABC123456")
    page.locator("input[type=submit]").click()
    expect(page.locator(".errorlist")).to_be_visible()
    axe(page, "desk verification form with an error")

    page.locator("#id_pesel").fill("44051401359")
    page.locator("#id_document").fill("dowód ABC123456")
    page.locator("input[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/admin/accounts/residentprofile/{resident.pk}/change/"))
    expect(page.locator(".messagelist")).to_be_visible()
    axe(page, "resident after verification")
    with scope(gmina=town):
        resident.refresh_from_db()
        assert resident.verification_level == VerificationLevel.VERIFIED_RESIDENT


def test_town_administrator_pages_pass_axe(site, page, axe, town, resident):
    head, device = _official(town, "admin@podkowa.test", Role.ADMIN)
    sign_in(page, site, head.email, device)
    pages = [
        "/admin/core/gmina/",
        f"/admin/core/gmina/{town.pk}/change/",
        "/admin/core/auditlogentry/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{resident.user_id}/change/",
        "/admin/accounts/official/",
        "/admin/accounts/official/add/",
        "/admin/accounts/consenttext/add/",
        "/admin/accounts/verificationevent/",
        "/admin/accounts/consent/",
        "/admin/accounts/personidentity/",
        "/admin/accounts/apitoken/",
        "/admin/accounts/erasurerequest/",
        "/admin/accounts/department/add/",
        "/admin/accounts/residentprofile/?q=Nowak",
        "/admin/notifications/outboxmessage/",
    ]
    for path in pages:
        page.goto(site + path)
        expect(page.locator("#content")).to_be_visible()
        axe(page, path)
    with scope(gmina=town):
        assert AuditLogEntry.objects.filter(subject=resident.user).exists()
        entry = AuditLogEntry.objects.filter(subject=resident.user).first()
    page.goto(f"{site}/admin/core/auditlogentry/{entry.pk}/change/")
    expect(page.locator("#content")).to_contain_text(resident.user.email)
    expect(page.locator("input[name=_save]")).to_have_count(0)
    axe(page, "audit entry")

    # A form sent with a mistake: the error is shown next to its field, still accessible.
    page.goto(f"{site}/admin/core/gmina/{town.pk}/change/")
    page.locator("#id_map_center_lat").fill("52.1225")
    page.locator("#id_map_center_lon").fill("")
    page.locator("input[name=_save]").click()
    expect(page.locator(".errornote")).to_be_visible()
    axe(page, "town settings with an error")
