import base64

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from podkowa.accounts.models import Official
from tests.factories import UserFactory

TWO_FACTOR = "/konto/2fa/"


# Assertions read the English strings; the site's default is Polish.
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def official(gmina):
    user = UserFactory(email="urzednik@example.org", language="en")
    Official.objects.create(gmina=gmina, user=user, job_title="Clerk")
    return user


def code_for(device: TOTPDevice, drift: int = 0) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits,
                 drift=device.drift + drift)
    return f"{value:06d}"


def wrong_code(device: TOTPDevice) -> str:
    # Not the code of this, the previous or the next time step (the device tolerates one).
    accepted = {code_for(device, drift) for drift in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in accepted)


def log_in(client, email):
    response = client.post("/konto/logowanie/", {"username": email,
                                                  "password": "correct horse battery"})
    assert response.status_code == 302
    return response


def test_an_official_must_pass_the_second_factor_first(client, official):
    log_in(client, official.email)

    response = client.get("/konto/")

    assert response.status_code == 302
    assert response["Location"] == f"{TWO_FACTOR}?next=%2Fkonto%2F"


def test_the_api_tells_an_unverified_official_what_is_missing(client, official):
    log_in(client, official.email)

    response = client.get("/api/v1/me")

    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_required"


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_staff_are_officials_too(client, gmina, flag):
    user = UserFactory(**{flag: True})
    client.force_login(user)
    assert client.get("/konto/")["Location"].startswith(TWO_FACTOR)


def test_the_administration_is_covered(client, gmina):
    user = UserFactory(is_staff=True)
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(TWO_FACTOR)


def test_residents_are_not_asked(client, gmina):
    client.force_login(UserFactory())
    assert client.get("/konto/").status_code == 200


def test_an_inactive_post_or_another_town_does_not_count(client, gmina, other_gmina):
    from django_scopes import scope

    former = UserFactory()
    Official.objects.create(gmina=gmina, user=former, is_active=False)
    elsewhere = UserFactory()
    with scope(gmina=other_gmina):
        Official.objects.create(gmina=other_gmina, user=elsewhere)

    for user in (former, elsewhere):
        client.force_login(user)
        assert client.get("/konto/").status_code == 200


@pytest.mark.parametrize("path", ["/konto/potwierdz/abc/", "/i18n/setlang/", "/static/x.css"])
def test_some_paths_stay_open_before_the_second_factor(client, official, path):
    client.force_login(official)
    response = client.get(path)
    assert not (response.status_code == 302 and response["Location"].startswith(TWO_FACTOR))


def test_an_official_can_log_out_before_the_second_factor(client, official):
    client.force_login(official)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_setup_shows_a_qr_code_and_the_secret_then_confirms(client, official):
    log_in(client, official.email)

    page = client.get(f"{TWO_FACTOR}?next=/konto/dane/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Set up two-step login" in html
    assert 'class="totp-qr"' in html
    assert "<title>QR code to scan with the authenticator app</title>" in html
    device = TOTPDevice.objects.get(user=official)
    assert device.confirmed is False
    secret = base64.b32encode(device.bin_key).decode()
    assert " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in html
    assert 'autocomplete="one-time-code"' in html
    # Reloading the page keeps the same device (the app may already have scanned it).
    client.get(TWO_FACTOR)
    assert TOTPDevice.objects.filter(user=official).count() == 1

    response = client.post(TWO_FACTOR, {"code": code_for(device), "next": "/konto/dane/"})

    assert response.status_code == 302
    assert response["Location"] == "/konto/dane/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get("/konto/").status_code == 200


def test_a_wrong_setup_code_is_refused_and_nothing_confirmed(client, official):
    client.force_login(official)
    client.get(TWO_FACTOR)
    device = TOTPDevice.objects.get(user=official)
    wrong = wrong_code(device)

    response = client.post(TWO_FACTOR, {"code": wrong})

    assert response.status_code == 400
    html = response.content.decode()
    assert "This code is not correct." in html
    assert 'aria-invalid="true"' in html
    device.refresh_from_db()
    assert device.confirmed is False
    assert client.get("/konto/").status_code == 302


def test_a_code_must_be_six_digits(client, official):
    client.force_login(official)
    response = client.post(TWO_FACTOR, {"code": "12ab"})
    assert response.status_code == 400
    assert response.context["form"].errors["code"]


@pytest.fixture
def enrolled(official):
    return TOTPDevice.objects.create(user=official, name="phone", confirmed=True)


def test_an_enrolled_official_enters_a_code(client, official, enrolled):
    log_in(client, official.email)
    page = client.get(TWO_FACTOR)
    html = page.content.decode()
    assert "Enter your code" in html
    assert "totp-qr" not in html  # the secret is never shown again

    response = client.post(TWO_FACTOR, {"code": code_for(enrolled), "next": "/admin/"})

    assert response["Location"] == "/admin/"
    assert client.get("/konto/").status_code == 200


def test_wrong_codes_are_throttled(client, official, enrolled):
    client.force_login(official)
    wrong = wrong_code(enrolled)
    first = client.post(TWO_FACTOR, {"code": wrong})
    assert "This code is not correct." in first.content.decode()

    # Right after a failure even the right code has to wait (django-otp's back-off).
    second = client.post(TWO_FACTOR, {"code": code_for(enrolled)})

    assert second.status_code == 400
    assert "Too many wrong codes. Wait" in second.content.decode()
    assert client.get("/konto/").status_code == 302


def test_a_code_cannot_be_used_twice(client, official, enrolled):
    code = code_for(enrolled)
    client.force_login(official)
    assert client.post(TWO_FACTOR, {"code": code}).status_code == 302
    client.post(reverse("accounts:logout"))

    client.force_login(official)
    assert client.post(TWO_FACTOR, {"code": code}).status_code == 400


def test_the_next_address_must_stay_on_the_site(client, official, enrolled):
    client.force_login(official)
    response = client.post(TWO_FACTOR, {"code": code_for(enrolled),
                                        "next": "https://evil.example/"})
    assert response["Location"] == reverse("accounts:panel")


def test_the_two_factor_page_needs_a_login(client, gmina):
    response = client.get(TWO_FACTOR)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
