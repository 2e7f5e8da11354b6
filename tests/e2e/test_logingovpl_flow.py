"""login.gov.pl in a real browser against the local simulator (axe on every page, the site's
and the simulator's): a first login creates an identity-verified account; logout ends both
sessions; a second account presenting the same PESEL is refused and an official sees the
conflict in the administration."""

import re

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from podkowa.accounts.logingovpl.simulator import LoginGovSimulator
from podkowa.accounts.models import (
    IdentityConflict,
    PersonIdentity,
    ResidentProfile,
    Role,
    VerificationLevel,
)
from podkowa.cases.letters.credentials import generate_self_signed
from podkowa.core.models import Gmina
from tests.accounts.logingovpl.pesel_scan import tables_holding
from tests.e2e.test_admin import _official, sign_in
from tests.e2e.test_cases_flow import log_in
from tests.factories import UserFactory

JAN = "44051401359"


def _write(tmp_path, name, creds):
    cert, key = tmp_path / f"{name}.crt.pem", tmp_path / f"{name}.key.pem"
    cert.write_bytes(creds.certificate_pem())
    key.write_bytes(creds.private_key_pem())
    return str(cert), str(key)


@pytest.fixture
def town(site):
    with scopes_disabled():
        return Gmina.objects.get(teryt="1405021")


@pytest.fixture
def node(settings, tmp_path, page):
    """The simulator on a free port, trusted by the site (and the site's keys by it)."""
    signing = generate_self_signed("SP signing", key_type="ec")
    encryption = generate_self_signed("SP encryption", key_type="ec")
    node_key = generate_self_signed("node", key_type="ec")
    simulator = LoginGovSimulator(credentials=node_key, sp_certificates=[signing.certificate],
                                  sp_encryption_certificate=encryption.certificate).start()
    settings.LOGINGOVPL_ENABLED = True
    settings.LOGINGOVPL_NODE = "local"
    settings.LOGINGOVPL_ENTITY_ID = "https://podkowa.test/sp"
    settings.LOGINGOVPL_SIMULATOR_HOST, settings.LOGINGOVPL_SIMULATOR_PORT = (
        simulator.server.server_address[:2])
    settings.LOGINGOVPL_SIGNING_CERT_FILE, settings.LOGINGOVPL_SIGNING_KEY_FILE = _write(
        tmp_path, "s", signing)
    settings.LOGINGOVPL_ENCRYPTION_CERT_FILE, settings.LOGINGOVPL_ENCRYPTION_KEY_FILE = _write(
        tmp_path, "e", encryption)
    settings.LOGINGOVPL_NODE_CERT_FILE = _write(tmp_path, "n", node_key)[0]
    yield simulator
    # The browser goes to login.gov.pl by the person's choice, as it will in production: the
    # node is the one host besides the site that the page may reach.
    page.requested_urls[:] = [u for u in page.requested_urls
                              if not u.startswith(simulator.base_url)]
    simulator.stop()


def _through_the_node(page, axe, pesel: str) -> None:
    expect(page.locator("h1")).to_have_text("Zaloguj się")
    axe(page, "the simulator's login page")
    page.locator(f"#who-{pesel}").check()
    page.get_by_role("button", name="Zaloguj").click()


def test_first_login_creates_a_verified_account_and_logout_ends_both_sessions(
        site, page, axe, town, node):
    page.goto(site + "/konto/logowanie/")
    axe(page, "login page with login.gov.pl")
    button = page.locator("#logingov-login")
    expect(button).to_have_text("Zaloguj przez login.gov.pl (symulator)")
    button.click()
    _through_the_node(page, axe, JAN)

    expect(page).to_have_url(re.compile(r"/konto/login-gov/email/$"))
    expect(page.locator("h1")).to_contain_text("Jan")
    axe(page, "first login: e-mail step")
    page.locator("#id_email").fill("jan.kowalski@example.org")
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/konto/$"))
    expect(page.locator("#verification-level")).to_contain_text("tożsamość potwierdzona")
    expect(page.locator(".verified-attributes")).to_contain_text("1944-05-14")
    axe(page, "panel of the verified account")
    with scope(gmina=town):
        identity = PersonIdentity.objects.select_related("user").get()
        assert identity.user.email == "jan.kowalski@example.org"
        assert ResidentProfile.objects.get(user=identity.user).verification_level == (
            VerificationLevel.IDENTITY_VERIFIED)

    page.get_by_role("button", name="Wyloguj").last.click()
    expect(page).to_have_url(re.compile(r"/konto/login-gov/wylogowano/$"))
    expect(page.locator("#logout-status")).to_have_text(
        "Wylogowano Cię tutaj i z login.gov.pl.")
    axe(page, "logged out of both")
    page.goto(node.base_url + "/")
    expect(page.locator("#sim-status")).to_contain_text("Nie jesteś zalogowany")
    axe(page, "the simulator after logout")
    page.goto(site + "/konto/")
    expect(page).to_have_url(re.compile(r"/konto/logowanie/"))
    with scopes_disabled():
        assert tables_holding([JAN]) == {}


def test_a_second_account_with_the_same_pesel_is_refused_and_the_desk_sees_it(
        site, page, axe, town, node):
    with scope(gmina=town):
        holder = UserFactory(email="jan.kowalski@example.org", first_name="Jan",
                             last_name="Kowalski", email_confirmed_at=timezone.now())
        ResidentProfile.objects.create(gmina=town, user=holder)
    # Jan verifies his account through login.gov.pl (joining it with his password).
    page.goto(site + "/konto/logowanie/")
    page.locator("#logingov-login").click()
    _through_the_node(page, axe, JAN)
    page.locator("#id_email").fill("jan.kowalski@example.org")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/konto/login-gov/polacz/$"))
    axe(page, "joining an existing account")
    page.locator("#id_password").fill("correct horse battery")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#verification-level")).to_contain_text("tożsamość potwierdzona")
    page.get_by_role("button", name="Wyloguj").last.click()
    expect(page.locator("#logout-status")).to_be_visible()

    # Somebody else's account, logged in with its password, presents Jan's PESEL.
    with scope(gmina=town):
        other = UserFactory(email="drugie.konto@example.org", email_confirmed_at=timezone.now())
        ResidentProfile.objects.create(gmina=town, user=other)
    log_in(page, site, other.email, "/konto/")
    expect(page).to_have_url(re.compile(r"/konto/$"))
    page.locator("#logingov-verify").click()
    _through_the_node(page, axe, JAN)
    expect(page.locator("#logingov-error")).to_contain_text("j***@example.org")
    axe(page, "refused: the person already has an account")
    with scope(gmina=town):
        conflict = IdentityConflict.objects.get()
        assert (conflict.user, conflict.holder) == (other, holder)
        assert PersonIdentity.objects.get().user == holder
    page.context.clear_cookies()

    desk, device = _official(town, "biurko@podkowalesna.pl", Role.RESIDENT_DESK)
    sign_in(page, site, desk.email, device, "/admin/accounts/identityconflict/")
    table = page.locator("#result_list")
    expect(table).to_contain_text("drugie.konto@example.org")
    expect(table).to_contain_text("jan.kowalski@example.org")
    axe(page, "identity conflicts in the administration")
