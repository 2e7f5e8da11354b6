"""Accounts in a real browser: sign-up with the mail read from an SMTP catcher, e-mail
confirmation, login, the panel; an official's two-step login. axe-core checks every page."""

import base64
import email
import email.policy
import re
import socket
import time
from pathlib import Path

import pytest
from django_otp.oath import totp
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from podkowa.notifications.mailcatcher import start_mail_catcher

PASSWORD = "zielony-las-nad-stawem"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox(tmp_path, settings) -> Path:
    """An SMTP catcher in this process; Django's real SMTP backend talks to it."""
    folder = tmp_path / "mail"
    port = _free_port()
    controller = start_mail_catcher(port=port, directory=folder)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield folder
    controller.stop()


def wait_for_mail(folder: Path, to: str, timeout: float = 45.0) -> email.message.EmailMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if to in str(message["To"]):
                return message
        time.sleep(0.1)
    raise AssertionError(f"No mail to {to} reached the catcher in {timeout} s.")


def fill_login(page, address: str, password: str = PASSWORD) -> None:
    page.locator("#id_username").fill(address)
    page.locator("#id_password").fill(password)
    page.locator("main form button[type=submit]").click()


def test_sign_up_confirm_log_in(site, page, axe, mailbox):
    page.goto(site + "/konto/rejestracja/")
    axe(page)
    # Sending the empty form shows errors tied to their fields; the page stays accessible.
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_email")).to_have_attribute("aria-invalid", "true")
    axe(page, "sign-up with errors")

    page.locator("#id_email").fill("jan.nowak@example.org")
    page.locator("#id_first_name").fill("Jan")
    page.locator("#id_last_name").fill("Nowak")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("#id_language").select_option("en")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(site + "/konto/rejestracja/wyslano/")
    axe(page)

    message = wait_for_mail(mailbox, "jan.nowak@example.org")
    assert "Confirm your e-mail address" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    link = re.search(r"http://\S+/konto/potwierdz/\S+/", body).group(0)
    assert link.startswith(site)

    page.goto(link)
    expect(page.locator("main")).to_contain_text("jan.nowak@example.org")
    axe(page)

    page.goto(site + "/konto/logowanie/")
    axe(page)
    fill_login(page, "jan.nowak@example.org", "not the password")
    expect(page.locator("#id_username")).to_have_value("jan.nowak@example.org")
    expect(page.locator(".form-errors")).to_be_visible()
    axe(page, "login with an error")
    fill_login(page, "jan.nowak@example.org")
    expect(page).to_have_url(site + "/konto/")
    # The person chose English at sign-up: logging in switches the site to it.
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Jan")
    expect(page.locator("main")).to_contain_text("e-mail confirmed")
    axe(page)

    page.goto(site + "/konto/dane/")
    page.locator("#id_phone").fill("12")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_phone")).to_have_attribute("aria-invalid", "true")
    axe(page, "profile with an error")

    # Consents: the current text, agreeing, and the history table.
    page.goto(site + "/konto/zgody/")
    axe(page, "consents before any text exists")
    publish_consent_text()
    page.reload()
    page.locator("#consent-electronic ~ form button[value=grant]").click()
    expect(page.locator("#consent-history ~ table tbody tr")).to_have_count(1)
    axe(page, "consents with history")

    # Tokens: the plain token once, then the list.
    page.goto(site + "/konto/tokeny/")
    page.locator("#id_name").fill("Telefon Jana")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator(".token-value")).to_contain_text("pdk_")
    axe(page, "a new token")

    page.goto(site + "/konto/usuniecie/")
    page.locator("#id_confirm").check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_confirm")).to_have_count(0)
    axe(page, "erasure requested")


def publish_consent_text() -> None:
    from podkowa.accounts.models import ConsentKind, ConsentText
    from podkowa.core.models import Gmina

    with scopes_disabled():
        ConsentText.objects.create(
            gmina=Gmina.objects.get(teryt="1405021"), kind=ConsentKind.ELECTRONIC_COMMUNICATION,
            version=1, text="I agree to receive letters from the office by e-mail.",
        )


@pytest.fixture
def official(site):
    from podkowa.accounts.models import Official
    from podkowa.core.models import Gmina
    from tests.factories import UserFactory

    with scopes_disabled():
        town = Gmina.objects.get(teryt="1405021")
        user = UserFactory(email="urzednik@example.org", first_name="Ewa", language="en",
                           password=PASSWORD)
        Official.objects.create(gmina=town, user=user, job_title="Clerk")
    return user


def code_from_secret(secret: str, drift: int = 0) -> str:
    key = base64.b32decode(secret.replace(" ", ""))
    return f"{totp(key, drift=drift):06d}"


def test_official_sets_up_and_uses_the_authenticator(site, page, axe, official):
    page.goto(site + "/konto/logowanie/")
    fill_login(page, "urzednik@example.org")
    # The official has no authenticator yet: the set-up page, with a QR code and the key.
    expect(page).to_have_url(re.compile(r"/konto/2fa/\?next="))
    expect(page.locator("svg.totp-qr")).to_be_visible()
    axe(page, "two-factor set-up")
    secret = page.locator(".totp-secret").inner_text()

    page.locator("#id_code").fill("000000" if code_from_secret(secret) != "000000" else "111111")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("#id_code")).to_have_attribute("aria-invalid", "true")
    axe(page, "two-factor set-up with a wrong code")

    # django-otp makes the next attempt wait after a failure (1 s after the first).
    time.sleep(1.2)
    page.locator("#id_code").fill(code_from_secret(secret))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(site + "/konto/")
    axe(page)

    # Next time: password, then only the code (the secret is never shown again).
    page.locator("main form[action='/konto/wyloguj/'] button").click()
    page.goto(site + "/konto/logowanie/")
    fill_login(page, "urzednik@example.org")
    expect(page).to_have_url(re.compile(r"/konto/2fa/"))
    expect(page.locator(".totp-secret")).to_have_count(0)
    axe(page, "two-factor code")
    # The code of the next time step: the one just used may not be used again.
    page.locator("#id_code").fill(code_from_secret(secret, drift=1))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(site + "/konto/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ewa")


def test_lock_out_page_passes_axe(site, page, axe, official, settings):
    settings.AXES_FAILURE_LIMIT = 2
    page.goto(site + "/konto/logowanie/")
    fill_login(page, "urzednik@example.org", "wrong")
    fill_login(page, "urzednik@example.org", "wrong")
    expect(page.locator("main a[href='/konto/haslo/']")).to_be_visible()
    axe(page, "lock-out page")
    page.locator("main a[href='/konto/haslo/']").click()
    axe(page, "password reset")
