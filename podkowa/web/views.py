import hashlib
import json
from datetime import date

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from podkowa.web.eservices import eservice_links

# The statutory dates of the accessibility statement. Change them when the site changes
# significantly (last_update) and each time the statement is reviewed (reviewed).
ACCESSIBILITY_DATES = {
    "published": date(2026, 12, 1),
    "last_update": date(2026, 12, 1),
    "prepared": date(2026, 11, 30),
    "reviewed": date(2026, 11, 30),
}
PRIVACY_NOTICE_UPDATED = date(2026, 11, 30)

THEME_COLOUR = "#1f5f3f"
BACKGROUND_COLOUR = "#f6f7f4"

# What the service worker keeps for offline use: the shell's own assets only. Pages are never
# cached (they may show personal data on a shared device) except the offline page.
PRECACHED_STATIC = [
    "web/css/site.css",
    "web/js/site.js",
    "web/js/offline.js",
    "web/vendor/htmx/htmx.min.js",
    "web/icons/icon-192.png",
    "web/icons/favicon.svg",
]
# Where the service worker keeps public pages and data for use without a network (a grave's
# page, a cemetery's page and its offline pack). Not versioned with the shell.
PUBLIC_CACHE = "podkowa-public-data"


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"services": eservice_links()})


@require_safe
def accessibility_statement(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/accessibility.html",
        {"dates": ACCESSIBILITY_DATES, "site_url": request.build_absolute_uri(reverse("web:home"))},
    )


@require_safe
def privacy_notice(request: HttpRequest) -> HttpResponse:
    return render(request, "web/privacy.html", {"updated": PRIVACY_NOTICE_UPDATED})


@require_safe
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "web/offline.html", {"public_cache": PUBLIC_CACHE})


@require_safe
@cache_control(max_age=3600)
def manifest(request: HttpRequest) -> JsonResponse:
    town = request.gmina.name
    data = {
        "id": "/",
        "name": _("%(town)s e-services") % {"town": town},
        "short_name": town,
        "description": _("Online services of %(town)s for residents.") % {"town": town},
        "lang": get_language(),
        "dir": "ltr",
        "start_url": "/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "categories": ["government", "utilities"],
        "icons": [
            {"src": static("web/icons/icon-192.png"), "sizes": "192x192", "type": "image/png",
             "purpose": "any"},
            {"src": static("web/icons/icon-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "any"},
            {"src": static("web/icons/maskable-512.png"), "sizes": "512x512",
             "type": "image/png", "purpose": "maskable"},
        ],
    }
    return JsonResponse(
        data, content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


@require_safe
@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    precache = [static(path) for path in PRECACHED_STATIC]
    # The cache name changes whenever an asset does (fingerprinted names in production), so
    # that a new deployment replaces the old cache instead of serving stale files.
    version = hashlib.sha256("\n".join([settings.STATIC_URL, *precache]).encode()).hexdigest()
    response = render(
        request,
        "web/sw.js",
        {
            "cache_version": version[:12],
            "precache_json": json.dumps(precache),
            "static_url_json": json.dumps(settings.STATIC_URL),
            "public_cache_json": json.dumps(PUBLIC_CACHE),
        },
        content_type="text/javascript; charset=utf-8",
    )
    # Served from the root so that it may control every page.
    response["Service-Worker-Allowed"] = "/"
    return response
