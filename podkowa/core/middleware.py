from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_scopes import scope

from podkowa.core.selectors import gmina_for_host


class GminaMiddleware:
    """Chooses the town by host name and opens its tenant scope for the whole request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        gmina = gmina_for_host(host=request.get_host())
        if gmina is None:
            return render(request, "web/no_gmina.html", status=503)
        request.gmina = gmina
        with scope(gmina=gmina):
            return self.get_response(request)
