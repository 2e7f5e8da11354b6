from django.http import HttpRequest

from podkowa.web.eservices import eservice_links


def shell(request: HttpRequest) -> dict:
    return {
        "gmina": getattr(request, "gmina", None),
        # A callable, so the templates that never show the services do not resolve them.
        "eservices": eservice_links,
    }
