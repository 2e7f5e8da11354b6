import json

from django.contrib.staticfiles import finders


def _static_path(url: str) -> str:
    assert url.startswith("/static/"), url
    return url.removeprefix("/static/")


def test_manifest_describes_an_installable_app(client, gmina):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["short_name"] == "Podkowa Leśna"
    assert "Podkowa Leśna" in manifest["name"]
    assert manifest["start_url"] == "/?source=pwa"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["lang"] == "pl"
    assert manifest["theme_color"].startswith("#")
    assert manifest["background_color"].startswith("#")
    assert "government" in manifest["categories"]
    icons = {(icon["sizes"], icon["purpose"]): icon for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= icons.keys()
    for icon in manifest["icons"]:
        found = finders.find(_static_path(icon["src"]))
        assert found, icon["src"]
        with open(found, "rb") as png:
            header = png.read(24)
        assert header.startswith(b"\x89PNG")
        width = int.from_bytes(header[16:20], "big")
        assert f"{width}x{width}" == icon["sizes"]


def test_pages_link_the_manifest_and_the_icons(client, gmina):
    html = client.get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert 'name="theme-color"' in html
    assert 'rel="apple-touch-icon"' in html
    assert 'data-sw="/sw.js"' in html


def test_service_worker_is_served_from_the_root_uncached(client, gmina):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    script = response.content.decode()
    assert '"/offline/"' in script
    assert "/static/web/css/site.css" in script
    assert "skipWaiting" in script


def test_offline_page_holds_nothing_personal(client, gmina):
    response = client.get("/offline/")
    html = response.content.decode()
    assert response.status_code == 200
    # The service worker stores this page for everyone: no forms, no CSRF token, no account.
    assert "<form" not in html
    assert "csrfmiddlewaretoken" not in html
