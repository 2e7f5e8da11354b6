import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.urls import reverse

from podkowa.notifications.models import OutboxMessage
from tests.factories import UserFactory

LOGIN_URL = "/konto/logowanie/"
PASSWORD = "correct horse battery"


# Assertions read the English strings; the site's default is Polish.
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def anna(gmina):
    return UserFactory(email="anna@example.org", language="en")


def log_in(client, email="anna@example.org", password=PASSWORD, **extra):
    return client.post(LOGIN_URL, {"username": email, "password": password}, **extra)


def test_login_with_email_and_password_opens_the_panel(client, anna):
    response = log_in(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:panel")
    panel = client.get(reverse("accounts:panel"))
    assert panel.status_code == 200
    assert "Hello, Anna" in panel.content.decode()


def test_the_address_is_not_case_sensitive(client, anna):
    assert log_in(client, email="Anna@Example.ORG").status_code == 302


def test_login_switches_to_the_persons_language(client, gmina, settings):
    UserFactory(email="polka@example.org", language="pl")
    response = log_in(client, email="polka@example.org")

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pl"


def test_wrong_password_is_a_clear_error(client, anna):
    response = log_in(client, password="wrong one")

    assert response.status_code == 200
    html = response.content.decode()
    assert "The e-mail address or the password is not correct." in html
    assert 'role="alert"' in html
    assert "_auth_user_id" not in client.session


def test_login_form_helps_password_managers(client, gmina):
    html = client.get(LOGIN_URL).content.decode()
    assert re.search(r'<input[^>]*name="username"[^>]*autocomplete="email"', html) or \
        re.search(r'<input[^>]*autocomplete="email"[^>]*name="username"', html)
    assert 'autocomplete="current-password"' in html
    assert '<label for="id_username"' in html
    assert '<label for="id_password"' in html


def test_ten_wrong_passwords_lock_the_account_even_for_the_right_password(client, anna):
    for _attempt in range(9):
        assert log_in(client, password="wrong one").status_code == 200
    tenth = log_in(client, password="wrong one")
    assert tenth.status_code == 429
    assert "Account temporarily locked" in tenth.content.decode()

    right = log_in(client)

    assert right.status_code == 429
    html = right.content.decode()
    assert "locked it for 30 minutes" in html
    assert reverse("accounts:password_reset") in html
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_account_not_per_browser(client, anna):
    UserFactory(email="piotr@example.org")
    for _attempt in range(10):
        log_in(client, password="wrong one")
    assert log_in(client, email="piotr@example.org").status_code == 302


def test_after_the_cool_off_the_right_password_works(client, anna):
    for _attempt in range(10):
        log_in(client, password="wrong one")
    assert log_in(client).status_code == 429

    # Travel 31 minutes ahead: the failures are older than the cool-off time.
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time
                                 - timedelta(minutes=31))

    assert log_in(client).status_code == 302


def test_an_administrator_can_lift_the_lock(client, anna):
    for _attempt in range(10):
        log_in(client, password="wrong one")
    axes_reset(username="anna@example.org")
    assert log_in(client).status_code == 302


def test_one_address_is_throttled_across_accounts(client, gmina, settings):
    settings.LOGIN_RATE_LIMIT = 3
    for number in range(3):
        UserFactory(email=f"p{number}@example.org")
        assert log_in(client, email=f"p{number}@example.org", password="nope").status_code == 200

    UserFactory(email="p3@example.org")
    response = log_in(client, email="p3@example.org")

    assert response.status_code == 429
    assert "Too many login attempts from your network" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address is not affected.
    assert log_in(client, email="p3@example.org", REMOTE_ADDR="10.1.2.3").status_code == 302


def test_logout_needs_post(client, anna):
    client.force_login(anna)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


# --- password reset -----------------------------------------------------------------------


def reset_link(address: str) -> str:
    message = OutboxMessage.objects.filter(address=address).latest("id")
    return re.search(r"https?://[^/\s]+(/konto/haslo/nowe/\S+/)", message.body).group(1)


def test_password_reset_goes_through_the_outbox_and_works(client, anna):
    response = client.post(reverse("accounts:password_reset"), {"email": "anna@example.org"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    message = OutboxMessage.objects.get(address="anna@example.org")
    assert message.recipient == anna
    assert message.subject == "Set a new password — Podkowa Leśna"

    form_page = client.get(reset_link("anna@example.org"), follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    done = client.post(form_page.redirect_chain[-1][0], {
        "new_password1": "nowe-haslo-do-konta", "new_password2": "nowe-haslo-do-konta",
    })
    assert done["Location"] == reverse("accounts:password_reset_complete")
    assert log_in(client, password="nowe-haslo-do-konta").status_code == 302


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, gmina):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert not OutboxMessage.objects.exists()


def test_a_new_password_lifts_the_lock(client, anna):
    for _attempt in range(10):
        log_in(client, password="wrong one")
    client.post(reverse("accounts:password_reset"), {"email": "anna@example.org"})
    form_page = client.get(reset_link("anna@example.org"), follow=True)
    client.post(form_page.redirect_chain[-1][0], {
        "new_password1": "nowe-haslo-do-konta", "new_password2": "nowe-haslo-do-konta",
    })

    assert log_in(client, password="nowe-haslo-do-konta").status_code == 302


def test_a_used_reset_link_is_refused_clearly(client, anna, settings):
    client.post(reverse("accounts:password_reset"), {"email": "anna@example.org"})
    link = reset_link("anna@example.org")
    form_page = client.get(link, follow=True)
    client.post(form_page.redirect_chain[-1][0], {
        "new_password1": "nowe-haslo-do-konta", "new_password2": "nowe-haslo-do-konta",
    })
    client.logout()  # (which also drops every cookie, the language's too)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    again = client.get(link, follow=True)

    assert again.context["validlink"] is False
    assert "This link does not work" in again.content.decode()


def test_reset_requests_cannot_flood_a_mailbox(client, anna, monkeypatch):
    # A fixed clock, so that the requests cannot straddle the edge of a ten-minute window.
    monkeypatch.setattr("podkowa.accounts.forms.time", SimpleNamespace(time=lambda: 6000.0))
    for _attempt in range(4):
        client.post(reverse("accounts:password_reset"), {"email": "anna@example.org"})
    assert OutboxMessage.objects.filter(address="anna@example.org").count() == 1
