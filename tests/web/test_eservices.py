from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

from podkowa.web.eservices import CATALOGUE, eservice_links


def _consultations_home(request):
    return HttpResponse("consultations")


# A URLconf in which the consultations app "is installed": its card must become a link.
urlpatterns = [
    path("konsultacje/", include(([path("", _consultations_home, name="home")],
                                  "consultations"))),
    path("", include("podkowa.urls")),
]

INSTALLED = {"panel", "payments", "cemetery", "registers"}


def test_catalogue_has_the_seven_services_in_order():
    assert [service.key for service in CATALOGUE] == [
        "panel", "payments", "consultations", "cemetery", "culture", "registers", "reports",
    ]


def test_installed_services_are_links_and_the_others_coming_soon(client, gmina):
    html = client.get("/", HTTP_COOKIE="django_language=en").content.decode()
    links = {link.service.key: link.url for link in eservice_links()}
    assert {key for key, url in links.items() if url} == INSTALLED
    for key in INSTALLED:
        assert f'href="{links[key]}"' in html
    assert "/konsultacje/" not in html
    assert html.count("Coming soon") == len(CATALOGUE) - len(INSTALLED)


@override_settings(ROOT_URLCONF=__name__)
def test_service_becomes_a_link_once_its_app_routes_it(client, gmina):
    html = client.get("/", HTTP_COOKIE="django_language=en").content.decode()
    assert '<a href="/konsultacje/">Public consultations</a>' in html  # the card
    assert html.count('href="/konsultacje/"') == 2  # the card and the primary navigation
    assert html.count("Coming soon") == len(CATALOGUE) - len(INSTALLED) - 1


def test_csrf_failure_page_is_in_the_design(gmina):
    client = Client(enforce_csrf_checks=True, HTTP_COOKIE="django_language=en")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "The form has expired" in html
    assert 'href="/deklaracja-dostepnosci/"' in html
