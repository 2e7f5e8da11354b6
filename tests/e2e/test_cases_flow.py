"""A case from filing to pickup in a real browser, axe-core on every page on the way.

A verified resident files a Karta Mieszkańca with a photo; an official takes it from the queue
and asks for information; the resident answers in the thread; the official marks it ready for
pickup; the resident sees the new status — in the inbox always, and, having consented to
electronic contact and push messages, by e-mail (read from a real local SMTP server) and as a
Web Push message (taken by a local push service and decrypted with the subscription's keys).
The same flow for a resident without those consents reaches the inbox only.
"""

import email
import email.policy
import io
import json
import re
import time

import pytest
from django.utils import timezone, translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope, scopes_disabled
from PIL import Image
from playwright.sync_api import expect

from podkowa.accounts.models import (
    ConsentKind,
    ConsentText,
    ResidentProfile,
    Role,
    VerificationLevel,
)
from podkowa.accounts.services.officials import official_appoint
from podkowa.cases.demo import load_case_demo
from podkowa.cases.models import Case, Status
from podkowa.core.models import Gmina
from podkowa.notifications.mailcatcher import start_mail_catcher
from podkowa.notifications.models import PushSubscription
from tests.factories import UserFactory
from tests.notifications.conftest import free_port, use_smtp
from tests.notifications.support import FakeBrowser, LocalHttpService

PASSWORD = "correct horse battery"  # the factory's
RESIDENT = "maria.nowak@example.org"
OFFICIAL = "urzednik@example.org"


@pytest.fixture
def town(site, media):
    with scopes_disabled():
        gmina = Gmina.objects.get(teryt="1405021")
    with scope(gmina=gmina):
        load_case_demo(gmina)
        resident = UserFactory(email=RESIDENT, first_name="Maria", last_name="Nowak",
                               email_confirmed_at=timezone.now())
        ResidentProfile.objects.create(
            gmina=gmina, user=resident, street="ul. Jaśminowa 5", postal_code="05-807",
            city="Podkowa Leśna", verification_level=VerificationLevel.VERIFIED_RESIDENT)
        for kind, text in ((ConsentKind.ELECTRONIC_COMMUNICATION,
                            "Zgadzam się na kontakt elektroniczny z urzędem."),
                           (ConsentKind.PUSH, "Zgadzam się na powiadomienia push.")):
            ConsentText.objects.create(gmina=gmina, kind=kind, version=1, text=text)
    return gmina


@pytest.fixture
def mailbox(settings, tmp_path):
    """A real SMTP server on the loopback that writes each mail it takes to a folder."""
    port = free_port()
    controller = start_mail_catcher(port=port, directory=tmp_path / "mail")
    use_smtp(settings, port)
    yield tmp_path / "mail"
    controller.stop()


@pytest.fixture
def push_service(settings):
    from podkowa.notifications.vapid import vapid_keys_generate

    keys = vapid_keys_generate()
    settings.WEBPUSH_VAPID_PRIVATE_KEY = keys.private_key
    settings.WEBPUSH_VAPID_PUBLIC_KEY = keys.public_key
    service = LocalHttpService(status=201)
    yield service
    service.stop()


def mails_to(folder, address: str) -> list:
    found = []
    for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if address in str(message["To"]):
            found.append(message)
    return found


# Headless Chromium has no push service of its own to reach here: the page's PushManager
# hands out a subscription on the local push service, with the keys of a FakeBrowser, and
# everything after it (the site's push.js registering it, the server encrypting and signing
# each message) is the real code.
FAKE_SUBSCRIBE = """
(([endpoint, p256dh, auth]) => {
  const subscription = {
    endpoint,
    toJSON: () => ({endpoint, keys: {p256dh, auth}}),
    unsubscribe: () => Promise.resolve(true),
  };
  PushManager.prototype.subscribe = () => Promise.resolve(subscription);
  PushManager.prototype.getSubscription = () => Promise.resolve(null);
})(%s)
"""


