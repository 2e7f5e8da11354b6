from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

from podkowa.web.eservices import CATALOGUE, eservice_links


def _payments_home(request):
    return HttpResponse("payments")


# A URLconf in which the payments app "is installed": its card must become a link.
urlpatterns = [
    path("platnosci/", include(([path("", _payments_home, name="home")], "payments"))),
    path("", include("podkowa.urls")),
]


def test_catalogue_has_the_seven_services_in_order():
    assert [service.key for service in CATALOGUE] == [
        "panel", "payments", "consultations", "cemetery", "culture", "registers", "reports",
    ]


def test_service_not_installed_is_shown_as_coming_soon_without_a_link(client, gmina):
    html = client.get("/", HTTP_COOKIE="django_language=en").content.decode()
    assert "/platnosci/" not in html
    # Every app not installed yet is announced (the count falls as apps arrive).
    assert html.count("Coming soon") == sum(not link.available for link in eservice_links())


@override_settings(ROOT_URLCONF=__name__)
def test_service_becomes_a_link_once_its_app_routes_it(client, gmina):
    html = client.get("/", HTTP_COOKIE="django_language=en").content.decode()
    assert '<a href="/platnosci/">Payments</a>' in html  # the card
    assert html.count('href="/platnosci/"') == 2  # the card and the primary navigation
    assert html.count("Coming soon") == sum(not link.available for link in eservice_links())


def test_csrf_failure_page_is_in_the_design(gmina):
    client = Client(enforce_csrf_checks=True, HTTP_COOKIE="django_language=en")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "The form has expired" in html
    assert 'href="/deklaracja-dostepnosci/"' in html
