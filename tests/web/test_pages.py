import re

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import permission_denied, server_error

from tests.factories import UserFactory

SERVICES = [
    "Resident panel",
    "Payments",
    "Public consultations",
    "E-cemetery",
    "Cultural events",
    "Registers and map",
    "Reports and open data",
]
PAGES = ["/", "/deklaracja-dostepnosci/", "/rodo/", "/offline/"]


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def office(gmina):
    gmina.official_name = "Urząd Miasta Podkowa Leśna"
    gmina.address = "ul. Akacjowa 39/41"
    gmina.postal_code = "05-807"
    gmina.city = "Podkowa Leśna"
    gmina.email = "urzad@podkowalesna.pl"
    gmina.phone = "+48 22 759 21 00"
    gmina.save()
    return gmina


def test_home_lists_the_seven_eservices(english, gmina):
    response = english.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    for title in SERVICES:
        assert title in html
    # Installed services are links; the others are announced, not dead links.
    for name in ("accounts:panel", "payments:home", "cemetery:home", "registers:home"):
        assert f'href="{reverse(name)}"' in html
    assert html.count("Coming soon") == len(SERVICES) - 4


@pytest.mark.parametrize("path", [*PAGES, "/no-such-page/"])
def test_every_page_has_the_shell(english, office, path):
    response = english.get(path)
    html = response.content.decode()
    assert response.status_code == (404 if path == "/no-such-page/" else 200)
    assert 'href="/deklaracja-dostepnosci/"' in html
    assert 'href="/rodo/"' in html
    assert 'href="#main"' in html and 'id="main"' in html
    assert "urzad@podkowalesna.pl" in html and 'href="tel:+48227592100"' in html
    assert '<html lang="en"' in html


@pytest.mark.parametrize("path", PAGES)
def test_responses_carry_the_content_security_policy(client, gmina, path):
    policy = client.get(path)["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_pages_have_no_inline_scripts_or_styles(client, gmina):
    for path in PAGES:
        html = client.get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert "<style" not in html and " style=" not in html, path


def test_anonymous_visitor_gets_log_in_and_language_forms(english, gmina):
    html = english.get("/").content.decode()
    assert f'href="{reverse("accounts:login")}"' in html
    assert f'action="{reverse("set_language")}"' in html
    assert 'name="next" value="/"' in html


def test_signed_in_resident_logs_out_with_a_post_form(english, gmina):
    english.force_login(UserFactory())
    html = english.get("/").content.decode()
    assert f'href="{reverse("accounts:panel")}"' in html
    assert re.search(
        rf'<form[^>]*method="post"[^>]*action="{reverse("accounts:logout")}"', html
    )
    assert f'href="{reverse("accounts:login")}"' not in html


def test_language_switch_sets_the_cookie_and_the_page_turns_english(client, gmina):
    assert '<html lang="pl"' in client.get("/rodo/").content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/rodo/"})
    assert response.status_code == 302
    assert response["Location"] == "/rodo/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/rodo/").content.decode()
    assert '<html lang="en"' in html
    assert "Personal data protection" in html


def test_accessibility_statement_has_the_statutory_sections(english, office):
    html = english.get("/deklaracja-dostepnosci/").content.decode()
    for required in [
        "Urząd Miasta Podkowa Leśna",  # the entity
        'id="a11y-data-publikacja" datetime="',
        'id="a11y-data-aktualizacja" datetime="',
        "partially compliant",
        "Content that is not accessible",
        "self-assessment",
        'id="a11y-data-sporzadzenie"',
        'href="mailto:urzad@podkowalesna.pl"',
        "Enforcement procedure",
        "Commissioner for Human Rights",
        "Architectural accessibility",
        "ul. Akacjowa 39/41",
        "Mobile applications",
    ]:
        assert required in html, required


def test_privacy_notice_names_the_controller_and_the_supervisory_authority(english, office):
    html = english.get("/rodo/").content.decode()
    for required in [
        "controller of your personal data is <strong>Urząd Miasta Podkowa Leśna</strong>",
        "Data protection officer",
        "Article 6(1)(e) GDPR",
        "Recipients",
        "How long we keep the data",
        "Article 17 GDPR",
        "Personal Data Protection Office",
        "automated decision-making",
    ]:
        assert required in html, required


def test_server_error_page_renders_without_a_request_context(db):
    with translation.override("en"):
        response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in html
    assert 'href="/deklaracja-dostepnosci/"' in html


def test_permission_denied_page_offers_to_log_in(gmina):
    request = RequestFactory().get("/konto/")
    request.gmina = gmina
    with translation.override("en"):
        response = permission_denied(request, exception=None)
    html = response.content.decode()
    assert response.status_code == 403
    assert "Access denied" in html
    assert f'href="{reverse("accounts:login")}?next=/konto/"' in html