def turn_on_consents_and_push(page, site, axe, push_endpoint: str, device: FakeBrowser) -> None:
    page.goto(site + "/konto/zgody/")
    axe(page, "consents")
    for kind in ("electronic", "push"):
        page.locator(f"section[aria-labelledby=consent-{kind}] button[value=grant]").click()
        expect(page.locator(f"section[aria-labelledby=consent-{kind}] "
                            "button[value=revoke]")).to_be_visible()
    page.context.grant_permissions(["notifications"])
    page.add_init_script(FAKE_SUBSCRIBE % json.dumps([push_endpoint, device.p256dh,
                                                      device.auth]))
    page.goto(site + "/konto/powiadomienia/")
    page.evaluate("() => navigator.serviceWorker.ready")
    axe(page, "notification settings")
    page.locator("#push-enable-button").click()
    expect(page.locator("#push-status")).not_to_be_empty()
    page.wait_for_load_state()


@pytest.fixture
def clerk_device(town):
    with scope(gmina=town):
        user = UserFactory(email=OFFICIAL, first_name="Tomasz", last_name="Wróbel")
        official_appoint(gmina=town, user=user, roles=[Role.CASE_CLERK])
        return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def photo_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 160), (90, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def log_in(page, site, email: str, next_path: str) -> None:
    page.goto(site + next_path)
    expect(page).to_have_url(re.compile(r"/konto/logowanie/"))
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()


def official_log_in(page, site, device: TOTPDevice, next_path: str, step: int) -> None:
    log_in(page, site, OFFICIAL, next_path)
    expect(page).to_have_url(re.compile(r"/konto/2fa/"))
    device.refresh_from_db()
    # Each sign-in needs a code not used before: take the code of a later time step (the
    # device accepts one step of drift).
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + step * device.step
    page.locator("#id_code").fill(f"{totp.token():06d}")
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


def log_out(page) -> None:
    page.locator("header form.inline-form button[type=submit]").click()
    page.wait_for_load_state()


def status_label(status: str) -> str:
    with translation.override("pl"):
        return str(Status(status).label)


@pytest.mark.parametrize("consented", [True, False], ids=["consented", "no-consent"])
def test_a_resident_card_from_filing_to_pickup(site, page, axe, town, clerk_device, mailbox,
                                               push_service, consented):
    device = FakeBrowser()
    # --- the resident (with consent: agrees and turns push on) and files ---------------
    log_in(page, site, RESIDENT, "/sprawy/")
    expect(page).to_have_url(re.compile(r"/sprawy/$"))
    if consented:
        turn_on_consents_and_push(page, site, axe, f"{push_service.url}/push/maria", device)
        with scope(gmina=town):
            assert PushSubscription.objects.filter(user__email=RESIDENT).count() == 1
        page.goto(site + "/sprawy/")
    axe(page, "my cases, none yet")
    page.locator("a[href='/sprawy/nowa/']").first.click()
    axe(page, "catalogue")
    page.locator("a[href='/sprawy/nowa/karta-mieszkanca/']").click()
    expect(page.locator("h1")).to_have_text("Karta Mieszkańca")
    axe(page, "filing form")

    page.locator("form.case-form button[type=submit]").click()  # nothing filled in
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#f-first_name")).to_have_attribute("aria-invalid", "true")
    axe(page, "filing form with errors")

    page.locator("#f-first_name").fill("Maria")
    page.locator("#f-last_name").fill("Nowak")
    page.locator("#f-pesel").fill("44051401359")
    page.locator("#f-address-street").fill("ul. Jaśminowa 5")
    page.locator("#f-address-postal").fill("05-807")
    page.locator("#f-address-city").fill("Podkowa Leśna")
    page.locator("#f-household-0-name").fill("Jan Nowak")
    page.locator("#f-household-0-birth").fill("2015-06-01")
    add_person = page.locator("[data-people-rows] > button")
    expect(page.locator("#f-household-1-name")).to_be_hidden()
    add_person.click()
    expect(page.locator("#f-household-1-name")).to_be_focused()
    page.locator("#f-photo").set_input_files(
        files=[{"name": "zdjecie.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}])
    page.locator("#f-declaration").check()
    page.locator("form.case-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/sprawy/\d+/zlozona/$"))
    axe(page, "confirmation")
    number = page.locator(".case-number").inner_text()
    with scope(gmina=town):
        case = Case.objects.get(number=number)
        assert case.data["household"] == [{"name": "Jan Nowak", "birth_date": "2015-06-01"}]
        assert case.attachments.get().original_name == "zdjecie.jpg"
    page.goto(site + "/sprawy/")
    expect(page.locator("table")).to_contain_text(number)
    axe(page, "my cases")
    log_out(page)

    # --- the office takes it and asks for information --------------------------------------
    official_log_in(page, site, clerk_device, "/sprawy/urzad/", step=0)
    axe(page, "queue")
    page.locator(f"table a:text-is('{number}')").click()
    expect(page.locator("h1")).to_contain_text(number)
    axe(page, "office case page")
    page.locator("button[name=to_me]").click()
    page.locator("button[name=to_status][value=in_progress]").click()
    expect(page.locator("#case-status")).to_have_text(status_label(Status.IN_PROGRESS))
    page.locator("#id_note").fill("Proszę dosłać zdjęcie na jasnym tle.")
    page.locator("button[name=to_status][value=needs_information]").click()
    expect(page.locator("#case-status")).to_have_text(status_label(Status.NEEDS_INFORMATION))
    page.locator("#id_body").fill("Notatka: sprawdzić meldunek.")
    page.locator("#id_internal").check()
    page.locator("form.message-form button[type=submit]").click()
    expect(page.locator(".thread__item--internal")).to_contain_text("sprawdzić meldunek")
    axe(page, "office case page with a note")
    log_out(page)

    # --- the resident answers ------------------------------------------------------------------
    log_in(page, site, RESIDENT, f"/sprawy/{case.pk}/")
    expect(page.locator("#case-status")).to_have_text(status_label(Status.NEEDS_INFORMATION))
    expect(page.locator("#thread")).not_to_contain_text("sprawdzić meldunek")
    axe(page, "resident case page")
    page.locator("#id_body").fill("Przesyłam nowe zdjęcie.")
    page.locator("#id_files").set_input_files(
        files=[{"name": "nowe.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}])
    page.locator("form.message-form button[type=submit]").click()
    expect(page.locator("#thread")).to_contain_text("Przesyłam nowe zdjęcie.")
    expect(page.locator("#case-status")).to_have_text(status_label(Status.IN_PROGRESS))
    log_out(page)

    # --- the office marks it ready for pickup ----------------------------------------------
    official_log_in(page, site, clerk_device, f"/sprawy/urzad/{case.pk}/", step=1)
    expect(page.locator("#thread")).to_contain_text("Przesyłam nowe zdjęcie.")
    page.locator("button[name=to_status][value=ready_for_pickup]").click()
    expect(page.locator("#case-status")).to_have_text(status_label(Status.READY_FOR_PICKUP))
    log_out(page)

    # --- the resident sees it ----------------------------------------------------------------
    log_in(page, site, RESIDENT, "/sprawy/")
    expect(page.locator("table")).to_contain_text(status_label(Status.READY_FOR_PICKUP))
    page.locator(f"table a:text-is('{number}')").click()
    expect(page.locator("#case-status")).to_have_text(status_label(Status.READY_FOR_PICKUP))
    axe(page, "resident case page, ready for pickup")
    # The status change reached the resident's inbox whatever the consents.
    page.goto(site + "/konto/powiadomienia/skrzynka/")
    expect(page.locator("main")).to_contain_text(number)
    axe(page, "inbox")

    ready = status_label(Status.READY_FOR_PICKUP)
    mails = [m for m in mails_to(mailbox, RESIDENT) if number in str(m["Subject"])]
    pushes = [device.decrypt(r.body) for r in push_service.received
              if r.path == "/push/maria"]
    if not consented:
        assert mails == [] and push_service.received == []
        return
    [mail] = [m for m in mails if ready in str(m["Subject"])]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert number in text and f"/sprawy/{case.pk}/" in text
    assert mail.get_body(preferencelist=("html",)) is not None
    [push] = [p for p in pushes if ready in p["title"]]
    assert number in push["title"] and push["url"].endswith(f"/sprawy/{case.pk}/")
